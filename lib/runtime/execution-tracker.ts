import type { Connection } from '../model/connection.js';
import type { Slot } from '../model/slot.js';
import { PerfTotals } from './perf-totals.js';
import { smallColumn } from './small-column.js';
import { RoutineRun, ownTotals, sharedTotals, unchangedTotals } from './routine-run.js';
import { SharedRecords, type SharedRecordCursor } from './shared-record.js';
import { newest, ringViews } from './ring-views.js';
import type { Routine } from '../model/routine.js';

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
  /**
   * Totals not held by one of the job's runs (see {@link ExecutionTracker.adopt}): a restored
   * job's figures, or ones asked for by id. Made at first use: a fresh job's totals are its
   * runs themselves, found through the job's list of runs (a Map per job was a tenth of what a small job kept).
   */
  private loose: Map<string, PerfTotals> | undefined = undefined;
  /** Deliveries over the whole job (a resumed job's included). */
  private deliveries = 0;
  /** Deliveries written to the ring columns in this process. */
  private dCount = 0;
  // Both rings (of `limit` each) in two arrays, as every job keeps them while it lives (one
  // per field, five, were a tenth of what a small job kept): `refs` holds activation i's slot at
  // 2i and delivery j's connection at 2j + 1; `times` (unboxed doubles) i's start and end at
  // 3i, 3i + 1 and j's time at 3j + 2. Room for 4 of each at first (see smallColumn); the
  // attempt and error columns are made once an entry needs them, then written for every entry.
  private refs: Array<Slot | Connection> = smallColumn(8);
  private times: number[] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  private aAttempt: number[] | undefined = undefined;
  private aError: Array<{ name: string; message: string } | undefined> | undefined = undefined;
  private aCount = 0;
  /** `aCount % limit` and `dCount % limit`, kept as cursors (no division per record). */
  private aNext = 0;
  private dNext = 0;
  // The records the last read built, and the count they were read at: a record is built once
  // per write, so successive snapshots share it. The journal diffs lists by identity; rebuilt
  // records of equal deliveries (same ms, same connection) cannot be told apart, and such a
  // list was written whole on every checkpoint. The last read's own list is the cache (no
  // per-position arrays: those were a tenth of what a small settled job kept).
  private aLast: readonly ActivationRecord[] = NONE;
  private aLastCount = 0;
  private dLast: readonly DeliveryRecord[] = NONE;
  private dLastCount = 0;

  /** Restored from a snapshot (a resumed job): older than everything in the columns. */
  private restoredRecords: readonly ActivationRecord[] = NONE;
  private restoredFlow: readonly DeliveryRecord[] = NONE;
  /** @internal Bumped by every record: the snapshot rebuilds the tracker state only when it moved. */
  version = 0;

  /** The job's routine runs, which are the routines' totals (see {@link ExecutionTracker.useRuns}). */
  private runs: RunSource | undefined = undefined;

  constructor(private readonly limit: number) {}

  /**
   * @internal Finds the routines' totals in the job's routine runs from now on (a RoutineRun
   * is its routine's totals); a tracker without them keeps every routine's totals by id.
   */
  useRuns(runs: RunSource): void {
    this.runs = runs;
  }

  /** @internal The totals object of a routine, created on first use (cached by the caller). */
  totalsFor(routineId: string): PerfTotals {
    let t = this.find(routineId);
    if (t === undefined) (this.loose ??= new Map()).set(routineId, (t = new PerfTotals()));
    return t;
  }

  /**
   * @internal Makes `totals` (a job's new RoutineRun, about to enter its `runs`) the figures of
   * `routineId` from now on, carrying over what was counted under it before (a restored job's
   * totals).
   */
  adopt(routineId: string, totals: PerfTotals): void {
    const loose = this.loose;
    const before = loose?.get(routineId);
    if (before !== undefined) Object.assign(totals, { total: before.total, completed: before.completed, failed: before.failed, time: before.time, min: before.min, max: before.max });
    // Kept in `loose` (in its place, so the totals keep their order) when it was there, or when
    // there is no runs map to find it in.
    if (before !== undefined || this.runs === undefined) (this.loose ??= new Map()).set(routineId, totals);
  }

  /** A routine's totals: loose ones first, then the runs'. */
  private find(routineId: string): PerfTotals | undefined {
    const t = this.loose?.get(routineId);
    if (t !== undefined || this.runs === undefined) return t;
    for (let run = this.runs.firstRun; run !== undefined; run = run.nextRun) if (run.routine.id === routineId) return run;
    return undefined;
  }

  /** Every routine's totals, in the order they were first counted (restored ones first). */
  private forEachTotals(fn: (totals: PerfTotals, routineId: string, routine: Routine | undefined) => void): void {
    const loose = this.loose;
    if (loose !== undefined) loose.forEach((t, id) => fn(t, id, t instanceof RoutineRun ? t.routine : undefined));
    if (this.runs !== undefined) for (let run = this.runs.firstRun; run !== undefined; run = run.nextRun) if (loose === undefined || !loose.has(run.routine.id)) fn(run, run.routine.id, run.routine);
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
    this.refs[2 * i] = slot;
    const times = this.times;
    times[3 * i] = start;
    times[3 * i + 1] = end;
    // The attempt and error columns, once either exists or is needed: out of line (this is inlined per activation, by bytecode size).
    if (attempt !== 1 || error !== undefined || this.aAttempt !== undefined || this.aError !== undefined) this.recordRare(i, attempt, error);
  }

  private recordRare(i: number, attempt: number, error: { name: string; message: string } | undefined): void {
    if (this.aAttempt !== undefined) this.aAttempt[i] = attempt;
    else if (attempt !== 1) (this.aAttempt = [] as number[])[i] = attempt; // earlier entries read as holes: attempt 1
    if (this.aError !== undefined) this.aError[i] = error;
    else if (error !== undefined) (this.aError = [] as Array<{ name: string; message: string } | undefined>)[i] = error;
  }

  /** @internal */
  recordDelivery(connection: Connection, timestamp: number): void {
    this.version++;
    this.deliveries++;
    if (this.limit === 0) return;
    const i = this.dNext;
    this.dNext = i + 1 === this.limit ? 0 : i + 1;
    this.dCount++;
    this.refs[2 * i + 1] = connection;
    this.times[3 * i + 2] = timestamp;
  }

  /** Newest activation attempts, oldest first, at most `historyLimit`. */
  get records(): readonly ActivationRecord[] {
    const out = ringViews(this.aCount, this.limit, this.aLast, this.aLastCount, (i) => this.activationRecord(i));
    this.aLast = out;
    this.aLastCount = this.aCount;
    return Object.freeze(newest(this.restoredRecords, out, this.limit));
  }

  private activationRecord(i: number): ActivationRecord {
    const error = this.aError === undefined ? undefined : this.aError[i];
    const slot = this.refs[2 * i] as Slot;
    const start = this.times[3 * i];
    const end = this.times[3 * i + 1];
    const r: { -readonly [K in keyof ActivationRecord]: ActivationRecord[K] } = {
      routineId: slot.routine.id,
      slotName: slot.name,
      startTime: start,
      endTime: end,
      status: error === undefined ? 'completed' : 'failed',
      durationMs: whole(end - start),
      attempt: this.aAttempt === undefined ? 1 : (this.aAttempt[i] ?? 1),
    };
    if (error !== undefined) r.error = error;
    return Object.freeze(r);
  }

  /** Newest deliveries, oldest first, at most `historyLimit`. */
  get eventFlow(): readonly DeliveryRecord[] {
    const out = ringViews(this.dCount, this.limit, this.dLast, this.dLastCount, (i) => {
      const c = this.refs[2 * i + 1] as Connection;
      return Object.freeze({ timestamp: this.times[3 * i + 2], sourceRoutineId: c.sourceId, eventName: c.eventName, targetRoutineId: c.targetId, slotName: c.slotName });
    });
    this.dLast = out;
    this.dLastCount = this.dCount;
    return Object.freeze(newest(this.restoredFlow, out, this.limit));
  }

  /** @internal The tracker as plain data, for the job's snapshot. */
  toState(): TrackerState {
    const totals = this.totalsRecord();
    this.lastTotals = totals;
    return Object.freeze({ records: this.records, eventFlow: this.eventFlow, totals, deliveries: this.deliveries });
  }

  /** Every counted routine's figures: the kept record when they are all shared ones and the same (see SharedRecords). */
  private totalsRecord(): Readonly<Record<string, TrackerState['totals'][string]>> {
    let anchor: object | undefined;
    let cursor: SharedRecordCursor<TrackerState['totals'][string]> | undefined;
    let first = true;
    this.forEachTotals((t, id, routine) => {
      if (t.total === 0) return;
      if (first) {
        first = false;
        anchor = routine;
        cursor = routine === undefined ? undefined : sharedTotalsRecords.start(routine);
      }
      if (cursor !== undefined && !cursor.next(id, sharedTotals(t, routine))) cursor = undefined;
    });
    const kept = cursor?.result();
    if (kept !== undefined) return kept;
    const totals: Record<string, TrackerState['totals'][string]> = {};
    let shared = anchor !== undefined;
    const last = this.lastTotals;
    this.forEachTotals((t, id, routine) => {
      if (t.total === 0) return;
      const view = sharedTotals(t, routine);
      if (view === undefined) shared = false;
      // A routine whose figures did not change keeps the previous snapshot's object (shared, and a journal diff skips it).
      totals[id] = view ?? unchangedTotals(last?.[id], t) ?? ownTotals(t);
    });
    if (!shared) return Object.freeze(totals);
    const ids = Object.keys(totals);
    return sharedTotalsRecords.keep(anchor!, ids, ids.map((id) => totals[id]), totals);
  }

  /** The totals of the last {@link toState} (unchanged ones are kept: see unchangedTotals). */ private lastTotals: TrackerState['totals'] | undefined = undefined;

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
    const t = this.find(routineId);
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
    this.forEachTotals((t) => {
      if (t.total === 0) return;
      routines++;
      executions += t.total;
      time += t.time;
    });
    return { totalRoutines: routines, totalExecutions: executions, totalEvents: this.deliveries, totalExecutionTime: time };
  }
}

/** `ms` as a small integer when it is one: a difference of timestamps is a boxed double even when whole, and a field storing one boxes every later value. */
function whole(ms: number): number {
  const i = ms | 0;
  return i === ms ? i : ms;
}

/** A job's RoutineRun as the tracker sees it (its routine's totals), and where the tracker finds them: the first, then each one's next (see JobData.firstRun). */
type RunTotals = PerfTotals & { readonly routine: Routine; readonly nextRun: RunTotals | undefined };
type RunSource = { readonly firstRun: RunTotals | undefined };

/** Totals records made of shared figures are shared too, per the job's first counted routine. */
const sharedTotalsRecords = new SharedRecords<TrackerState['totals'][string]>();

/** Shared by every tracker until it is restored (never written: restore replaces it). */
const NONE: readonly never[] = Object.freeze([]);
