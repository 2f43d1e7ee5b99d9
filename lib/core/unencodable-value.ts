/**
 * @internal A value the codec cannot save, with the path to it (`.slotData["a.in"].fn`), built
 * on the way out of the walk that met it (so a walk that succeeds builds no strings).
 *
 * @example
 * ```ts
 * throw new UnencodableValue('', 'a function');
 * ```
 */
export class UnencodableValue extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * @internal A key as a path segment: `.name`, or `["enrich.in"]` when it is not an identifier.
 *
 * @example
 * ```ts
 * keySegment('enrich.in'); // '["enrich.in"]'
 * ```
 */
export function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * @internal A thrown value's message, for an error message of ours; never throws.
 *
 * @example
 * ```ts
 * messageOf(new Error('boom')); // 'boom'
 * ```
 */
export function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error that cannot be described';
  }
}

/**
 * @internal A Map entry's value as a path segment: `.get("key")` for a primitive key, else its
 * position, `.values()[3]`.
 *
 * @example
 * ```ts
 * mapKeySegment('k', 0); // '.get("k")'
 * ```
 */
export function mapKeySegment(key: unknown, index: number): string {
  switch (typeof key) {
    case 'string':
      return `.get(${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)})`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return `.get(${String(key)})`;
    case 'bigint':
      return `.get(${String(key)}n)`;
    default:
      return key === null ? '.get(null)' : `.values()[${index}]`;
  }
}

/**
 * @internal A function as an error message says it: `a function (onLoad)`.
 *
 * @example
 * ```ts
 * describeFunction(function onLoad() {}); // 'a function (onLoad)'
 * ```
 */
export function describeFunction(fn: unknown): string {
  try {
    const name = (fn as { name?: unknown }).name;
    return typeof name === 'string' && name.length > 0 ? `a function (${name.slice(0, 60)})` : 'a function';
  } catch {
    return 'a function';
  }
}

/**
 * @internal An object the codec cannot save, as an error message says it (never throws).
 *
 * @example
 * ```ts
 * describeObject(new Foo(), Foo.prototype); // "an instance of Foo, which is not registered (registerPayloadClass('Foo', Foo))"
 * ```
 */
export function describeObject(object: object, proto: object): string {
  let name = '';
  try {
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && typeof ctor.name === 'string') name = ctor.name.slice(0, 60);
  } catch {
    // a hostile prototype: described without its name
  }
  if (object instanceof Error) return `an Error (${name || 'Error'}: keep its name and message as data instead)`;
  if (name === '') return 'an object of an unknown class';
  if (['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'WeakMap', 'WeakSet', 'WeakRef', 'Promise', 'Number', 'String', 'Boolean'].includes(name)) return `a ${name}`;
  return `an instance of ${name}, which is not registered (registerPayloadClass('${name}', ${name}))`;
}
