/**
 * @internal Drops a published message its publisher sent again. An owner's emission and output
 * messages carry `q`, `<publisher>.<n>` with n increasing per publisher (one ownership of one
 * job, on one connection): ioredis sends a PUBLISH whose reply a dropped connection lost once
 * more after reconnecting, and the copies it resends come in their first order, so a message
 * whose n is not above the last one seen from the same publisher was seen already. A message
 * without `q` (an older owner) is never dropped.
 *
 * @example
 * ```ts
 * const repeats = new RepeatFilter();
 * repeats.repeated('k3x9.1'); // false
 * repeats.repeated('k3x9.1'); // true: the same message again
 * ```
 */
export class RepeatFilter {
  private publisher = '';
  private last = 0;

  /** Whether the message marked `q` was seen already. */
  repeated(q: unknown): boolean {
    if (typeof q !== 'string') return false;
    const dot = q.lastIndexOf('.');
    const publisher = q.slice(0, dot);
    const n = Number(q.slice(dot + 1));
    if (publisher === this.publisher && n <= this.last) return true;
    this.publisher = publisher;
    this.last = n;
    return false;
  }
}
