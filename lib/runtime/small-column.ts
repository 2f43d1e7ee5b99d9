/**
 * @internal A ring column with room for `slots` values (4 by default; a column holding several
 * values per entry asks for 4 entries' worth). The job's history and tracker are stored
 * column-wise and written by index; an index past the end grows the array as a push would
 * (to 22 slots, then by half), so a job that records a few entries keeps room for 4 instead
 * of the 16 slots a first push to `[]` reserves. That reserve, over a dozen columns, was a
 * third of what a small settled job kept.
 *
 * @example
 * ```ts
 * private rows: unknown[] = smallColumn(12); // 4 entries of 3 values
 * ```
 */
export function smallColumn<T>(slots = 4): T[] {
  return new Array<T>(slots);
}

/**
 * @internal {@link smallColumn} for numbers (timestamps): an array literal of doubles, so it
 * holds unboxed doubles from the start (a `new Array(4)` would be copied into a double array
 * when the first timestamp is written). Its placeholder values are never read: a ring reads
 * only the entries it wrote.
 *
 * @example
 * ```ts
 * private timestamps: number[] = smallNumberColumn();
 * ```
 */
export function smallNumberColumn(): number[] {
  return [0.5, 0.5, 0.5, 0.5];
}
