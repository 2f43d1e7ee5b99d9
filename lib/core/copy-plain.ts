import { setOwn } from './own-property.js';

/** Deeper than this, data is taken to be cyclic and copied by structuredClone, which handles cycles. */
const MAX_DEPTH = 200;

class TooDeep extends Error {}

/** @internal A value that cannot be copied, with the path to it (`pendingTasks[0].data.fn`). */
export class UncopyableValue extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/**
 * @internal A deep copy of JSON-shaped data (what `toJSON()` returns or `JSON.parse` gives):
 * arrays and plain objects are copied level by level; any other object (a Date, a Map, a class
 * instance in a payload) is copied by `structuredClone`, as is a whole value nested too deep to
 * be anything but cyclic. On JSON-shaped data this is several times faster than one
 * `structuredClone` of the whole: that pays per value for a format built to cross threads.
 * A value structuredClone refuses (a function, say) is an {@link UncopyableValue} naming its path.
 *
 * @example
 * ```ts
 * const own = copyPlain(callerObject); // freezing parts of `own` never freezes the caller's data
 * ```
 */
export function copyPlain<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    return clone(value, '(root)') as T;
  }
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw new UncopyableValue('', `a ${typeof value} is not data`);
    return value;
  }
  if (depth > MAX_DEPTH) throw new TooDeep();
  let key: string | number = '';
  try {
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (key = 0; key < value.length; key++) out[key] = copy(value[key], depth + 1);
      return out;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return clone(value, '');
    const out: Record<string, unknown> = {};
    for (key of Object.keys(value)) setOwn(out, key, copy((value as Record<string, unknown>)[key], depth + 1));
    return out;
  } catch (error) {
    // Paths are built only on the way out of a failure, so a good copy builds no strings.
    if (error instanceof UncopyableValue && key !== '') throw new UncopyableValue(typeof key === 'number' ? `[${key}]${error.path}` : `.${key}${error.path}`, error.reason);
    throw error;
  }
}

function clone(value: unknown, path: string): unknown {
  try {
    return structuredClone(value);
  } catch (error) {
    throw new UncopyableValue(path, (error as Error).message);
  }
}
