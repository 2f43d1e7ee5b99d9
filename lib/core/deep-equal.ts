/**
 * @internal Deep strict equality, as Node's `util.isDeepStrictEqual` decides it, without
 * `node:util` (the core runs in browsers): primitives by `Object.is` (NaN equals NaN, 0 and -0
 * differ); objects by prototype, `toString` tag and own enumerable keys (symbols included),
 * recursively; Dates by time (two invalid Dates differ), RegExps by source, flags and lastIndex, boxed primitives by
 * value, Errors by name and message too, typed arrays and ArrayBuffers by bytes, Maps and Sets
 * by content in any order. A cycle is equal where both sides cycle the same way.
 *
 * @example
 * ```ts
 * deepEqual({ at: new Date(0), tags: new Set(['a']) }, { at: new Date(0), tags: new Set(['a']) }); // true
 * deepEqual([0], [-0]); // false
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  return equal(a, b, new Map());
}

/** `seen` maps an object of `a` to the objects of `b` it is being compared with (cycles). */
function equal(a: unknown, b: unknown, seen: Map<object, Set<object>>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const pairs = seen.get(a);
  if (pairs?.has(b)) return true;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const tag = Object.prototype.toString.call(a);
  if (tag !== Object.prototype.toString.call(b)) return false;
  if (pairs === undefined) seen.set(a, new Set([b]));
  else pairs.add(b);
  try {
    return sameInternals(a, b, tag, seen) && sameKeys(a, b, seen);
  } finally {
    seen.get(a)!.delete(b);
  }
}

/** What is not an own enumerable key: a Date's time, a Map's entries, a typed array's bytes... */
function sameInternals(a: object, b: object, tag: string, seen: Map<object, Set<object>>): boolean {
  if (Array.isArray(a)) return a.length === (b as unknown[]).length;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime(); // as Node: two invalid Dates differ
  if (a instanceof RegExp) {
    const r = b as RegExp;
    return a.source === r.source && a.flags === r.flags && a.lastIndex === r.lastIndex;
  }
  if (a instanceof Error && (a.name !== (b as Error).name || a.message !== (b as Error).message)) return false;
  if (ArrayBuffer.isView(a)) return sameBytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), b as ArrayBufferView);
  if (a instanceof ArrayBuffer) return sameBytes(new Uint8Array(a), new Uint8Array(b as ArrayBuffer));
  if (a instanceof Map) return sameMaps(a, b as Map<unknown, unknown>, seen);
  if (a instanceof Set) return sameSets(a, b as Set<unknown>, seen);
  if (tag === '[object Number]' || tag === '[object String]' || tag === '[object Boolean]' || tag === '[object BigInt]' || tag === '[object Symbol]') {
    return Object.is((a as { valueOf(): unknown }).valueOf(), (b as { valueOf(): unknown }).valueOf());
  }
  return true;
}

function sameBytes(a: Uint8Array, b: ArrayBufferView): boolean {
  const other = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (a.length !== other.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== other[i]) return false;
  return true;
}

/** Own enumerable keys, names and symbols, with equal values (typed arrays' indices were bytes). */
function sameKeys(a: object, b: object, seen: Map<object, Set<object>>): boolean {
  const keysA = ownKeys(a);
  const keysB = ownKeys(b);
  if (keysA.length !== keysB.length) return false;
  const inB = new Set(keysB);
  for (const key of keysA) {
    if (!inB.has(key)) return false;
    if (!equal((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key], seen)) return false;
  }
  return true;
}

function ownKeys(object: object): PropertyKey[] {
  const names: PropertyKey[] = ArrayBuffer.isView(object) && !(object instanceof DataView) ? Object.keys(object).filter((k) => !/^\d+$/.test(k)) : Object.keys(object);
  for (const symbol of Object.getOwnPropertySymbols(object)) {
    if (Object.prototype.propertyIsEnumerable.call(object, symbol)) names.push(symbol);
  }
  return names;
}

function sameMaps(a: Map<unknown, unknown>, b: Map<unknown, unknown>, seen: Map<object, Set<object>>): boolean {
  if (a.size !== b.size) return false;
  const unmatched = [...b.keys()].filter((k) => typeof k === 'object' && k !== null);
  for (const [key, value] of a) {
    if (typeof key !== 'object' || key === null) {
      if (!b.has(key) || !equal(value, b.get(key), seen)) return false;
      continue;
    }
    // An object key matches a deep-equal key of `b` (once) whose value is deep-equal too.
    const i = unmatched.findIndex((k) => equal(key, k, seen) && equal(value, b.get(k), seen));
    if (i < 0) return false;
    unmatched.splice(i, 1);
  }
  return true;
}

function sameSets(a: Set<unknown>, b: Set<unknown>, seen: Map<object, Set<object>>): boolean {
  if (a.size !== b.size) return false;
  const unmatched = [...b].filter((v) => typeof v === 'object' && v !== null);
  for (const value of a) {
    if (typeof value !== 'object' || value === null) {
      if (!b.has(value)) return false;
      continue;
    }
    const i = unmatched.findIndex((v) => equal(value, v, seen));
    if (i < 0) return false;
    unmatched.splice(i, 1);
  }
  return true;
}
