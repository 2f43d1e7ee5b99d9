import type { SchedulerLike } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { Dispatcher } from './dispatcher.js';
import type { Clock } from './clock.js';
import { Task } from './task.js';
import { JobData } from './job-data.js';
import { JobDeadline } from './job-deadline.js';
import { JobObservers } from './job-observers.js';
import type { ContextHost } from '../model/execution-context.js';
import type { Event } from '../model/event.js';
import type { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import type { JobState } from '../state/job-state.js';
import type { EmissionKind, JobStatus, OutputRecord } from '../core/records.js';
import type { InFlight } from './activation.js';
import type { Job } from '../flow/job.js';

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
 *
 * The data itself and the handlers' writes to it are in {@link JobData}; who watches the job
 * is in {@link JobObservers}; its execution timeout is a {@link JobDeadline}. What stays here
 * is the work accounting that decides when the job settles, and its status changes.
 */
export class JobRuntime extends JobData implements ContextHost {
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
  /** Listed in the dispatcher's touched jobs: the end of the turn flushes this job. */
  touched = false;
  private idleWaiters: Array<{ inside: boolean; resolve: (state: JobState) => void }> = [];
  /** Behind every activation's signal; job-control aborts it at cancel/failure and renews it at resume. */
  controller: AbortController | undefined = undefined;

  readonly observers = new JobObservers(this);
  /** Only for a job with a timeout. */
  readonly deadline: JobDeadline | undefined;
  handle: Job | undefined = undefined;

  constructor(
    readonly id: string,
    readonly flow: Flow,
    readonly dispatcher: Dispatcher,
    clock: Clock,
    historyLimit: number,
    readonly timeout: number | undefined,
  ) {
    super(clock, historyLimit);
    this.createdAt = this.updatedAt = clock.now();
    if (timeout !== undefined) this.deadline = new JobDeadline(clock, timeout, () => flow._timeoutJob(this));
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

  // ---- ContextHost: what handlers reach through ctx / this.emit (the writes are JobData's) --

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

  snapshot(): JobState {
    return this.observers.snapshot();
  }

  now(): number {
    return this.clock.now();
  }

  abortSignal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  sendOutput(routine: Routine, outputType: string, data: Payload): void {
    const record: OutputRecord = { jobId: this.id, routineId: routine.id, outputType, data, timestamp: this.clock.now() };
    this.outputLog.push(Object.freeze(record));
    this.mark();
    this.observers.outputs?.next(record);
  }

  // ---- snapshots for the dispatcher and observers ----------------------------------------

  hasTasks(): boolean {
    return this.queued > 0 || this.parked.length > 0 || this.waiting.size > 0 || this.inflight.size > 0 || this.interrupted.length > 0 || this.failedTask !== undefined;
  }

  /** End of a dispatch turn that changed this job: one snapshot to observers, one checkpoint. */
  afterTurn(): void {
    this.observers.afterTurn();
    this.flow._checkpoint(this, false);
  }

  /** A status change: always visible to observers at once. */
  setStatus(status: JobStatus): void {
    this.status = status;
    this.mark();
    const resting = RESTING.has(status);
    const terminal = TERMINAL.has(status);
    // A snapshot only when somebody takes it: observers, waiters, or a checkpoint (resting).
    if (!this.observers.watched && !resting) return;
    this.observers.statusChanged(this.snapshot(), resting, terminal);
    if (resting) this.flow._checkpoint(this, true);
    if (terminal) {
      this.flow._jobEnded(this);
      if (status !== 'failed') this.observers.outputs?.complete();
    }
  }

  get terminal(): boolean {
    return TERMINAL.has(this.status);
  }

  get resting(): boolean {
    return RESTING.has(this.status);
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
    this.deadline?.stop();
    this.setStatus('completed');
  }
}
