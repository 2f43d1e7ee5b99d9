import type { SlotOptions } from './slot-options.js';

// What a typed slot's options say about themselves, read by key: a schema or payload class there
// (for certain, maybe, or not), an override merge, a policy with a check, a batch or window for
// certain, a declared type. (Key tests, not `O extends { key?: … }`: options with no key in common
// with such an all-optional type would not extend it.)

/**
 * The schema of options `O` when they may have one (`never` when they have none).
 *
 * @example
 * ```ts
 * type Sc = SchemaOf<{ schema?: typeof RowSchema }>; // typeof RowSchema
 * ```
 */
export type SchemaOf<O> = 'schema' extends keyof O ? Exclude<O['schema' & keyof O], undefined> : never;

/**
 * The payload class of options `O` when they may have one (`never` when they have none).
 *
 * @example
 * ```ts
 * type C = ClassOf<{ payloadClass: typeof Order }>; // typeof Order
 * ```
 */
export type ClassOf<O> = 'payloadClass' extends keyof O ? Exclude<O['payloadClass' & keyof O], undefined> : never;

/**
 * `true` when options `O` may or may not have a schema or payload class (an optional key, a
 * value that may be undefined: a conditional spread, options from config), so what the handler
 * receives is not known statically.
 *
 * @example
 * ```ts
 * type Yes = MaybeAdmitting<{ schema?: typeof RowSchema }>; // true
 * ```
 */
// A class there for certain decides (the handler gets an instance, schema or not); else the schema.
export type MaybeAdmitting<O> = [ClassOf<O>] extends [never] ? MaybeKey<O, 'schema'> : MaybeKey<O, 'payloadClass'>;

/**
 * `true` when options `O` may or may not set option `K` (an optional key, or a value that may
 * be undefined); `false` when they set it for certain or never.
 *
 * @example
 * ```ts
 * type Yes = MaybeKey<{ batch?: { size: number } }, 'batch'>; // true
 * ```
 */
export type MaybeKey<O, K extends string> = K extends keyof O
  ? [Exclude<O[K], undefined>] extends [never]
    ? false
    : undefined extends O[K]
      ? true
      : false
  : false;

/**
 * `true` when options `O` merge by override for certain (no merge strategy, or `'override'`).
 * (A key test, not `O extends { mergeStrategy?: … }`: options with no key in common with that
 * all-optional type would not extend it.)
 *
 * @example
 * ```ts
 * type Yes = OverrideMerge<{ batch: { size: 2 } }>; // true
 * ```
 */
export type OverrideMerge<O> = 'mergeStrategy' extends keyof O ? (O['mergeStrategy' & keyof O] extends 'override' | undefined ? true : false) : true;

/**
 * A type naming the mistake for options with both an activation policy and a schema or payload
 * class (not combined at run time), else `unknown`.
 *
 * @example
 * ```ts
 * type No = Unpoliced<{ activation: 'everySecond'; schema: typeof RowSchema }>; // { activationDoesNotCombineWith: … }
 * ```
 */
export type Unpoliced<O> = O extends { activation: string } ? ([SchemaOf<O> | ClassOf<O>] extends [never] ? unknown : { activationDoesNotCombineWith: 'schema or payloadClass' }) : unknown;

/**
 * `unknown` when options `O` have a batch or a window for certain; else a type naming the
 * mistake. (Under `exactOptionalPropertyTypes` an optional `batch?: undefined` would otherwise
 * pass for a batch.)
 *
 * @example
 * ```ts
 * type Ok = Collects<{ batch: { size: 10 } }>; // unknown
 * ```
 */
export type Collects<O> = O extends { batch: object } | { window: number } ? unknown : { collectingNeeds: 'batch or window' };

/**
 * `unknown` for options of a declared type that may or may not have a batch or a window
 * (`SlotOptions`, options from config): what they make the handler receive is known at run time
 * only. Options with a batch or window for certain, or none, are typed by the other overloads.
 *
 * @example
 * ```ts
 * type Ok = Declared<SlotOptions>; // unknown
 * ```
 */
export type Declared<O> = true extends MaybeKey<O, 'batch'> | MaybeKey<O, 'window'> ? unknown : { optionsOfADeclaredType: never };

/**
 * `never` for each key of collecting options `O` that a batch or window slot does not take (a
 * misspelt name, a schema, a payload class, an activation policy: refused at run time), so an
 * inferred type gets the check an object literal's excess properties would.
 *
 * @example
 * ```ts
 * type Bad = NoExtraCollecting<{ batch: { size: 2 }; schema: typeof RowSchema }>; // { schema: never }
 * ```
 */
export type NoExtraCollecting<O> = { [P in Exclude<keyof O, Exclude<keyof SlotOptions<any>, 'activation' | 'schema' | 'payloadClass'>>]: never };
