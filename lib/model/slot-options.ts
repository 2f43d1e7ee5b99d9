import type { MergeStrategy } from './merge.js';

/**
 * Options of {@link Routine.defineSlot}.
 *
 * @example
 * ```ts
 * routine.defineSlot('items', handler, { mergeStrategy: 'append' } satisfies SlotOptions);
 * ```
 */
export interface SlotOptions {
  mergeStrategy?: MergeStrategy;
}
