import { Observable, Subject, type Subscription } from 'rxjs';
import type { InspectRecord } from '../core/inspect-records.js';
import type { ErrorHandler } from '../errors/error-handler.js';
import { ConfigurationError, JobStateError, describeError, describeValue } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { Emission, EmissionKind } from '../core/records.js';
import type { JobState } from '../state/job-state.js';
import { FlowGraph } from '../model/flow-graph.js';
import type { Routine } from '../model/routine.js';
import { Slot } from '../model/slot.js';
import { Clock } from '../runtime/clock.js';
import { Dispatcher } from '../runtime/dispatcher.js';
import { activate } from '../runtime/activation.js';
import { JobRuntime } from '../runtime/job-runtime.js';
import { JobRegistry } from '../runtime/job-registry.js';
import { Checkpointer } from '../runtime/checkpointer.js';
import { tapCheckpoint } from '../runtime/checkpoint-tap.js';
import { restoreJob } from '../runtime/job-restore.js';
import { cancelJob, resumeJob } from '../runtime/job-control.js';
import { isAbortSignal } from './wait-for-rest.js';
import type { RuntimeHooks } from '../runtime/runtime-hooks.js';
import type { Flow } from './flow.js';
import type { ResolvedFlowOptions } from './flow-options.js';
import { Job } from './job.js';
import { JobLeases } from './job-leases.js';

/**
 * @internal Everything behind a {@link Flow} that is not its public API: the definition graph,
 * the engine it drives (clock, dispatcher, jobs, checkpoints), the emission stream, and the
 * {@link RuntimeHooks} through which the engine reports back — so the engine never imports
 * the façade, and the façade exposes no `_` hooks.
 *
 * @example
 * ```ts
 * const engine = new FlowEngine(flow, resolveFlowOptions(options));
 * const job = engine.start(routine, 'trigger', {}, {});
 * ```
 */
export class FlowEngine implements RuntimeHooks {
  readonly graph: FlowGraph;
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly checkpointer: Checkpointer;
  readonly jobs: JobRegistry;
  private readonly leases: JobLeases;
  private readonly emissions = new Subject<Emission>();
  readonly emissions$: Observable<Emission> = this.emissions.asObservable();
  private readonly records = new Subject<InspectRecord>();
  /** Subscribers of `inspect$`: the engine builds lifecycle records only while there are some. */
  private watchers = 0;
  /**
   * Whether anybody watches `inspect$` (RuntimeHooks): a plain field, kept with `watchers`,
   * because the activation path reads it three times per activation.
   */
  inspecting = false;
  readonly inspect$: Observable<InspectRecord> = new Observable<InspectRecord>((subscriber) => {
    if (this.watchers++ === 0) {
      this.inspecting = true;
      this.watchCheckpoints();
    }
    const sub = this.records.subscribe(subscriber);
    return () => {
      sub.unsubscribe();
      if (--this.watchers === 0) {
        this.inspecting = false;
        this.checkpointWatch?.unsubscribe();
      }
    };
  });
  private checkpointWatch: Subscription | undefined = undefined;
  /** Removes a job's abort-signal listener when it ends. */
  private readonly unbind = new WeakMap<JobRuntime, () => void>();
  errorHandler: ErrorHandler | undefined;

  constructor(
    readonly flow: Flow,
    private readonly options: ResolvedFlowOptions,
  ) {
    this.graph = new FlowGraph(this);
    this.errorHandler = options.errorHandler;
    this.clock = new Clock(options.scheduler);
    this.dispatcher = new Dispatcher(this.clock, options.maxWorkers, activate);
    this.checkpointer = new Checkpointer(options.store, options.checkpoint, options.checkpointRetry, options.onCheckpointError);
    this.leases = new JobLeases(options.store, options.owner, options.leaseTtl, this.checkpointer, (job) => this.checkpointer.notify(job, true));
    this.jobs = new JobRegistry(options.flowId, (id, timeout) => new JobRuntime(id, this, this.dispatcher, this.clock, options.historyLimit, timeout ?? options.executionTimeout));
  }

  get flowId(): string {
    return this.options.flowId;
  }

  get activationTimeout(): number | undefined {
    return this.options.activationTimeout;
  }

  get executionTimeout(): number | undefined {
    return this.options.executionTimeout;
  }

  // ---- RuntimeHooks ------------------------------------------------------------------------

  publish(kind: EmissionKind, job: JobRuntime, routineId: string, eventName: string, data: Payload, timestamp: number): void {
    // Inlined into every emit, and V8 inlines by bytecode size: the record is made out of line.
    if (this.emissions.observed) this.nextEmission(kind, job, routineId, eventName, data, timestamp);
  }

  // Records are frozen: every observer (the library's own among them) gets the same object.
  private nextEmission(kind: EmissionKind, job: JobRuntime, routineId: string, eventName: string, data: Payload, timestamp: number): void {
    this.emissions.next(Object.freeze({ kind, jobId: job.id, routineId, eventName, data, timestamp }));
  }

  inspect(record: InspectRecord): void {
    this.records.next(Object.freeze(record));
  }

  checkpoint(job: JobRuntime, statusChange: boolean): void {
    tapCheckpoint(this.flow, job, statusChange); // a worker owning the job (routilux/bullmq)
    // No store: nothing to write and no lease to keep (this runs after every turn of every job).
    if (this.options.store === undefined) return;
    if (!this.leases.mayCheckpoint(job)) {
      // Its lease is not held here: its state is someone else's, unless it let the lease go
      // resting paused and changed since (a cancel), when it takes the lease again to save that.
      if (statusChange) this.leases.retake(job);
      return;
    }
    this.checkpointer.notify(job, statusChange);
    if (statusChange) this.leases.rested(job);
  }

  /**
   * Every checkpoint landed, then every lease let go meanwhile released in the store (see
   * `Flow.checkpointsFlushed`), within `timeout` ms in all when given.
   */
  async flushed(options?: { timeout?: number }): Promise<void> {
    const start = Date.now();
    await this.checkpointer.flushed(options);
    const timeout = options?.timeout;
    await this.leases.released(timeout === undefined ? undefined : Math.max(0, timeout - (Date.now() - start)));
  }

  jobEnded(job: JobRuntime): void {
    this.jobs.ended(job);
    this.unbind.get(job)?.();
  }

  jobResumed(job: JobRuntime): void {
    this.jobs.resumed(job);
    this.leases.resumed(job);
  }

  /** Checkpoint records for `inspect$` (watched only while somebody inspects). */
  private watchCheckpoints(): void {
    const now = (): number => this.clock.now();
    this.checkpointWatch = this.checkpointer.written$.subscribe((jobId) => this.inspect({ type: 'checkpoint', jobId, ok: true, timestamp: now() }));
    this.checkpointWatch.add(this.checkpointer.errors$.subscribe(({ jobId }) => this.inspect({ type: 'checkpoint', jobId, ok: false, timestamp: now() })));
  }

  // ---- what the façade asks of it ----------------------------------------------------------

  /** Whether anything still listens to this flow's emissions. */
  get emissionsObserved(): boolean {
    return this.emissions.observed;
  }

  /**
   * The Job handle of a runtime, made once and kept on the runtime, so `getJob` returns the
   * same Job the caller holds (a field, not a WeakMap: an ephemeron per job costs every GC).
   */
  handle(job: JobRuntime): Job {
    let handle = job.handle as Job | undefined;
    if (handle === undefined) job.handle = handle = new Job(job, this);
    return handle;
  }

  /** Queues the entry activation of a new job; no handler runs here. See `Flow.start`. */
  start(entryId: string, params: Payload, options: { slot?: string; jobId?: string; timeout?: number; signal?: AbortSignal }): Job {
    checkSignal(options.signal);
    const routine = this.graph.require(entryId);
    if (!isPayload(params)) throw new ConfigurationError(`start('${entryId}'): entry params must be a plain object, got ${describeValue(params)}`);
    const slotName = options.slot ?? 'trigger';
    if (typeof slotName !== 'string') throw new ConfigurationError(`start('${entryId}'): options.slot must be a string`);
    const job = this.jobs.create(options.jobId, options.timeout);
    const slot = routine.getSlot(slotName) ?? missingSlot(routine, slotName);
    const now = this.clock.now();
    job.record(routine.id, 'start', params, now);
    job.queueInput(slot, params, now);
    job.deadline?.start();
    this.dispatcher.request();
    this.bind(job, options.signal);
    this.leases.take(job, 'claim');
    return this.handle(job);
  }

  /** A job with no entry activation, held open until `close()`. */
  open(options: { jobId?: string; timeout?: number; signal?: AbortSignal }): Job {
    checkSignal(options.signal);
    const job = this.jobs.create(options.jobId, options.timeout);
    job.work.openHold = true;
    job.work.holds++;
    job.change('run');
    job.deadline?.start();
    this.bind(job, options.signal);
    this.leases.take(job, 'claim');
    return this.handle(job);
  }

  /** Resumes a live job in place, or rebuilds one from its state. See `Flow.resume`. */
  resume(state: JobState): Job {
    this.checkFlow(state, 'resume');
    const live = this.jobs.lookup(state.jobId);
    if (live !== undefined) {
      resumeJob(live);
      return this.handle(live);
    }
    const job = this.rebuild(state, false, this.leases.active);
    this.leases.take(job, 'acquire');
    return this.handle(job);
  }

  /** Rebuilds a job from its state, paused: nothing runs until `job.resume()`. See `Flow.restore`. */
  restore(state: JobState): Job {
    this.checkFlow(state, 'restore');
    const live = this.jobs.lookup(state.jobId);
    if (live !== undefined) {
      if (live.status === 'paused') return this.handle(live);
      throw new JobStateError(`cannot restore job '${state.jobId}': it is ${live.status} in this flow`);
    }
    const job = this.rebuild(state, true, this.leases.active);
    this.leases.take(job, 'acquire');
    return this.handle(job);
  }

  /** Loads a stored job, takes its lease (or throws naming the owner), then resumes or restores it. */
  async fromStore(jobId: string, paused: boolean): Promise<Job> {
    const liveHere = (): boolean => this.jobs.lookup(jobId) !== undefined;
    const start = (state: JobState): JobRuntime => {
      this.checkFlow(state, 'resume');
      if (liveHere()) throw new JobStateError(`cannot resume job '${jobId}': it is live in this flow`);
      return this.rebuild(state, paused, true);
    };
    const job = await this.leases.load(this.options.store, jobId, start, liveHere);
    return this.handle(job);
  }

  /** Aborting `signal` cancels `job`; the listener goes when the job ends. */
  private bind(job: JobRuntime, signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    const abort = (): void => void cancelJob(job, `aborted: ${describeError(signal.reason).message}`).catch(() => undefined);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    this.unbind.set(job, () => signal.removeEventListener('abort', abort));
  }

  /** A job of this flow from a state (see restoreJob); `gated` until its lease is held. */
  private rebuild(state: JobState, paused: boolean, gated: boolean): JobRuntime {
    return restoreJob(this.graph, this.flowId, state, (id, timeout) => this.jobs.create(id, timeout), { paused, gated });
  }

  private checkFlow(state: JobState, verb: 'resume' | 'restore'): void {
    if (state.flowId !== this.flowId) {
      throw new ConfigurationError(`cannot ${verb} job '${state.jobId}': it belongs to flow '${state.flowId}', not '${this.flowId}'`);
    }
  }

  /** Runs a by-id control (`flow.pause(jobId)`, ...); rejects with a JobStateError for an unknown job. */
  control(jobId: string, action: (job: JobRuntime) => Promise<JobState>): Promise<JobState> {
    const job = this.jobs.lookup(jobId);
    return job === undefined ? Promise.reject(this.jobs.unknown(jobId)) : action(job);
  }

  /** A live (or failed, still referenced) job's runtime, or a JobStateError naming the id. */
  require(jobId: string): JobRuntime {
    const job = this.jobs.lookup(jobId);
    if (job === undefined) throw this.jobs.unknown(jobId);
    return job;
  }
}

/** A stand-in for a slot the entry routine does not have: its activation fails under the error policy. */
function missingSlot(routine: Routine, name: string): Slot {
  return new Slot(name, routine, () => {
    throw new ConfigurationError(`routine '${routine.id}' has no slot '${name}'; defined slots: ${routine.slotList().map((s) => s.name).join(', ') || '(none)'}`);
  });
}

function checkSignal(signal: unknown): void {
  if (signal !== undefined && !isAbortSignal(signal)) throw new ConfigurationError(`options.signal must be an AbortSignal, got ${describeValue(signal)}`);
}

/** A plain object (not an array); a revoked proxy is not one (checking it must not throw). */
function isPayload(value: unknown): value is Payload {
  try {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
