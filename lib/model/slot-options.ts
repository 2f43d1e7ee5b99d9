import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Payload } from '../core/payload.js';
import type { MergeStrategy, TypedMergeStrategy } from './merge.js';
import type { BatchOptions } from './slot-policy.js';

/**
 * Options of {@link Routine.defineSlot}. `T` is the payload type the handler receives; `I` a merge
 * function's incoming (see {@link MergeFunction}: in an untyped routine, what its annotation says).
 *
 * - `schema`: a Standard Schema (zod, valibot, arktype, …) checked on each merged payload
 *   before the handler runs; the handler receives the schema's output. A failure is a
 *   `ValidationError`, handled by the error policy (RETRY does not retry it). Asynchronous
 *   schemas work too (the activation waits for them).
 * - `payloadClass`: a class; a payload that is not already an instance of it becomes one with
 *   class-transformer's `plainToInstance` (nested `@Type(() => X)` fields included), after the
 *   schema if there is one. Register the class with `registerPayloadClass` for its instances
 *   to be saved in job state and revived on resume.
 * - At most one activation policy (`batch`, `window` or `activation`), which makes the handler
 *   wait: it receives `{ items }` (batch, window) or what the registered policy fires. A policy
 *   cannot be combined with `schema` or `payloadClass` (yet): a ConfigurationError says so.
 *
 * @example
 * ```ts
 * routine.defineSlot('items', handler, { mergeStrategy: 'append' } satisfies SlotOptions);
 * routine.defineSlot('in', (order) => order.total(), { schema: OrderSchema, payloadClass: Order });
 * routine.defineSlot('rows', ({ items }) => save(items), { batch: { size: 100, maxWait: 50 } });
 * routine.defineSlot('sum', (d) => d.total, { mergeStrategy: (prev, inc: { n: number }) => ({ total: Number(prev.total ?? 0) + inc.n }) });
 * ```
 */
export interface SlotOptions<T extends object = Payload, I extends object = Payload> {
  mergeStrategy?: MergeStrategy<I>;
  schema?: StandardSchemaV1<unknown, T>;
  payloadClass?: new (...args: any[]) => T;
  /** Up to `size` payloads per activation, or what arrived within `maxWait` ms of the first. */
  batch?: BatchOptions;
  /**
   * One activation per non-empty tumbling window of this many ms (flow scheduler time): the
   * first payload opens a window; the next starts where one with items ended; a window left
   * empty ends the run and the next payload opens a new one; the open window closes when the
   * job runs out of work.
   */
  window?: number;
  /** The name of a policy registered with `registerActivationPolicy`. */
  activation?: string;
}

/**
 * {@link SlotOptions} of a typed routine's slot whose type (what it is sent) is `T`, where a
 * merge function's `incoming` is typed `T` (see {@link TypedMergeStrategy}): what the typed
 * `defineSlot` takes as options of a declared type, such as `{ ...defaults, mergeStrategy }` with
 * `defaults` a `SlotOptions` from config (the handler gets a Payload, or its annotation).
 *
 * @example
 * ```ts
 * const defaults: SlotOptions = { activation: 'everySecond' };
 * const options: TypedSlotOptions<{ v: number }> = { ...defaults, mergeStrategy: (prev, inc) => ({ t: inc.v }) };
 * ```
 */
export type TypedSlotOptions<T extends object = Payload> = Omit<SlotOptions<any>, 'mergeStrategy'> & { mergeStrategy?: TypedMergeStrategy<T> };

/**
 * Options of {@link Routine.defineEvent}: a Standard Schema checked on every emit (the payload
 * delivered is the schema's output). An invalid payload makes `emit` throw a
 * `ValidationError`, which fails the activation that emitted it; with an asynchronous schema
 * the payload is delivered once it is known to be valid, and the activation waits for it.
 *
 * @example
 * ```ts
 * this.defineEvent('out', [], { schema: z.object({ id: z.string() }) } satisfies EventOptions<{ id: string }>);
 * ```
 */
export interface EventOptions<T extends object = Payload> {
  schema?: StandardSchemaV1<unknown, T>;
}

/**
 * Options of a slot that collects payloads into `{ items }` (a batch or a tumbling window): its
 * handler receives `{ items: T[] }`. A schema or payload class does not combine with them. `I`
 * is a merge function's incoming (see {@link SlotOptions}).
 *
 * @example
 * ```ts
 * this.defineSlot('rows', ({ items }) => save(items), { batch: { size: 100 } } satisfies CollectingSlotOptions<Row>);
 * ```
 */
export type CollectingSlotOptions<T extends object = Payload, I extends object = Payload> = Omit<SlotOptions<T, I>, 'batch' | 'window' | 'activation' | 'schema' | 'payloadClass'> &
  ({ batch: BatchOptions; window?: undefined } | { window: number; batch?: undefined });

/**
 * {@link CollectingSlotOptions} of a typed routine's slot whose type (what it is sent) is `T`: a
 * merge function's `incoming` is typed `T` (see {@link TypedMergeStrategy}); the handler's items
 * are what the merge makes.
 *
 * @example
 * ```ts
 * const options: TypedCollectingSlotOptions<{ v: number }> = { batch: { size: 10 }, mergeStrategy: (prev, inc) => ({ t: inc.v }) };
 * ```
 */
export type TypedCollectingSlotOptions<T extends object = Payload> = Omit<SlotOptions<T>, 'batch' | 'window' | 'activation' | 'schema' | 'payloadClass' | 'mergeStrategy'> & {
  mergeStrategy?: TypedMergeStrategy<T>;
} & ({ batch: BatchOptions; window?: undefined } | { window: number; batch?: undefined });

/**
 * The options of a slot whose handler receives each payload: no batch, no window (with those
 * the handler receives `{ items }`: see {@link CollectingSlotOptions}).
 *
 * @example
 * ```ts
 * const options: SlotOptions<Row> & NotCollecting = { mergeStrategy: 'append' };
 * ```
 */
export type NotCollecting = { batch?: undefined; window?: undefined };

/**
 * What a collecting slot's handler receives: the payloads of a batch or a window, in arrival order.
 *
 * @example
 * ```ts
 * const handler = ({ items }: Collected<Row>) => save(items);
 * ```
 */
// A type literal, not an interface: it stays assignable to Payload (an index signature).
export type Collected<T> = {
  items: T[];
};
