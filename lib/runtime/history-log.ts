import type { Payload } from '../core/payload.js';
import type { ExecutionRecord } from '../core/records.js';
import { smallColumn, smallNumberColumn } from './small-column.js';

/**
 * @internal A job's execution history: a ring of the newest `limit` records, stored column-wise
 * so recording an emit allocates nothing. Record objects are built (and frozen) only when a
 * snapshot reads them, and cached until their slot is overwritten, so consecutive snapshots
 * reuse them.
 */
export class HistoryLog {
  // Small at first (see smallColumn): most jobs record a handful of entries.
  private routineIds: string[] = smallColumn();
  private eventNames: string[] = smallColumn();
  private payloads: Payload[] = smallColumn();
  private timestamps: number[] = smallNumberColumn();
  private built: Array<ExecutionRecord | undefined> = smallColumn();
  /** Records ever pushed (including the ones the ring dropped). */
  total = 0;
  /** Where the next record goes: `total % limit`, kept as a cursor (no division per record). */
  private next = 0;

  constructor(readonly limit: number) {}

  push(routineId: string, eventName: string, data: Payload, timestamp: number): void {
    if (this.limit === 0) {
      this.total++;
      return;
    }
    const i = this.next;
    this.next = i + 1 === this.limit ? 0 : i + 1;
    this.total++;
    this.routineIds[i] = routineId;
    this.eventNames[i] = eventName;
    this.payloads[i] = data;
    this.timestamps[i] = timestamp;
    this.built[i] = undefined;
  }

  /** Oldest first. */
  toArray(): ExecutionRecord[] {
    const n = Math.min(this.total, this.limit);
    const out: ExecutionRecord[] = new Array(n);
    const first = this.total > this.limit ? this.total % this.limit : 0;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % this.limit;
      let record = this.built[i];
      if (record === undefined) {
        record = Object.freeze({ routineId: this.routineIds[i], eventName: this.eventNames[i], data: this.payloads[i], timestamp: this.timestamps[i] });
        this.built[i] = record;
      }
      out[k] = record;
    }
    return out;
  }

  /** Replaces the contents with `records` (oldest first), keeping the newest `limit`. */
  reset(records: readonly ExecutionRecord[]): void {
    this.routineIds = [];
    this.eventNames = [];
    this.payloads = [];
    this.timestamps = [];
    this.built = [];
    this.total = 0;
    this.next = 0;
    for (const r of records) this.push(r.routineId, r.eventName, r.data, r.timestamp);
  }
}
