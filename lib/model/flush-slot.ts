/**
 * @internal The name of the hidden slot that runs a routine's flush handler: reserved (no
 * user slot may take it), never listed by `slotList()` nor written to flow JSON, but found by
 * `getSlot` so that a queued flush survives a snapshot and a restore.
 *
 * @example
 * ```ts
 * routine.getSlot(FLUSH_SLOT); // the flush slot, when defineFlush was called
 * ```
 */
export const FLUSH_SLOT = '$flush';
