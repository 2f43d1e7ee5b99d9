import { join, resolve } from 'node:path';
import { ConfigurationError, describeValue } from '../errors/errors.js';
// For the {@link}s of the documentation below (the API reference resolves them).
import type { SerializationError, StoreError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import type { JobLease, JobStore, PruneOptions } from '../state/job-store.js';
import { acquireFileLease, fileLeaseOf, releaseFileLease, removeFileLease } from './file-leases.js';
import { resolveFileStoreOptions, type FileJobStoreOptions } from './file-store-options.js';
import { JobDirectory } from './job-directory.js';
import { FileJournals } from './file-journals.js';
import { jobFileName, journalFileName, lockFileName } from './job-file-name.js';
import { checkLeaseArguments } from './lease-arguments.js';
import { listJobIds } from './list-job-ids.js';
import { checkId, checkState, serialize } from './store-arguments.js';
import { pruneJobFiles } from './prune-job-files.js';
import { resolvePruneOptions, type ResolvedPruneOptions } from './prune-options.js';
import { MIN_RETENTION_INTERVAL, RetentionSchedule } from './retention-schedule.js';
import { storeErrorOf } from './store-error-of.js';
import { removeJobFile, writeJobFile } from './write-job-file.js';

/**
 * A {@link JobStore} on disk, one JSON file per job in `directory` (created on first use).
 * The embedded default store: no database, and safe against crashes.
 *
 * - File names: `<encoded id>.json` (see {@link jobFileName}): any string is a valid job id,
 *   `Orders/17` → `%4frders%2f17.json`; `list()` decodes names back exactly.
 * - Atomic writes: each save writes a temp file in the same directory, fsyncs it, renames it over
 *   the job's file, then fsyncs the directory where the platform allows. A crash at any moment
 *   leaves either the previous snapshot or the new one, never a torn or empty file.
 * - Leftover temp files (`.<name>.<pid>.<n>.<random>.tmp`, from a crash mid-write) are removed
 *   when a store first opens the directory, if their writer cannot still be writing: the pid in
 *   the name is not a live process, or it is ours and no store of this process is writing that
 *   file. So two processes may share a directory. `list()` ignores temp files in any case.
 * - Bounded open files: at most `maxOpenFiles` (default 64) files open at once; further
 *   operations queue, so 10,000 jobs checkpointing at once wait instead of failing with `EMFILE`.
 * - Only regular files: a job or lock file that is a symbolic link (never followed), a
 *   directory, a FIFO or a device is refused with a {@link StoreError}, and skipped by `list()`.
 * - Leases: `<encoded id>.lock` next to the job file holds `{ owner, expiresAt, pid, token }`;
 *   created exclusively (a hard link of a complete temp file), renewed and taken over by atomic
 *   replacement under a per-generation claim (see file-leases.ts), so two processes never both
 *   get `true`. Processes sharing the directory must run on one machine (liveness is checked
 *   by pid), and its file system must support hard links (local ones do).
 * - Journal: `<encoded id>.journal` holds the changes since the last save, one fdatasynced JSON
 *   line each (see {@link FileJobStore.appendJournal}); `load` applies them, `save` removes it.
 * - Retention: `prune()`, and the `retention` option (see {@link FileJobStoreOptions}).
 * - Ordering: operations on one job id run one after another in call order, so an older
 *   snapshot never lands after a newer one; different jobs are written in parallel. (The
 *   guarantee is per store instance: share one instance per directory within a process.)
 * - Errors: bad input is a {@link ConfigurationError}; a corrupt job file is a
 *   {@link SerializationError} naming the file; every other failure (a refused file, `EMFILE`,
 *   `EACCES`, `EISDIR`, …) is a {@link StoreError} naming the job id and the file, the Node error
 *   as its `cause`. A failed save leaves the previous snapshot in place.
 *
 * @example
 * ```ts
 * const store = new FileJobStore('./var/jobs', { maxOpenFiles: 32, retention: { olderThan: 86_400_000 } });
 * const flow = new Flow({ flowId: 'orders', store, checkpoint: 'always' });
 * // ... after a crash, in a new process with the same flow definition:
 * for (const id of await store.list()) {
 *   if (!(await store.acquire(id, `worker-${process.pid}`, 30_000))) continue; // another process runs it
 *   const state = await store.load(id);
 *   if (state && state.status !== 'completed' && state.status !== 'cancelled') flow.resume(state);
 * }
 * ```
 */
export class FileJobStore implements JobStore {
  /** The absolute directory the job files live in. */
  readonly directory: string;
  /** Most files this store holds open at once. */
  readonly maxOpenFiles: number;
  private readonly jobs: JobDirectory;
  private readonly retention: RetentionSchedule | undefined = undefined;
  private readonly journals: FileJournals;

  /**
   * @param directory where the job files go; relative paths resolve against the current
   * working directory now, so a later `process.chdir` does not move the store.
   * @param options `maxOpenFiles`, `retention` (see {@link FileJobStoreOptions}).
   * @throws {ConfigurationError} for an empty directory or a bad option, naming it.
   * @example
   * ```ts
   * const store = new FileJobStore(path.join(os.tmpdir(), 'routilux-jobs'), { maxOpenFiles: 16 });
   * ```
   */
  constructor(directory: string, options?: FileJobStoreOptions) {
    if (typeof directory !== 'string' || directory.trim().length === 0) {
      throw new ConfigurationError(`FileJobStore: directory must be a non-empty path string, got ${describeValue(directory)}`);
    }
    if (directory.includes('\0')) throw new ConfigurationError('FileJobStore: directory must not contain a NUL character');
    const { maxOpenFiles, retention } = resolveFileStoreOptions(options);
    this.maxOpenFiles = maxOpenFiles;
    this.directory = resolve(directory);
    if (retention !== undefined) {
      this.retention = new RetentionSchedule(Math.max(retention.olderThan, MIN_RETENTION_INTERVAL), () => this.pruneWith(retention));
    }
    // Opening the directory starts the first background prune of `retention`.
    this.jobs = new JobDirectory(this.directory, maxOpenFiles, () => this.retention?.poke());
    this.journals = new FileJournals(this.jobs, (id) => this.pathOf(id), (id) => join(this.directory, journalFileName(id)));
  }

  /**
   * The file `jobId` is stored in (whether or not it exists yet).
   * @example
   * ```ts
   * store.pathOf('orders/17'); // '<directory>/orders%2f17.json'
   * ```
   */
  pathOf(jobId: string): string {
    checkId(jobId, 'FileJobStore.pathOf');
    return join(this.directory, jobFileName(jobId));
  }

  /**
   * The lease lock file of `jobId` (whether or not it exists).
   * @example
   * ```ts
   * store.lockPathOf('orders/17'); // '<directory>/orders%2f17.lock'
   * ```
   */
  lockPathOf(jobId: string): string {
    checkId(jobId, 'FileJobStore.lockPathOf');
    return join(this.directory, lockFileName(jobId));
  }

  /**
   * Writes `state` atomically as its job's file, replacing the previous snapshot. The state is
   * serialized at call time; the promise resolves once the file is durable. With the
   * `retention` option, a prune may start in the background afterwards (it never fails a save).
   * @throws {StoreError} (rejects) when the write fails or the job file is not a regular file.
   * @example
   * ```ts
   * await store.save(job.state);
   * ```
   */
  async save(state: JobState): Promise<void> {
    const jobId = checkState(state, 'FileJobStore.save');
    // Serialize now: the caller may keep changing the job while earlier writes finish.
    const text = serialize(state, 'FileJobStore');
    const file = this.pathOf(jobId);
    await this.jobs.operate('save', jobId, file, async () => {
      await writeJobFile(file, jobId, text);
      await this.journals.compact(jobId, text, state.status); // after the snapshot is durable
    });
    this.retention?.poke();
  }

  /**
   * Appends an encoded entry to the job's journal: one fdatasynced JSON line, on disk when the
   * call returns if nothing else of the job is queued (else when the promise resolves).
   * @throws {StoreError} (rejects) when the journal cannot be written or is not a regular file,
   * or the job has no saved snapshot; {@link SerializationError} when the entry is not JSON.
   * @example
   * ```ts
   * await store.appendJournal('order-17', journalEntryToJSON(diffJobStates(saved, job.state)));
   * ```
   */
  appendJournal(jobId: string, entry: unknown): Promise<void> {
    try {
      checkId(jobId, 'FileJobStore.appendJournal');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.journals.append(jobId, entry);
  }

  /**
   * The job's snapshot, or `undefined` when it has no file. Waits for this store's earlier
   * saves of the same job, so a load always sees them.
   * @throws {SerializationError} (rejects) when the file is corrupt; {@link StoreError} when it
   * cannot be read or is not a regular file.
   * @example
   * ```ts
   * const state = await store.load('order-17');
   * ```
   */
  async load(jobId: string): Promise<JobState | undefined> {
    const file = this.pathOf(jobId);
    return this.jobs.operate('load', jobId, file, () => this.journals.load(jobId));
  }

  /**
   * The ids of every job stored in the directory, sorted; temp files, lock files, links,
   * directories and files this store did not name are ignored. Waits for this store's saves in
   * progress first.
   * @throws {StoreError} (rejects) when the directory cannot be read.
   * @example
   * ```ts
   * const ids = await store.list(); // ['order-17', 'orders/18']
   * ```
   */
  async list(): Promise<string[]> {
    await this.jobs.idle();
    const failed = (error: unknown): never => {
      throw storeErrorOf(error, `FileJobStore: cannot list the jobs in ${this.directory}`, { file: this.directory });
    };
    return this.jobs.open().then(() => listJobIds(this.directory, this.jobs.files)).catch(failed);
  }

  /**
   * Removes the job's file, its journal and its lease lock, whoever holds the lease (delete a job nobody
   * runs: a holder acquiring again gets a new lease); an unknown id is a no-op.
   * @throws {StoreError} (rejects) when a file cannot be removed or is not a regular file (a
   * link or a directory under the job's name is left as it is).
   * @example
   * ```ts
   * await store.delete('order-17');
   * ```
   */
  async delete(jobId: string): Promise<void> {
    const file = this.pathOf(jobId);
    const lock = this.lockPathOf(jobId);
    await this.jobs.operate('delete', jobId, file, async () => {
      await removeJobFile(file, jobId);
      await this.journals.remove(jobId);
      await removeFileLease(lock, jobId).catch((error: unknown) => {
        throw storeErrorOf(error, `FileJobStore: cannot delete the lease of job '${jobId}'`, { jobId, file: lock });
      });
    });
  }

  /**
   * Whether `owner` now holds the lease of `jobId` until `Date.now() + ttlMs`: granted when
   * nobody holds it, when the holder's lease has expired (takeover), or to the holder itself
   * (renewal: acquire again before it expires). Race-safe between processes of one machine.
   * @throws {ConfigurationError} (rejects) for a non-string id, an empty owner or a ttl that is
   * not a positive finite number; {@link StoreError} naming the job and its lock file otherwise.
   * @example
   * ```ts
   * if (!(await store.acquire('order-17', 'worker-1', 30_000))) console.log('running elsewhere');
   * ```
   */
  async acquire(jobId: string, owner: string, ttlMs: number): Promise<boolean> {
    checkLeaseArguments('FileJobStore.acquire', jobId, owner, ttlMs);
    const lock = this.lockPathOf(jobId);
    return this.jobs.operate('acquire the lease of', jobId, lock, () => acquireFileLease(lock, jobId, owner, ttlMs, this.jobs.slot), false);
  }

  /**
   * Drops the lease of `jobId` if `owner` holds it (expired or not); a no-op otherwise.
   * @throws {ConfigurationError} (rejects) for a non-string id or an empty owner;
   * {@link StoreError} naming the job and its lock file otherwise.
   * @example
   * ```ts
   * await store.release('order-17', 'worker-1');
   * ```
   */
  async release(jobId: string, owner: string): Promise<void> {
    checkLeaseArguments('FileJobStore.release', jobId, owner);
    const lock = this.lockPathOf(jobId);
    return this.jobs.operate('release the lease of', jobId, lock, () => releaseFileLease(lock, jobId, owner, this.jobs.slot), false);
  }

  /**
   * The unexpired lease of `jobId`, or `undefined`.
   * @throws {ConfigurationError} (rejects) for a non-string id; {@link StoreError} naming the
   * job and its lock file when that is unreadable, refused or not a lock.
   * @example
   * ```ts
   * const lease = await store.leaseOf('order-17'); // { owner: 'worker-1', expiresAt: 1767225600000 }
   * ```
   */
  async leaseOf(jobId: string): Promise<JobLease | undefined> {
    const lock = this.lockPathOf(jobId);
    return this.jobs.operate('read the lease of', jobId, lock, () => fileLeaseOf(lock, jobId));
  }

  /**
   * Deletes the jobs whose status is in `statuses` (default completed and cancelled) and whose
   * `updatedAt` is more than `olderThan` ms ago (default 0: any age), with their lock and journal files,
   * keeping any job whose lease is held (prune holds the lease while deleting, so nobody
   * acquires a job being deleted) and corrupt files. Resolves with how many it deleted.
   * @throws {ConfigurationError} (rejects) naming a bad option; {@link StoreError} naming the
   * job and the file when one could not be read or deleted (the others are still pruned).
   * @example
   * ```ts
   * const deleted = await store.prune({ statuses: ['completed', 'cancelled', 'failed'], olderThan: 86_400_000 });
   * ```
   */
  async prune(options?: PruneOptions): Promise<number> {
    return this.pruneWith(resolvePruneOptions(options, 'FileJobStore.prune'));
  }

  /**
   * Resolves once the background prune of the `retention` option in progress, if any, has
   * finished (never rejects): await it before removing the directory or ending a test.
   * @example
   * ```ts
   * await store.retentionSettled();
   * ```
   */
  retentionSettled(): Promise<void> {
    return this.retention?.settled() ?? Promise.resolve();
  }

  private async pruneWith(options: ResolvedPruneOptions): Promise<number> {
    const ids = await this.list();
    return pruneJobFiles(this.jobs, ids, (id) => ({ file: this.pathOf(id), lock: this.lockPathOf(id), journal: () => this.journals.remove(id) }), options);
  }
}
