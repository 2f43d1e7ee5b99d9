import type { JobStatus } from '../core/records.js';
import type { JobState } from './job-state.js';

/**
 * The lease of a stored job: who runs it now, and until when (epoch ms, `Date.now()` clock).
 *
 * @example
 * ```ts
 * const lease: JobLease | undefined = await store.leaseOf?.('order-17');
 * if (lease) console.log(`${lease.owner} holds it until ${new Date(lease.expiresAt).toISOString()}`);
 * ```
 */
export interface JobLease {
  owner: string;
  expiresAt: number;
}

/**
 * What {@link JobStore.prune} deletes: the jobs whose status is in `statuses` (default
 * `['completed', 'cancelled']`) and whose `updatedAt` is more than `olderThan` ms ago
 * (default 0: any age).
 *
 * @example
 * ```ts
 * const options: PruneOptions = { statuses: ['completed', 'cancelled', 'failed'], olderThan: 7 * 24 * 3600_000 };
 * ```
 */
export interface PruneOptions {
  statuses?: JobStatus[];
  olderThan?: number;
}

/**
 * Where job snapshots are persisted. `load` returns `undefined` for an unknown id.
 *
 * A write-ahead journal (`appendJournal`), leases and retention are optional, so a store written before them still compiles and works:
 * callers check for the method (`store.acquire?.(...)`). A lease says which process runs a
 * stored job: `acquire` grants it when nobody holds it, when the holder's lease has expired
 * (takeover), or when the same owner asks again (renewal); `delete` drops the job's lease too.
 *
 * @example
 * ```ts
 * const store: JobStore = new FileJobStore('./jobs');
 * const flow = new Flow({ store, checkpoint: 'always' });
 * if (await store.acquire?.('order-17', `worker-${process.pid}`, 30_000)) {
 *   // this process runs order-17; acquire again before 30 s pass to keep it, release when done
 * }
 * ```
 */
export interface JobStore {
  /** Writes a full snapshot of the job and, with a journal, empties the job's journal (compaction). */
  save(state: JobState): Promise<void>;
  /** The newest snapshot of the job: the saved one with its journal, if any, applied in order. */
  load(jobId: string): Promise<JobState | undefined>;
  /**
   * Appends one encoded journal entry (JSON-safe data, from the checkpointer: what changed in the
   * job since the previous entry or snapshot) to the journal of `jobId`, after the job's saved
   * snapshot; durable once the promise resolves. `save` empties the journal, `load` applies it,
   * `delete` and `prune` remove it. Optional: with a store without it, every checkpoint is a save.
   */
  appendJournal?(jobId: string, entry: unknown): Promise<void>;
  list(): Promise<string[]>;
  delete(jobId: string): Promise<void>;
  /**
   * Whether `owner` now holds the lease of `jobId` until `Date.now() + ttlMs`: true when nobody
   * held it, when the holder's lease had expired, or when `owner` already held it (renewal);
   * false when another owner holds an unexpired lease.
   */
  acquire?(jobId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Drops the lease of `jobId` if `owner` holds it; a no-op otherwise. */
  release?(jobId: string, owner: string): Promise<void>;
  /** The current unexpired lease of `jobId`, or `undefined` when nobody holds one. */
  leaseOf?(jobId: string): Promise<JobLease | undefined>;
  /**
   * Deletes the stored jobs {@link PruneOptions} selects, skipping any job whose lease is held;
   * resolves with how many it deleted.
   */
  prune?(options?: PruneOptions): Promise<number>;
}
