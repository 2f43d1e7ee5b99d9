/**
 * Value helpers shared by the built-ins: JavaScript type names and JSON text, never
 * language-specific reprs.
 */

/**
 * What a value that contains itself is written as where it repeats, by every built-in.
 *
 * @example
 * ```ts
 * const a: Record<string, unknown> = {}; a.self = a;
 * safeJson(a) === `{"self":"${CIRCULAR}"}`; // true
 * ```
 */
export const CIRCULAR = '[Circular]';

/**
 * A `typeof`-style type name, with `'null'` and `'array'` told apart from `'object'` because
 * every consumer of these names needs that distinction.
 *
 * @example
 * ```ts
 * typeName([1]); // 'array'
 * typeName(null); // 'null'
 * typeName('x'); // 'string'
 * ```
 */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * True for objects whose prototype is `Object.prototype` or `null`: the records that
 * built-ins look inside. Dates, maps and class instances are treated as opaque values.
 *
 * @example
 * ```ts
 * isPlainObject({ a: 1 }); // true
 * isPlainObject(new Date()); // false
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * JSON text of `value`, with a repeated ancestor (a cycle) written as `"[Circular]"` instead
 * of throwing, and bigints written as their decimal digits.
 *
 * @example
 * ```ts
 * const a: Record<string, unknown> = { n: 1 }; a.self = a;
 * safeJson(a); // '{"n":1,"self":"[Circular]"}'
 * ```
 */
export function safeJson(value: unknown, indent?: number | string): string {
  const ancestors: unknown[] = [];
  const text = JSON.stringify(
    value,
    function replacer(this: unknown, _key: string, current: unknown) {
      if (typeof current === 'bigint') return current.toString();
      if (typeof current !== 'object' || current === null) return current;
      // `this` is the holder of `current`: drop ancestors that are not on this path any more.
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
      if (ancestors.includes(current)) return CIRCULAR;
      ancestors.push(current);
      return current;
    },
    indent,
  );
  return text ?? String(value);
}

/**
 * The text of a value: strings as they are, `undefined` as `''`, objects and arrays as JSON
 * text (indented by `indent`, default compact), other values with `String()`.
 *
 * @example
 * ```ts
 * toText({ a: 1 }); // '{"a":1}'
 * toText(42); // '42'
 * ```
 */
export function toText(value: unknown, indent?: number | string): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) return safeJson(value, indent);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
