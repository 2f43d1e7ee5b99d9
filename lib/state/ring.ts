/**
 * A bounded FIFO that keeps the newest `limit` items: O(1) push, no shifting, no
 * per-push allocation once full. Used for histories and tracker records so long jobs use
 * bounded memory.
 *
 * @example
 * ```ts
 * const r = new Ring<number>(2); r.push(1); r.push(2); r.push(3); r.toArray(); // [2, 3]
 * ```
 */
export class Ring<T> {
  private items: T[] = [];
  private start = 0;
  /** Items ever pushed, including the ones dropped: lets readers tell what is new. */
  total = 0;

  constructor(readonly limit: number) {}

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.total++;
    if (this.items.length < this.limit) {
      this.items.push(item);
      return;
    }
    if (this.limit === 0) return;
    this.items[this.start] = item;
    this.start = this.start + 1 === this.limit ? 0 : this.start + 1;
  }

  /** Oldest first. */
  toArray(): T[] {
    if (this.start === 0) return this.items.slice();
    return this.items.slice(this.start).concat(this.items.slice(0, this.start));
  }

  /** Replaces the contents (oldest first), keeping only the newest `limit`. */
  reset(items: readonly T[]): void {
    this.items = items.slice(Math.max(0, items.length - this.limit));
    this.start = 0;
    this.total = items.length;
  }
}
