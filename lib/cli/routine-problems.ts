import { ErrorHandler } from '../errors/error-handler.js';
import type { Routine } from '../model/routine.js';
import type { RoutineRegistry } from '../serialization/routine-registry.js';
import { errorType } from '../serialization/error-type-registry.js';
import { fromJSONTree } from '../core/value-codec.js';
import type { ProblemList } from './problem-list.js';

/**
 * @internal Checks one `routines[i]` entry: id, a registered type, config the class accepts,
 * its error policy, and slots the class has with merge strategies that exist. Returns the id
 * and an instance of the class (for the connection checks), as far as they could be made.
 *
 * @example
 * ```ts
 * const { id, routine } = routineProblems(problems, 'routines[0]', raw, defaultRegistry);
 * ```
 */
export function routineProblems(problems: ProblemList, p: string, raw: unknown, registry: RoutineRegistry): { id?: string; routine?: Routine } {
  const o = problems.object(p, raw);
  if (o === undefined) return {};
  const id = problems.string(`${p}.id`, o.id);
  const type = problems.string(`${p}.type`, o.type);
  if (type === undefined) return { id };
  const ctor = registry.get(type);
  if (ctor === undefined) {
    problems.add(`${p}.type`, `unknown routine type '${type}'; registered types: ${registry.names().join(', ') || '(none)'}`);
    return { id };
  }
  const routine = problems.attempt(`${p}.type`, () => new ctor());
  if (routine === undefined) return { id };
  // Absent or null: fromJSON reads `config ?? {}`, `slots ?? {}`, `paramMapping ?? {}`.
  if (o.config !== undefined && o.config !== null) {
    const config = problems.object(`${p}.config`, o.config);
    const revived = config && problems.attempt(`${p}.config`, () => fromJSONTree(config, `${p}.config`) as Record<string, unknown>);
    if (revived !== undefined) problems.attempt(`${p}.config`, () => routine.setConfig(revived));
  }
  if (o.errorHandler !== undefined) handlerProblems(problems, `${p}.errorHandler`, o.errorHandler);
  const slots = o.slots === undefined || o.slots === null ? {} : problems.object(`${p}.slots`, o.slots);
  for (const [name, s] of Object.entries(slots ?? {})) {
    const slot = routine.getSlot(name);
    if (slot === undefined) {
      problems.add(`${p}.slots.${name}`, `routine type '${type}' has no slot '${name}'; its slots: ${routine.slotList().map((x) => x.name).join(', ') || '(none)'}`);
      continue;
    }
    const strategy = problems.string(`${p}.slots.${name}.mergeStrategy`, problems.object(`${p}.slots.${name}`, s)?.mergeStrategy);
    if (strategy !== undefined) problems.attempt(`${p}.slots.${name}.mergeStrategy`, () => slot.setMergeStrategy(strategy));
  }
  return { id, routine };
}

/**
 * @internal Checks one `connections[i]` entry against the routines read before it: the source
 * routine and its event, the target routine and its slot, and a mapping of names to names.
 * `routines` maps every declared id to an instance of its class, or `undefined` when that
 * could not be made (a problem already reported there).
 *
 * @example
 * ```ts
 * connectionProblems(problems, 'connections[0]', raw, routinesById);
 * ```
 */
export function connectionProblems(problems: ProblemList, p: string, raw: unknown, routines: ReadonlyMap<string, Routine | undefined>): void {
  const o = problems.object(p, raw);
  if (o === undefined) return;
  const port = (routineKey: 'sourceId' | 'targetId', portKey: 'eventName' | 'slotName'): void => {
    const id = problems.string(`${p}.${routineKey}`, o[routineKey]);
    const name = problems.string(`${p}.${portKey}`, o[portKey]);
    if (id === undefined) return;
    if (!routines.has(id)) {
      problems.add(`${p}.${routineKey}`, `no routine '${id}' in routines; ids: ${[...routines.keys()].join(', ') || '(none)'}`);
      return;
    }
    const routine = routines.get(id);
    if (name === undefined || routine === undefined) return; // its class could not be made: reported at the routine
    const isEvent = portKey === 'eventName';
    const known = (isEvent ? routine.eventList() : routine.slotList()).map((x) => x.name);
    if (!known.includes(name)) problems.add(`${p}.${portKey}`, `routine '${id}' has no ${isEvent ? 'event' : 'slot'} '${name}'; its ${isEvent ? 'events' : 'slots'}: ${known.join(', ') || '(none)'}`);
  };
  port('sourceId', 'eventName');
  port('targetId', 'slotName');
  if (o.paramMapping === undefined || o.paramMapping === null) return;
  const mapping = problems.object(`${p}.paramMapping`, o.paramMapping);
  for (const [from, to] of Object.entries(mapping ?? {})) problems.string(`${p}.paramMapping.${from}`, to);
}

/**
 * @internal Checks an error policy: a known strategy, numbers where numbers go, and retryable
 * error types that are registered.
 *
 * @example
 * ```ts
 * handlerProblems(problems, 'errorHandler', { strategy: 'retry', maxRetries: 3 });
 * ```
 */
export function handlerProblems(problems: ProblemList, p: string, raw: unknown): void {
  const o = problems.object(p, raw);
  if (o === undefined) return;
  const strategy = problems.oneOf(`${p}.strategy`, o.strategy, ['stop', 'continue', 'retry', 'skip'] as const);
  const numbers: Record<string, number> = {};
  for (const key of ['maxRetries', 'retryDelay', 'backoffMultiplier'] as const) {
    if (o[key] === undefined) continue;
    const n = problems.number(`${p}.${key}`, o[key]);
    if (n !== undefined) numbers[key] = n;
  }
  const names = o.retryableErrors === undefined || o.retryableErrors === null ? [] : (problems.array(`${p}.retryableErrors`, o.retryableErrors) ?? []);
  names.forEach((n, i) => {
    const name = problems.string(`${p}.retryableErrors[${i}]`, n);
    if (name !== undefined && errorType(name) === undefined) problems.add(`${p}.retryableErrors[${i}]`, `unknown error type '${name}'; register it with registerErrorType`);
  });
  if (strategy !== undefined) problems.attempt(p, () => new ErrorHandler({ strategy, ...numbers }));
}
