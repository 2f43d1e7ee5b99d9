import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { Flow } from '../flow/flow.js';
import type { Slot } from '../model/slot.js';
import type { Event } from '../model/event.js';

/**
 * @internal A remote job's `send` / `input` / `observe` arguments as ids: a typed handle
 * (`routine.slot('in')`, `routine.event('out')`) becomes its routine's id and its name, checked
 * to belong to `flow` (the same refusal a local job gives); the string form passes as it is.
 *
 * @throws {ConfigurationError} for a handle of a routine that is not in the flow.
 * @example
 * ```ts
 * const [routineId, slotName, data] = portArgs(flow, 'send', parser.slot('in'), line);
 * ```
 */
export function portArgs(flow: Flow, where: string, first: string | Slot<any> | Event<any>, second?: unknown, third?: unknown): [string, string, unknown] {
  if (typeof first === 'string') return [first, second as string, third];
  const routine = first.routine;
  if (flow.getRoutine(routine.id) !== routine) {
    throw new ConfigurationError(`${where}: '${first.name}' belongs to routine '${routine.id}', which is not in this flow; add it with flow.addRoutine first`);
  }
  return [routine.id, first.name, second];
}

/**
 * @internal Refuses what is not a plain-object payload before it travels to the owner.
 *
 * @throws {ConfigurationError} naming `where`.
 * @example
 * ```ts
 * checkPayload(data, "send('r', 'in')");
 * ```
 */
export function checkPayload(data: unknown, where: string): asserts data is Payload {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ConfigurationError(`${where}: a payload must be a plain object, got ${describeValue(data)}`);
}
