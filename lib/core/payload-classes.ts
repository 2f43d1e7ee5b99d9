import { ConfigurationError, quoteValue } from '../errors/errors.js';

/**
 * A class whose instances may travel in payloads and job state (see {@link registerPayloadClass}).
 *
 * @example
 * ```ts
 * const ctor: PayloadClass = Money;
 * ```
 */
export type PayloadClass = new (...args: any[]) => object;

/**
 * @internal Names of the codec's own value kinds start with this; a payload class may not take one.
 *
 * @example
 * ```ts
 * `${RESERVED_PREFIX}invalid-date`; // the annotation name of an invalid Date
 * ```
 */
export const RESERVED_PREFIX = 'routilux:';

const byName = new Map<string, PayloadClass>();
const byPrototype = new Map<object, string>();
let version = 0;

/**
 * Registers `ctor` under `name` so that its instances in payloads, slot data, shared data and
 * routine state are saved with class-transformer's `instanceToPlain` and revived with
 * `plainToInstance` — as instances of `ctor`, nested `@Type(() => X)` fields included. The
 * name is what job JSON records, so keep it stable across releases; registering the same
 * class under the same name again does nothing. Only instances of exactly this class match
 * (a subclass needs its own registration). `plainToInstance` calls `new ctor()` without
 * arguments, so the constructor must accept none. Without decorator metadata (tsx, esbuild)
 * nested class fields need an explicit `@Type(() => X)`. Lossless or loud here too: each save
 * checks that `plainToInstance(instanceToPlain(it))` gives the instance back as it was, and is
 * a SerializationError naming the field where it does not (a Map or Set field, a nested class
 * without `@Type`, an `@Exclude`d field); a function-valued field is refused before
 * class-transformer could call it.
 *
 * @throws {ConfigurationError} for an empty name, one starting with `routilux:`, a
 * non-constructor, a name already registered to another class, or a class already
 * registered under another name.
 * @example
 * ```ts
 * class Money { amount = 0; currency = 'EUR'; }
 * class Order { id = ''; @Type(() => Money) total = new Money(); }
 * registerPayloadClass('Money', Money);
 * registerPayloadClass('Order', Order);
 * // an Order in a payload comes back from JobState.fromJSON(text) as an Order holding a Money
 * ```
 */
export function registerPayloadClass(name: string, ctor: PayloadClass): void {
  if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError(`registerPayloadClass: the name must be a non-empty string, got ${quoteValue(name)}`);
  if (name.startsWith(RESERVED_PREFIX)) throw new ConfigurationError(`registerPayloadClass: names starting with '${RESERVED_PREFIX}' are reserved, got ${quoteValue(name)}`);
  if (!isConstructor(ctor)) throw new ConfigurationError(`registerPayloadClass('${name}'): expected a class, got ${quoteValue(ctor)}`);
  if (BUILT_INS.has(ctor)) throw new ConfigurationError(`registerPayloadClass('${name}'): ${className(ctor)} is built in; its values are saved without registering`);
  const prototype = ctor.prototype as object;
  const existing = byName.get(name);
  if (existing === ctor) return;
  if (existing !== undefined) throw new ConfigurationError(`registerPayloadClass('${name}'): the name is already registered to class ${className(existing)}`);
  const other = byPrototype.get(prototype);
  if (other !== undefined) throw new ConfigurationError(`registerPayloadClass('${name}'): class ${className(ctor)} is already registered as '${other}'`);
  byName.set(name, ctor);
  byPrototype.set(prototype, name);
  version++;
}

/**
 * @internal The registered class (and its name) whose prototype is exactly `prototype`.
 *
 * @example
 * ```ts
 * payloadClassOf(Object.getPrototypeOf(new Money())); // { name: 'Money', ctor: Money }
 * ```
 */
export function payloadClassOf(prototype: object): { name: string; ctor: PayloadClass } | undefined {
  const name = byPrototype.get(prototype);
  return name === undefined ? undefined : { name, ctor: byName.get(name)! };
}

/**
 * @internal Every registered class by name.
 *
 * @example
 * ```ts
 * for (const [name, ctor] of payloadClasses()) codec.add(name, ctor);
 * ```
 */
export function payloadClasses(): ReadonlyMap<string, PayloadClass> {
  return byName;
}

/**
 * @internal A number that changes with each registration, so the codec adds what is new, once
 * (checked before every encoding: a number, not an allocation).
 *
 * @example
 * ```ts
 * if (payloadClassesVersion() !== synced) sync();
 * ```
 */
export function payloadClassesVersion(): number {
  return version;
}

/** Classes the codec knows itself (or refuses): registering one would change how its values are saved. */
const BUILT_INS = new Set<unknown>([
  Object, Array, Date, RegExp, Map, Set, WeakMap, WeakSet, Promise, Function, Error, URL, ArrayBuffer, DataView,
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  Number, String, Boolean,
]);

/** Functions made with `class` or `function` have a prototype object; arrows and methods do not. */
function isConstructor(value: unknown): value is PayloadClass {
  if (typeof value !== 'function') return false;
  const prototype = (value as { prototype?: unknown }).prototype;
  return typeof prototype === 'object' && prototype !== null && prototype !== Object.prototype && prototype !== Array.prototype;
}

function className(ctor: PayloadClass): string {
  try {
    return ctor.name || '(anonymous)';
  } catch {
    return '(anonymous)';
  }
}
