import { deepEqual } from './deep-equal.js';
import { payloadClassTransformer, type PayloadClass } from './payload-class-registry.js';
import { keySegment, messageOf, UnencodableValue } from './unencodable-value.js';

/**
 * @internal The plain form a registered payload class instance is saved as
 * (`instanceToPlain`), once it is known to come back as it was: a trial
 * `plainToInstance(ctor, instanceToPlain(it))` must equal it (prototype, and every own field,
 * deeply). class-transformer turns a Map field into a plain object, a Set into an array, a
 * nested class without `@Type(() => X)` into a plain object, and calls function-valued fields:
 * each of those would change the value silently, so each is an {@link UnencodableValue} naming
 * the field. Functions are looked for first, so that none is ever called.
 *
 * @throws {UnencodableValue} naming the field that would not come back as it was.
 * @example
 * ```ts
 * const plain = plainOfInstance(order, 'Order', Order); // { id: 'o-17', total: { amount: 4 } }
 * ```
 */
export function plainOfInstance(object: object, name: string, ctor: PayloadClass): unknown {
  refuseFunctions(object, new Set(), 0);
  const { toPlain, toInstance } = payloadClassTransformer();
  let plain: unknown;
  let back: unknown;
  try {
    plain = toPlain(object);
  } catch (error) {
    throw new UnencodableValue('', `a ${name}: instanceToPlain threw: ${messageOf(error)}`);
  }
  try {
    // A plain form of its own: plainToInstance may change what it reads.
    back = toInstance(ctor, toPlain(object) as object);
  } catch (error) {
    throw new UnencodableValue('', `a ${name}: plainToInstance threw: ${messageOf(error)}`);
  }
  const key = firstDifference(object, back);
  if (key !== undefined) {
    throw new UnencodableValue(
      key === '' ? '' : keySegment(key),
      `${key === '' ? 'a' : 'a field of a'} ${name} that class-transformer does not bring back as it was (a Map or Set field, a nested class without @Type(() => X), an @Exclude'd field)`,
    );
  }
  return plain;
}

/** The first own field where `a` and `b` differ ('' for their prototypes), or undefined. */
function firstDifference(a: object, b: unknown): string | undefined {
  if (typeof b !== 'object' || b === null || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return '';
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of fields) {
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return key;
  }
  return deepEqual(a, b) ? undefined : '';
}

/** Throws for a function anywhere in `value` (own fields, items, Map and Set entries). */
function refuseFunctions(value: unknown, seen: Set<object>, depth: number): void {
  if (typeof value === 'function') throw new UnencodableValue('', 'a function');
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > 1000) return;
  seen.add(value);
  let segment = '';
  try {
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        segment = `.entries()[${i++}]`;
        refuseFunctions(k, seen, depth + 1);
        refuseFunctions(v, seen, depth + 1);
      }
    } else if (value instanceof Set) {
      let i = 0;
      for (const v of value) {
        segment = `.values()[${i++}]`;
        refuseFunctions(v, seen, depth + 1);
      }
    } else {
      for (const key of Object.keys(value)) {
        segment = Array.isArray(value) ? `[${key}]` : keySegment(key);
        refuseFunctions((value as Record<string, unknown>)[key], seen, depth + 1);
      }
    }
  } catch (error) {
    if (error instanceof UnencodableValue) throw new UnencodableValue(segment + error.path, error.reason);
    throw error;
  }
}
