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
// `new`, not `abstract new`: the payload class is instantiated for every payload.
export type Admitted<O> = O extends { payloadClass: new (...args: any[]) => infer I }
  ? I
  : O extends { schema: infer Sc extends StandardSchemaV1 }
    ? StandardSchemaV1.InferOutput<Sc>
    : never;

/**
 * `unknown` when options `O` fit a slot of type `T`: what the slot merges is what the schema
 * takes as input (or, with a payload class and no schema, data for the class's fields), and with
 * both, the schema's output is data for the class; else a type naming the mismatch, so the
 * `defineSlot` call does not compile. Under a registered merge strategy (known by name only) the
 * merged shape is unknown, and nothing is checked. (A payload is sent as `T`; the schema checks
 * it as its input type.)
 *
 * @example
 * ```ts
 * type Ok = Admits<{ at: string }, { schema: typeof StampSchema }>; // unknown
 * ```
 */
export type Admits<T, O> = O extends { mergeStrategy: string }
  ? O extends { mergeStrategy: 'append' | 'override' }
    ? AdmitsMerged<Merged<T, O>, O>
    : unknown
  : AdmitsMerged<Merged<T, O>, O>;

/**
 * {@link Admits} for what the slot merges, `M`.
 *
 * @example
 * ```ts
 * type Ok = AdmitsMerged<{ at: string }, { schema: typeof StampSchema }>; // unknown
 * ```
 */
// `unknown extends` first: a schema that takes anything (a generic routine's StandardSchemaV1<unknown, T>) needs no comparison.
export type AdmitsMerged<M, O> =
  unknown extends AdmittedInput<O>
    ? ClassTakes<O>
    : [M] extends [AdmittedInput<O>]
      ? ClassTakes<O>
      : { slotTypeNotAcceptedBy: AdmittedInput<O> };

/**
 * `unknown` unless options `O` have both a schema and a payload class and the schema's output is
 * not data for the class's fields (the class is made from the output).
 *
 * @example
 * ```ts
 * type Ok = ClassTakes<{ schema: typeof OrderSchema; payloadClass: typeof Order }>; // unknown
 * ```
 */
export type ClassTakes<O> = O extends { schema: infer Sc extends StandardSchemaV1; payloadClass: new (...args: any[]) => infer I }
  ? [StandardSchemaV1.InferOutput<Sc>] extends [Partial<DataOf<I>>]
    ? unknown
    : { schemaOutputNotDataOf: DataOf<I> }
  : unknown;

/**
 * What a slot of type `T` merges to under `O` (only the strategies known statically), as a type
 * literal (an interface-typed payload then fits a schema with an index signature, e.g. a loose
 * object). Appended arrays are frozen, but a schema's input type says `T[]`, and the schema
 * takes them.
 *
 * @example
 * ```ts
 * type M = Merged<{ v: number }, { mergeStrategy: 'append' }>; // { v: number[] }
 * ```
 */
export type Merged<T, O> = O extends { mergeStrategy: 'append' }
  ? { [P in keyof T]: T[P][] }
  : O extends { mergeStrategy: (...args: any[]) => infer M }
    ? M
    : { [P in keyof T]: T[P] };

/**
 * What the schema takes (or, with a class and no schema, data for any of the class's fields).
 *
 * @example
 * ```ts
 * type In = AdmittedInput<{ payloadClass: typeof Order }>; // Partial<{ id: string; amount: number }>
 * ```
 */
export type AdmittedInput<O> = O extends { schema: infer Sc extends StandardSchemaV1 }
  ? StandardSchemaV1.InferInput<Sc>
  : O extends { payloadClass: new (...args: any[]) => infer I }
    ? Partial<DataOf<I>>
    : unknown;

/**
 * The data of an instance type: its fields, methods left out (a plain payload has none), and
 * fields that hold class instances (class-transformer's `@Type`) as their own data, so plain
 * data for a class whose fields are classes fits it.
 *
 * @example
 * ```ts
 * type D = DataOf<Order>; // { id: string; amount: number }
 * ```
 */
export type DataOf<I> = { [P in keyof I as I[P] extends (...args: any[]) => unknown ? never : P]: DataOfField<I[P]> };

/**
 * The data of one field's value (see {@link DataOf}): arrays element by element, objects by
 * {@link DataOf}, a Date as itself or what class-transformer converts to one.
 *
 * @example
 * ```ts
 * type D = DataOfField<Item[]>; // { sku: string }[]
 * ```
 */
export type DataOfField<V> = V extends Date
  ? V | string | number
  : V extends readonly (infer U)[]
    ? DataOfField<U>[]
    : V extends object
      ? DataOf<V>
      : V;

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
export type GeneralSlotOptions = Omit<SlotOptions<any>, 'schema' | 'payloadClass'> &
  NotCollecting & { schema?: StandardSchemaV1<any, object>; payloadClass?: new (...args: any[]) => object };

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
export type Received<T, O, M> = O extends Admitting
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
export type Fallback<T, O> = O extends { activation: string } | { mergeStrategy: string } ? (O extends { mergeStrategy: 'override' } ? T : Payload) : T;

/**
 * `never` for options with both an activation policy and a schema or payload class (not
 * combined at run time), else `unknown`.
 *
 * @example
 * ```ts
 * type No = Unpoliced<{ activation: 'everySecond'; schema: typeof RowSchema }>; // never
 * ```
 */
export type Unpoliced<O> = O extends { activation: string } ? (O extends Admitting ? never : unknown) : unknown;
