import type { MergeStrategy } from './merge.js';
import type { BatchOptions } from './slot-policy.js';

/**
 * Options of {@link Routine.defineSlot}: a merge strategy, and at most one activation policy
 * (`batch`, `window` or `activation`), which makes the handler wait: it receives `{ items }`
 * (batch, window) or what the registered policy fires.
 *
 * @example
 * ```ts
 * routine.defineSlot('items', handler, { mergeStrategy: 'append' } satisfies SlotOptions);
 * routine.defineSlot('rows', ({ items }) => save(items), { batch: { size: 100, maxWait: 50 } });
 * ```
 */
export interface SlotOptions {
  mergeStrategy?: MergeStrategy;
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
