import type { Clock } from './clock.js';
import { RoutineRun, newSlotCell, type SlotCell } from './routine-run.js';
import type { Event } from '../model/event.js';
import type { Routine } from '../model/routine.js';
import type { Slot } from '../model/slot.js';
import type { Payload } from '../core/payload.js';
import { HistoryLog } from './history-log.js';
import { ExecutionTracker } from './execution-tracker.js';
import { OperatorLog } from '../model/operator-log.js';
import { ConfigurationError } from '../errors/errors.js';
import { isUnsafeKey } from '../core/own-property.js';
import { NO_ITEMS, NO_SHARED } from './no-items.js';
import { JobExtrasHost } from './job-extras.js';

/**
 * @internal The mutable data of one job (routine states, slot data, shared data, history,
 * outputs, pause points, deferred events) and the writes handlers make to it through their
 * context. Each write marks what changed, so the next snapshot copies only that.
 *
 * `JobRuntime` extends it with the job's identity, work accounting and lifecycle. It is
 * a base class rather than a member object so that the activation path reaches these fields
 * and methods on the job itself, with no extra hop.
 */
export abstract class JobData extends JobExtrasHost {
  /**
   * The job's routine runs and slot cells: each a list threaded through its entries (see
   * RoutineRun.nextRun, SlotCell.next) in the order they were made, the order snapshots list
   * them in, with an index by routine or slot made only once a lookup walks past
   * {@link INDEX_AFTER} entries. Two Maps per job were a sixth of what a small job kept from
   * its start (issue 21); a walk of a few entries is as quick as a hash lookup. The indexes
   * stay fields, not extras: a large job reads them on every activation.
   */
  firstRun: RoutineRun | undefined = undefined;
  private lastRun: RoutineRun | undefined = undefined;
  private runIndex: Map<Routine, RoutineRun> | undefined = undefined;
  firstCell: SlotCell | undefined = undefined;
  private lastCell: SlotCell | undefined = undefined;
  private cellIndex: Map<Slot, SlotCell> | undefined = undefined;
  /**
   * The run and the cell found last: a job's activations often come in runs of one routine
   * (a FIFO drains one routine's queued messages before the next's), and a hit is one compare
   * instead of a walk of up to INDEX_AFTER entries or a hash lookup.
   */
  private runHit: RoutineRun | undefined = undefined;
  private cellHit: SlotCell | undefined = undefined;
  readonly history: HistoryLog;
  /** The last task number given in this job (see `Task.seq`). */
  lastSeq = 0;
  readonly tracker: ExecutionTracker;

  // What changed since the last snapshot.
  version = 1;
  /**
   * Changes made by no running activation: an operator's output, a batch, window or retry timer,
   * a stream failure, and (for a job with a `lateHost`, a worker's) what an ended activation's
   * context still wrote. A worker rebuilding the job by replaying activations cannot make these
   * again (or would make them in another order), so it saves them at once.
   */
  lateWrites = 0;
  /**
   * Whether a snapshot exists to copy changes into. The first snapshot copies every run and
   * cell, so until then nothing is listed dirty: a job whose only snapshot is its final one
   * never fills (and never grows) the lists, which are made at the first entry: a job whose
   * last snapshot is its first (a small job's) makes none.
   */
  diffing = false;

  constructor(
    readonly clock: Clock,
    historyLimit: number,
  ) {
    super();
    this.history = new HistoryLog(historyLimit);
    this.tracker = new ExecutionTracker(historyLimit);
    this.tracker.useRuns(this);
  }

  /** Records that state changed; the end of the dispatch turn flushes it once. */
  abstract mark(): void;

  /** The job's time (the flow's scheduler), as handlers see it through `ctx.now()`. */
  now(): number {
    return this.clock.now();
  }

  // The lookups and marks run on every activation: what they do each time (one compare, or a
  // flag test) stays small enough to inline into it, and V8 inlines by bytecode size, out of a
  // budget per function; the index, the walk, making an entry and listing a change are calls
  // of their own.
  runOf(routine: Routine): RoutineRun {
    return this.findRun(routine) ?? this.addRun(routine);
  }

  /** The run of `routine` in this job, if it has one. */
  findRun(routine: Routine): RoutineRun | undefined {
    const hit = this.runHit;
    return hit !== undefined && hit.routine === routine ? hit : this.lookUpRun(routine);
  }

  private lookUpRun(routine: Routine): RoutineRun | undefined {
    const index = this.runIndex;
    const run = index !== undefined ? index.get(routine) : this.walkRuns(routine);
    if (run !== undefined) this.runHit = run;
    return run;
  }

  private walkRuns(routine: Routine): RoutineRun | undefined {
    let n = 0;
    for (let run = this.firstRun; run !== undefined; run = run.nextRun) {
      if (run.routine === routine) return run;
      if (++n === INDEX_AFTER) return this.indexRuns().get(routine);
    }
    return undefined;
  }

  private addRun(routine: Routine): RoutineRun {
    const run = new RoutineRun(routine);
    this.tracker.adopt(routine.id, run);
    if (this.lastRun === undefined) this.firstRun = run;
    else this.lastRun.nextRun = run;
    this.lastRun = run;
    this.runIndex?.set(routine, run);
    return run;
  }

  private indexRuns(): Map<Routine, RoutineRun> {
    const index = (this.runIndex = new Map());
    for (let run = this.firstRun; run !== undefined; run = run.nextRun) index.set(run.routine, run);
    return index;
  }

  /** The cell of `slot` in this job, made at first use. */
  cellOf(slot: Slot): SlotCell {
    return this.findCell(slot) ?? this.addCell(slot);
  }

  /** The cell of `slot` in this job, if it has one. */
  findCell(slot: Slot): SlotCell | undefined {
    const hit = this.cellHit;
    return hit !== undefined && hit.slot === slot ? hit : this.lookUpCell(slot);
  }

  private lookUpCell(slot: Slot): SlotCell | undefined {
    const index = this.cellIndex;
    const cell = index !== undefined ? index.get(slot) : this.walkCells(slot);
    if (cell !== undefined) this.cellHit = cell;
    return cell;
  }

  private walkCells(slot: Slot): SlotCell | undefined {
    let n = 0;
    for (let cell = this.firstCell; cell !== undefined; cell = cell.next) {
      if (cell.slot === slot) return cell;
      if (++n === INDEX_AFTER) return this.indexCells().get(slot);
    }
    return undefined;
  }

  private addCell(slot: Slot): SlotCell {
    const cell = newSlotCell(slot);
    if (this.lastCell === undefined) this.firstCell = cell;
    else this.lastCell.next = cell;
    this.lastCell = cell;
    this.cellIndex?.set(slot, cell);
    return cell;
  }

  private indexCells(): Map<Slot, SlotCell> {
    const index = (this.cellIndex = new Map());
    for (let cell = this.firstCell; cell !== undefined; cell = cell.next) index.set(cell.slot, cell);
    return index;
  }

  /** The log of `routine`'s operator in this job: new when `fresh`, else the restored one. */
  operatorLog(routine: Routine, limit: number, fresh: boolean): OperatorLog {
    const operators = (this.operators ??= new Map());
    let log = operators.get(routine);
    if (fresh || log === undefined) {
      log = new OperatorLog(limit);
      operators.set(routine, log);
      this.operatorsVersion++;
    }
    log.limit = limit;
    return log;
  }

  operatorChanged(): void {
    this.operatorsVersion++;
    this.lateWrites++;
    this.mark();
  }

  /** Marks a routine with a flush handler as activated since its last flush. */
  flushDue(run: RoutineRun, due: boolean): void {
    if (run.flushDue === due) return;
    run.flushDue = due;
    this.flushesDue += due ? 1 : -1;
    this.flushVersion++;
  }

  markRun(run: RoutineRun): void {
    if (!run.dirty && this.diffing) this.listRun(run);
  }

  private listRun(run: RoutineRun): void {
    run.dirty = true;
    if (this.dirtyRuns === NO_ITEMS) this.dirtyRuns = [];
    this.dirtyRuns.push(run);
  }

  /** Lists a slot cell as changed since the last snapshot. */
  markCell(cell: SlotCell): void {
    if (!cell.dirty && this.diffing) this.listCell(cell);
  }

  private listCell(cell: SlotCell): void {
    cell.dirty = true;
    if (this.dirtyCells === NO_ITEMS) this.dirtyCells = [];
    this.dirtyCells.push(cell);
  }

  /** Merges `incoming` into the slot's data for this job and returns what the handler gets. */
  merge(slot: Slot, incoming: Payload): Payload {
    const cell = this.cellOf(slot);
    const merged = slot._merge(cell.data, incoming, cell);
    cell.data = merged;
    this.markCell(cell);
    return merged;
  }

  /** Sets a slot's data from a snapshot (resume); merges rebuild their private state from it. */
  restoreSlotData(slot: Slot, data: Payload): void {
    const cell = this.cellOf(slot);
    cell.data = data;
    cell.scratch = undefined;
  }

  // ---- ContextHost writes: what handlers change through ctx ------------------------------

  setSharedData(key: string, value: unknown): void {
    if (typeof key !== 'string' || isUnsafeKey(key)) throw new ConfigurationError(`setSharedData: the key must be a string other than '__proto__', got ${describeKey(key)}`);
    if (this.shared === NO_SHARED) this.shared = {};
    this.shared[key] = value;
    this.sharedVersion++;
    this.mark();
  }
  getSharedData(key: string): unknown {
    return this.shared[key];
  }
  hasSharedData(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.shared, key);
  }

  updateRoutineState(routine: Routine, patch: Record<string, unknown>): void {
    for (const key of Object.keys(patch)) {
      if (isUnsafeKey(key)) throw new ConfigurationError(`updateRoutineState on routine '${routine.id}': '${key}' cannot be a routine-state key`);
    }
    const run = this.runOf(routine);
    const user = (run.user ??= {});
    for (const key in patch) {
      if (key === 'status' || key === 'activations' || key === 'errors' || key === 'error') continue; // owned by the scheduler
      user[key] = patch[key];
    }
    this.markRun(run);
    this.mark();
  }

  resetSlot(slot: Slot): void {
    const cell = this.findCell(slot);
    if (cell === undefined || cell.data === undefined) return;
    cell.data = undefined;
    this.markCell(cell);
    this.mark();
  }

  deferEvent(event: Event, data: Payload): void {
    if (this.deferred === NO_ITEMS) this.deferred = [];
    this.deferred.push({ routineId: event.routine.id, eventName: event.name, data, timestamp: this.clock.now() });
    this.deferredVersion++;
    this.mark();
  }
}

/** A lookup that walks this many runs or cells indexes them (a job of a large flow). */
const INDEX_AFTER = 8;

function describeKey(key: unknown): string {
  return typeof key === 'string' ? `'${key}'` : typeof key;
}
