import { Flow } from '../flow/flow.js';
import type { Routine } from '../model/routine.js';
import { defaultRegistry, type RoutineRegistry } from '../serialization/routine-registry.js';
import { ProblemList, type FlowProblem } from './problem-list.js';
import { connectionProblems, handlerProblems, routineProblems } from './routine-problems.js';

export type { FlowProblem } from './problem-list.js';

/**
 * Every problem of a flow JSON text, each with its JSON path, where `Flow.fromJSON` stops at
 * the first: the header and settings, each routine (a registered type, config the class
 * accepts, slots it has, merge strategies and error types that exist), each connection (both
 * ends exist), and duplicate ids. An empty list means `Flow.fromJSON` accepts the text (it is
 * tried last, so nothing it rejects passes).
 *
 * @example
 * ```ts
 * for (const p of flowProblems(text)) console.log(`${p.path}: ${p.message}`);
 * ```
 */
export function flowProblems(text: string, registry: RoutineRegistry = defaultRegistry): FlowProblem[] {
  const problems = new ProblemList();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.add('(root)', `malformed JSON: ${(error as Error).message}`);
    return problems.list;
  }
  const root = problems.object('(root)', parsed);
  if (root === undefined) return problems.list;
  if (root.format !== 'routilux.flow') problems.add('format', `expected 'routilux.flow', got ${JSON.stringify(root.format) ?? 'nothing'}`);
  if (root.version !== 1) problems.add('version', `unsupported version ${JSON.stringify(root.version) ?? 'nothing'}; this library reads version 1`);
  settingsProblems(problems, root);
  const routines = new Map<string, Routine | undefined>();
  const firstSeen = new Map<string, number>();
  (problems.array('routines', root.routines) ?? []).forEach((raw, i) => {
    const { id, routine } = routineProblems(problems, `routines[${i}]`, raw, registry);
    if (id === undefined) return;
    const before = firstSeen.get(id);
    if (before !== undefined) problems.add(`routines[${i}].id`, `duplicate routine id '${id}' (also routines[${before}])`);
    else firstSeen.set(id, i);
    if (before === undefined) routines.set(id, routine);
  });
  (problems.array('connections', root.connections) ?? []).forEach((raw, i) => connectionProblems(problems, `connections[${i}]`, raw, routines));
  if (problems.list.length === 0) problems.attempt('(root)', () => Flow.fromJSON(text, { registry }));
  return problems.list;
}

function settingsProblems(problems: ProblemList, root: Record<string, unknown>): void {
  const flowId = problems.string('flowId', root.flowId);
  const executionStrategy = problems.oneOf('executionStrategy', root.executionStrategy, ['sequential', 'concurrent'] as const);
  const maxWorkers = problems.number('maxWorkers', root.maxWorkers);
  const optional: Record<string, number> = {};
  for (const key of ['executionTimeout', 'activationTimeout', 'historyLimit'] as const) {
    if (root[key] === undefined) continue;
    const n = problems.number(key, root[key]);
    if (n !== undefined) optional[key] = n;
  }
  if (root.errorHandler !== undefined) handlerProblems(problems, 'errorHandler', root.errorHandler);
  if (flowId !== undefined && executionStrategy !== undefined && maxWorkers !== undefined) {
    // The settings together (e.g. 'sequential' with 3 workers), as the Flow constructor checks them.
    problems.attempt('(root)', () => new Flow({ flowId, executionStrategy, maxWorkers, ...optional }));
  }
}
