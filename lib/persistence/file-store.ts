import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isHashedFileName, jobFileName, jobIdOfFileName } from './job-file-name.js';
import { ConfigurationError, SerializationError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import { checkId, checkState, serialize } from './memory-store.js';
import { errorCode } from './error-code.js';
import { resolveFileStoreOptions, type FileJobStoreOptions } from './file-store-options.js';
import { OpenFileLimit } from './open-file-limit.js';
import { checkRegularFile, readRegularFile } from './regular-file.js';
import { removeStaleTempFiles } from './stale-temp-files.js';
import { storeErrorOf } from './store-error-of.js';
import { syncDirectory, writeJobFile } from './write-job-file.js';

/**
 * A {@link JobStore} on disk, one JSON file per job in `directory` (created on first use).
 * The embedded default store: no database, and safe against crashes.
 *
 * - File names: `<encoded id>.json` (see {@link jobFileName}): any string is a valid job id,
 *   `Orders/17` → `%4frders%2f17.json`; `list()` decodes names back exactly.
 * - Atomic writes: each save writes a temp file in the same directory, fsyncs it, renames it over
 *   the job's file, then fsyncs the directory where the platform allows. A crash at any moment
 *   leaves either the previous snapshot or the new one, never a torn or empty file.
 * - Leftover temp files (`.<name>.json.<pid>.<n>.<random>.tmp`, from a crash mid-write) are
 *   removed when a store first opens the directory, if their writer cannot still be writing:
 *   the pid in the name is not a live process, or it is this process's pid and no store of this
 *   process is writing that file. A live process's temp files are kept (its pid is alive), so
 *   two processes may share a directory; leftovers whose pid was reused by an unrelated live
 *   process stay until a later open. `list()` ignores temp files in any case.
 * - Bounded open files: at most `maxOpenFiles` (default 64) files open at once; further
 *   operations queue, so 10,000 jobs checkpointing at once wait instead of failing with `EMFILE`.
 * - Only regular files: a job file that is a symbolic link (never followed), a directory, a FIFO
 *   or a device is refused by `load`, `save` and `delete` with a {@link StoreError}, and skipped
 *   by `list()`.
 * - Ordering: operations on one job id run one after another in call order, so an older
 *   snapshot never lands after a newer one; different jobs are written in parallel. (The
 *   guarantee is per store instance: share one instance per directory within a process.)
 * - Errors: bad input is a {@link ConfigurationError}; a corrupt file is a
 *   {@link SerializationError} naming the file; every other failure (a refused file, `EMFILE`,
 *   `EACCES`, `EISDIR`, …) is a {@link StoreError} naming the job id and the file, the Node error
 *   as its `cause`. A failed save leaves the previous snapshot in place.
 *
 * @example
 * ```ts
 * const store = new FileJobStore('./var/jobs', { maxOpenFiles: 32 });
 * const flow = new Flow({ flowId: 'orders', store, checkpoint: 'always' });
 * // ... after a crash, in a new process with the same flow definition:
 * for (const id of await store.list()) {
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
  private ready: Promise<void> | undefined = undefined;
  /** Per job id, the tail of its operation chain (never rejects); removed when idle. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly files: OpenFileLimit;

  /**
   * @param directory where the job files go; relative paths resolve against the current
   * working directory now, so a later `process.chdir` does not move the store.
   * @param options `maxOpenFiles` (see {@link FileJobStoreOptions}).
   * @throws {ConfigurationError} for an empty directory or a bad option, naming it.
   *
   * @example
   * ```ts
   * const store = new FileJobStore(path.join(os.tmpdir(), 'routilux-jobs'), { maxOpenFiles: 16 });
   * ```
   */
  constructor(directory: string, options?: FileJobStoreOptions) {
    if (typeof directory !== 'string' || directory.trim().length === 0) {
      throw new ConfigurationError(`FileJobStore: directory must be a non-empty path string, got ${describe(directory)}`);
    }
    if (directory.includes('\0')) throw new ConfigurationError('FileJobStore: directory must not contain a NUL character');
    this.maxOpenFiles = resolveFileStoreOptions(options).maxOpenFiles;
    this.directory = resolve(directory);
    this.files = new OpenFileLimit(this.maxOpenFiles);
  }

  /**
   * The file `jobId` is stored in (whether or not it exists yet).
   *
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
   * Writes `state` atomically as its job's file, replacing the previous snapshot. The state is
   * serialized at call time; the promise resolves once the file is durable.
   *
   * @throws {StoreError} (rejects) when the write fails or the job file is not a regular file.
   * @example
   * ```ts
   * await store.save(job.state);
   * ```
   */
  save(state: JobState): Promise<void> {
    let jobId: string;
    let text: string;
    try {
      jobId = checkState(state, 'FileJobStore.save');
      // Serialize now: the caller may keep changing the job while earlier writes finish.
      text = serialize(state, 'FileJobStore');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.operate('save', jobId, (file) => writeJobFile(file, jobId, text));
  }

  /**
   * The job's snapshot, or `undefined` when it has no file. Waits for this store's earlier
   * saves of the same job, so a load always sees them.
   *
   * @throws {SerializationError} (rejects) when the file is corrupt; {@link StoreError} when it
   * cannot be read or is not a regular file.
   * @example
   * ```ts
   * const state = await store.load('order-17');
   * ```
   */
  load(jobId: string): Promise<JobState | undefined> {
    return this.operate('load', jobId, (file) => this.read(file, jobId));
  }

  /**
   * The ids of every job stored in the directory, sorted; temp files, links, directories and
   * files this store did not name are ignored. Waits for this store's saves in progress first.
   *
   * @throws {StoreError} (rejects) when the directory cannot be read.
   * @example
   * ```ts
   * const ids = await store.list(); // ['order-17', 'orders/18']
   * ```
   */
  async list(): Promise<string[]> {
    await Promise.all(this.chains.values());
    try {
      await this.ensureDirectory();
      const ids: string[] = [];
      for (const entry of await this.files.run(() => readdir(this.directory, { withFileTypes: true }))) {
        const name = entry.name;
        if (!entry.isFile() || name.startsWith('.') || !name.endsWith('.json')) continue;
        const base = name.slice(0, -'.json'.length);
        const id = isHashedFileName(base) ? await this.idInHashedFile(name) : jobIdOfFileName(base);
        // Only canonical names are ours: a foreign `README.json` or `A.json` decodes to nothing
        // or to an id whose own name differs, and is left alone.
        if (id !== undefined && jobFileName(id) === name) ids.push(id);
      }
      return ids.sort();
    } catch (error) {
      throw storeErrorOf(error, `FileJobStore: cannot list the jobs in ${this.directory}`, { file: this.directory });
    }
  }

  /**
   * Removes the job's file; an unknown id is a no-op.
   *
   * @throws {StoreError} (rejects) when the file cannot be removed or is not a regular file
   * (a link or a directory under the job's name is left as it is).
   * @example
   * ```ts
   * await store.delete('order-17');
   * ```
   */
  delete(jobId: string): Promise<void> {
    return this.operate('delete', jobId, (file) => this.remove(file, jobId));
  }

  // ---- internals --------------------------------------------------------------------------

  /**
   * Checks the id, then runs `op` on the job's file after every earlier operation on the id,
   * the directory ready, inside an open-file slot; any failure that is not already a
   * RoutiluxError comes out as a StoreError naming the job and the file.
   */
  private operate<T>(action: 'save' | 'load' | 'delete', jobId: string, op: (file: string) => Promise<T>): Promise<T> {
    let file: string;
    try {
      file = this.pathOf(jobId);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(jobId, async () => {
      try {
        // Outside the slot: the first open sweeps stale temp files, which takes slots itself.
        await this.ensureDirectory();
        return await this.files.run(() => op(file));
      } catch (error) {
        throw storeErrorOf(error, `FileJobStore: cannot ${action} job '${jobId}'`, { jobId, file });
      }
    });
  }

  /** Runs `op` after every earlier operation on `jobId` has settled (failed ones included). */
  private exclusive<T>(jobId: string, op: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(jobId) ?? Promise.resolve();
    const result = previous.then(op);
    const tail = result.then(noop, noop);
    this.chains.set(jobId, tail);
    // Forget idle ids so a long-lived store does not keep one entry per job it ever saw.
    void tail.then(() => {
      if (this.chains.get(jobId) === tail) this.chains.delete(jobId);
    });
    return result;
  }

  private async read(file: string, jobId: string): Promise<JobState | undefined> {
    const text = await readRegularFile(file, jobId);
    if (text === undefined) return undefined;
    let state: JobState;
    try {
      state = JobState.fromJSON(text);
    } catch (error) {
      throw new SerializationError(`FileJobStore: ${file}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    if (state.jobId !== jobId) {
      throw new SerializationError(`FileJobStore: ${file}: holds job '${state.jobId}', expected job '${jobId}'`);
    }
    return state;
  }

  private async remove(file: string, jobId: string): Promise<void> {
    if (!(await checkRegularFile(file, jobId))) return;
    try {
      await unlink(file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    await syncDirectory(this.directory);
  }

  /** The id inside a `<prefix>~<hash>.json` file, if the file is ours, regular and readable. */
  private async idInHashedFile(name: string): Promise<string | undefined> {
    try {
      const text = await this.files.run(() => readRegularFile(join(this.directory, name), undefined));
      const root = JSON.parse(text ?? 'null') as { jobId?: unknown } | null;
      return typeof root?.jobId === 'string' ? root.jobId : undefined;
    } catch {
      return undefined; // vanished, refused or not ours; `load` of its id would report the problem
    }
  }

  /** Creates the directory and sweeps stale temp files, once per store (again after a failure). */
  private ensureDirectory(): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true }).then(
      async () => void (await removeStaleTempFiles(this.directory, this.files)),
      (error: unknown) => {
        this.ready = undefined; // let a later call try again (e.g. after permissions are fixed)
        const code = errorCode(error);
        if (code === 'EEXIST' || code === 'ENOTDIR') {
          throw new ConfigurationError(`FileJobStore: '${this.directory}' is not a directory`, { cause: error });
        }
        throw error;
      },
    );
    return this.ready;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

function noop(): void {}
