import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ClassOf, SchemaOf } from './slot-option-shape.js';

// Whether a typed slot's options fit its type: what the slot merges against what its schema takes
// (or its payload class's fields), and a schema's output against the class next to it.

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
// Then the merged type itself (a generic routine's T against its StandardSchemaV1<T, T>), then as a
// type literal with mutable arrays (an interface against a loose object; readonly arrays against a
// schema's T[]: schemas read their input, they do not write to it).
export type AdmitsMerged<M, O> =
  unknown extends AdmittedInput<O>
    ? ClassTakes<O>
    : [M] extends [AdmittedInput<O>]
      ? ClassTakes<O>
      : [{ [P in keyof M]: Writable<M[P]> }] extends [AdmittedInput<O>]
        ? ClassTakes<O>
        : // Last, and only for what failed above (so it costs nothing on the common paths): readonly
          // arrays and tuples deeper down, against the schema's input made readonly all the way.
          [{ [P in keyof M]: M[P] }] extends [ReadonlyDeep<AdmittedInput<O>>]
          ? ClassTakes<O>
          : { slotTypeNotAcceptedBy: AdmittedInput<O> };

/**
 * An array type made mutable (`readonly T[]` → `T[]`); any other type as it is.
 *
 * @example
 * ```ts
 * type W = Writable<readonly string[]>; // string[]
 * ```
 */
export type Writable<V> = V extends readonly (infer U)[] ? U[] : V;

/**
 * `V` with every array, tuple and field readonly, at every depth (functions as they are). What
 * a schema takes, seen as it is used: a schema reads its input and never writes to it, so a
 * slot type with readonly arrays or tuples anywhere fits a schema whose input has mutable ones.
 * Only ever a target of assignability: it accepts everything `V` accepts.
 *
 * @example
 * ```ts
 * type R = ReadonlyDeep<{ o: { tags: string[] }; p: [string, number] }>;
 * // { readonly o: { readonly tags: readonly string[] }; readonly p: readonly [string, number] }
 * ```
 */
// A type is rebuilt only when the rebuilt one still takes it (nothing lost): a class with private
// members, or a constructor, stays as it is.
export type ReadonlyDeep<V> = V extends (...args: never[]) => unknown
  ? V
  : V extends object
    ? { [P in keyof V]: V[P] } extends V
      ? { readonly [P in keyof V]: ReadonlyDeep<V[P]> }
      : V
    : V;

/**
 * `unknown` unless options `O` have both a schema and a payload class and the schema's output is
 * not data for the class's fields (the class is made from the output).
 *
 * @example
 * ```ts
 * type Ok = ClassTakes<{ schema: typeof OrderSchema; payloadClass: typeof Order }>; // unknown
 * ```
 */
// (Both guards first: a `never` in the tuple below would match any element and pass.)
export type ClassTakes<O> = [SchemaOf<O>] extends [never]
  ? unknown
  : [ClassOf<O>] extends [never]
    ? unknown
    : [SchemaOf<O>, ClassOf<O>] extends [infer Sc extends StandardSchemaV1, new (...args: any[]) => infer I]
      ? [StandardSchemaV1.InferOutput<Sc>] extends [Partial<DataOf<I>>]
        ? unknown
        : { schemaOutputNotDataOf: DataOf<I> }
      : unknown;

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
 * What the schema takes (or, with a class and no schema, data for any of the class's fields).
 *
 * @example
 * ```ts
 * type In = AdmittedInput<{ payloadClass: typeof Order }>; // Partial<{ id: string; amount: number }>
 * ```
 */
export type AdmittedInput<O> = [SchemaOf<O>] extends [never]
  ? [ClassOf<O>] extends [never]
    ? unknown
    : ClassOf<O> extends new (...args: any[]) => infer I
      ? Partial<DataOf<I>>
      : unknown
  : SchemaOf<O> extends infer Sc extends StandardSchemaV1
    ? StandardSchemaV1.InferInput<Sc>
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
 * The data of one field's value (see {@link DataOf}): arrays and tuples element by element (a
 * tuple stays a tuple, readonly as both are taken), objects by {@link DataOf}, a Date as itself
 * or what class-transformer converts to one.
 *
 * @example
 * ```ts
 * type D = DataOfField<Item[]>;           // readonly { sku: string }[]
 * type P = DataOfField<[string, number]>; // readonly [string, number]
 * ```
 */
// A mapped type over the array type itself (homomorphic): a tuple keeps its length and order.
export type DataOfField<V> = V extends Date
  ? V | string | number
  : V extends readonly unknown[]
    ? { readonly [P in keyof V]: DataOfField<V[P]> }
    : V extends object
      ? DataOf<V>
      : V;
