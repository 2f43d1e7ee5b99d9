import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Payload } from '../core/payload.js';
import type { NotCollecting, SlotOptions } from './slot-options.js';
import type { TypedMergeStrategy } from './merge.js';
import type { ClassOf, MaybeAdmitting, OverrideMerge, SchemaOf, Unpoliced } from './slot-option-shape.js';

// What a typed routine's slot handler receives, from the slot's options. The slot's type (`T`,
// `S[name]` of `Routine<S, E>`) is what is sent to the slot (send, connect, start); the handler
// receives it as the options make it, as at run time (merge, then schema, then payload class).

/**
 * What an `'append'` slot's handler receives for a slot whose payloads are `T`: every key's
 * values so far, in arrival order, as a fresh frozen array.
 *
 * @example
 * ```ts
 * this.defineSlot('in', ({ v }: Appended<{ v: number }>) => v.reduce((a, b) => a + b, 0), { mergeStrategy: 'append' });
 * ```
 */
// A mapped type literal: it stays assignable to Payload, as the merged data is.
export type Appended<T> = { [P in keyof T]: readonly T[P][] };

/**
 * Options under which a slot's handler receives the slot's type `T` itself: merge `'override'`
 * (the default), no activation policy, no schema and no payload class.
 *
 * @example
 * ```ts
 * const options: PlainSlotOptions<Row> = { mergeStrategy: 'override' };
 * ```
 */
export type PlainSlotOptions<T extends object = Payload> = SlotOptions<T> & NotCollecting & PlainMerge;

/**
 * What makes options plain (see {@link PlainSlotOptions}). Not generic: built once, not per
 * call, which keeps a large typed flow fast to check.
 *
 * @example
 * ```ts
 * const plain: PlainMerge = { mergeStrategy: 'override' };
 * ```
 */
export type PlainMerge = { mergeStrategy?: 'override'; activation?: undefined; schema?: undefined; payloadClass?: undefined };

/**
 * Options of a slot merged by a function (no schema, payload class or activation policy): its
 * handler receives what the function returns, `M`; the function's `incoming` is what is sent.
 *
 * @example
 * ```ts
 * const options: MergedSlotOptions<Row, { total: number }> = { mergeStrategy: (prev, inc) => ({ total: Number(prev.total ?? 0) + Number(inc.n) }) };
 * ```
 */
export type MergedSlotOptions<T extends object = Payload, M extends object = Payload> = Omit<SlotOptions<T>, 'mergeStrategy'> &
  NotCollecting & { mergeStrategy: (previous: Payload, incoming: T & Payload) => M; schema?: undefined; payloadClass?: undefined; activation?: undefined };

/**
 * What the handler of a slot with options `O` (a schema, a payload class, or both) receives: an
 * instance of the payload class if there is one, else the schema's output.
 *
 * @example
 * ```ts
 * type Got = Admitted<{ payloadClass: typeof Order }>; // Order
 * ```
 */
// `new`, not `abstract new`: the payload class is instantiated for every payload.
// (Each `[X] extends [never]` first: a conditional on `never` would take its true branch.)
export type Admitted<O> = [ClassOf<O>] extends [never]
  ? [SchemaOf<O>] extends [never]
    ? never
    : SchemaOf<O> extends infer Sc extends StandardSchemaV1
      ? StandardSchemaV1.InferOutput<Sc>
      : never
  : ClassOf<O> extends new (...args: any[]) => infer I
    ? I
    : never;

/**
 * `unknown` for the options the general typed overload of `defineSlot` takes: `'append'` (no
 * schema or payload class: the handler receives {@link Appended}), a registered merge strategy
 * or activation policy (known by name only: a Payload, or what the handler's annotation says),
 * a schema or payload class without an activation policy (the policy and the check are not
 * combined at run time), or options typed as plain `SlotOptions`. `never` for override and
 * merge functions alone, which the narrower overloads type exactly: there a handler that does
 * not fit is a mistake, not a claim.
 *
 * @example
 * ```ts
 * type Yes = ByName<{ activation: 'everySecond' }>; // unknown
 * type No = ByName<{ mergeStrategy: 'override' }>;  // never
 * ```
 */
export type ByName<O> = O extends { activation: string }
  ? Unpoliced<O>
  : O extends Admitting
    ? unknown
    : MaybeAdmitting<O> extends true
      ? unknown
      : 'mergeStrategy' extends keyof O
        ? O extends { mergeStrategy?: 'override' | undefined }
          ? never
          : O extends { mergeStrategy?: infer G }
            ? [Exclude<G, undefined>] extends [(previous: Payload, incoming: never) => unknown]
              ? never
              : unknown
            : unknown
        : never;

/**
 * Options with a schema or a payload class (see {@link Admitted}).
 *
 * @example
 * ```ts
 * type Yes = { schema: typeof OrderSchema } extends Admitting ? true : false; // true
 * ```
 */
// `any` outputs: a generic routine's StandardSchemaV1<T, T> is then known to be one without T's constraint.
export type Admitting = { schema: StandardSchemaV1<any, any> } | { payloadClass: new (...args: any[]) => any };

/**
 * The options the general typed overload of `defineSlot` infers: any slot options but a batch or
 * a window, the schema's and the class's types free (see {@link Admits}).
 *
 * @example
 * ```ts
 * const options: GeneralSlotOptions = { activation: 'everySecond' };
 * ```
 */
// Generic in the slot type only for a merge function's `incoming` (see TypedMergeStrategy).
export type GeneralSlotOptions<T extends object = Payload> = Omit<SlotOptions<any>, 'schema' | 'payloadClass' | 'mergeStrategy'> &
  NotCollecting & { schema?: StandardSchemaV1<any, object>; payloadClass?: new (...args: any[]) => object; mergeStrategy?: TypedMergeStrategy<T> };

/**
 * `never` for each key of `O` that is no slot option, so a misspelt option name does not
 * compile where options are inferred (an inferred type has no excess-property check).
 *
 * @example
 * ```ts
 * type Bad = NoExtraOptions<{ mergStrategy: 'append' }>; // { mergStrategy: never }
 * ```
 */
export type NoExtraOptions<O> = { [P in Exclude<keyof O, keyof GeneralSlotOptions>]: never };

/**
 * What the handler of a typed slot of type `T` with options `O` receives, for the general typed
 * overload of `defineSlot`: what a schema or payload class admits, {@link Appended} under
 * `'append'`, else `M` (a Payload, or the handler's annotation under a registered strategy or
 * policy; the slot's type when there are no options).
 *
 * @example
 * ```ts
 * type Got = Received<{ v: number }, { mergeStrategy: 'append' }, Payload>; // Appended<{ v: number }>
 * ```
 */
// A policy first: its handler receives what it fires, whatever the merge. Then a schema or class
// that may be absent (a Payload, or the annotation), then one that is there.
export type Received<T, O, M> = O extends { activation: string }
  ? M
  : MaybeAdmitting<O> extends true
    ? M
    : O extends Admitting
      ? Admitted<O>
      : O extends { mergeStrategy: 'append' }
        ? Appended<T>
        : O extends { mergeStrategy: (...args: any[]) => infer R }
          ? R
          : M;

/**
 * What the handler of a slot of a routine generic over its slot map receives when
 * {@link Received} leaves it open: the slot's type `T` with no options or under `'override'`,
 * else (a registered strategy or policy) a Payload.
 *
 * @example
 * ```ts
 * type Got = Fallback<Row, { activation: 'everySecond' }>; // Payload
 * ```
 */
export type Fallback<T, O> = MaybeAdmitting<O> extends true
  ? Payload
  : OverrideMerge<O> extends true
    ? ('activation' extends keyof O ? (O['activation' & keyof O] extends undefined ? T : Payload) : T)
    : Payload;

/**
 * What each item of a collecting slot's `{ items }` is under options `O`: the merged payload (the
 * slot's type `T` under override, {@link Appended} under `'append'`, a merge function's result),
 * or under a registered strategy `M` (a Payload, or the handler's annotation).
 *
 * @example
 * ```ts
 * type Item = CollectedItem<{ v: number }, { batch: { size: 2 }; mergeStrategy: 'append' }, Payload>; // Appended<{ v: number }>
 * ```
 */
export type CollectedItem<T, O, M> = OverrideMerge<O> extends true ? T : Received<T, O, M>;
