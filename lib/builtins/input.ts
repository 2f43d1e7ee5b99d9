import type { Routine } from '../model/routine.js';
import type { Slot, SlotHandler } from '../model/slot.js';
import type { MergeStrategy } from '../model/merge.js';
import type { Payload } from '../core/payload.js';

/**
 * The value a built-in works on: `payload.data` when the payload has an own `data` key (even
 * when that value is `null` or `undefined`), else the whole payload. One rule for every
 * built-in, so `{ data: 'text' }` and a bare `{ text: ... }` object are never guessed at.
 *
 * @example
 * ```ts
 * inputValue({ data: [1, 2] }); // [1, 2]
 * inputValue({ priority: 'high' }); // { priority: 'high' }
 * ```
 */
export function inputValue(payload: Payload): unknown {
  return Object.prototype.hasOwnProperty.call(payload, 'data') ? payload.data : payload;
}

/**
 * Defines the `input` slot and a `trigger` slot with the same handler and merge strategy, so
 * any built-in can be the entry of a flow (`flow.start` feeds `trigger` by default).
 *
 * @example
 * ```ts
 * defineInputSlots(this, (data) => this.emit('output', { value: inputValue(data) }));
 * ```
 */
export function defineInputSlots(
  routine: Routine,
  handler: SlotHandler,
  options: { mergeStrategy?: MergeStrategy } = {},
): { input: Slot; trigger: Slot } {
  return {
    input: routine.defineSlot('input', handler, options),
    trigger: routine.defineSlot('trigger', handler, options),
  };
}
