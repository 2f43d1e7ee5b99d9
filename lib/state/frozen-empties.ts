/**
 * @internal The one frozen empty list every JobState shares for an empty list field: most lists
 * of a small or settled job are empty, and a fresh frozen container per field per snapshot (or
 * per parsed status message) was most of what such a state kept. Frozen, so sharing it is
 * unobservable.
 *
 * @example
 * ```ts
 * out.outputLog = log.length === 0 ? EMPTY_LIST : Object.freeze(log.slice());
 * ```
 */
export const EMPTY_LIST: readonly never[] = Object.freeze([]);

/**
 * @internal {@link EMPTY_LIST} for record fields (shared data, operators, ...).
 *
 * @example
 * ```ts
 * out.sharedData = isEmptyRecord(shared) ? EMPTY_RECORD : Object.freeze({ ...shared });
 * ```
 */
export const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze({});

/**
 * @internal Whether `record` has no enumerable key (no array of keys made to find out).
 *
 * @example
 * ```ts
 * isEmptyRecord({}); // true
 * ```
 */
export function isEmptyRecord(record: object): boolean {
  for (const _ in record) return false;
  return true;
}
