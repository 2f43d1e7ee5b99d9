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
  /**
   * The rest is rarely written (async activations, retries, operators, pauses, failures,
   * open jobs): one object made at the first write, so a plain job's ledger is four numbers
   * and a pointer. Every live job keeps its ledger, and with many jobs in flight each one is
   * copied by every scavenge it lives through (issue 21). Reads that only ask whether a part
   * is empty read the shared defaults, so they make nothing.
   */
  private extras: LedgerExtras | undefined = undefined;

  private more(): LedgerExtras {
    return (this.extras ??= new LedgerExtras());
  }

  /** A `flow.open()` job holds itself open until `close()`. */
  get openHold(): boolean {
    return (this.extras ?? NONE).openHold;
  }
  set openHold(v: boolean) {
    this.more().openHold = v;
  }
  /** Async activations in flight. */
  get inflight(): Set<InFlight> {
    const x = this.more();
    return (x.inflight ??= new Set());
  }
  /** Retries waiting for their backoff. */
  get waiting(): Set<Task> {
    const x = this.more();
    return (x.waiting ??= new Set());
  }
  /** Operator routines whose output has not completed. */
  get drains(): Set<Drain> {
    const x = this.more();
    return (x.drains ??= new Set());
  }
  /** How many async activations are in flight. */
  get inflightCount(): number {
    const set = this.extras?.inflight;
    return set === undefined ? 0 : set.size;
  }
  /** How many retries wait for their backoff. */
  get waitingCount(): number {
    const set = this.extras?.waiting;
    return set === undefined ? 0 : set.size;
  }
  /** How many operator routines' outputs have not completed. */
  get drainCount(): number {
    const set = this.extras?.drains;
    return set === undefined ? 0 : set.size;
  }
  /** Tasks lifted out of the queue while paused or failed, in original order (NO_ITEMS until the first). */
  get parked(): Task[] {
    return (this.extras ?? NONE).parked;
  }
  set parked(v: Task[]) {
    this.more().parked = v;
  }
  /** Activations that were in flight when the job failed: they run again on resume. */
  get interrupted(): Task[] {
    return (this.extras ?? NONE).interrupted;
  }
  set interrupted(v: Task[]) {
    this.more().interrupted = v;
  }
  /** The activation that failed the job: it runs first on resume. */
  get failedTask(): Task | undefined {
    return (this.extras ?? NONE).failedTask;
  }
  set failedTask(v: Task | undefined) {
    this.more().failedTask = v;
  }

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

  /**
   * Parks a retry whose backoff is still to wait after the retries parked before it (the
   * waiting retries a pause lifted, and those that failed since), before everything else: on
   * resume their backoffs restart in the order the attempts failed, as uninterrupted.
   */
  parkRetry(task: Task): void {
    if (this.parked === NO_ITEMS) this.parked = [];
    // After the last parked task with a backoff: a STOP failure parked first (no backoff) stays first.
    let i = this.parked.length;
    while (i > 0 && this.parked[i - 1].delayLeft === undefined) i--;
    this.parked.splice(i, 0, task);
  }

  /** Nothing queued, running, waiting for a retry, or held open (drains aside). */
  isIdle(): boolean {
    return this.queued === 0 && this.running === 0 && this.waitingCount === 0 && this.holds === 0;
  }

  /** Whether a snapshot lists any task (queued, parked, waiting, in flight, interrupted or failed). */
  hasTasks(): boolean {
    return (
      this.queued > 0 || this.parked.length > 0 || this.waitingCount > 0 || this.inflightCount > 0 || this.interrupted.length > 0 || this.failedTask !== undefined
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

/** The rarely written part of a {@link WorkLedger}; its sets are made at first use. */
class LedgerExtras {
  openHold = false;
  inflight: Set<InFlight> | undefined = undefined;
  waiting: Set<Task> | undefined = undefined;
  drains: Set<Drain> | undefined = undefined;
  parked: Task[] = NO_ITEMS;
  interrupted: Task[] = NO_ITEMS;
  failedTask: Task | undefined = undefined;
}

/** What every unwritten part reads as. */
const NONE: Readonly<LedgerExtras> = Object.freeze(new LedgerExtras());
