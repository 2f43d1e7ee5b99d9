import { ConfigurationError, quoteValue } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';

/**
 * What a custom activation policy decides for one incoming payload: its new state, and the
 * payload to call the slot's handler with, if it fires now.
 *
 * @example
 * ```ts
 * const decision: ActivationDecision = { state: { seen: 3 }, fire: { last: 3 } };
 * ```
 */
export interface ActivationDecision {
  readonly state: Payload;
  readonly fire?: Payload;
}

/**
 * A custom activation policy: a pure function of its state (`{}` at first, per job and slot)
 * and the slot's merged payload. Its state lives in the job (`JobState.policies`), so it must
 * be plain data; the function is found again by name after a restore.
 *
 * @example
 * ```ts
 * const everyThird: ActivationPolicyFunction = (state, incoming) => {
 *   const seen = ((state.seen as number) ?? 0) + 1;
 *   return seen === 3 ? { state: {}, fire: incoming } : { state: { seen } };
 * };
 * ```
 */
export type ActivationPolicyFunction = (state: Payload, incoming: Payload) => ActivationDecision;

/**
 * Registered custom activation policies by name (filled by {@link registerActivationPolicy}).
 * @internal
 * @example
 * ```ts
 * activationPolicies.get('everyThird'); // the function, or undefined
 * ```
 */
export const activationPolicies = new Map<string, ActivationPolicyFunction>();

/**
 * Registers a custom activation policy under `name`, for `defineSlot(name, handler, {
 * activation: name })`. Registering a name again replaces the function for slots defined
 * afterwards.
 *
 * @throws {ConfigurationError} when `name` is not a non-empty string or `fn` not a function.
 * @example
 * ```ts
 * registerActivationPolicy('sumTo10', (state, incoming) => {
 *   const sum = ((state.sum as number) ?? 0) + (incoming.value as number);
 *   return sum >= 10 ? { state: {}, fire: { sum } } : { state: { sum } };
 * });
 * routine.defineSlot('in', (data) => console.log(data.sum), { activation: 'sumTo10' });
 * ```
 */
export function registerActivationPolicy(name: string, fn: ActivationPolicyFunction): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError(`registerActivationPolicy: name must be a non-empty string, got ${quoteValue(name)}`);
  }
  if (typeof fn !== 'function') {
    throw new ConfigurationError(`registerActivationPolicy('${name}'): expected a function (state, incoming) => ({ state, fire? }), got ${typeof fn}`);
  }
  activationPolicies.set(name, fn);
}
