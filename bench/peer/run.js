// Peer benchmark: supportflow's BPMN executed by bpmn-engine with the durable pattern.
//
//   node bench/peer/run.js --scenario bug|bug_dqp --instances N [--warmup K] [--strip-source]
//
// Every instance runs sequentially. At every user task the engine is waiting at, its state is
// taken with engine.getState() and JSON.stringify'd (that string is what would be stored); a fresh
// engine is made with new Engine(options).recover(JSON.parse(state)) and resume()d, and only that
// fresh engine gets the user task's form data and the signal. One step = one user task completion:
// from the signal until the engine waits at the next user task *and* its state has been saved,
// recovered and resumed (for the last user task: until the process has completed).
//
// Prints ONE line of JSON on stdout. Exits non-zero with a message on stderr when the run does not
// follow the expected path (user tasks, end events, service calls, task data).
//
// Task data (SpiffWorkflow semantics, all data visible everywhere) in bpmn-engine terms, done by
// the `sfTaskData` extension below (bpmn-elements "extensions" option):
//  * a user task is signalled with its form data; on the task's end that output is merged into
//    the process environment.variables, where the converted JS conditions read it;
//  * a call activity passes a copy of the caller's variables to the called process (formatting
//    message on the call activity -> activity.call content -> the called process's inbound on
//    process.enter), and on return merges the called process's output into the caller's variables;
//    an end event copies its process's variables into environment.output, which bpmn-engine hands
//    back to the call activity when the called process ends.
// All of it lives in bpmn-engine's own state (process environments), so it survives recover().

import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { Engine } from 'bpmn-engine';
import BpmnModdle from 'bpmn-moddle';
import * as elements from 'bpmn-elements';
import Serializer, { TypeResolver } from 'moddle-context-serializer';

import { convertFiles } from './convert.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const ENGINE_VERSION = createRequire(import.meta.url)('./package.json').dependencies['bpmn-engine'];

const START_VARIABLES = {
  title: 'Export crashes on empty reports',
  description: 'Exporting a report without rows ends with an error page.',
  category: 'bug',
  priority: 'normal',
};

const SCENARIOS = {
  bug: {
    files: [path.join(REPO, 'bench', 'scenarios', 'bug_path.bpmn')],
    main: 'support_ticket',
    path: [
      ['triage', { category: 'bug', priority: 'high', outcome: 'forward' }],
      ['fix_bug', { fix_summary: 'Guarded the empty export.' }],
      ['customer_test', { ok: false, remarks: 'no' }],
      ['fix_bug', { fix_summary: 'Guarded the empty export, second try.' }],
      ['customer_test', { ok: true }],
    ],
    endEvents: ['fixed'],
    serviceCalls: [],
    finalOutput: { ok: true, outcome: 'forward' },
  },
  bug_dqp: {
    files: ['support_ticket', 'bug_fix', 'acceptance_dqp', 'feature_request'].map((p) => path.join(REPO, 'processes', `${p}.bpmn`)),
    main: 'support_ticket',
    path: [
      ['triage', { category: 'bug', priority: 'high', outcome: 'forward' }],
      ['analyze_bug', { is_bug: true, analysis: 'x' }],
      ['fix_bug', { fix_summary: 'Guarded the empty export.' }],
      ['review_on_d', { ok: true }],
      ['deploy_to_q', { version: '1' }],
      ['accept_on_q', { ok: false, remarks: 'no' }],
      ['fix_bug', { fix_summary: 'Guarded the empty export, second try.' }],
      ['review_on_d', { ok: true }],
      ['deploy_to_q', { version: '1' }],
      ['accept_on_q', { ok: true }],
      ['deploy_to_p', { version: '1' }],
      ['confirm_on_p', { ok: true }],
    ],
    // end events in the order they are reached (called processes included)
    endEvents: ['acceptance_rejected', 'acceptance_accepted', 'bug_fixed', 'closed_for_good'],
    serviceCalls: ['notify_ready_for_test:notify_customer:ready_for_test', 'notify_ready_for_test:notify_customer:ready_for_test', 'notify_fixed:notify_customer:fixed'],
    // came back through two call activities (acceptance_dqp -> bug_fix -> support_ticket)
    finalOutput: { accepted: true, rejection_reason: '', is_bug: true, version: '1', notify_fixed_result: '{"queued":"notify_customer"}' },
  },
};

class PathError extends Error {}

// ---------------------------------------------------------------- engine options

/** bpmn-elements extension: SpiffWorkflow-like task data in process environment variables. */
function sfTaskData(activity) {
  const type = activity.type;
  if (type === 'bpmn:Process') {
    // a called process starts with a copy of its caller's data
    activity.broker.subscribeTmp(
      'event',
      'process.enter',
      (_, message) => {
        const caller = message.content.inbound?.[0];
        if (caller?.sfData) Object.assign(activity.environment.variables, caller.sfData);
      },
      { noAck: true, priority: 10000 }
    );
    return;
  }
  if (type === 'bpmn:UserTask') {
    activity.on('end', (api) => {
      const output = api.content.output;
      if (output && typeof output === 'object') Object.assign(activity.environment.variables, output);
    });
    return;
  }
  if (type === 'bpmn:CallActivity') {
    activity.on('end', (api) => {
      const output = api.content.output?.output;
      if (output && typeof output === 'object') Object.assign(activity.environment.variables, output);
    });
    return {
      // run.enter: queue a formatting message; it is merged into the content of the next run
      // message (run.start -> run.execute -> activity.call -> called process inbound)
      activate() {
        activity.broker.publish('format', 'run.sfdata', { sfData: { ...activity.environment.variables } });
      },
      deactivate() {},
    };
  }
  if (type === 'bpmn:EndEvent') {
    activity.on('end', () => {
      Object.assign(activity.environment.output, activity.environment.variables);
    });
  }
}

/** Services: spiffworkflow service task operators as no-ops that record the call. */
function makeServices(calls) {
  return {
    sfOperator(operator, resultVariable, ...kv) {
      const params = {};
      for (let i = 0; i + 1 < kv.length; i += 2) params[kv[i]] = kv[i + 1];
      return function sfOperatorService(scope, callback) {
        calls.push(`${scope.id}:${operator}:${Object.values(params).join(',')}`);
        const result = JSON.stringify({ queued: operator });
        if (resultVariable) scope.environment.variables[resultVariable] = result;
        callback(null, result);
      };
    },
  };
}

// ---------------------------------------------------------------- one instance

function engineOptions(instance) {
  return {
    name: instance.name,
    sourceContext: instance.sourceContext,
    services: makeServices(instance.serviceCalls),
    extensions: { sfTaskData },
    // Timers fire at once, as in supportflow's test runs: the path ends when the ticket's window to be
    // reopened (an event-based gateway: a reopen message or a 14-day timer) has passed.
    timers: new elements.Timers({ setTimeout: (callback, _delay, ...args) => setTimeout(callback, 0, ...args) }),
    // Logger, scripts, expressions: bpmn-engine defaults (debug logger, node:vm JavaScript)
  };
}

function makeListener(instance) {
  const listener = new EventEmitter();
  listener.on('wait', (api) => {
    if (api.type === 'bpmn:UserTask') instance.onUserTaskWait(api);
  });
  listener.on('activity.end', (api) => {
    if (api.type === 'bpmn:EndEvent') instance.endEvents.push(api.id);
  });
  return listener;
}

function waitingUserTask(engine) {
  const waiting = engine.execution.getPostponed().filter((api) => api.type === 'bpmn:UserTask');
  if (waiting.length !== 1) {
    throw new PathError(`expected exactly one waiting user task, found ${waiting.length} (${waiting.map((a) => a.id).join(', ')})`);
  }
  return waiting[0];
}

async function durableRoundTrip(engine, instance, stripSource) {
  const state = await engine.getState();
  if (stripSource) for (const def of state.definitions) delete def.source;
  const stored = JSON.stringify(state); // what would be stored
  instance.lastStateBytes = Buffer.byteLength(stored);
  if (!stripSource && instance.measureWithoutSource) {
    instance.lastStateBytesWithoutSource = null; // filled in after timing, see below
    instance.lastStateForSize = stored;
  }
  const fresh = new Engine(engineOptions(instance)).recover(JSON.parse(stored));
  // resume() re-publishes the wait of the recovered user task: not a new user task
  instance.resuming = true;
  try {
    await fresh.resume({ listener: makeListener(instance) });
  } finally {
    instance.resuming = false;
  }
  return fresh;
}

async function runInstance(index, scenario, sourceContext, stripSource, stepTimes) {
  const instance = {
    name: `peer-${index}`,
    sourceContext,
    serviceCalls: [],
    endEvents: [],
    seenUserTasks: [],
    lastStateBytes: 0,
    measureWithoutSource: true,
    resuming: false,
    onUserTaskWait(api) {
      if (!this.resuming) this.seenUserTasks.push(api.id);
    },
  };

  let engine = new Engine(engineOptions(instance));
  const started = engine.waitFor('end');
  started.catch(() => {});
  await engine.execute({ listener: makeListener(instance), variables: { ...START_VARIABLES } });
  if (!instance.seenUserTasks.length) throw new PathError('the process did not reach a user task after start');
  engine = await durableRoundTrip(engine, instance, stripSource);

  const submittedKeys = new Set(Object.keys(START_VARIABLES));
  for (let step = 0; step < scenario.path.length; step++) {
    const [taskId, data] = scenario.path[step];
    const task = waitingUserTask(engine);
    if (task.id !== taskId) throw new PathError(`step ${step + 1}: expected user task ${taskId}, the engine waits at ${task.id}`);
    // SpiffWorkflow semantics: the task sees all data submitted so far (also across call activities)
    const visible = task.environment.variables;
    for (const key of submittedKeys) {
      if (!(key in visible)) throw new PathError(`step ${step + 1}: ${taskId} does not see the variable ${key}`);
    }
    for (const key of Object.keys(data)) submittedKeys.add(key);

    const isLast = step === scenario.path.length - 1;
    const seenBefore = instance.seenUserTasks.length;
    const ended = isLast ? engine.waitFor('end') : null;
    const t0 = performance.now();
    task.signal({ ...data });
    if (isLast) {
      await ended;
    } else {
      if (instance.seenUserTasks.length !== seenBefore + 1) {
        throw new PathError(`step ${step + 1}: after ${taskId} the engine is not waiting at exactly one new user task (state ${engine.state})`);
      }
      engine = await durableRoundTrip(engine, instance, stripSource);
    }
    stepTimes.push(performance.now() - t0);
  }

  // ---- the path really ended
  if (engine.state !== 'idle' || engine.execution.getPostponed().length) {
    throw new PathError(`the process did not complete (engine state ${engine.state})`);
  }
  const expectedTasks = scenario.path.map(([id]) => id);
  if (instance.seenUserTasks.join(',') !== expectedTasks.join(',')) {
    throw new PathError(`user tasks seen ${instance.seenUserTasks.join(' > ')}; expected ${expectedTasks.join(' > ')}`);
  }
  if (instance.endEvents.join(',') !== scenario.endEvents.join(',')) {
    throw new PathError(`end events reached ${instance.endEvents.join(', ') || 'none'}; expected ${scenario.endEvents.join(', ')}`);
  }
  if (instance.serviceCalls.join('|') !== scenario.serviceCalls.join('|')) {
    throw new PathError(`service calls ${JSON.stringify(instance.serviceCalls)}; expected ${JSON.stringify(scenario.serviceCalls)}`);
  }
  const output = engine.environment.output;
  for (const [key, value] of Object.entries(scenario.finalOutput)) {
    if (output[key] !== value) throw new PathError(`process output ${key}=${JSON.stringify(output[key])}; expected ${JSON.stringify(value)}`);
  }
  return instance;
}

// ---------------------------------------------------------------- main

function parseArgs(argv) {
  const args = { scenario: null, instances: null, warmup: 0, stripSource: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--scenario') args.scenario = value();
    else if (arg === '--instances') args.instances = Number(value());
    else if (arg === '--warmup') args.warmup = Number(value());
    else if (arg === '--strip-source') args.stripSource = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!SCENARIOS[args.scenario]) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
  if (!Number.isInteger(args.instances) || args.instances < 1) throw new Error('--instances must be a positive integer');
  if (!Number.isInteger(args.warmup) || args.warmup < 0) throw new Error('--warmup must be a non-negative integer');
  return args;
}

async function buildSourceContext(xml) {
  const moddleContext = await new BpmnModdle().fromXML(xml);
  if (moddleContext.warnings?.length) throw new Error(`converted document: ${moddleContext.warnings.map((w) => w.message).join('; ')}`);
  return Serializer(moddleContext, TypeResolver({ ...elements }));
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const round = (x, digits = 3) => Number(x.toFixed(digits));

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`usage: node bench/peer/run.js --scenario ${Object.keys(SCENARIOS).join('|')} --instances N [--warmup K] [--strip-source]\n${err.message}`);
    process.exit(2);
  }
  const scenario = SCENARIOS[args.scenario];
  // conversion and parsing happen once, like a deployed process version; not timed
  const { xml } = await convertFiles(scenario.files, scenario.main);
  const sourceContext = await buildSourceContext(xml);

  for (let i = 0; i < args.warmup; i++) await runInstance(`warmup-${i}`, scenario, sourceContext, args.stripSource, []);

  const stepTimes = [];
  let bytes = 0;
  let bytesWithoutSource = 0;
  const t0 = performance.now();
  const lastStates = [];
  for (let i = 0; i < args.instances; i++) {
    const instance = await runInstance(i, scenario, sourceContext, args.stripSource, stepTimes);
    bytes += instance.lastStateBytes;
    if (instance.lastStateForSize) lastStates.push(instance.lastStateForSize);
  }
  const seconds = (performance.now() - t0) / 1000;

  // size of the same states without the embedded definition source (not timed)
  for (const stored of lastStates) {
    const state = JSON.parse(stored);
    for (const def of state.definitions) delete def.source;
    bytesWithoutSource += Buffer.byteLength(JSON.stringify(state));
  }
  if (args.stripSource) bytesWithoutSource = bytes;

  const expectedSteps = scenario.path.length * args.instances;
  if (stepTimes.length !== expectedSteps) throw new PathError(`counted ${stepTimes.length} user task completions, expected ${expectedSteps}`);
  const sorted = [...stepTimes].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;

  const result = {
    scenario: args.scenario,
    instances: args.instances,
    seconds: round(seconds),
    instances_per_s: round(args.instances / seconds, 2),
    steps: stepTimes.length,
    step_ms_median: round(median),
    step_ms_p95: round(percentile(sorted, 95)),
    state_bytes_per_instance: Math.round(bytes / args.instances),
    // extra, informative: the same last states without the serialized definition bpmn-engine embeds
    state_bytes_without_source_per_instance: Math.round(bytesWithoutSource / args.instances),
    state_includes_source: !args.stripSource,
    engine: `bpmn-engine ${ENGINE_VERSION}`,
    node: process.version,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err) => {
  if (err instanceof PathError) console.error(`peer benchmark: wrong path: ${err.message}`);
  else console.error(`peer benchmark failed: ${err.stack || err}`);
  process.exit(1);
});
