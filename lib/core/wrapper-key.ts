/**
 * @internal The key of an encoded value's wrapper: `{ "$superjson": { "json": …, "meta": … } }`
 * holds superjson's own result, so `SuperJSON.deserialize(value.$superjson)` reads it too (for
 * the kinds stock superjson knows).
 *
 * @example
 * ```ts
 * ({ [WRAPPER_KEY]: { json: '1970-01-01T00:00:00.000Z', meta: { values: ['Date'], v: 1 } } });
 * ```
 */
export const WRAPPER_KEY = '$superjson';

/**
 * @internal Whether a plain object would be read back as an encoded value's wrapper (its only
 * own key is `$superjson`): such data is itself encoded, so reading is never ambiguous.
 *
 * @example
 * ```ts
 * isLookalike({ $superjson: 1 }); // true
 * ```
 */
export function isLookalike(record: object): boolean {
  if (!Object.hasOwn(record, WRAPPER_KEY)) return false;
  for (const key in record) if (key !== WRAPPER_KEY && Object.hasOwn(record, key)) return false;
  return true;
}
