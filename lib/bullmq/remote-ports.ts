import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { Flow } from '../flow/flow.js';
import type { Slot } from '../model/slot.js';
import type { Event } from '../model/event.js';
import { isPort } from '../flow/typed-wiring.js';

/**
 * @internal A remote job's `send` / `input` / `observe` arguments as ids: a typed handle
 * (`routine.slot('in')`, `routine.event('out')`) becomes its routine's id and its name, checked
 * to belong to `flow` (the same refusal a local job gives); anything else passes as it is, to be
 * checked as a routine id.
 *
 * @throws {ConfigurationError} for a handle of a routine that is not in the flow.
 * @example
 * ```ts
 * const [routineId, slotName, data] = portArgs(flow, 'send', parser.slot('in'), line);
 * ```
 */
export function portArgs(flow: Flow, where: string, first: string | Slot<any> | Event<any>, second?: unknown, third?: unknown): [string, string, unknown] {
  // Anything but a handle is taken as a routine id, as a local job does: a non-string one then
  // names no routine (a ConfigurationError from the caller's check), never a TypeError here.
  if (!isPort(first)) return [first as string, second as string, third];
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
