import type { Observable, SchedulerLike } from 'rxjs';
import { ConfigurationError } from '../errors/errors.js';
import { ErrorHandler } from '../errors/error-handler.js';
import type { Payload } from '../core/payload.js';
import type { Emission } from '../core/records.js';
import type { InspectRecord } from '../core/inspect-records.js';
import { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import type { CheckpointError } from '../runtime/checkpointer.js';
import { cancelJob, pauseJob, resumeJob } from '../runtime/job-control.js';
import { flowToJSON, flowFromJSON, type FlowFromJSONOptions, type FlowJSON } from '../serialization/flow-json.js';
import { toMermaid, toDot } from '../serialization/diagram.js';
import { jobRunnerOf, checkStrategy, resolveFlowOptions, runtimeOptions, type EntryOptions, type ExecuteOptions, type FlowOptions, type JobRunner, type OpenOptions } from './flow-options.js';
import type { Slot } from '../model/slot.js';
import { isPort, portRoutineId } from './typed-wiring.js';
import { FlowEngine } from './flow-engine.js';
import { FlowWiring } from './flow-wiring.js';
import { runObservable } from './run-observable.js';
import type { Job } from './job.js';

export type { ExecuteOptions, EntryOptions } from './flow-options.js';

/** `start`'s options when none are given: shared and frozen (nothing downstream writes them). */
const NO_OPTIONS: ExecuteOptions = Object.freeze({});
/**
 * A graph of routines wired event → slot, plus the scheduler that runs its jobs. A flow is a
 * definition: any number of jobs may run on it at once, fully isolated from each other.
 *
 * @example
 * ```ts
 * const flow = new Flow({ flowId: 'demo' });
 * flow.addRoutine(new Source(), 'source');
 * flow.addRoutine(new Sink(), 'sink');
 * flow.connect('source', 'out', 'sink', 'in');
 * const state = await flow.execute('source', { n: 3 });
 * ```
 */
export class Flow extends FlowWiring {
  readonly flowId: string;
  readonly executionTimeout: number | undefined;
  readonly activationTimeout: number | undefined;
  readonly scheduler: SchedulerLike;
  readonly historyLimit: number;
  readonly store: JobStore | undefined;
  readonly checkpoint: 'never' | 'on-pause' | 'always';
  /** Where `start` and `open` run jobs unless their options say otherwise (see {@link JobRunner}). */
  readonly runner: JobRunner | undefined;
  private strategy: 'sequential' | 'concurrent';
  /** @internal The graph, the engine and the hooks between them (see {@link FlowEngine}). */
  protected readonly engine: FlowEngine;

  /**
   * Every emission of every job, `{ kind: 'emit', jobId, routineId, eventName, data, timestamp }`,
   * and only emissions: the scheduler's records (job start, errors, retries) are on `inspect$`.
   */
  readonly events$: Observable<Emission>;

  /** The lifecycle of the flow's jobs (see InspectRecord); nothing is built while nobody watches. @example `flow.inspect$.subscribe((r) => r.type === 'job' && log(r.jobId, r.status))` */
  readonly inspect$: Observable<InspectRecord>;

  constructor(options: FlowOptions = {}) {
    super();
    const o = resolveFlowOptions(options);
    this.flowId = o.flowId;
    this.strategy = o.executionStrategy;
    this.executionTimeout = o.executionTimeout;
    this.activationTimeout = o.activationTimeout;
    this.scheduler = o.scheduler;
    this.historyLimit = o.historyLimit;
    this.store = o.store;
    this.checkpoint = o.checkpoint;
    this.runner = o.runner;
    this.engine = new FlowEngine(this, o);
    this.events$ = this.engine.emissions$;
    this.inspect$ = this.engine.inspect$;
  }

  get executionStrategy(): 'sequential' | 'concurrent' {
    return this.strategy;
  }

  get maxWorkers(): number {
    return this.engine.dispatcher.maxWorkers;
  }

  /** The flow-wide error policy (a routine's own wins). */
  get errorHandler(): ErrorHandler | undefined {
    return this.engine.errorHandler;
  }

  /** Save failures of checkpoints (the job itself carries on). */
  get checkpointErrors$(): Observable<CheckpointError> {
    return this.engine.checkpointer.errors$;
  }

  /** Sets the flow-wide error policy. @example `flow.setErrorHandler(new ErrorHandler({ strategy: 'continue' }))` */
  setErrorHandler(handler: ErrorHandler | undefined): void {
    if (handler !== undefined && !(handler instanceof ErrorHandler)) throw new ConfigurationError('setErrorHandler expects an ErrorHandler or undefined');
    this.engine.errorHandler = handler;
  }

  /** Switches strategy; `'sequential'` forces one worker, `'concurrent'` defaults to 5. @example `flow.setExecutionStrategy('concurrent', 10)` */
  setExecutionStrategy(strategy: 'sequential' | 'concurrent', maxWorkers?: number): void {
    const checked = checkStrategy(strategy, maxWorkers);
    this.strategy = checked.executionStrategy;
    this.engine.dispatcher.maxWorkers = checked.maxWorkers;
    this.engine.dispatcher.request();
  }

  /**
   * Starts a job: queues an activation of the entry slot with `entryParams` and returns the job
   * at once; no handler runs inside `start()`. The entry is a slot handle (typed: `params` must
   * be its payload type) or a routine id with `options.slot` (default `'trigger'`; `params` any
   * object, interface-typed values included, checked at run time). An unknown
   * entry routine throws {@link ConfigurationError}; a missing slot is an activation failure
   * handled by the error policy.
   *
   * @example
   * ```ts
   * const job = flow.start(numbers.slot('trigger'), { n: 3 });
   * const same = flow.start('numbers', { n: 3 });
   * ```
   */
  start<T extends object>(slot: Slot<T>, params: NoInfer<T>, options?: EntryOptions): Job;
  start(entryId: string, entryParams?: object, options?: ExecuteOptions): Job;
  start(entry: string | Slot<any>, entryParams: object = {}, options: ExecuteOptions = NO_OPTIONS): Job {
    // No tuple and no fresh options object per call: a service starting many jobs pays neither.
    if (isPort(entry)) return this.startAt(portRoutineId(this.engine.graph, entry, 'start'), entryParams, { ...options, slot: entry.name });
    return this.startAt(entry, entryParams, options);
  }

  private startAt(entryId: string, entryParams: object, options: ExecuteOptions): Job {
    const runner = jobRunnerOf(options, this.runner);
    // A runner gets an object of its own: the shared default is frozen, and a runner may fill it in.
    if (runner) return runner.start(this, entryId, entryParams as Payload, options === NO_OPTIONS ? {} : options);
    return this.engine.start(entryId, entryParams as Payload, options);
  }

  /**
   * A cold Observable of a job's snapshots: each subscription starts a job, completes when it
   * completes, errors (JobFailedError) when it fails or is cancelled; unsubscribing cancels it.
   * @example `flow.run$('src', { n: 3 }).pipe(last()).subscribe((s) => console.log(s.status))`
   */
  run$<T extends object>(slot: Slot<T>, params: NoInfer<T>, options?: EntryOptions): Observable<JobState>;
  run$(entryId: string, entryParams?: object, options?: ExecuteOptions): Observable<JobState>;
  run$(entry: string | Slot<any>, entryParams?: object, options?: ExecuteOptions): Observable<JobState> {
    return runObservable(() => this.start(entry as string, entryParams, options)); // either form: start tells them apart
  }

  /**
   * `start` + `wait`: resolves with the job's state at its next resting status; rejects on an
   * unknown entry routine.
   *
   * @example
   * ```ts
   * const state = await flow.execute('source', { n: 3 });
   * ```
   */
  execute<T extends object>(slot: Slot<T>, params: NoInfer<T>, options?: EntryOptions): Promise<JobState>;
  execute(entryId: string, entryParams?: object, options?: ExecuteOptions): Promise<JobState>;
  execute(entry: string | Slot<any>, entryParams?: object, options?: ExecuteOptions): Promise<JobState> {
    // Inside the executor, a throw of start() (an unknown entry) becomes the rejection.
    return new Promise((resolve) => resolve(this.start(entry as string, entryParams, options).wait()));
  }

  /** A job with no entry activation, fed by `send`/`input`; settles after `close()` once its work is done. @example `const job = flow.open(); job.send('p', 'in', {}); job.close();` */
  open(options: OpenOptions = {}): Job {
    const runner = jobRunnerOf(options, this.runner);
    return runner ? runner.open(this, options) : this.engine.open(options);
  }

  /**
   * Resumes a paused, failed or crashed job from its state (a JobState or its JSON), in this
   * process or another. The state is checked first (flow id, routines and slots it names); a
   * bad state throws before anything changes. A job still live in this flow is resumed in place.
   *
   * @example
   * ```ts
   * const job = flow.resume(await store.load('order-17'));
   * await job.wait();
   * ```
   */
  resume(state: JobState | unknown): Job {
    return this.engine.resume(state instanceof JobState ? state : JobState.fromJSON(state));
  }

  /**
   * Like {@link Flow.resume}, but the job comes back paused: nothing is dispatched until
   * `job.resume()`, and `send`/`input` park their data meanwhile (a human decision, say).
   * @example `const job = flow.restore(await store.load('exp-7')); job.send('gate', 'decision', { ok: true }); job.resume();`
   */
  restore(state: JobState | unknown): Job {
    return this.engine.restore(state instanceof JobState ? state : JobState.fromJSON(state));
  }

  /**
   * Loads `jobId` from the flow's store, takes its lease, and resumes it (`restoreStored`: leaves
   * it paused). Rejects with a JobStateError naming the owner that holds the lease.
   * @example `const job = await flow.resumeStored('order-17');`
   */
  resumeStored(jobId: string): Promise<Job> {
    return this.engine.fromStore(jobId, false);
  }

  /** {@link Flow.resumeStored}, the job left paused. @example `(await flow.restoreStored('exp-7')).resume()` */
  restoreStored(jobId: string): Promise<Job> {
    return this.engine.fromStore(jobId, true);
  }

  /** A job of this flow by id: pending, running, paused, or failed (while still referenced). @example `flow.getJob('order-17')?.cancel()` */
  getJob(jobId: string): Job | undefined {
    const job = this.engine.jobs.lookup(jobId);
    return job === undefined ? undefined : this.engine.handle(job);
  }

  /** Ids of the pending, running and paused jobs of this flow. @example `flow.jobIds().length` */
  jobIds(): string[] {
    return this.engine.jobs.ids();
  }

  /** `getJob(jobId).pause(...)`, rejecting with JobStateError for an unknown job. @example `await flow.pause('order-17', 'review')` */
  pause(jobId: string, reason = '', checkpoint: Payload = {}): Promise<JobState> {
    return this.engine.control(jobId, (job) => pauseJob(job, reason, checkpoint));
  }

  /** `getJob(jobId).resume()`. @example `flow.resumeJob('order-17')` */
  resumeJob(jobId: string): Job {
    const job = this.engine.require(jobId);
    resumeJob(job);
    return this.engine.handle(job);
  }

  /** `getJob(jobId).cancel(...)`. @example `await flow.cancel('order-17', 'user left')` */
  cancel(jobId: string, reason?: string): Promise<JobState> {
    return this.engine.control(jobId, (job) => cancelJob(job, reason));
  }

  /**
   * Resolves once every checkpoint write has landed or been given up after its retries (always
   * settles: a hung save fails after its time limit), and, with a store that leases, every job
   * that settled or rests paused has released its lease in the store: another process can
   * resume it at once. With `timeout` (ms), rejects instead.
   * @throws {TimeoutError} (rejects) after `timeout` ms, naming the jobs still being written or released.
   * @example `await flow.checkpointsFlushed({ timeout: 10_000 })`
   */
  checkpointsFlushed(options?: { timeout?: number }): Promise<void> {
    return this.engine.flushed(options);
  }

  /** `{ format: 'routilux.flow', version: 1, ... }`; see the README. @example `JSON.stringify(flow)` */
  toJSON(): FlowJSON {
    return flowToJSON(this);
  }

  /**
   * Rebuilds a flow from `toJSON()` output or its JSON text, with routine classes from the
   * registry. Anything that cannot be restored throws a SerializationError naming the path.
   *
   * @example
   * ```ts
   * const copy = Flow.fromJSON(JSON.stringify(flow));
   * ```
   */
  static fromJSON(json: unknown, options: FlowFromJSONOptions = {}): Flow {
    return flowFromJSON(json, options, (settings) => new Flow({ ...settings, ...runtimeOptions(options) }));
  }

  /** A Mermaid flowchart of the graph. @example `console.log(flow.toMermaid())` */
  toMermaid(): string {
    return toMermaid(this);
  }

  /** The graph in Graphviz DOT. @example `fs.writeFileSync('flow.dot', flow.toDot())` */
  toDot(): string {
    return toDot(this);
  }

  /** @internal For leak specs: whether anything still listens to this flow's emissions. */
  _emissionsObserved(): boolean {
    return this.engine.emissionsObserved;
  }
}
