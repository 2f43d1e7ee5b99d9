import { Subject, type SchedulerLike, type Subscription } from 'rxjs';
import type { Flow } from './flow.js';
import type { Dispatcher } from './scheduler.js';
import type { Clock } from './clock.js';
import { Task } from './task.js';
import { RoutineRun, SlotCell } from './routine-run.js';
import type { ContextHost } from '../routine/context.js';
import type { Event } from '../routine/event.js';
import type { Routine } from '../routine/routine.js';
import type { Slot } from '../routine/slot.js';
import type { Payload } from '../routine/payload.js';
import { JobState } from '../state/job-state.js';
import { HistoryLog } from '../state/history-log.js';
import { takeSnapshot, SnapshotMarks } from '../state/snapshot.js';
import type { DeferredEvent, EmissionKind, JobError, JobStatus, OutputRecord, PausePoint, PendingTask } from '../state/records.js';
import { ExecutionTracker } from '../tracking/execution-tracker.js';
import type { InFlight } from './activation.js';
import type { Job } from './job.js';

/** @internal Something that keeps a job from settling until it completes (operator routines). */
export interface Drain {
  /** Completes the input: no more payloads; the output may still emit, then completes. */
  completeInput(): void;
  readonly inputCompleted: boolean;
  /** Stops everything at once (cancel/fail). */
  stop(): void;
}

const RESTING: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled', 'paused']);
const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

/**
 * @internal The mutable working state of one job. Handlers and the dispatcher change it in
 * place (cheap); immutable {@link JobState} snapshots are made from it by immer only when
 * somebody needs one: a read of `job.state`, a `state$` subscriber at the end of a dispatch
 * turn, a checkpoint, or a status change.
 */
export class JobRuntime implements ContextHost {
  status: JobStatus = 'pending';
  readonly createdAt: number;
  updatedAt: number;

  // Work accounting: the job settles when all of these are zero / empty.
  /** Maintained by the flow's TaskQueue, with {@link JobRuntime.queueId}. */
  queued = 0;
  /** @internal The TaskQueue's number for this job while it has tasks queued, else -1. */
  queueId = -1;
  running = 0;
  holds = 0;
  /** A `flow.open()` job holds itself open until `close()`. */
  openHold = false;
  readonly inflight = new Set<InFlight>();
  readonly waiting = new Set<Task>();
  readonly drains = new Set<Drain>();
  /** Tasks lifted out of the queue while paused or failed, in original order. */
  parked: Task[] = [];
  /** Activations that were in flight when the job failed: they run again on resume. */
  interrupted: Task[] = [];
  failedTask: Task | undefined = undefined;

  // State.
  readonly runs = new Map<Routine, RoutineRun>();
  readonly cells = new Map<Slot, SlotCell>();
  readonly history: HistoryLog;
  shared: Record<string, unknown> = {};
  sharedVersion = 0;
  readonly outputLog: OutputRecord[] = [];
  readonly pausePoints: PausePoint[] = [];
  deferred: DeferredEvent[] = [];
  deferredVersion = 0;
  error: JobError | undefined = undefined;
  readonly tracker: ExecutionTracker;

  // Snapshot bookkeeping.
  version = 1;
  private snapVersion = 0;
  private last: JobState | undefined = undefined;
  private readonly marks = new SnapshotMarks();
  private emittedVersion = 0;
  readonly dirtyRuns: RoutineRun[] = [];
  readonly dirtyCells: SlotCell[] = [];
  touched = false;

  // Observers.
  private states: Subject<JobState> | undefined = undefined;
  outputs: Subject<OutputRecord> | undefined = undefined;
  private waiters: Array<(state: JobState) => void> = [];
  private idleWaiters: Array<{ inside: boolean; resolve: (state: JobState) => void }> = [];
  private controller: AbortController | undefined = undefined;
  private timeoutSub: Subscription | undefined = undefined;
  private timeoutDueAt: number | undefined = undefined;
  private timeoutLeft: number | undefined = undefined;
  handle: Job | undefined = undefined;

  constructor(
    readonly id: string,
    readonly flow: Flow,
    readonly dispatcher: Dispatcher,
    readonly clock: Clock,
    historyLimit: number,
    readonly timeout: number | undefined,
  ) {
    this.createdAt = this.updatedAt = clock.now();
    this.history = new HistoryLog(historyLimit);
    this.tracker = new ExecutionTracker(historyLimit);
  }

  get scheduler(): SchedulerLike {
    return this.clock.scheduler;
  }

  // ---- bookkeeping used on the hot path -------------------------------------------------

  /** Records that state changed; the end of the dispatch turn flushes it once. */
  mark(): void {
    this.version++;
    if (!this.touched) this.dispatcher.touch(this);
  }

  runOf(routine: Routine): RoutineRun {
    let run = this.runs.get(routine);
    if (run === undefined) {
      run = new RoutineRun(routine, this.tracker.totalsFor(routine.id));
      this.runs.set(routine, run);
    }
    return run;
  }

  markRun(run: RoutineRun): void {
    if (!run.dirty) {
      run.dirty = true;
      this.dirtyRuns.push(run);
    }
  }

  /** Merges `incoming` into the slot's data for this job and returns what the handler gets. */
  merge(slot: Slot, incoming: Payload): Payload {
    let cell = this.cells.get(slot);
    if (cell === undefined) this.cells.set(slot, (cell = new SlotCell(slot)));
    const merged = slot._merge(cell.data, incoming, cell);
    cell.data = merged;
    if (!cell.dirty) {
      cell.dirty = true;
      this.dirtyCells.push(cell);
    }
    return merged;
  }

  /** Sets a slot's data from a snapshot (resume); merges rebuild their private state from it. */
  restoreSlotData(slot: Slot, data: Payload): void {
    const cell = new SlotCell(slot);
    cell.data = data;
    this.cells.set(slot, cell);
  }

  /** A scheduler-written history record (start, error, policy outcome), also shown on `flow.events$`. */
  record(routineId: string, kind: Exclude<EmissionKind, 'emit'>, data: Payload, timestamp: number): void {
    this.history.push(routineId, kind, data, timestamp);
    this.flow._publishEmission(kind, this, routineId, kind, data, timestamp);
  }

  /**
   * Whether new work may still enter this job: everything but completed and cancelled. A
   * failed job keeps what arrives (parked, like a paused job) so that resume loses nothing;
   * the interrupted activations of a failure are silenced through their contexts instead.
   */
  get accepting(): boolean {
    const s = this.status;
    return s !== 'completed' && s !== 'cancelled';
  }

  /** Whether the job is dispatching: pending or running. */
  get active(): boolean {
    const s = this.status;
    return s === 'running' || s === 'pending';
  }

  /** Queues a task, or parks it while the job is paused or failed. */
  queue(task: Task): void {
    if (this.active) this.dispatcher.enqueue(task);
    else this.parked.push(task);
  }

  // ---- ContextHost: what handlers reach through ctx / this.emit ---------------------------

  emitFrom(event: Event, data: Payload): void {
    event._publish(data);
    if (!this.accepting) return; // completed or cancelled: late emits only reach asObservable()
    const now = this.clock.now();
    const routineId = event.routine.id;
    this.history.push(routineId, event.name, data, now);
    this.flow._publishEmission('emit', this, routineId, event.name, data, now);
    const targets = event._targets;
    const paused = !this.active; // paused or failed: park, in order
    for (let i = 0; i < targets.length; i++) {
      const c = targets[i];
      if (paused) this.parked.push(new Task(this, c.slot, c.map(data), 1, now, event));
      else this.dispatcher.queue.push(this, c, c.map(data), 1, now);
      this.tracker.recordDelivery(c, now);
    }
    if (targets.length > 0 && !paused) this.dispatcher.request();
    this.mark();
  }

  setSharedData(key: string, value: unknown): void {
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
    const cell = this.cells.get(slot);
    if (cell === undefined || cell.data === undefined) return;
    cell.data = undefined;
    if (!cell.dirty) {
      cell.dirty = true;
      this.dirtyCells.push(cell);
    }
    this.mark();
  }

  snapshot(): JobState {
    if (this.snapVersion !== this.version || this.last === undefined) {
      this.updatedAt = this.clock.now();
      this.last = takeSnapshot(this, this.last, this.marks);
      this.snapVersion = this.version;
    }
    return this.last;
  }

  now(): number {
    return this.clock.now();
  }

  abortSignal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  deferEvent(event: Event, data: Payload): void {
    this.deferred.push({ routineId: event.routine.id, eventName: event.name, data, timestamp: this.clock.now() });
    this.deferredVersion++;
    this.mark();
  }

  sendOutput(routine: Routine, outputType: string, data: Payload): void {
    const record: OutputRecord = { jobId: this.id, routineId: routine.id, outputType, data, timestamp: this.clock.now() };
    this.outputLog.push(Object.freeze(record));
    this.mark();
    this.outputs?.next(record);
  }

  // ---- snapshots for the dispatcher and observers ----------------------------------------

  hasTasks(): boolean {
    return this.queued > 0 || this.parked.length > 0 || this.waiting.size > 0 || this.inflight.size > 0 || this.interrupted.length > 0 || this.failedTask !== undefined;
  }

  /** Queued work in order: retries waiting for their backoff, then the queue (or the parked list). */
  pendingViews(): PendingTask[] {
    const out: PendingTask[] = [];
    for (const t of this.waiting) out.push(t.view());
    for (const t of this.parked) out.push(t.view());
    this.dispatcher.queue.viewsOf(this, out);
    return out;
  }

  runningViews(): PendingTask[] {
    const out: PendingTask[] = [];
    for (const t of this.interrupted) out.push(t.view());
    for (const a of this.inflight) out.push(a.task.view());
    return out;
  }

  /** End of a dispatch turn that changed this job: one snapshot to observers, one checkpoint. */
  afterTurn(): void {
    if (this.states !== undefined && this.states.observed && this.emittedVersion !== this.version) {
      this.emittedVersion = this.version;
      this.states.next(this.snapshot());
    }
    this.flow._checkpoint(this, false);
  }

  /** A status change: always visible to observers at once. */
  setStatus(status: JobStatus): void {
    this.status = status;
    this.mark();
    const resting = RESTING.has(status);
    // A snapshot only when somebody takes it: observers, waiters, or a checkpoint (resting).
    if (this.states === undefined && !resting) return;
    const state = this.snapshot();
    if (this.states !== undefined) {
      this.emittedVersion = this.version;
      this.states.next(state);
      if (TERMINAL.has(status)) {
        const s = this.states;
        this.states = undefined;
        s.complete();
      }
    }
    if (resting) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w(state);
      this.flow._checkpoint(this, true);
    }
    if (TERMINAL.has(status)) {
      this.flow._jobEnded(this);
      if (status !== 'failed') this.outputs?.complete();
    }
  }

  /** The Subject behind `state$` (created on demand, closed at a terminal status). */
  stateSubject(): Subject<JobState> {
    return (this.states ??= new Subject<JobState>());
  }

  get terminal(): boolean {
    return TERMINAL.has(this.status);
  }

  get resting(): boolean {
    return RESTING.has(this.status);
  }

  addWaiter(resolve: (state: JobState) => void): () => void {
    this.waiters.push(resolve);
    return () => {
      const i = this.waiters.indexOf(resolve);
      if (i >= 0) this.waiters.splice(i, 1);
    };
  }

  /** Resolves once no activation of this job is in flight (the caller's own excepted). */
  whenIdle(inside: boolean, resolve: (state: JobState) => void): void {
    if (this.running <= (inside ? 1 : 0)) resolve(this.snapshot());
    else this.idleWaiters.push({ inside, resolve });
  }

  /** Called when an activation of this job ends. */
  activationEnded(): void {
    // A paused job whose last in-flight activation just ended: checkpoint the quiescent state
    // (the one written at the pause still listed the running activations).
    if (this.status === 'paused' && this.running === 0) this.flow._checkpoint(this, true);
    if (this.idleWaiters.length > 0) {
      const ready = this.idleWaiters.filter((w) => this.running <= (w.inside ? 1 : 0));
      if (ready.length > 0) {
        this.idleWaiters = this.idleWaiters.filter((w) => !ready.includes(w));
        const state = this.snapshot();
        for (const w of ready) w.resolve(state);
      }
    }
    if (this.queued === 0 && this.running === 0) this.maybeSettle();
  }

  /** Settles `completed` when nothing is queued, running, waiting or open. */
  maybeSettle(): void {
    const s = this.status;
    if (s !== 'running' && s !== 'pending') return;
    if (this.queued !== 0 || this.running !== 0 || this.waiting.size !== 0 || this.holds !== 0) return;
    if (this.drains.size > 0) {
      // Operator routines: complete their inputs one at a time, the first created (upstream)
      // first, each once the job is idle again, so a remainder flushed by one operator still
      // reaches the next operator's open input; settle when every output has completed.
      for (const d of this.drains) {
        if (!d.inputCompleted) {
          d.completeInput();
          break;
        }
      }
      return;
    }
    if (this.queued !== 0 || this.running !== 0) return;
    this.stopTimeout();
    this.setStatus('completed');
  }

  // ---- timeouts -----------------------------------------------------------------------

  startTimeout(): void {
    if (this.timeout === undefined || this.timeoutSub !== undefined) return;
    const ms = this.timeoutLeft ?? this.timeout;
    this.timeoutDueAt = this.clock.now() + ms;
    this.timeoutSub = this.clock.schedule(() => {
      this.timeoutSub = undefined;
      this.flow._timeoutJob(this);
    }, ms);
  }

  /** Pause keeps the remaining time: a job waiting for a human does not time out. */
  suspendTimeout(): void {
    if (this.timeoutSub === undefined) return;
    this.timeoutLeft = Math.max(0, this.timeoutDueAt! - this.clock.now());
    this.timeoutSub.unsubscribe();
    this.timeoutSub = undefined;
  }

  stopTimeout(): void {
    this.timeoutSub?.unsubscribe();
    this.timeoutSub = undefined;
  }

  /**
   * Aborts every activation signal of this run (in-flight ones included, even if they never
   * looked at it yet); a resumed run gets a fresh controller.
   */
  abortAll(reason: unknown): void {
    // The aborted controller stays until the job runs again, so a signal first read after
    // the abort (lazily created) is aborted too.
    const controller = (this.controller ??= new AbortController());
    for (const a of this.inflight) a.ctx.abort(reason);
    if (!controller.signal.aborted) controller.abort(reason);
  }

  /** A resumed run gets a fresh, unaborted controller. */
  renewSignal(): void {
    if (this.controller?.signal.aborted) this.controller = undefined;
  }
}
