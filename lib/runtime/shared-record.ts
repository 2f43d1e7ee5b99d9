/**
 * @internal A frozen record (routine id to value) shared by every job that would build it
 * equal: its values are themselves shared frozen objects (a routine's common view, its instant
 * totals: see RoutineShares), so a small job's snapshot often holds the same record as the
 * previous job's. Kept per anchor (the job's first routine), one record each; a job that
 * offers the same keys and values in the same order gets it back, any other builds its own.
 * Sharing a frozen record with nothing of a job's own in it is unobservable (one snapshot
 * holds it once).
 *
 * @example
 * ```ts
 * const cache = new SharedRecords<RoutineState>();
 * const cursor = cache.start(anchor);
 * ids.forEach((id, i) => cursor?.next(id, values[i]));
 * const record = cursor?.result() ?? cache.keep(anchor, ids, values, built);
 * ```
 */
export class SharedRecords<V> {
  private readonly byAnchor = new WeakMap<object, { readonly keys: readonly string[]; readonly values: readonly V[]; readonly record: Readonly<Record<string, V>> }>();

  /** The one cursor, reset by each {@link SharedRecords.start}: a snapshot walks one record at a time, and a cursor per job was garbage per snapshot. */
  private readonly cursor = new SharedRecordCursor<V>();

  /** A cursor over the record kept for `anchor` (valid until the next start), or undefined when there is none. */
  start(anchor: object): SharedRecordCursor<V> | undefined {
    const kept = this.byAnchor.get(anchor);
    return kept === undefined ? undefined : this.cursor.reset(kept.keys, kept.values, kept.record);
  }

  /** Keeps `record` (frozen here) as the one for `anchor`, with its keys and values in order. */
  keep(anchor: object, keys: readonly string[], values: readonly V[], record: Record<string, V>): Readonly<Record<string, V>> {
    const frozen = Object.freeze(record);
    this.byAnchor.set(anchor, { keys, values, record: frozen });
    return frozen;
  }
}

/** @internal Compares a job's entries, in order, with a kept record's. @example `cursor.next('a', view)` */
export class SharedRecordCursor<V> {
  private i = 0;
  private same = true;
  private keys: readonly string[] = [];
  private values: readonly V[] = [];
  private record: Readonly<Record<string, V>> | undefined = undefined;

  /** Starts over on a kept record's keys and values. */
  reset(keys: readonly string[], values: readonly V[], record: Readonly<Record<string, V>>): this {
    this.i = 0;
    this.same = true;
    this.keys = keys;
    this.values = values;
    this.record = record;
    return this;
  }

  /** The next entry; false once it differs from the kept record's (the caller stops asking). */
  next(key: string, value: V | undefined): boolean {
    const i = this.i++;
    if (value === undefined || i >= this.keys.length || this.keys[i] !== key || this.values[i] !== value) this.same = false;
    return this.same;
  }

  /** The kept record, when every entry matched and there were as many. */
  result(): Readonly<Record<string, V>> | undefined {
    return this.same && this.i === this.keys.length ? this.record : undefined;
  }
}
