/**
 * The data carried by events and received by slots: a plain object keyed by parameter name.
 *
 * @example
 * ```ts
 * const p: Payload = { value: 1, label: 'one' };
 * ```
 */
export type Payload = Record<string, unknown>;

/**
 * The empty payload, shared so that defaulting `data` allocates nothing.
 * @internal
 */
export const EMPTY_PAYLOAD: Payload = Object.freeze({}) as Payload;
