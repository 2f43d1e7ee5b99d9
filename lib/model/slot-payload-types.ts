import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Payload } from '../core/payload.js';
import type { NotCollecting, SlotOptions } from './slot-options.js';

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
 * handler receives what the function returns, `M`.
 *
 * @example
 * ```ts
 * const options: MergedSlotOptions<Row, { total: number }> = { mergeStrategy: (prev, inc) => ({ total: Number(prev.total ?? 0) + Number(inc.n) }) };
 * ```
 */
export type MergedSlotOptions<T extends object = Payload, M extends object = Payload> = Omit<SlotOptions<T>, 'mergeStrategy'> &
  NotCollecting & { mergeStrategy: (previous: Payload, incoming: Payload) => M; schema?: undefined; payloadClass?: undefined; activation?: undefined };

/**
 * What the handler of a slot with options `O` (a schema, a payload class, or both) receives: an
 * instance of the payload class if there is one, else the schema's output.
 *
 * @example
 * ```ts
 * type Got = Admitted<{ payloadClass: typeof Order }>; // Order
 * ```
 */
export type Admitted<O> = O extends { payloadClass: abstract new (...args: any[]) => infer I }
  ? I
  : O extends { schema: infer Sc extends StandardSchemaV1 }
    ? StandardSchemaV1.InferOutput<Sc>
    : never;

/**
 * `unknown` when what a slot of type `T` merges under options `O` is what its schema takes as
 * input (or, with a payload class and no schema, fields of the class); else a type naming the
 * mismatch, so a `defineSlot` call whose slot type the schema would refuse does not compile.
 * (A payload is sent as `T`; the schema checks it as its input type.)
 *
 * @example
 * ```ts
 * type Ok = Admits<{ at: string }, { schema: typeof StampSchema }>; // unknown
 * ```
 */
export type Admits<T, O> = [Merged<T, O>] extends [AdmittedInput<O>] ? unknown : { slotTypeNotAcceptedBy: AdmittedInput<O> };

/**
 * What a slot of type `T` merges to under `O` (only the strategies known statically). Appended
 * arrays are frozen, but a schema's input type says `T[]`, and the schema takes them.
 *
 * @example
 * ```ts
 * type M = Merged<{ v: number }, { mergeStrategy: 'append' }>; // { v: number[] }
 * ```
 */
export type Merged<T, O> = O extends { mergeStrategy: 'append' } ? { [P in keyof T]: T[P][] } : O extends { mergeStrategy: (...args: any[]) => infer M } ? M : T;

/**
 * What the schema takes (or, with a class and no schema, any of the class's data fields).
 *
 * @example
 * ```ts
 * type In = AdmittedInput<{ payloadClass: typeof Order }>; // Partial<{ id: string; amount: number }>
 * ```
 */
export type AdmittedInput<O> = O extends { schema: infer Sc extends StandardSchemaV1 }
  ? StandardSchemaV1.InferInput<Sc>
  : O extends { payloadClass: abstract new (...args: any[]) => infer I }
    ? Partial<DataOf<I>>
    : unknown;

/**
 * The data fields of an instance type (its methods left out: a plain payload has none).
 *
 * @example
 * ```ts
 * type D = DataOf<Order>; // { id: string; amount: number }
 * ```
 */
export type DataOf<I> = { [P in keyof I as I[P] extends (...args: any[]) => unknown ? never : P]: I[P] };

/**
 * `unknown` for the options the general typed overload of `defineSlot` takes: `'append'` (no
 * schema or payload class: the handler receives {@link Appended}), a registered merge strategy
 * or activation policy (known by name only: a Payload, or what the handler's annotation says),
 * or options typed as plain `SlotOptions`. `never` for override, merge functions, schemas and
 * payload classes, which the narrower overloads type exactly: there a handler that does not fit
 * is a mistake, not a claim.
 *
 * @example
 * ```ts
 * type Yes = ByName<{ activation: 'everySecond' }>; // unknown
 * type No = ByName<{ mergeStrategy: 'override' }>;  // never
 * ```
 */
export type ByName<O> = O extends { activation: string } | Admitting
  ? unknown
  : 'mergeStrategy' extends keyof O
      ? O extends { mergeStrategy: 'append' }
        ? unknown
        : O extends { mergeStrategy?: 'override' | 'append' | undefined }
          ? never
          : O extends { mergeStrategy?: infer G }
            ? [Exclude<G, undefined>] extends [(previous: Payload, incoming: Payload) => unknown]
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
export type Admitting = { schema: StandardSchemaV1<any, object> } | { payloadClass: abstract new (...args: any[]) => object };

/**
 * The options the general typed overload of `defineSlot` infers: any slot options but a batch or
 * a window, the schema's and the class's types free (see {@link Admits}).
 *
 * @example
 * ```ts
 * const options: GeneralSlotOptions = { activation: 'everySecond' };
 * ```
 */
export type GeneralSlotOptions = Omit<SlotOptions<any>, 'schema' | 'payloadClass'> &
  NotCollecting & { schema?: StandardSchemaV1<any, object>; payloadClass?: abstract new (...args: any[]) => object };
