import type { Event } from '../model/event.js';
import type { ContextHost } from '../model/context-host.js';
import type { Drain } from '../model/drain.js';
import type { Routine } from '../model/routine.js';
import type { Slot } from '../model/slot.js';
import type { ExecutionContext } from '../model/execution-context.js';
import type { Payload } from '../core/payload.js';
import type { EmissionKind, JobStatus, OutputRecord } from '../core/records.js';
import type { JobState } from '../state/job-state.js';
import type { Dispatcher } from './dispatcher.js';
import type { Clock } from './clock.js';
import type { ContextScheduler } from './context-scheduler.js';
import type { RuntimeHooks } from './runtime-hooks.js';
import { Task } from './task.js';
import { JobData } from './job-data.js';
import { JobDeadline } from './job-deadline.js';
import { JobObservers } from './job-observers.js';
import { WorkLedger } from './work-ledger.js';
import { isResting, isTerminal, transition, type JobAction } from './job-lifecycle.js';
import { pauseJob, timeoutJob } from './job-control.js';
import { handleStreamError } from './failure-policy.js';
import { requeue } from './requeue.js';
import { settlePolicies } from './policy-intake.js';
import { queueIdleWork } from './idle-work.js';
import { jobRecord } from './job-record.js';
import type { LiveLinks } from './job-registry.js';
import { NO_ITEMS } from './no-items.js';
import { deliverEach, queueAll } from './deliver-each.js';


/**
 * @internal The mutable working state of one job. Handlers and the dispatcher change it in
 * place (cheap); immutable {@link JobState} snapshots are made from it by immer only when
 * somebody needs one: a read of `job.state`, a `state$` subscriber at the end of a dispatch
 * turn, a checkpoint, or a status change.
 *
 * The data itself and the handlers' writes to it are in {@link JobData}; what keeps the job
 * from settling is its {@link WorkLedger}; who watches it is in {@link JobObservers}; its
 * execution timeout is a {@link JobDeadline}. What stays here is the status, changed only
 * through the lifecycle table ({@link JobRuntime.change}), and the one place that settles.
 *
 * @example
 * ```ts
 * const job = new JobRuntime('job-1', hooks, dispatcher, clock, 10_000, undefined);
 * ```
 */
export class JobRuntime extends JobData implements ContextHost, LiveLinks {
  status: JobStatus = 'pending';
  readonly createdAt: number;
  /** Everything that keeps this job from settling. */
  readonly work: WorkLedger = new WorkLedger();
  /** Listed in the dispatcher's touched jobs: the end of the turn flushes this job. */
  touched = false;
  /**
   * Waiting for its lease (a leasing store): the job counts as running, but its work is parked
   * until {@link JobRuntime.ungate}, and it cannot settle meanwhile.
   */
  gated = false;

  readonly observers: JobObservers = new JobObservers(this);
  /** The flow layer's handle of this job (its `Job`), made once by the flow's engine. */
  handle: object | undefined = undefined;
  // Its place in the flow's list of live jobs (see JobRegistry: no table entry per job).
  live = false;
  livePrev: JobRuntime | undefined = undefined;
  liveNext: JobRuntime | undefined = undefined;
  /** The port of this job's ended activations, when set (a worker's LateHost; see ContextHost.lateHost). */
  lateHost: ContextHost | undefined = undefined;

  constructor(
    readonly id: string,
    readonly owner: RuntimeHooks,
    readonly dispatcher: Dispatcher,
    clock: Clock,
    historyLimit: number,
    timeout: number | undefined,
  ) {
    super(clock, historyLimit);
    this.createdAt = clock.now();
    if (timeout !== undefined) this.deadline = new JobDeadline(clock, timeout, () => timeoutJob(this));
  }

  get flow(): ExecutionContext['flow'] {
    return this.owner.flow;
  }

  get scheduler(): ContextScheduler {
    return this.clock.scheduler;
  }

  /** Records that state changed; the end of the dispatch turn flushes it once. */
  mark(): void {
    this.version++;
    if (!this.touched) this.dispatcher.touch(this);
  }

  /** A scheduler-written history record (start, error, policy outcome), also shown on `flow.inspect$`. */
  record(routineId: string, kind: Exclude<EmissionKind, 'emit'>, data: Payload, timestamp: number): void {
    this.history.push(routineId, kind, data, timestamp);
    if (this.owner.inspecting) this.owner.inspect({ type: kind, jobId: this.id, routineId, data, timestamp });
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

  /** Queues a task, or parks it while the job is paused or failed; a new task gets its number. */
  queue(task: Task): void {
    if (task.seq === 0) task.seq = ++this.lastSeq;
    if (this.active && !this.gated) this.dispatcher.enqueue(task);
    else this.work.park(task);
  }

  /** {@link JobRuntime.queue} of a first attempt fed by no event (an entry), with no Task object unless it is parked. */
  queueInput(slot: Slot, data: Payload, now: number): void {
    const queue = this.dispatcher.queue;
    if (this.active && !this.gated) return queue.push(this, queue.route(slot, undefined), data, 1, now, ++this.lastSeq);
    this.queue(new Task(this, slot, data, 1, now, undefined));
  }

  // ---- ContextHost: what handlers reach through ctx / this.emit (the writes are JobData's) --

  emitFrom(event: Event, data: Payload, cause?: number): void {
    event._publish(data);
    if (!this.accepting) return; // completed or cancelled: late emits only reach asObservable()
    const now = this.clock.now();
    const routineId = event.routine.id;
    this.history.push(routineId, event.name, data, now);
    this.owner.publish('emit', this, routineId, event.name, data, now);
    const targets = event._targets;
    if (targets.length > 0) {
      // Dispatching, nobody inspecting: queueAll. Parking and causes: deliverEach. Two functions
      // of their own, so that each, and this with what it inlines, fits V8's inlining budget.
      if (this.active && !this.gated && !this.owner.inspecting) queueAll(this, targets, data, now);
      else deliverEach(this, event, data, now, cause);
    }
    this.mark();
  }

  snapshot(): JobState {
    return this.observers.snapshot();
  }

  abortSignal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  sendOutput(routine: Routine, outputType: string, data: Payload): void {
    const record: OutputRecord = { jobId: this.id, routineId: routine.id, outputType, data, timestamp: this.clock.now() };
    if (this.outputLog === NO_ITEMS) this.outputLog = [];
    this.outputLog.push(Object.freeze(record));
    this.mark();
    this.observers.outputs?.next(record);
  }

  pause(reason: string, checkpoint: Payload): Promise<JobState> {
    return pauseJob(this, reason, checkpoint);
  }

  addDrain(drain: Drain): void {
    this.work.drains.add(drain);
  }

  releaseDrain(drain: Drain): void {
    if (this.work.drains.delete(drain)) this.dispatcher.later(() => this.settleIfIdle());
  }

  streamFailed(slot: Slot, error: unknown): void {
    this.lateWrites++; // (outside any activation)
    handleStreamError(this, slot, error);
  }

  /** The lease is held: the work parked meanwhile is queued, in order. */
  ungate(): void {
    if (!this.gated) return;
    this.gated = false;
    if (!this.active) return; // paused meanwhile: its work stays parked for resume
    const tasks = this.work.parked;
    this.work.parked = NO_ITEMS;
    requeue(this, tasks);
    this.dispatcher.request();
    this.mark();
    if (!this.work.hasTasks()) this.dispatcher.later(() => this.settleIfIdle());
  }

  // ---- status ------------------------------------------------------------------------------

  /** End of a dispatch turn that changed this job: one snapshot to observers, one checkpoint. */
  afterTurn(): void {
    this.observers.afterTurn();
    this.owner.checkpoint(this, false);
  }

  /**
   * Applies `action` through the lifecycle table; every status change goes through here. A
   * status change is visible to observers at once; a resting one resolves waiters and
   * checkpoints; a terminal one tells the owner.
   *
   * @throws {JobStateError} when the table does not allow `action` in the current status.
   */
  change(action: JobAction): void {
    const status = transition(this.id, this.status, action);
    this.status = status;
    this.mark();
    if (this.owner.inspecting) this.owner.inspect(jobRecord(this.id, status, this.clock.now(), this.error));
    const resting = isResting(status);
    const terminal = isTerminal(status);
    // A snapshot only when somebody takes it: observers, waiters, or a checkpoint (resting).
    if (!this.observers.watched && !resting) return;
    this.observers.statusChanged(this.snapshot(), resting, terminal);
    if (resting) this.owner.checkpoint(this, true);
    if (terminal) {
      this.owner.jobEnded(this);
      if (status !== 'failed') this.observers.outputs?.complete();
    }
  }

  get terminal(): boolean {
    return isTerminal(this.status);
  }

  get resting(): boolean {
    return isResting(this.status);
  }

  /** Resolves once no activation of this job is in flight (the caller's own excepted). */
  whenIdle(inside: boolean, resolve: (state: JobState) => void): void {
    if (this.work.running <= (inside ? 1 : 0)) resolve(this.snapshot());
    else (this.idleWaiters ??= []).push({ inside, resolve });
  }

  /** Called when an activation of this job ends. */
  activationEnded(): void {
    const work = this.work;
    // A paused job whose last in-flight activation just ended: checkpoint the quiescent state
    // (the one written at the pause still listed the running activations).
    if (this.status === 'paused' && work.running === 0) this.owner.checkpoint(this, true);
    const waiters = this.idleWaiters;
    if (waiters !== undefined && waiters.length > 0) this.wakeIdleWaiters(waiters);
    if (work.queued === 0 && work.running === 0) this.settleIfIdle();
  }

  /** The waiters of {@link JobRuntime.whenIdle} the job is now idle enough for (out of line: activationEnded runs on every activation). */
  private wakeIdleWaiters(waiters: Array<{ inside: boolean; resolve: (state: JobState) => void }>): void {
    const ready = waiters.filter((w) => this.work.running <= (w.inside ? 1 : 0));
    if (ready.length === 0) return;
    this.idleWaiters = waiters.filter((w) => !ready.includes(w));
    const state = this.snapshot();
    for (const w of ready) w.resolve(state);
  }

  /** Lets go of one hold on the job (an open input, `flow.open()`, a takeover's held commands), then settles it if idle. */
  releaseHold(): void {
    if (this.work.holds > 0) this.work.holds--; // (a cancel may have cleared the holds already)
    this.dispatcher.later(() => this.settleIfIdle());
  }

  /**
   * The one place a job settles `completed`: when it is dispatching and its work ledger is
   * idle. First what waits for an idle point runs (batch and window remainders, flush
   * handlers: see queueIdleWork). Operator routines then complete their inputs one at a time,
   * upstream first, each once the job is idle again, so a remainder flushed by one operator
   * still reaches the next operator's open input; the job settles when every output completed,
   * reporting a join still waiting for a side.
   */
  settleIfIdle(): void {
    if (!this.active || this.gated || !this.work.isIdle()) return;
    if (queueIdleWork(this)) return;
    if (this.work.drainCount > 0) {
      const drains = this.work.drains;
      // By the graph's topological order, not the order the operators were created in, which a
      // restore or an early payload can turn around.
      const graph = this.owner.graph;
      let first: Drain | undefined;
      for (const d of drains) if (!d.inputCompleted && (first === undefined || graph.rank(d.routine) < graph.rank(first.routine))) first = d;
      first?.completeInput();
      return;
    }
    if (this.policies !== undefined) settlePolicies(this);
    this.deadline?.stop();
    this.change('complete');
  }
}
