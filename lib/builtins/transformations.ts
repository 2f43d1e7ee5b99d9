import { RoutiluxError } from '../errors/errors.js';
import { NamedRegistry } from './named-registry.js';
import { isPlainObject, toText, typeName } from './values.js';
import { setOwn } from '../core/own-property.js';

/**
 * A named transformation used by `DataTransformer`: returns the new value, never mutates its
 * argument (payloads may be frozen job state). Throwing records an error and skips the step.
 *
 * @example
 * ```ts
 * const double: Transformation = (value) => (value as number) * 2;
 * ```
 */
export type Transformation = (value: unknown) => unknown;

/** Applies `fn` to every string in `value`, descending plain objects and arrays. */
function eachString(value: unknown, fn: (s: string) => string, ancestors: unknown[] = []): unknown {
  if (typeof value === 'string') return fn(value);
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (ancestors.includes(value)) throw new RoutiluxError('the value contains itself (a cycle)');
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return value.map((item) => eachString(item, fn, inner));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, eachString(v, fn, inner)]));
}

function toNumber(value: unknown, what: string): number {
  let n: number = Number.NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value.trim());
  if (!Number.isFinite(n)) {
    const shown = typeof value === 'string' ? `string '${value}'` : typeName(value);
    throw new RoutiluxError(`cannot convert ${shown} to ${what}`);
  }
  return n;
}

function withoutNone(value: unknown, ancestors: unknown[] = []): unknown {
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (ancestors.includes(value)) throw new RoutiluxError('the value contains itself (a cycle)');
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return value.map((item) => withoutNone(item, inner));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null && v !== undefined) setOwn(out, key, withoutNone(v, inner));
  return out;
}

/**
 * The built-in transformations, by name:
 * - `lowercase`, `uppercase`, `stripWhitespace` (trim): a string, or every string inside plain
 *   objects and arrays (other values are left as they are);
 * - `toString`: strings as they are, objects and arrays as JSON text, others with `String()`
 *   (`undefined` becomes `''`);
 * - `toInt`: a finite number or numeric string, truncated toward zero; `toFloat`: the same
 *   without truncation (anything else, booleans included, is an error);
 * - `removeNone`: drops fields whose value is `null` or `undefined`, in nested plain objects
 *   too (array elements are kept, so indices do not move).
 *
 * @example
 * ```ts
 * BUILTIN_TRANSFORMATIONS.stripWhitespace({ name: ' Ada ' }); // { name: 'Ada' }
 * ```
 */
export const BUILTIN_TRANSFORMATIONS: Readonly<Record<string, Transformation>> = Object.freeze({
  lowercase: (value: unknown) => eachString(value, (s) => s.toLowerCase()),
  uppercase: (value: unknown) => eachString(value, (s) => s.toUpperCase()),
  stripWhitespace: (value: unknown) => eachString(value, (s) => s.trim()),
  toString: (value: unknown) => toText(value),
  toInt: (value: unknown) => Math.trunc(toNumber(value, 'an integer')),
  toFloat: (value: unknown) => toNumber(value, 'a number'),
  removeNone: (value: unknown) => withoutNone(value),
});

/**
 * @internal Built-in and registered transformations.
 *
 * @example
 * ```ts
 * transformations.get('uppercase')?.('a'); // 'A'
 * ```
 */
export const transformations = new NamedRegistry<Transformation>('transformation', 'registerTransformation', BUILTIN_TRANSFORMATIONS);

/**
 * Registers a transformation usable by name in `DataTransformer`'s `transformations`. Config
 * stores only the name, so register it (in every process) before configuring the routine or
 * rebuilding a flow with `Flow.fromJSON`. Built-in names cannot be replaced.
 *
 * @example
 * ```ts
 * registerTransformation('slugify', (v) => String(v).toLowerCase().replace(/\W+/g, '-'));
 * new DataTransformer({ transformations: ['stripWhitespace', 'slugify'] });
 * ```
 */
export function registerTransformation(name: string, fn: Transformation): void {
  transformations.register(name, fn);
}
