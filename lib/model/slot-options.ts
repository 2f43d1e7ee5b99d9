import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Payload } from '../core/payload.js';
import type { MergeStrategy } from './merge.js';
import type { BatchOptions } from './slot-policy.js';

/**
 * Options of {@link Routine.defineSlot}. `T` is the payload type the handler receives.
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
 * ```
 */
export interface SlotOptions<T extends object = Payload> {
  mergeStrategy?: MergeStrategy;
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
 * handler receives `{ items: T[] }`. A schema or payload class does not combine with them.
 *
 * @example
 * ```ts
 * this.defineSlot('rows', ({ items }) => save(items), { batch: { size: 100 } } satisfies CollectingSlotOptions<Row>);
 * ```
 */
export type CollectingSlotOptions<T extends object = Payload> = Omit<SlotOptions<T>, 'batch' | 'window' | 'activation' | 'schema' | 'payloadClass'> &
  ({ batch: BatchOptions; window?: undefined } | { window: number; batch?: undefined });

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
 * Options under which a slot's handler receives its payload type `T` itself: merge `'override'`
 * (the default) and no activation policy, or a schema or payload class (which make the handler
 * receive their output, whatever the merge strategy).
 *
 * @example
 * ```ts
 * const options: PlainSlotOptions<Row> = { schema: RowSchema };
 * ```
 */
// The union does not depend on T (SlotOptions<T> types the schema and class): it is built once,
// not per call, which keeps a large typed flow as fast to check as before.
export type PlainSlotOptions<T extends object = Payload> = SlotOptions<T> & NotCollecting & PlainMerge;

/** How a slot's handler gets its payload type itself (see {@link PlainSlotOptions}). */
type PlainMerge =
  | { mergeStrategy?: 'override'; activation?: undefined }
  | { schema: object; activation?: undefined }
  | { payloadClass: abstract new (...args: any[]) => object; activation?: undefined };

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
 * `unknown` for the options the general typed overload of `defineSlot` takes: `'append'` (no
 * schema or payload class: the handler receives {@link Appended}), a registered merge strategy
 * or activation policy (known by name only: a Payload, or what the handler's annotation says),
 * or options typed as plain `SlotOptions`. `never` for override and merge functions, which the
 * narrower overloads type exactly: there a handler that does not fit is a mistake, not a claim.
 *
 * @example
 * ```ts
 * type Yes = ByName<{ activation: 'everySecond' }>; // unknown
 * type No = ByName<{ mergeStrategy: 'override' }>;  // never
 * ```
 */
export type ByName<O> = O extends { activation: string }
  ? unknown
  : 'mergeStrategy' extends keyof O
    ? O extends { mergeStrategy: 'append'; schema?: undefined; payloadClass?: undefined }
      ? unknown
      : O extends { mergeStrategy?: 'override' | 'append' | undefined }
      ? never
      : O extends { mergeStrategy?: infer G }
        ? [Exclude<G, undefined>] extends [(previous: Payload, incoming: Payload) => unknown]
          ? never
          : unknown
        : unknown
    : never;
