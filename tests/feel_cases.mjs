// Runs the browser's conditional.hide evaluator (webapp/frontend/src/feel.mjs) on a table of cases
// ([{expression, data, expected} or {expression, data, error: true}]) and prints, per case, what it gave:
// {value} or {error}. tests/test_feel_cases.py compares that with the table and with engine/forms/feel.py.
import { readFileSync } from 'node:fs';
import { parse } from '../webapp/frontend/src/feel.mjs';

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map(({ expression, data }) => {
  let evaluate;
  try {
    evaluate = parse(expression);
  } catch (err) {
    return { error: err.message };
  }
  const value = evaluate(data);
  return { value: value === undefined ? null : value };
});
process.stdout.write(JSON.stringify(results));
