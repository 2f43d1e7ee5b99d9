import { ConfigurationError, quoteValue } from '../errors/errors.js';
import { isUnsafeKey } from '../core/own-property.js';

/**
 * Checks a slot or event name: a non-empty string that can be a key of a plain object (slot
 * names are keys in flow JSON and in `slotData`).
 *
 * @internal
 * @throws {ConfigurationError} naming the routine and what was wrong.
 * @example
 * ```ts
 * checkPortName('parser', 'slot', 'in'); // ok
 * checkPortName('parser', 'slot', '__proto__'); // throws ConfigurationError
 * ```
 */
export function checkPortName(routineId: string, what: 'slot' | 'event', name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError(`routine '${routineId}': ${what} name must be a non-empty string, got ${quoteValue(name)}`);
  }
  if (isUnsafeKey(name)) throw new ConfigurationError(`routine '${routineId}': '${name}' cannot be a ${what} name`);
}
