import { ConfigurationError, JobStateError, StoreError, TimeoutError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import { cancelJob } from '../runtime/job-control.js';
import type { Checkpointer } from '../runtime/checkpointer.js';
import { JobLeaseKeeper, isLeasing, type LeasingStore } from '../runtime/job-lease-keeper.js';
import { settledWithin } from '../core/settled-within.js';

/**
 * @internal The leases of one flow's stored jobs. With a store that can lease (`acquire` and
 * `release`), a job resumed or restored from a state runs here only while this flow's owner
 * holds its lease: its work waits (the job is gated) until the lease is granted; refused, the
 * job is dropped here without a checkpoint (it runs elsewhere). The lease is renewed while the
 * job runs and released once its last checkpoint landed, when it settles or rests paused; a
 * resume takes it again. Without a leasing store, nothing here does anything.
 *
 * @example
 * ```ts
 * const leases = new JobLeases(store, 'worker-a', 30_000, checkpointer);
 * leases.take(job, 'acquire');
 * ```
 */
export class JobLeases {
  /**
   * A job's keeper, for as long as the job lives: one per job, so that its store calls (a
   * release, then an acquire when it resumes) run in one chain, in order. Weak: a failed job
   * nobody resumes is let go with its keeper.
   */
  private readonly keepers = new WeakMap<JobRuntime, JobLeaseKeeper>();
  /** Releases let go but not yet landed in the store, with their job's id. */
  private readonly releasing = new Map<Promise<void>, string>();
  /** New jobs whose lease is being taken: their id is new, so they may checkpoint meanwhile. */
  private readonly claims = new WeakSet<JobRuntime>();
  private readonly store: LeasingStore | undefined;

  constructor(
    store: JobStore | undefined,
    private readonly owner: string,
    private readonly ttl: number,
    private readonly checkpointer: Checkpointer,
    /** Asks for a checkpoint of the job (once its lease is held, what changed meanwhile is saved). */
    private readonly save: (job: JobRuntime) => void,
  ) {
    this.store = isLeasing(store) ? store : undefined;
  }

  /** Whether the store leases jobs (restored jobs are then gated until their lease is held). */
  get active(): boolean {
    return this.store !== undefined;
  }

  /**
   * Leases `job`: `acquire` gates it until granted; `adopt` when the caller already holds the
   * lease; `claim` for a new job (its id is new, so it runs at once, and its checkpoints wait
   * for the lease).
   */
  take(job: JobRuntime, mode: 'acquire' | 'adopt' | 'claim', acquiredAt?: number): void {
    const store = this.store;
    if (store === undefined) return;
    let keeper = this.keepers.get(job);
    if (keeper === undefined) {
      keeper = new JobLeaseKeeper(store, job.id, this.owner, this.ttl, {
        granted: () => {
          this.claims.delete(job); // held now: a later acquire (after letting it go) is no claim
          job.ungate();
          this.save(job); // what it did while the lease was being taken
          this.rested(job); // granted to a job that rests paused: let it go again
        },
        refused: (reason) => this.drop(job, reason),
      });
      this.keepers.set(job, keeper);
    }
    if (mode === 'adopt') {
      keeper.adopt(acquiredAt);
      job.ungate();
      return this.rested(job); // adopted by a job that rests paused (restoreStored): let it go
    }
    if (mode === 'acquire') job.gated = true;
    else this.claims.add(job);
    keeper.acquire();
  }

  /** A checkpoint of `job` may be written: never for a job whose lease is not held here. */
  mayCheckpoint(job: JobRuntime): boolean {
    const keeper = this.keepers.get(job);
    return keeper === undefined || keeper.holds || (keeper.status === 'acquiring' && this.claims.has(job));
  }

  /** After a status change: a job that settled, or rests paused with nothing in flight, lets its lease go. */
  rested(job: JobRuntime): void {
    const keeper = this.keepers.get(job);
    if (keeper === undefined || keeper.status !== 'held') return;
    if (!job.terminal && !(job.status === 'paused' && job.work.running === 0)) return;
    this.claims.delete(job); // let go: taking it again is an acquire, never a claim (another owner may hold it by then)
    const landed = keeper.release(this.checkpointer.flushed());
    if (landed !== undefined) {
      this.releasing.set(landed, job.id);
      void landed.then(() => this.releasing.delete(landed));
    }
    // A failed job may be resumed here: its keeper stays, so that the acquire of a resume runs
    // after this release (two keepers would race, the release dropping the new lease).
    if (job.terminal && job.status !== 'failed') this.keepers.delete(job);
  }

  /**
   * Resolves once every lease let go so far has been released in the store, so that another
   * process can take those jobs at once (`checkpointsFlushed` waits for it). A release that
   * hangs is waited for at most the lease's ttl (it has expired by then), or `timeout` ms:
   * then this rejects with a TimeoutError naming the jobs.
   */
  async released(timeout?: number): Promise<void> {
    const end = timeout === undefined ? undefined : Date.now() + timeout;
    while (this.releasing.size > 0) {
      const pending = [...this.releasing];
      const limit = end === undefined ? this.ttl : Math.max(0, end - Date.now());
      if (await settledWithin(Promise.all(pending.map(([landed]) => landed)), limit)) continue; // (real time, like the lease timers; a release never rejects)
      if (end !== undefined) {
        const ids = pending.map(([, id]) => `'${id}'`);
        throw new TimeoutError(`checkpointsFlushed: still releasing the lease of job ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''} after ${timeout} ms`);
      }
      for (const [landed] of pending) this.releasing.delete(landed); // expired by now: nothing left to wait for
    }
  }

  /**
   * A job that let its lease go while it rested paused changed after all (a cancel, say): it
   * takes the lease again, and its state is saved once granted (never while another owner
   * holds it). `false` when the job holds or is taking its lease, or never let it go.
   */
  retake(job: JobRuntime): boolean {
    const keeper = this.keepers.get(job);
    if (keeper === undefined || keeper.status !== 'none') return false;
    this.take(job, 'acquire');
    return true;
  }

  /**
   * A paused or failed job resumes here: its lease is taken again if it was let go (a failed
   * job's keeper went with its lease when it failed: a new one takes it).
   */
  resumed(job: JobRuntime): void {
    if (this.store === undefined) return;
    const keeper = this.keepers.get(job);
    if (keeper === undefined || keeper.status === 'none') this.take(job, 'acquire');
  }

  /**
   * Loads a stored job and takes its lease before anything runs, then hands the state over.
   *
   * @throws {ConfigurationError} without a store or for an unknown job.
   * @throws {StoreError} when the store answers the state of another job.
   * @throws {JobStateError} naming the owner when another one holds the lease.
   */
  async load(store: JobStore | undefined, jobId: string, start: (state: JobState) => JobRuntime, liveHere: () => boolean): Promise<JobRuntime> {
    if (store === undefined) throw new ConfigurationError(`cannot load job '${jobId}': the flow has no store`);
    // Before the acquire: this owner's acquire of a job live here would be granted (it holds the
    // lease), and the refusal's release below would then drop the live job's lease.
    if (liveHere()) throw new JobStateError(`cannot resume job '${jobId}': it is live in this flow`);
    // The lease first, then the state: read before it, the state could be one another process
    // ran on (and settled, letting the lease go) meanwhile, and its finished work would run again.
    const acquiredAt = Date.now(); // the lease is surely ours from its request, not from its reply
    if (this.store !== undefined && !(await this.store.acquire(jobId, this.owner, this.ttl))) {
      const lease = await this.store.leaseOf?.(jobId).catch(() => undefined);
      throw new JobStateError(`cannot resume job '${jobId}': it is leased by ${lease === undefined ? 'another owner' : `'${lease.owner}' until ${new Date(lease.expiresAt).toISOString()}`}`);
    }
    try {
      const state = (await store.load(jobId)) as JobState | null | undefined;
      // (null too: what many a lookup answers for "not found")
      if (state === undefined || state === null) throw new ConfigurationError(`cannot load job '${jobId}': the store has no such job`);
      // A store answering another job's state must not have that job run under this id's lease.
      if (state.jobId !== jobId) throw new StoreError(`cannot load job '${jobId}': the store answered the state of ${typeof state.jobId === 'string' ? `job '${state.jobId}'` : 'no job'}`, { jobId });
      const job = start(state);
      this.take(job, 'adopt', acquiredAt);
      return job;
    } catch (error) {
      // (Not when a job of this id went live here meanwhile: the lease is that job's.)
      if (!liveHere()) await this.store?.release(jobId, this.owner).catch(() => undefined);
      throw error;
    }
  }

  /** The lease was refused or lost: the job is dropped here, unsaved, its error saying why. */
  private drop(job: JobRuntime, reason: string): void {
    job.error = { name: 'JobStateError', message: `job '${job.id}' cannot run in this process: ${reason}` };
    this.keepers.get(job)?.stop(); // kept (weakly): its 'lost' status is what refuses the job's checkpoints
    cancelJob(job, reason).catch(() => undefined); // already settled: nothing more to drop
  }
}
