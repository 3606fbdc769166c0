// conditional.hide in the browser: the same FEEL subset as engine/forms/feel.py, which is authoritative:
// = != < <= > >=, and, or, not(...), parentheses, strings, numbers, true/false/null and field names (an unknown
// name reads as null). FEEL's null logic: comparing values of different types, ordering booleans, lists or
// objects, and not() of a non-boolean give null. tests/fixtures/feel_cases.json holds the cases both agree on.

const TOKEN = /\s*(?:([0-9]+(?:\.[0-9]+)?)|("(?:[^"\\]|\\.)*")|(!=|<=|>=|[=<>()-])|([A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*))/y;
const WORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null']);
const MAX_EXPRESSION = 2000;
const MAX_NESTING = 30;

function tokenize(text) {
  const tokens = [];
  let pos = 0;
  while (pos < text.length && text.slice(pos).trim()) {
    TOKEN.lastIndex = pos;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`unexpected character at ${pos}`);
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', value: JSON.parse(match[2]) });
    else if (match[3] !== undefined) tokens.push({ kind: match[3] });
    else if (WORDS.has(match[4])) tokens.push({ kind: match[4] });
    else tokens.push({ kind: 'name', value: match[4] });
    pos = TOKEN.lastIndex;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

function kindOf(v) {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  return typeof v === 'string' ? 'string' : 'other';
}

// Lists and objects are equal when their contents are (as Python's == says).
function same(a, b) {
  if (kindOf(a) !== 'other') return a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && same(a[key], b[key]));
}

function compare(op, a, b) {
  if (a === null || b === null) return op === '=' ? a === b : op === '!=' ? a !== b : null;
  if (kindOf(a) !== kindOf(b)) return null;
  if (op === '=') return same(a, b);
  if (op === '!=') return !same(a, b);
  if (kindOf(a) !== 'number' && kindOf(a) !== 'string') return null;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function anyTrue(parts) {
  return (v) => {
    let result = false;
    for (const part of parts) { const x = part(v); if (x === true) return true; if (x !== false) result = null; }
    return result;
  };
}

function allTrue(parts) {
  return (v) => {
    let result = true;
    for (const part of parts) { const x = part(v); if (x === false) return false; if (x !== true) result = null; }
    return result;
  };
}

// The expression's evaluator: values (field key -> value) in, the expression's value out. Throws on anything
// outside the subset.
export function parse(source) {
  if (typeof source !== 'string' || source.charAt(0) !== '=') throw new Error('not an expression');
  if (source.length > MAX_EXPRESSION) throw new Error('too long');
  const tokens = tokenize(source.slice(1));
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i].kind;
  const expect = (kind) => { if (tokens[i++].kind !== kind) throw new Error(`expected ${kind}`); };
  function orExpr() {
    const parts = [andExpr()];
    while (peek() === 'or') { i++; parts.push(andExpr()); }
    return parts.length === 1 ? parts[0] : anyTrue(parts);
  }
  function andExpr() {
    const parts = [comparison()];
    while (peek() === 'and') { i++; parts.push(comparison()); }
    return parts.length === 1 ? parts[0] : allTrue(parts);
  }
  function comparison() {
    const left = operand();
    const op = peek();
    if (!['=', '!=', '<', '<=', '>', '>='].includes(op)) return left;
    i++;
    const right = operand();
    return (v) => compare(op, left(v), right(v));
  }
  function nested() {
    depth++;
    if (depth > MAX_NESTING) throw new Error('nested too deep');
    const inner = orExpr();
    expect(')');
    depth--;
    return inner;
  }
  function operand() {
    const t = tokens[i++];
    if (t.kind === 'number' || t.kind === 'string') return () => t.value;
    if (t.kind === 'true' || t.kind === 'false' || t.kind === 'null') {
      const constant = t.kind === 'null' ? null : t.kind === 'true';
      return () => constant;
    }
    if (t.kind === 'name') {
      return (v) => (Object.prototype.hasOwnProperty.call(v, t.value) && v[t.value] !== undefined ? v[t.value] : null);
    }
    if (t.kind === '-' && peek() === 'number') { const n = -tokens[i++].value; return () => n; }
    if (t.kind === '(') return nested();
    if (t.kind === 'not') {
      expect('(');
      const negated = nested();
      return (v) => { const x = negated(v); return typeof x === 'boolean' ? !x : null; };
    }
    throw new Error(`unexpected ${t.kind}`);
  }
  const evaluate = orExpr();
  expect('end');
  return evaluate;
}
