import type { Drain } from '../model/drain.js';
import type { InFlight } from './in-flight.js';
import type { Task } from './task.js';
import { NO_ITEMS } from './no-items.js';

/**
 * @internal Everything that keeps one job from settling, in one place. The job settles only
 * when {@link WorkLedger.isIdle} and its drains have completed; {@link JobRuntime.settleIfIdle}
 * is the one place that asks.
 *
 * @example
 * ```ts
 * if (job.work.isIdle()) job.settleIfIdle();
 * ```
 */
export class WorkLedger {
  /** Tasks in the flow's queue (kept by the TaskQueue, with {@link WorkLedger.queueId}). */
  queued = 0;
  /** The TaskQueue's number for this job while it has tasks queued, else -1. */
  queueId = -1;
  /** Activations started and not yet ended or let go. */
  running = 0;
  /** Open inputs (`job.input`) and the open hold of a `flow.open()` job. */
  holds = 0;
  /** A `flow.open()` job holds itself open until `close()`. */
  openHold = false;
  // The three sets are made on first use: most jobs never need them, and three empty sets
  // were a tenth of what a small job kept. Reads that only ask whether they are empty look at
  // the fields, so they stay unmade.
  private _inflight: Set<InFlight> | undefined = undefined;
  private _waiting: Set<Task> | undefined = undefined;
  private _drains: Set<Drain> | undefined = undefined;

  /** Async activations in flight. */
  get inflight(): Set<InFlight> {
    return (this._inflight ??= new Set());
  }
  /** Retries waiting for their backoff. */
  get waiting(): Set<Task> {
    return (this._waiting ??= new Set());
  }
  /** Operator routines whose output has not completed. */
  get drains(): Set<Drain> {
    return (this._drains ??= new Set());
  }
  /** How many async activations are in flight. */
  get inflightCount(): number {
    return this._inflight === undefined ? 0 : this._inflight.size;
  }
  /** How many retries wait for their backoff. */
  get waitingCount(): number {
    return this._waiting === undefined ? 0 : this._waiting.size;
  }
  /** How many operator routines' outputs have not completed. */
  get drainCount(): number {
    return this._drains === undefined ? 0 : this._drains.size;
  }
  /** Tasks lifted out of the queue while paused or failed, in original order (NO_ITEMS until the first). */
  parked: Task[] = NO_ITEMS;
  /** Activations that were in flight when the job failed: they run again on resume. */
  interrupted: Task[] = NO_ITEMS;

  /** Parks a task after the parked ones. */
  park(task: Task): void {
    if (this.parked === NO_ITEMS) this.parked = [];
    this.parked.push(task);
  }

  /** Parks a task before the parked ones (a failed or retrying one runs first on resume). */
  parkFirst(task: Task): void {
    if (this.parked === NO_ITEMS) this.parked = [];
    this.parked.unshift(task);
  }
  /** The activation that failed the job: it runs first on resume. */
  failedTask: Task | undefined = undefined;

  /** Nothing queued, running, waiting for a retry, or held open (drains aside). */
  isIdle(): boolean {
    return this.queued === 0 && this.running === 0 && this.waitingCount === 0 && this.holds === 0;
  }

  /** Whether a snapshot lists any task (queued, parked, waiting, in flight, interrupted or failed). */
  hasTasks(): boolean {
    return (
      this.queued > 0 || this.parked.length > 0 || this.waitingCount > 0 || (this._inflight !== undefined && this._inflight.size > 0) || this.interrupted.length > 0 || this.failedTask !== undefined
    );
  }

  /** Takes the tasks a resume runs, in order: the failed one, the interrupted ones, the parked ones. */
  takeResumable(): Task[] {
    const tasks: Task[] = [];
    if (this.failedTask !== undefined) tasks.push(this.failedTask);
    tasks.push(...this.interrupted, ...this.parked);
    this.failedTask = undefined;
    this.interrupted = NO_ITEMS;
    this.parked = NO_ITEMS;
    return tasks;
  }
}

