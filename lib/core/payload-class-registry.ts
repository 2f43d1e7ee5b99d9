/**
 * A class whose instances may travel in payloads and job state (see `registerPayloadClass`).
 *
 * @example
 * ```ts
 * const ctor: PayloadClass = Money;
 * ```
 */
export type PayloadClass = new (...args: any[]) => object;

/**
 * @internal How registered instances become plain data and back: class-transformer's
 * `instanceToPlain` and `plainToInstance`, handed over by `registerPayloadClass`, so that only
 * an app that registers a payload class loads class-transformer.
 *
 * @example
 * ```ts
 * const t: PayloadClassTransformer = { toPlain: instanceToPlain, toInstance: (ctor, plain) => plainToInstance(ctor, plain) };
 * ```
 */
export interface PayloadClassTransformer {
  toPlain(instance: object): unknown;
  toInstance(ctor: PayloadClass, plain: object): object;
}

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
let installed: PayloadClassTransformer | undefined;

/**
 * @internal Records `ctor` under `name` (checked by the caller) with the transformer that saves
 * and revives its instances.
 *
 * @example
 * ```ts
 * addPayloadClass('Money', Money, transformer);
 * ```
 */
export function addPayloadClass(name: string, ctor: PayloadClass, transformer: PayloadClassTransformer): void {
  byName.set(name, ctor);
  byPrototype.set(ctor.prototype as object, name);
  installed = transformer;
  version++;
}

/**
 * @internal The transformer of the registered classes. Only asked for with a registered class in
 * hand, so one is installed.
 *
 * @example
 * ```ts
 * payloadClassTransformer().toPlain(order);
 * ```
 */
export function payloadClassTransformer(): PayloadClassTransformer {
  if (installed === undefined) throw new Error('no payload class is registered'); // unreachable: asked only for a registered class
  return installed;
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
 * @internal The class registered under `name`, if any.
 *
 * @example
 * ```ts
 * payloadClassNamed('Money'); // Money
 * ```
 */
export function payloadClassNamed(name: string): PayloadClass | undefined {
  return byName.get(name);
}

/**
 * @internal The name `prototype`'s class is registered under, if any.
 *
 * @example
 * ```ts
 * payloadClassNameOf(Money.prototype); // 'Money'
 * ```
 */
export function payloadClassNameOf(prototype: object): string | undefined {
  return byPrototype.get(prototype);
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
