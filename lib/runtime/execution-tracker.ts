import type { Connection } from '../model/connection.js';
import type { Slot } from '../model/slot.js';
import { smallColumn, smallNumberColumn } from './small-column.js';
import { PerfTotals } from './perf-totals.js';

import type { ActivationRecord, DeliveryRecord, FlowPerformance, RoutinePerformance, TrackerState } from '../core/tracker-records.js';

export type { ActivationRecord, DeliveryRecord, TrackerState, TrackerTotals, RoutinePerformance, FlowPerformance } from '../core/tracker-records.js';

/**
 * Execution tracking for one job (`job.tracker`): aggregates are exact over the whole job;
 * the per-attempt `records` and per-delivery `eventFlow` lists keep the newest entries up to
 * the flow's `historyLimit`. Records are stored column-wise and built when read, so tracking
 * allocates nothing per activation.
 *
 * @example
 * ```ts
 * const state = await job.wait();
 * job.tracker.getRoutinePerformance('parse'); // { totalExecutions: 4, completed: 3, failed: 1, successRate: 0.75, ... }
 * ```
 */
export class ExecutionTracker {
  private readonly perf = new Map<string, PerfTotals>();
  /** Deliveries over the whole job (a resumed job's included). */
  private deliveries = 0;
  /** Deliveries written to the ring columns in this process. */
  private dCount = 0;
  // Activation columns (ring of `limit`). They start small (see smallColumn); the attempt and
  // error columns are made only once an entry needs them (attempt > 1, an error), and from
  // then on written for every entry.
  private aSlot: Slot[] = smallColumn();
  private aStart: number[] = smallNumberColumn();
  private aEnd: number[] = smallNumberColumn();
  private aAttempt: number[] | undefined = undefined;
  private aError: Array<{ name: string; message: string } | undefined> | undefined = undefined;
  private aCount = 0;
  /** `aCount % limit` and `dCount % limit`, kept as cursors (no division per record). */
  private aNext = 0;
  private dNext = 0;
  // Delivery columns (ring of `limit`).
  private dConn: Connection[] = smallColumn();
  private dTime: number[] = smallNumberColumn();
  // The record objects built for reading, per ring position, and which write (its count) each
  // was built for: a record is built once, so successive snapshots share it. The journal diffs
  // lists by identity; rebuilt records of equal deliveries (same ms, same connection) cannot be
  // told apart, and such a list was written whole on every checkpoint. Made at the first read.
  private aViews: RingViews<ActivationRecord> | undefined = undefined;
  private dViews: RingViews<DeliveryRecord> | undefined = undefined;

  /** Restored from a snapshot (a resumed job): older than everything in the columns. */
  private restoredRecords: readonly ActivationRecord[] = NONE;
  private restoredFlow: readonly DeliveryRecord[] = NONE;
  /** @internal Bumped by every record: the snapshot rebuilds the tracker state only when it moved. */
  version = 0;

  constructor(private readonly limit: number) {}

  /** @internal The totals object of a routine, created on first use (cached by the caller). */
  totalsFor(routineId: string): PerfTotals {
    let t = this.perf.get(routineId);
    if (t === undefined) this.perf.set(routineId, (t = new PerfTotals()));
    return t;
  }

  /**
   * @internal Makes `totals` (a job's RoutineRun) the figures of `routineId` from now on,
   * carrying over what was counted under it before (a restored job's totals).
   */
  adopt(routineId: string, totals: PerfTotals): void {
    const before = this.perf.get(routineId);
    if (before !== undefined) Object.assign(totals, { total: before.total, completed: before.completed, failed: before.failed, time: before.time, min: before.min, max: before.max });
    this.perf.set(routineId, totals);
  }

  /** @internal */
  recordAttempt(totals: PerfTotals, slot: Slot, start: number, end: number, attempt: number, error: { name: string; message: string } | undefined): void {
    const d = whole(end - start);
    totals.total++;
    if (error === undefined) totals.completed++;
    else totals.failed++;
    totals.time += d;
    if (totals.total === 1 || d < totals.min) totals.min = d;
    if (d > totals.max) totals.max = d;
    this.version++;
    if (this.limit === 0) return;
    const i = this.aNext;
    this.aNext = i + 1 === this.limit ? 0 : i + 1;
    this.aCount++;
    this.aSlot[i] = slot;
    this.aStart[i] = start;
    this.aEnd[i] = end;
    if (this.aAttempt !== undefined) this.aAttempt[i] = attempt;
    else if (attempt !== 1) (this.aAttempt = [] as number[])[i] = attempt; // earlier entries read as holes: attempt 1
    if (this.aError !== undefined) this.aError[i] = error;
    else if (error !== undefined) (this.aError = [] as Array<{ name: string; message: string } | undefined>)[i] = error;
  }

  /** @internal */
  recordDelivery(connection: Connection, timestamp: number): void {
    this.version++;
    if (this.limit === 0) {
      this.deliveries++;
      return;
    }
    this.deliveries++;
    const i = this.dNext;
    this.dNext = i + 1 === this.limit ? 0 : i + 1;
    this.dCount++;
    this.dConn[i] = connection;
    this.dTime[i] = timestamp;
  }

  /** Newest activation attempts, oldest first, at most `historyLimit`. */
  get records(): readonly ActivationRecord[] {
    const out = ringViews(this.aCount, this.limit, (this.aViews ??= { views: [], builtFor: [] }), (i) => this.activationRecord(i));
    return Object.freeze(newest(this.restoredRecords, out, this.limit));
  }

  private activationRecord(i: number): ActivationRecord {
    const error = this.aError === undefined ? undefined : this.aError[i];
    const slot = this.aSlot[i];
    const r: { -readonly [K in keyof ActivationRecord]: ActivationRecord[K] } = {
      routineId: slot.routine.id,
      slotName: slot.name,
      startTime: this.aStart[i],
      endTime: this.aEnd[i],
      status: error === undefined ? 'completed' : 'failed',
      durationMs: whole(this.aEnd[i] - this.aStart[i]),
      attempt: this.aAttempt === undefined ? 1 : (this.aAttempt[i] ?? 1),
    };
    if (error !== undefined) r.error = error;
    return Object.freeze(r);
  }

  /** Newest deliveries, oldest first, at most `historyLimit`. */
  get eventFlow(): readonly DeliveryRecord[] {
    const out = ringViews(this.dCount, this.limit, (this.dViews ??= { views: [], builtFor: [] }), (i) => {
      const c = this.dConn[i];
      return Object.freeze({ timestamp: this.dTime[i], sourceRoutineId: c.sourceId, eventName: c.eventName, targetRoutineId: c.targetId, slotName: c.slotName });
    });
    return Object.freeze(newest(this.restoredFlow, out, this.limit));
  }

  /** @internal The tracker as plain data, for the job's snapshot. */
  toState(): TrackerState {
    const totals: Record<string, TrackerState['totals'][string]> = {};
    const last = this.lastTotals;
    this.perf.forEach((t, id) => {
      if (t.total === 0) return;
      // A routine whose figures did not change keeps the previous snapshot's object (shared, and a journal diff skips it).
      const p = last?.[id];
      const same = p !== undefined && p.total === t.total && p.completed === t.completed && p.failed === t.failed && p.time === t.time && p.min === t.min && p.max === t.max;
      totals[id] = same ? p : Object.freeze({ total: t.total, completed: t.completed, failed: t.failed, time: t.time, min: t.min, max: t.max });
    });
    this.lastTotals = totals;
    return Object.freeze({ records: this.records, eventFlow: this.eventFlow, totals: Object.freeze(totals), deliveries: this.deliveries });
  }

  /** The totals of the last {@link toState}. */
  private lastTotals: TrackerState['totals'] | undefined = undefined;

  /** @internal Continues from a snapshot's tracker (a resumed job): totals, counts and records. */
  restore(state: TrackerState): void {
    for (const [id, t] of Object.entries(state.totals)) Object.assign(this.totalsFor(id), t);
    this.deliveries = state.deliveries;
    this.restoredRecords = state.records;
    this.restoredFlow = state.eventFlow;
    this.version++;
  }

  /**
   * Figures for one routine, or `undefined` if it never ran in this job.
   *
   * @example
   * ```ts
   * job.tracker.getRoutinePerformance('parse')?.successRate;
   * ```
   */
  getRoutinePerformance(routineId: string): RoutinePerformance | undefined {
    const t = this.perf.get(routineId);
    if (t === undefined || t.total === 0) return undefined;
    return {
      totalExecutions: t.total,
      completed: t.completed,
      failed: t.failed,
      successRate: t.completed / t.total,
      avgExecutionTime: t.time / t.total,
      minExecutionTime: t.min,
      maxExecutionTime: t.max,
    };
  }

  /**
   * Figures for the whole job.
   *
   * @example
   * ```ts
   * job.tracker.getFlowPerformance().totalEvents;
   * ```
   */
  getFlowPerformance(): FlowPerformance {
    let routines = 0;
    let executions = 0;
    let time = 0;
    for (const t of this.perf.values()) {
      if (t.total === 0) continue;
      routines++;
      executions += t.total;
      time += t.time;
    }
    return { totalRoutines: routines, totalExecutions: executions, totalEvents: this.deliveries, totalExecutionTime: time };
  }
}

/**
 * `ms` as a small integer when it is one: a difference of two timestamps (doubles) is a boxed
 * double even when whole, and storing one in a field makes that field box every value after.
 */
function whole(ms: number): number {
  const i = ms | 0;
  return i === ms ? i : ms;
}

/** Shared by every tracker until it is restored (never written: restore replaces it). */
const NONE: readonly never[] = Object.freeze([]);

/** The record objects built for a ring's entries, per position, and the write (count) each was built for. */
interface RingViews<T> {
  readonly views: T[];
  readonly builtFor: number[];
}

/**
 * The newest `min(count, limit)` entries of a ring written `count` times, oldest first, as
 * records built by `build(position)` once per write and reused by every later read. Plain
 * index loops, no generator or spread: a snapshot of every small job reads this.
 */
function ringViews<T>(count: number, limit: number, cache: RingViews<T>, build: (i: number) => T): T[] {
  const n = Math.min(count, limit);
  const out: T[] = new Array(n);
  for (let k = 0, seq = count - n; k < n; k++, seq++) {
    const i = seq % limit;
    if (cache.builtFor[i] !== seq) {
      cache.views[i] = build(i);
      cache.builtFor[i] = seq;
    }
    out[k] = cache.views[i];
  }
  return out;
}

/** The newest `limit` of `older` followed by `newer`. */
function newest<T>(older: readonly T[], newer: T[], limit: number): T[] {
  if (older.length === 0) return newer;
  const all = older.concat(newer);
  return all.length > limit ? all.slice(all.length - limit) : all;
}
