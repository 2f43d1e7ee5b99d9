/**
 * @internal A map whose hash table holds only each key and a slot number; the values sit in an
 * array of slots, and a deleted entry's slot is cleared at once (and reused).
 *
 * Why not a plain `Map` for a long-lived map with a steady churn of short-lived entries (the
 * jobs a worker owns, the live jobs of a flow): V8 grows or compacts a `Map` by making a new
 * hash table, and the table it leaves behind keeps pointing to the new one and to the entries
 * it had (so that a live iterator can follow). Those left tables chain. Once one of them is in
 * the old generation, the young-generation collector takes its pointers as roots although it
 * is garbage, so every later table, with every value it held, survives each scavenge and is
 * promoted; only a full collection ends the chain. A `dist_jobs` worker promoted about 5.5 KB
 * per job this way (each job's runtime, checkpointer and ownership). Here the left tables hold
 * only keys and small integers.
 *
 * Same semantics as `Map` for what it offers; iteration is in insertion order.
 *
 * @example
 * ```ts
 * const sessions = new SlotMap<string, OwnedJob>();
 * sessions.set('order-17', session);
 * sessions.get('order-17'); // session
 * sessions.delete('order-17'); // true, and the slot no longer holds it
 * ```
 */
export class SlotMap<K, V> {
  private readonly slots = new Map<K, number>();
  private readonly held: Array<V | undefined> = [];
  private readonly free: number[] = [];

  /** Entries held. */
  get size(): number {
    return this.slots.size;
  }

  get(key: K): V | undefined {
    const i = this.slots.get(key);
    return i === undefined ? undefined : this.held[i];
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  set(key: K, value: V): this {
    const i = this.slots.get(key);
    if (i !== undefined) {
      this.held[i] = value;
      return this;
    }
    const slot = this.free.pop() ?? this.held.length;
    this.held[slot] = value;
    this.slots.set(key, slot);
    return this;
  }

  /** Removes `key`'s entry and clears its slot; false when there was none. */
  delete(key: K): boolean {
    const i = this.slots.get(key);
    if (i === undefined) return false;
    this.slots.delete(key);
    this.held[i] = undefined;
    this.free.push(i);
    return true;
  }

  /** Calls `fn` for each entry in insertion order (as `Map.forEach`: entries deleted meanwhile are skipped, added ones visited). */
  forEach(fn: (value: V, key: K) => void): void {
    for (const [key, i] of this.slots) fn(this.held[i] as V, key);
  }
}
