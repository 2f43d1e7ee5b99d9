import { describeError } from '../errors/errors.js';

/**
 * Limits of {@link toDisplay}: how deep, how many items per array or object, how long a string.
 *
 * @example
 * ```ts
 * toDisplay(payload, { depth: 3, items: 20, string: 200 } satisfies DisplayLimits);
 * ```
 */
export interface DisplayLimits {
  depth?: number;
  items?: number;
  string?: number;
}

/**
 * A JSON-safe picture of any value, for a page to show: plain JSON stays as it is (strings
 * cut at `string` characters); what JSON cannot carry becomes an object with a `$type`
 * (`undefined`, `bigint`, `number` for NaN/±Infinity/-0, `Date`, `RegExp`, `Map`, `Set`,
 * typed arrays, `Error`, `function`, `symbol`); class instances keep their fields plus
 * `$class`; a hole of a sparse array is `{ $type: 'empty' }`; a value seen before on the path is `{ $type: 'circular' }`; past the limits,
 * `{ $type: 'more', count }` and `{ $type: 'truncated' }`. Never throws (a throwing getter or
 * a revoked proxy is `{ $type: 'unreadable' }`), never calls user code beyond property reads.
 *
 * @example
 * ```ts
 * toDisplay({ at: new Date(0), n: 10n }); // { at: { $type: 'Date', value: '1970-01-01T00:00:00.000Z' }, n: { $type: 'bigint', value: '10' } }
 * ```
 */
export function toDisplay(value: unknown, limits: DisplayLimits = {}): unknown {
  return show(value, { depth: limits.depth ?? 6, items: limits.items ?? 100, string: limits.string ?? 2000 }, 0, []);
}

type Limits = Required<DisplayLimits>;

function show(value: unknown, limits: Limits, depth: number, path: object[]): unknown {
  try {
    switch (typeof value) {
      case 'string':
        return value.length > limits.string ? `${value.slice(0, limits.string)}… (${value.length} characters)` : value;
      case 'number':
        return Number.isFinite(value) && !Object.is(value, -0) ? value : { $type: 'number', value: Object.is(value, -0) ? '-0' : String(value) };
      case 'boolean':
        return value;
      case 'undefined':
        return { $type: 'undefined' };
      case 'bigint':
        return { $type: 'bigint', value: value.toString() };
      case 'symbol':
        return { $type: 'symbol', description: value.description ?? '' };
      case 'function':
        return { $type: 'function', name: value.name };
    }
    if (value === null) return null;
    const o = value as object;
    if (path.includes(o)) return { $type: 'circular' };
    if (depth >= limits.depth) return { $type: 'truncated' };
    return showObject(o, limits, depth, [...path, o]);
  } catch (error) {
    return unreadable(error);
  }
}

/** An own property, whatever its name: `out['__proto__'] = v` would set the prototype instead. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function unreadable(error: unknown): unknown {
  return { $type: 'unreadable', message: describeError(error).message }; // describeError never throws
}

function showObject(o: object, limits: Limits, depth: number, path: object[]): unknown {
  const next = (v: unknown) => show(v, limits, depth + 1, path);
  if (Array.isArray(o)) return listOf(o, limits.items, next);
  if (o instanceof Date) return { $type: 'Date', value: Number.isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString() };
  if (o instanceof RegExp) return { $type: 'RegExp', value: String(o) };
  if (o instanceof Map) return { $type: 'Map', size: o.size, entries: listOf(first(o, limits.items), limits.items, ([k, v]) => [next(k), next(v)], o.size) };
  if (o instanceof Set) return { $type: 'Set', size: o.size, values: listOf(first(o, limits.items), limits.items, next, o.size) };
  if (o instanceof Error) return { $type: 'Error', name: o.name, message: o.message };
  if (ArrayBuffer.isView(o)) {
    const length = (o as unknown as { length?: number }).length ?? o.byteLength;
    const items = o instanceof DataView ? [] : Array.prototype.slice.call(o, 0, limits.items);
    return { $type: o.constructor.name, length, values: listOf(items, limits.items, next, o instanceof DataView ? 0 : length) };
  }
  const out: Record<string, unknown> = {};
  const proto = Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null;
  if (proto !== null && proto !== Object.prototype) out.$class = proto.constructor?.name || 'anonymous';
  const keys = Object.keys(o);
  for (const key of keys.slice(0, limits.items)) {
    let field: unknown;
    try {
      field = (o as Record<string, unknown>)[key];
    } catch (error) {
      put(out, key, unreadable(error)); // one throwing getter hides only itself
      continue;
    }
    put(out, key, next(field));
  }
  if (keys.length > limits.items) put(out, '$more', keys.length - limits.items);
  return out;
}

function listOf<T>(items: readonly T[], max: number, each: (item: T) => unknown, total = items.length): unknown[] {
  const shown: unknown[] = [];
  // An index loop, not map: a hole of a sparse array is shown as one, not dropped into a JSON null.
  for (let i = 0; i < Math.min(max, items.length); i++) shown.push(i in items ? each(items[i]) : { $type: 'empty' });
  return total > max ? [...shown, { $type: 'more', count: total - max }] : shown;
}

/** The first `n` entries of a Map or Set, without copying the rest. */
function first<T>(collection: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const item of collection) {
    if (out.length === n) break;
    out.push(item);
  }
  return out;
}
