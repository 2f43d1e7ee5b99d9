/**
 * @internal The newest `min(count, limit)` entries of a ring written `count` times, oldest first, as
 * records built by `build(position)`; an entry the previous read (`last`, read at `lastCount`)
 * already holds is taken from it, so every record is built once per write and shared by
 * every later read. Plain index loops, no generator or spread: a snapshot of every small job
 * reads this.
 *
 * @example
 * ```ts
 * const out = ringViews(count, limit, last, lastCount, (i) => build(i)); last = out; lastCount = count;
 * ```
 */
export function ringViews<T>(count: number, limit: number, last: readonly T[], lastCount: number, build: (i: number) => T): T[] {
  const n = Math.min(count, limit);
  const out: T[] = new Array(n);
  // `last` holds the writes lastFirst .. lastCount - 1 (an entry's record never changes: a
  // later write to its position is a later write, with its own record).
  const lastFirst = lastCount - last.length;
  for (let k = 0, seq = count - n; k < n; k++, seq++) out[k] = seq >= lastFirst && seq < lastCount ? last[seq - lastFirst] : build(seq % limit);
  return out;
}

/**
 * @internal The newest `limit` of `older` followed by `newer` (a restored job's records, then this process's).
 *
 * @example
 * ```ts
 * newest(restored, fromColumns, limit);
 * ```
 */
export function newest<T>(older: readonly T[], newer: T[], limit: number): T[] {
  if (older.length === 0) return newer;
  const all = older.concat(newer);
  return all.length > limit ? all.slice(all.length - limit) : all;
}
