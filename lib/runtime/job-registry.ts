import { ConfigurationError, JobStateError, quoteValue } from '../errors/errors.js';
import type { JobRuntime } from './job-runtime.js';
import { checkJobTimeout } from './job-arguments.js';
import { SlotMap } from '../core/slot-map.js';

let jobCounter = 0;
/** The time part of generated job ids, remade only when the millisecond changes. */
let idTime = -1;
let idSuffix = '';

/** `job_<counter>_<ms in base 36>`: unique in this process, and unlikely to repeat across processes. */
function newJobId(): string {
  const now = Date.now();
  if (now !== idTime) {
    idTime = now;
    idSuffix = `_${now.toString(36)}`;
  }
  return `job_${++jobCounter}${idSuffix}`;
}

/**
 * @internal The jobs of one flow by id: pending, running and paused ones held strongly until
 * they end; failed ones held weakly, so that they can be resumed in place while somebody
 * still holds their Job (or until collected), without a service that sees many failures
 * keeping them all. Behind `flow.getJob`, `flow.jobIds` and the by-id controls.
 *
 * The live jobs are a list threaded through the jobs themselves ({@link LiveLinks}): adding
 * and removing one allocates nothing. The index by id is made at the first lookup or the
 * first job given its id; until then every live job has a generated id, unique by its
 * counter, so a flow that only starts and awaits jobs never hashes an id (hashing a new id
 * string flattens it: a copy per job) nor grows a table per job.
 *
 * @example
 * ```ts
 * const jobs = new JobRegistry('orders', (id, timeout) => new JobRuntime(id, hooks, dispatcher, clock, 10_000, timeout));
 * const job = jobs.create('order-17', undefined);
 * ```
 */
export class JobRegistry {
  /** Pending, running and paused jobs, oldest first (through their {@link LiveLinks}). */
  private head: JobRuntime | undefined = undefined;
  private tail: JobRuntime | undefined = undefined;
  /** The live jobs by id, made at first need (see the class comment); a SlotMap, so that the jobs that went through it are not kept past scavenges (see there). */
  private index: SlotMap<string, JobRuntime> | undefined = undefined;
  private readonly failed = new Map<string, WeakRef<JobRuntime>>();
  private readonly forgetFailed = new FinalizationRegistry<string>((id) => {
    if (this.failed.get(id)?.deref() === undefined) this.failed.delete(id);
  });

  constructor(
    private readonly flowId: string,
    /** Makes the runtime of a new job (the id and timeout are checked first). */
    private readonly make: (jobId: string, timeout: number | undefined) => JobRuntime,
  ) {}

  /** A new live job; a failed job with the same id is replaced. */
  create(jobId: string | undefined, timeout: number | undefined): JobRuntime {
    const id = jobId ?? newJobId();
    if (typeof id !== 'string' || id.length === 0) throw new ConfigurationError(`jobId must be a non-empty string, got ${quoteValue(id)}`);
    // A generated id is new unless a job was given it by name, which made the index.
    const index = jobId === undefined ? this.index : this.byId();
    if (index !== undefined && index.has(id)) throw new ConfigurationError(`flow '${this.flowId}' already has a live job '${id}'`);
    checkJobTimeout(timeout);
    // Only now, when nothing can refuse it any more: a new job with a failed job's id replaces it.
    if (this.failed.size > 0) this.failed.delete(id);
    const job = this.make(id, timeout);
    this.link(job);
    return job;
  }

  /** A live or failed (still referenced) job by id. */
  lookup(jobId: string): JobRuntime | undefined {
    return this.byId().get(jobId) ?? this.failed.get(jobId)?.deref();
  }

  /** Ids of the live jobs. */
  ids(): string[] {
    const ids: string[] = [];
    for (let job = this.head; job !== undefined; job = job.liveNext) ids.push(job.id);
    return ids;
  }

  /** The error of a by-id call naming no job of this flow. */
  unknown(jobId: string): JobStateError {
    return new JobStateError(`flow '${this.flowId}' has no live job '${jobId}'`);
  }

  /** A job reached completed or cancelled (forgotten) or failed (kept weakly: it can resume). */
  ended(job: JobRuntime): void {
    this.unlink(job);
    if (job.status === 'failed') {
      this.failed.set(job.id, new WeakRef(job));
      this.forgetFailed.register(job, job.id);
    } else if (this.failed.size > 0 && this.failed.get(job.id)?.deref() === job) {
      this.failed.delete(job.id);
    }
  }

  /**
   * A failed job running again is live.
   *
   * @throws {JobStateError} when a new job took its id meanwhile (a new job may replace a failed
   * one's id): that job is live and keeps it; nothing changes.
   */
  resumed(job: JobRuntime): void {
    const other = this.byId().get(job.id);
    if (other !== undefined && other !== job) {
      throw new JobStateError(`cannot resume job '${job.id}': a new job with its id is ${other.status} in flow '${this.flowId}'`);
    }
    if (this.failed.get(job.id)?.deref() === job) this.failed.delete(job.id);
    if (!job.live) this.link(job);
  }

  /** The live jobs by id, made from the list at the first call and kept from then on. */
  private byId(): SlotMap<string, JobRuntime> {
    let index = this.index;
    if (index === undefined) {
      index = this.index = new SlotMap();
      for (let job = this.head; job !== undefined; job = job.liveNext) index.set(job.id, job);
    }
    return index;
  }

  private link(job: JobRuntime): void {
    job.live = true;
    job.livePrev = this.tail;
    job.liveNext = undefined;
    if (this.tail === undefined) this.head = job;
    else this.tail.liveNext = job;
    this.tail = job;
    this.index?.set(job.id, job);
  }

  private unlink(job: JobRuntime): void {
    if (!job.live) return;
    job.live = false;
    const { livePrev: prev, liveNext: next } = job;
    if (prev === undefined) this.head = next;
    else prev.liveNext = next;
    if (next === undefined) this.tail = prev;
    else next.livePrev = prev;
    job.livePrev = job.liveNext = undefined;
    if (this.index !== undefined && this.index.get(job.id) === job) this.index.delete(job.id);
  }
}

/**
 * @internal Where a job sits in its registry's list of live jobs (JobRuntime has these
 * fields): written only by {@link JobRegistry}.
 *
 * @example
 * ```ts
 * for (let job = first; job !== undefined; job = job.liveNext) ids.push(job.id);
 * ```
 */
export interface LiveLinks {
  live: boolean;
  livePrev: JobRuntime | undefined;
  liveNext: JobRuntime | undefined;
}
