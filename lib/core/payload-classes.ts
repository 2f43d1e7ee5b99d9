import { instanceToPlain, plainToInstance } from 'class-transformer';
import { ConfigurationError, quoteValue } from '../errors/errors.js';
import { addPayloadClass, payloadClassNamed, payloadClassNameOf, RESERVED_PREFIX, type PayloadClass, type PayloadClassTransformer } from './payload-class-registry.js';

export type { PayloadClass } from './payload-class-registry.js';

/**
 * class-transformer does the work; it is imported here only, so an app (or a bundle) that never
 * registers a payload class never loads it. Decorators such as `@Type(() => X)` on the app's
 * classes read `Reflect.getMetadata`: the app imports `reflect-metadata` itself (the library
 * never installs that global polyfill).
 */
const classTransformer: PayloadClassTransformer = {
  toPlain: (instance) => instanceToPlain(instance),
  toInstance: (ctor, plain) => plainToInstance(ctor, plain) as object,
};

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
  const existing = payloadClassNamed(name);
  if (existing === ctor) return;
  if (existing !== undefined) throw new ConfigurationError(`registerPayloadClass('${name}'): the name is already registered to class ${className(existing)}`);
  const other = payloadClassNameOf(prototype);
  if (other !== undefined) throw new ConfigurationError(`registerPayloadClass('${name}'): class ${className(ctor)} is already registered as '${other}'`);
  addPayloadClass(name, ctor, classTransformer);
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
