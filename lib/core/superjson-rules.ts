import { SuperJSON } from 'superjson';
import { setOwn } from './own-property.js';
import { payloadClasses, payloadClassesVersion, payloadClassTransformer, RESERVED_PREFIX, type PayloadClass } from './payload-class-registry.js';
import { TYPED_ARRAYS } from './value-inspect.js';

/**
 * @internal The superjson instance Routilux encodes with: private, so its rules neither leak
 * into nor are changed by a user's own superjson. On top of superjson's own kinds it saves
 * exactly: objects holding `__proto__`, `constructor` or `prototype` keys (which superjson
 * refuses to walk), null-prototype objects, invalid Dates, every typed array (NaN, ±Infinity
 * and -0 inside included), and instances of registered payload classes.
 *
 * @example
 * ```ts
 * const { json, meta } = codec.serialize(value as never);
 * ```
 */
export const codec = new SuperJSON();

/** Objects the decoding in progress left with escaped keys, to put right once it is done. */
let escaped: object[] | undefined;

/**
 * Objects holding a key superjson will not walk are written with those keys prefixed by `~`
 * (and a key already starting with `~` gets one more). Keys change, shape does not: superjson's
 * paths into the object stay valid, so repeated references inside it survive. Once decoding is
 * done the keys are put back as own data properties: a `"__proto__"` key stays data.
 */
function escapeKeys(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) out[key.startsWith('~') || isGuarded(key) ? `~${key}` : key] = record[key];
  return out;
}

function isGuarded(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

function unescapeKeys(record: Record<string, unknown>): void {
  const keys = Object.keys(record);
  const values = keys.map((k) => record[k]);
  for (const key of keys) delete record[key];
  keys.forEach((key, i) => setOwn(record, key.startsWith('~') ? key.slice(1) : key, values[i]));
}

function laterUnescaped<T extends object>(record: T): T {
  escaped?.push(record);
  return record;
}

/**
 * @internal Runs a superjson decoding, then puts back the keys it left escaped (only after
 * superjson has linked repeated references, whose paths name the escaped keys).
 *
 * @example
 * ```ts
 * const value = decodingKeys(() => codec.deserialize({ json, meta }, { inPlace: true }));
 * ```
 */
export function decodingKeys<T>(decode: () => T): T {
  const previous = escaped;
  const mine: object[] = (escaped = []);
  try {
    const value = decode();
    for (const record of mine) unescapeKeys(record as Record<string, unknown>);
    return value;
  } finally {
    escaped = previous;
  }
}

function expectRecord(value: unknown, kind: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`a ${kind} must be saved as an object`);
  return value as Record<string, unknown>;
}

/** Adds a superjson custom rule. superjson does not walk what `serialize` returns: it must be JSON already. */
function rule<I>(name: string, isApplicable: (v: unknown) => boolean, serialize: (v: I) => unknown, deserialize: (json: unknown) => unknown): void {
  codec.registerCustom({ isApplicable: isApplicable as (v: unknown) => v is I, serialize: serialize as never, deserialize: deserialize as never }, name);
}

const hasGuardedKey = (v: object): boolean => Object.hasOwn(v, '__proto__') || Object.hasOwn(v, 'constructor') || Object.hasOwn(v, 'prototype');

// Plain objects are walked by superjson after these two rules: only their keys change.
rule<Record<string, unknown>>(
  `${RESERVED_PREFIX}guarded-keys`,
  (v) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && hasGuardedKey(v),
  escapeKeys,
  (v) => laterUnescaped(expectRecord(v, 'guarded-key object')),
);
rule<Record<string, unknown>>(
  `${RESERVED_PREFIX}null-prototype`,
  (v) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === null,
  escapeKeys,
  (v) => laterUnescaped(Object.setPrototypeOf(expectRecord(v, 'null-prototype object'), null) as object),
);
// superjson writes a RegExp as its source and flags: a global or sticky one's lastIndex would
// come back 0 (found by review), so one that has moved on is written with it.
rule<RegExp>(
  `${RESERVED_PREFIX}regexp-at`,
  (v) => v instanceof RegExp && v.lastIndex !== 0,
  (v) => ({ source: v.source, flags: v.flags, lastIndex: v.lastIndex }),
  (v) => {
    const { source, flags, lastIndex } = expectRecord(v, 'regular expression') as { source: string; flags: string; lastIndex: number };
    const re = new RegExp(source, flags);
    re.lastIndex = lastIndex;
    return re;
  },
);
rule<Date>(`${RESERVED_PREFIX}invalid-date`, (v) => v instanceof Date && Number.isNaN(v.getTime()), () => 'Invalid Date', () => new Date(NaN));
// superjson's own typed-array rule writes NaN, ±Infinity and -0 as null and has no
// BigInt64Array: these write such numbers (and every BigInt) as strings.
for (const ctor of TYPED_ARRAYS) {
  const bigints = ctor === BigInt64Array || ctor === BigUint64Array;
  const revive = bigints ? (x: unknown) => BigInt(x as string) : (x: unknown) => (typeof x === 'string' ? Number(x) : x);
  const from = ctor.from as unknown as (items: unknown[], map: (x: unknown) => unknown) => unknown;
  rule<ArrayLike<number | bigint>>(
    `${RESERVED_PREFIX}${ctor.name}`,
    (v) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === ctor.prototype,
    (v) => Array.from(v, numberToJSON),
    (v) => {
      if (!Array.isArray(v)) throw new Error(`a ${ctor.name} must be saved as an array`);
      return from.call(ctor, v, revive);
    },
  );
}

function numberToJSON(x: number | bigint): number | string {
  if (typeof x === 'bigint') return String(x);
  if (Object.is(x, -0)) return '-0';
  return Number.isFinite(x) ? x : String(x);
}

/**
 * @internal How a payload class instance's plain form is encoded and decoded: superjson does not
 * walk what a custom rule returns, so the rule encodes the plain form itself (Dates and the like
 * inside it included) and decodes it before `plainToInstance`.
 *
 * @example
 * ```ts
 * const nested: NestedCodec = { encode: (o) => toJSONTree(instanceToPlain(o)), decode: (json, where) => fromJSONTree(json, where) };
 * ```
 */
export interface NestedCodec {
  encode(instance: object): unknown;
  decode(json: unknown, where: string): unknown;
}

let syncedVersion = -1;
const known = new Set<string>();

/**
 * @internal Adds a rule for each payload class registered since the last call.
 *
 * @example
 * ```ts
 * syncPayloadClasses(nested); // before every encoding and decoding
 * ```
 */
export function syncPayloadClasses(nested: NestedCodec): void {
  const version = payloadClassesVersion();
  if (version === syncedVersion) return;
  for (const [name, ctor] of payloadClasses()) if (!known.has(name)) addClass(name, ctor, nested);
  syncedVersion = version;
}

/**
 * @internal Whether a custom annotation name can be decoded here (a codec rule, or a payload
 * class registered by now).
 *
 * @example
 * ```ts
 * knownRule('Money'); // true once registerPayloadClass('Money', Money) ran
 * ```
 */
export function knownRule(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX) || known.has(name);
}

function addClass(name: string, ctor: PayloadClass, nested: NestedCodec): void {
  known.add(name);
  const prototype = ctor.prototype as object;
  rule<object>(
    name,
    (v) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === prototype,
    (v) => nested.encode(v),
    (v) => {
      const plain = nested.decode(v, `payload class '${name}'`);
      try {
        return payloadClassTransformer().toInstance(ctor, plain as object);
      } catch (error) {
        throw new Error(`cannot revive a ${name}: ${(error as Error)?.message ?? String(error)}`);
      }
    },
  );
}
