import { ConfigurationError, JobStateError, describeValue, quoteValue } from '../errors/errors.js';
import type { JobRuntime } from './job-runtime.js';

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
 * @example
 * ```ts
 * const jobs = new JobRegistry('orders', (id, timeout) => new JobRuntime(id, hooks, dispatcher, clock, 10_000, timeout));
 * const job = jobs.create('order-17', undefined);
 * ```
 */
export class JobRegistry {
  /** Pending, running and paused jobs. */
  private readonly live = new Map<string, JobRuntime>();
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
    if (this.live.has(id)) throw new ConfigurationError(`flow '${this.flowId}' already has a live job '${id}'`);
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || timeout > Number.MAX_SAFE_INTEGER)) {
      throw new ConfigurationError(`job timeout must be a positive finite number of ms, got ${describeValue(timeout)}`);
    }
    // Only now, when nothing can refuse it any more: a new job with a failed job's id replaces it.
    if (this.failed.size > 0) this.failed.delete(id);
    const job = this.make(id, timeout);
    this.live.set(id, job);
    return job;
  }

  /** A live or failed (still referenced) job by id. */
  lookup(jobId: string): JobRuntime | undefined {
    return this.live.get(jobId) ?? this.failed.get(jobId)?.deref();
  }

  /** Ids of the live jobs. */
  ids(): string[] {
    return [...this.live.keys()];
  }

  /** The error of a by-id call naming no job of this flow. */
  unknown(jobId: string): JobStateError {
    return new JobStateError(`flow '${this.flowId}' has no live job '${jobId}'`);
  }

  /** A job reached completed or cancelled (forgotten) or failed (kept weakly: it can resume). */
  ended(job: JobRuntime): void {
    if (this.live.get(job.id) === job) this.live.delete(job.id);
    if (job.status === 'failed') {
      this.failed.set(job.id, new WeakRef(job));
      this.forgetFailed.register(job, job.id);
    } else if (this.failed.size > 0 && this.failed.get(job.id)?.deref() === job) {
      this.failed.delete(job.id);
    }
  }

  /** A failed job running again is live. */
  resumed(job: JobRuntime): void {
    if (this.failed.get(job.id)?.deref() === job) this.failed.delete(job.id);
    this.live.set(job.id, job);
  }
}
