// Rewrites supportflow's BPMN (SpiffWorkflow dialect, restricted Python) into one BPMN document that
// bpmn-engine executes. Done in memory with bpmn-moddle (the parser bpmn-engine itself uses):
//
//  * all given files are merged into ONE <definitions>: bpmn-engine starts a call activity's
//    calledElement only when that process is in the same definitions document (bpmn-elements
//    CallActivity/DefinitionExecution); it has no lookup across separately loaded sources. Only the
//    main process stays isExecutable="true" (bpmn-engine would otherwise start every executable
//    process of the document); the called ones become isExecutable="false" and are started by the
//    call activities. Ids that collide between files (lanes, flow_not_a_bug) get a "<process>__"
//    prefix in the called process; flow-node ids are never touched.
//  * sequence-flow conditions (Python) become JavaScript script conditions
//    <conditionExpression language="javascript">next(null, ...)</conditionExpression>, evaluated by
//    bpmn-engine's default script handler (node:vm); task-data variables are read from
//    environment.variables (see run.js for how task data gets there).
//  * script tasks (Python assignments) become scriptFormat="javascript" scripts that assign
//    environment.variables.<name> and call next().
//  * timer expressions "P14D" (Python strings) become plain ISO 8601 durations P14D.
//  * spiffworkflow service tasks become implementation="${environment.services.sfOperator(...)}":
//    a service factory (run.js) that records the call and stores the result variable, no effect.
//  * supportflow's own extension elements (spiffworkflow:properties, sf:form) and BPMNDI are dropped:
//    bpmn-engine does not read them (status/resolution bookkeeping and forms are supportflow-side).
//
// Only the Python subset the shipped diagrams use is translated; anything else throws, so a
// diagram change cannot silently turn into a wrong benchmark.

import fs from 'node:fs/promises';
import BpmnModdle from 'bpmn-moddle';

// ---------------------------------------------------------------- Python subset -> JavaScript

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|<|>|\(|\)))/y;
const KEYWORDS = new Set(['True', 'False', 'None', 'and', 'or', 'not', 'if', 'else', 'is', 'in', 'lambda']);

function tokenize(source) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`cannot translate Python expression ${JSON.stringify(source)} at ${JSON.stringify(source.slice(pos))}`);
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'str', text: JSON.stringify(m[2].slice(1, -1)) });
    else if (m[3] !== undefined) tokens.push({ kind: KEYWORDS.has(m[3]) ? 'kw' : 'name', text: m[3] });
    else tokens.push({ kind: 'op', text: m[4] });
  }
  return tokens;
}

/** Translate a Python expression of the subset (names, literals, == != < <= > >=, and/or/not,
 * parentheses, `a if c else b`) to JavaScript reading names from environment.variables. */
export function pythonExpressionToJs(source) {
  const tokens = tokenize(source.trim());
  let i = 0;
  const peek = () => tokens[i];
  const isKw = (kw) => peek()?.kind === 'kw' && peek().text === kw;
  const fail = (why) => {
    throw new Error(`cannot translate Python expression ${JSON.stringify(source)}: ${why}`);
  };

  function ternary() {
    const value = orExpr();
    if (!isKw('if')) return value;
    i++;
    const cond = orExpr();
    if (!isKw('else')) fail("'if' without 'else'");
    i++;
    const alternative = ternary();
    return `((${cond}) ? (${value}) : (${alternative}))`;
  }
  function orExpr() {
    let left = andExpr();
    while (isKw('or')) {
      i++;
      left = `(${left} || ${andExpr()})`;
    }
    return left;
  }
  function andExpr() {
    let left = notExpr();
    while (isKw('and')) {
      i++;
      left = `(${left} && ${notExpr()})`;
    }
    return left;
  }
  function notExpr() {
    if (isKw('not')) {
      i++;
      return `!(${notExpr()})`;
    }
    return comparison();
  }
  function comparison() {
    let left = atom();
    const ops = { '==': '===', '!=': '!==', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
    while (peek()?.kind === 'op' && ops[peek().text]) {
      const op = ops[tokens[i++].text];
      left = `(${left} ${op} ${atom()})`;
    }
    return left;
  }
  function atom() {
    const tok = tokens[i++];
    if (!tok) fail('unexpected end');
    if (tok.kind === 'num' || tok.kind === 'str') return tok.text;
    if (tok.kind === 'name') return `environment.variables.${tok.text}`;
    if (tok.kind === 'kw') {
      if (tok.text === 'True') return 'true';
      if (tok.text === 'False') return 'false';
      if (tok.text === 'None') return 'null';
      fail(`unsupported keyword ${tok.text}`);
    }
    if (tok.text === '(') {
      const inner = ternary();
      if (tokens[i++]?.text !== ')') fail('missing )');
      return `(${inner})`;
    }
    return fail(`unexpected ${tok.text}`);
  }

  const js = ternary();
  if (i !== tokens.length) fail(`unexpected ${tokens[i].text}`);
  return js;
}

/** A Python condition -> body of a bpmn-engine JavaScript script condition. */
export function pythonConditionToJs(source) {
  return `next(null, Boolean(${pythonExpressionToJs(source)}));`;
}

/** A Python script of plain assignments (`name = expr` per line) -> bpmn-engine script task body. */
export function pythonScriptToJs(source) {
  const lines = [];
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.+)$/.exec(line);
    if (!m) throw new Error(`cannot translate Python script line ${JSON.stringify(line)} (only "name = expression")`);
    lines.push(`environment.variables.${m[1]} = ${pythonExpressionToJs(m[2])};`);
  }
  lines.push('next();');
  return lines.join('\n');
}

/** A Python string literal ("P14D") -> its value. */
function pythonStringLiteral(source) {
  const m = /^\s*("([^"\\]*)"|'([^'\\]*)')\s*$/.exec(source);
  if (!m) throw new Error(`timer expression ${JSON.stringify(source)} is not a plain Python string`);
  return m[2] ?? m[3];
}

/** A spiffworkflow parameter value (Python expression) -> an argument of a bpmn-engine expression call. */
function parameterArgument(value) {
  const v = value.trim();
  if (/^'[^'\\,()]*'$/.test(v) || /^"[^"\\,()]*"$/.test(v)) return v;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return `environment.variables.${v}`;
  throw new Error(`service parameter ${JSON.stringify(value)} is neither a string literal nor a variable`);
}

// ---------------------------------------------------------------- the document rewrite

function findExtension(element, type) {
  return (element.extensionElements?.values || []).filter((v) => v.$type === type);
}

function convertProcess(moddle, process, stats) {
  for (const element of process.flowElements || []) {
    switch (element.$type) {
      case 'bpmn:SequenceFlow': {
        const cond = element.conditionExpression;
        if (cond && cond.body) {
          element.conditionExpression = moddle.create('bpmn:FormalExpression', {
            language: 'javascript',
            body: pythonConditionToJs(cond.body),
          });
          stats.conditions++;
        }
        break;
      }
      case 'bpmn:ScriptTask': {
        if ((element.scriptFormat || 'python').toLowerCase() !== 'python') {
          throw new Error(`${element.id}: unexpected scriptFormat ${element.scriptFormat}`);
        }
        element.scriptFormat = 'javascript';
        element.script = pythonScriptToJs(element.script || '');
        stats.scripts++;
        break;
      }
      case 'bpmn:ServiceTask': {
        const [operator] = findExtension(element, 'spiffworkflow:serviceTaskOperator');
        if (!operator) throw new Error(`${element.id}: service task without spiffworkflow:serviceTaskOperator`);
        const args = [`'${operator.id}'`, `'${operator.resultVariable || ''}'`];
        for (const group of operator.$children || []) {
          for (const param of group.$children || []) {
            args.push(`'${param.id}'`, parameterArgument(param.value));
          }
        }
        element.implementation = `\${environment.services.sfOperator(${args.join(',')})}`;
        stats.services++;
        break;
      }
      case 'bpmn:BoundaryEvent':
      case 'bpmn:IntermediateCatchEvent':
      case 'bpmn:StartEvent': {
        for (const def of element.eventDefinitions || []) {
          if (def.$type !== 'bpmn:TimerEventDefinition') continue;
          for (const key of ['timeDuration', 'timeDate', 'timeCycle']) {
            if (def[key]?.body) {
              def[key] = moddle.create('bpmn:FormalExpression', { body: pythonStringLiteral(def[key].body) });
              stats.timers++;
            }
          }
        }
        break;
      }
      default:
        break;
    }
    // supportflow-only extension elements (status/resolution properties, forms, operators): dropped
    if (element.extensionElements) delete element.extensionElements;
  }
}

/**
 * Convert and merge BPMN files. `files` are paths; `mainProcessId` is the process that stays
 * executable. Returns { xml, processIds, stats }.
 */
export async function convertFiles(files, mainProcessId) {
  const moddle = new BpmnModdle();
  const processes = [];
  const usedIds = new Set();
  const stats = { files: files.length, conditions: 0, scripts: 0, services: 0, timers: 0, callActivities: 0, renamedIds: [] };

  const parsed = [];
  const messages = []; // <message> definitions that message events refer to
  for (const file of files) {
    const xml = await fs.readFile(file, 'utf8');
    const { rootElement, warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
    if (warnings.length) throw new Error(`${file}: ${warnings.map((w) => w.message).join('; ')}`);
    for (const root of rootElement.rootElements) {
      if (root.$type === 'bpmn:Process') parsed.push(root);
      else if (root.$type === 'bpmn:Message') messages.push(root);
    }
  }
  // main process first so that its ids win collisions
  parsed.sort((a, b) => (b.id === mainProcessId) - (a.id === mainProcessId));
  if (parsed[0]?.id !== mainProcessId) throw new Error(`process ${mainProcessId} not found in ${files.join(', ')}`);

  for (const process of parsed) {
    convertProcess(moddle, process, stats);
    process.isExecutable = process.id === mainProcessId;
    const owned = [process, ...(process.flowElements || [])];
    for (const laneSet of process.laneSets || []) owned.push(laneSet, ...(laneSet.lanes || []));
    for (const element of owned) {
      if (!element.id) continue;
      if (usedIds.has(element.id)) {
        const isFlowNode = element.$type !== 'bpmn:SequenceFlow' && element.$type !== 'bpmn:Lane' && element.$type !== 'bpmn:LaneSet';
        if (isFlowNode || element === process) throw new Error(`flow node id ${element.id} is used by two processes`);
        const renamed = `${process.id}__${element.id}`;
        stats.renamedIds.push(`${element.id} -> ${renamed}`);
        element.id = renamed;
      }
      usedIds.add(element.id);
      if (element.$type === 'bpmn:CallActivity') stats.callActivities++;
    }
    processes.push(process);
  }

  const known = new Set(processes.map((p) => p.id));
  for (const process of processes) {
    for (const element of process.flowElements || []) {
      if (element.$type === 'bpmn:CallActivity' && !known.has(element.calledElement)) {
        throw new Error(`${element.id} calls ${element.calledElement}, which is not in the converted document`);
      }
    }
  }

  const definitions = moddle.create('bpmn:Definitions', {
    id: `peer_${mainProcessId}`,
    targetNamespace: 'urn:supportflow:bench:peer',
    exporter: 'supportflow bench/peer/convert.js',
    exporterVersion: '1',
    rootElements: [...messages, ...processes],
  });
  const { xml } = await moddle.toXML(definitions, { format: true });
  return { xml, processIds: processes.map((p) => p.id), stats };
}

// `node convert.js <main process id> <file.bpmn>...` prints the converted document
if (import.meta.url === `file://${process.argv[1]}`) {
  const [mainProcessId, ...files] = process.argv.slice(2);
  if (!mainProcessId || !files.length) {
    console.error('usage: node convert.js <main process id> <file.bpmn>...');
    process.exit(2);
  }
  const { xml, stats } = await convertFiles(files, mainProcessId);
  process.stdout.write(xml + '\n');
  console.error(JSON.stringify(stats));
}
