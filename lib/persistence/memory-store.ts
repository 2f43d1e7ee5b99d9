import { StoreError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import { replayJournal } from '../state/job-journal-json.js';
import type { JobLease, JobStore, PruneOptions } from '../state/job-store.js';
import { checkLeaseArguments } from './lease-arguments.js';
import { isPrunable, resolvePruneOptions } from './prune-options.js';
import { storeErrorOf } from './store-error-of.js';
import { checkId, checkState, serialize } from './store-arguments.js';

/**
 * A {@link JobStore} in memory, for tests and for processes that only need pause/resume
 * within their own lifetime.
 *
 * Snapshots are kept as JSON text, not as objects: a save fails at once when a payload cannot
 * be serialized (exactly as a durable store would), and every `load` parses a fresh,
 * independent copy, so nothing a caller does to one loaded state can leak into another.
 * Errors are typed like a durable store's: bad input is a {@link ConfigurationError}, a state
 * JSON cannot carry a {@link SerializationError}, anything else (say the `RangeError` of a Map
 * past its size limit) a {@link StoreError} naming the job; a refused call changes nothing.
 *
 * @example
 * ```ts
 * const store = new MemoryJobStore();
 * const flow = new Flow({ flowId: 'orders', store, checkpoint: 'on-pause' });
 * const job = flow.start('source', { n: 3 });
 * await job.pause('review');
 * await flow.checkpointsFlushed();
 * const copy = await store.load(job.jobId);   // a JobState parsed from the saved text
 * ```
 */
export class MemoryJobStore implements JobStore {
  private readonly texts = new Map<string, string>();
  /** Per job, the journal entries appended since its last save, as JSON text. */
  private readonly journals = new Map<string, string[]>();
  private readonly leases = new Map<string, JobLease>();

  /**
   * Keeps `state` as JSON text under its job id, replacing any earlier snapshot.
   *
   * @throws {ConfigurationError} (rejects) for anything but a JobState; {@link SerializationError}
   * for a state JSON cannot carry; {@link StoreError} for any other failure. Nothing is changed then.
   * @example
   * ```ts
   * await store.save(job.state);
   * ```
   */
  save(state: JobState): Promise<void> {
    let jobId: string;
    let text: string;
    try {
      jobId = checkState(state, 'MemoryJobStore.save');
      // Serialized now, not later: the store must hold this snapshot even if the caller keeps going.
      text = serialize(state, 'MemoryJobStore');
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      this.texts.set(jobId, text);
      this.journals.delete(jobId); // compaction: the snapshot holds everything the journal did
    } catch (error) {
      return Promise.reject(storeErrorOf(error, `MemoryJobStore: cannot save job '${jobId}'`, { jobId }));
    }
    return Promise.resolve();
  }

  /**
   * Appends an encoded journal entry (see {@link JobStore.appendJournal}) to the job's journal,
   * kept as JSON text until the next `save` of the job replaces it; `load` applies it.
   *
   * @throws {ConfigurationError} (rejects) for an id that is not a string; {@link StoreError}
   * when the job has no saved snapshot to journal onto, or the entry is not JSON-safe.
   * @example
   * ```ts
   * await store.appendJournal(job.jobId, journalEntryToJSON(diffJobStates(saved, job.state)));
   * ```
   */
  appendJournal(jobId: string, entry: unknown): Promise<void> {
    try {
      checkId(jobId, 'MemoryJobStore.appendJournal');
    } catch (error) {
      return Promise.reject(error); // (the id, not a string, cannot go into a message below: it may throw there)
    }
    try {
      if (!this.texts.has(jobId)) throw new StoreError(`MemoryJobStore: cannot journal job '${jobId}': it has no saved snapshot (save it first)`, { jobId });
      const text = JSON.stringify(entry);
      let journal = this.journals.get(jobId);
      if (journal === undefined) this.journals.set(jobId, (journal = []));
      journal.push(text);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(storeErrorOf(error, `MemoryJobStore: cannot journal job '${jobId}'`, { jobId }));
    }
  }

  /**
   * A fresh copy of the latest snapshot of `jobId`, or `undefined` when there is none.
   *
   * @throws {ConfigurationError} (rejects) for an id that is not a string.
   * @example
   * ```ts
   * const state = await store.load('order-17');
   * if (state) flow.resume(state);
   * ```
   */
  load(jobId: string): Promise<JobState | undefined> {
    try {
      checkId(jobId, 'MemoryJobStore.load');
    } catch (error) {
      return Promise.reject(error); // before the message below, which shows the id as a string
    }
    try {
      const text = this.texts.get(jobId);
      if (text === undefined) return Promise.resolve(undefined);
      return Promise.resolve(replayJournal(JobState.fromJSON(text), this.journals.get(jobId) ?? []));
    } catch (error) {
      return Promise.reject(storeErrorOf(error, `MemoryJobStore: cannot load job '${jobId}'`, { jobId }));
    }
  }

  /**
   * The ids of every stored job, in insertion order.
   *
   * @example
   * ```ts
   * for (const id of await store.list()) console.log(id);
   * ```
   */
  list(): Promise<string[]> {
    return Promise.resolve([...this.texts.keys()]);
  }

  /**
   * Forgets `jobId`; an unknown id is a no-op.
   *
   * @example
   * ```ts
   * await store.delete('order-17');
   * ```
   */
  delete(jobId: string): Promise<void> {
    try {
      checkId(jobId, 'MemoryJobStore.delete');
      this.texts.delete(jobId);
      this.journals.delete(jobId);
      this.leases.delete(jobId);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Whether `owner` now holds the lease of `jobId` until `Date.now() + ttlMs`: granted when
   * nobody holds it, when the holder's lease has expired, or to the holder itself (renewal).
   *
   * @throws {ConfigurationError} (rejects) for a non-string id, an empty owner or a ttl that is
   * not a positive finite number.
   * @example
   * ```ts
   * if (await store.acquire('order-17', 'worker-1', 30_000)) flow.resume((await store.load('order-17'))!);
   * ```
   */
  acquire(jobId: string, owner: string, ttlMs: number): Promise<boolean> {
    try {
      checkLeaseArguments('MemoryJobStore.acquire', jobId, owner, ttlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      const now = Date.now();
      const lease = this.leases.get(jobId);
      if (lease !== undefined && lease.owner !== owner && lease.expiresAt > now) return Promise.resolve(false);
      this.leases.set(jobId, { owner, expiresAt: now + ttlMs });
      return Promise.resolve(true);
    } catch (error) {
      return Promise.reject(storeErrorOf(error, `MemoryJobStore: cannot acquire the lease of job '${jobId}'`, { jobId }));
    }
  }

  /**
   * Drops the lease of `jobId` if `owner` holds it (expired or not); a no-op otherwise.
   *
   * @throws {ConfigurationError} (rejects) for a non-string id or an empty owner.
   * @example
   * ```ts
   * await store.release('order-17', 'worker-1');
   * ```
   */
  release(jobId: string, owner: string): Promise<void> {
    try {
      checkLeaseArguments('MemoryJobStore.release', jobId, owner);
      if (this.leases.get(jobId)?.owner === owner) this.leases.delete(jobId);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The unexpired lease of `jobId`, or `undefined`.
   *
   * @throws {ConfigurationError} (rejects) for an id that is not a string.
   * @example
   * ```ts
   * const lease = await store.leaseOf('order-17'); // { owner: 'worker-1', expiresAt: 1767225600000 }
   * ```
   */
  leaseOf(jobId: string): Promise<JobLease | undefined> {
    try {
      checkId(jobId, 'MemoryJobStore.leaseOf');
      return Promise.resolve(this.heldLease(jobId, Date.now()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Deletes the jobs whose status is in `statuses` (default completed and cancelled) and whose
   * `updatedAt` is more than `olderThan` ms ago (default 0: any age), except those whose lease
   * is held; resolves with how many it deleted.
   *
   * @throws {ConfigurationError} (rejects) naming a bad option.
   * @example
   * ```ts
   * const deleted = await store.prune({ statuses: ['completed'], olderThan: 3600_000 });
   * ```
   */
  prune(options?: PruneOptions): Promise<number> {
    try {
      const resolved = resolvePruneOptions(options, 'MemoryJobStore.prune');
      const now = Date.now();
      let deleted = 0;
      for (const [jobId, text] of [...this.texts]) {
        // Parsed as a JobState, not as raw JSON: the job format may encode fields (see its migrations).
        const state = replayJournal(JobState.fromJSON(text), this.journals.get(jobId) ?? []);
        if (!isPrunable(state, resolved, now) || this.heldLease(jobId, now) !== undefined) continue;
        this.texts.delete(jobId);
        this.journals.delete(jobId);
        this.leases.delete(jobId); // an expired one: nobody holds it
        deleted++;
      }
      return Promise.resolve(deleted);
    } catch (error) {
      return Promise.reject(storeErrorOf(error, 'MemoryJobStore: cannot prune', {}));
    }
  }

  private heldLease(jobId: string, now: number): JobLease | undefined {
    const lease = this.leases.get(jobId);
    return lease !== undefined && lease.expiresAt > now ? { ...lease } : undefined;
  }
}
