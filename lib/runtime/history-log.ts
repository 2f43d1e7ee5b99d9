import type { Payload } from '../core/payload.js';
import type { ExecutionRecord } from '../core/records.js';
import { smallColumn, smallNumberColumn } from './small-column.js';
import { ringViews } from './ring-views.js';

/** Entries per row of {@link HistoryLog}'s `rows`: routine id, event name, payload. */
const STRIDE = 3;

/**
 * @internal A job's execution history: a ring of the newest `limit` records, stored column-wise
 * so recording an emit allocates nothing. Record objects are built (and frozen) only when a
 * snapshot reads them; an entry the last read built is taken from that read's list (see
 * ringViews), so consecutive snapshots share every record.
 *
 * The routine ids, event names and payloads are one array, three slots per entry, and the
 * timestamps a second one (doubles, unboxed): every job keeps these two arrays while it lives,
 * and an array per field (five, with a cache column of built records) was a tenth of what a
 * small job kept from its start (issue 21).
 *
 * @example
 * ```ts
 * const log = new HistoryLog(10_000); log.push('a', 'out', { x: 1 }, Date.now()); log.toArray();
 * ```
 */
export class HistoryLog {
  // Room for 4 entries at first (see smallColumn): most jobs record a handful.
  private rows: unknown[] = smallColumn(4 * STRIDE);
  private timestamps: number[] = smallNumberColumn();
  /** Records ever pushed (including the ones the ring dropped). */
  total = 0;
  /** Where the next record goes: `total % limit`, kept as a cursor (no division per record). */
  private next = 0;
  /** The list the last read returned (its records are reused), and `total` then. */
  private last: readonly ExecutionRecord[] = NONE;
  private lastTotal = 0;

  constructor(readonly limit: number) {}

  push(routineId: string, eventName: string, data: Payload, timestamp: number): void {
    this.total++;
    const limit = this.limit;
    if (limit === 0) return;
    const i = this.next;
    this.next = i + 1 === limit ? 0 : i + 1;
    const rows = this.rows;
    const r = i * STRIDE;
    rows[r] = routineId;
    rows[r + 1] = eventName;
    rows[r + 2] = data;
    this.timestamps[i] = timestamp;
  }

  /** Oldest first, frozen (records and list): the next read reuses its records. */
  toArray(): readonly ExecutionRecord[] {
    if (this.total === this.lastTotal) return this.last;
    const out = Object.freeze(ringViews(this.total, this.limit, this.last, this.lastTotal, (i) => this.record(i)));
    this.last = out;
    this.lastTotal = this.total;
    return out;
  }

  private record(i: number): ExecutionRecord {
    const rows = this.rows;
    const r = i * STRIDE;
    return Object.freeze({ routineId: rows[r] as string, eventName: rows[r + 1] as string, data: rows[r + 2] as Payload, timestamp: this.timestamps[i] });
  }

  /** Replaces the contents with `records` (oldest first), keeping the newest `limit`. */
  reset(records: readonly ExecutionRecord[]): void {
    this.rows = [];
    this.timestamps = [];
    this.total = 0;
    this.next = 0;
    this.last = NONE;
    this.lastTotal = 0;
    for (const r of records) this.push(r.routineId, r.eventName, r.data, r.timestamp);
  }
}

/** The last read of a log never read (never written: a read replaces it). */
const NONE: readonly never[] = Object.freeze([]);
