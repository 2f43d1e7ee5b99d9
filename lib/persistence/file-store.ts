import { mkdir, open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isHashedFileName, jobFileName, jobIdOfFileName } from './job-file-name.js';
import { ConfigurationError, SerializationError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import { checkId, checkState, serialize } from './memory-store.js';

/**
 * A {@link JobStore} on disk, one JSON file per job in `directory` (created on first use).
 * The embedded default store: no database, and safe against crashes.
 *
 * - File names: `<encoded id>.json` (see {@link jobFileName}): any string is a valid job id,
 *   `Orders/17` → `%4frders%2f17.json`; `list()` decodes names back exactly.
 * - Atomic writes: each save writes a temp file in the same directory, fsyncs it, renames it over
 *   the job's file, then fsyncs the directory where the platform allows. A crash at any moment
 *   leaves either the previous snapshot or the new one, never a torn or empty file; a leftover
 *   temp file (`.*.tmp`) is ignored by `list()`.
 * - Ordering: operations on one job id run one after another in call order, so an older
 *   snapshot never lands after a newer one; different jobs are written in parallel. (The
 *   guarantee is per store instance: share one instance per directory within a process.)
 * - `load` parses with `JobState.fromJSON`; a corrupt file is a {@link SerializationError} that
 *   names the file.
 *
 * @example
 * ```ts
 * const store = new FileJobStore('./var/jobs');
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
  private ready: Promise<void> | undefined = undefined;
  /** Per job id, the tail of its operation chain (never rejects); removed when idle. */
  private readonly chains = new Map<string, Promise<void>>();

  /**
   * @param directory where the job files go; relative paths resolve against the current
   * working directory now, so a later `process.chdir` does not move the store.
   *
   * @example
   * ```ts
   * const store = new FileJobStore(path.join(os.tmpdir(), 'routilux-jobs'));
   * ```
   */
  constructor(directory: string) {
    if (typeof directory !== 'string' || directory.trim().length === 0) {
      throw new ConfigurationError(`FileJobStore: directory must be a non-empty path string, got ${describe(directory)}`);
    }
    if (directory.includes('\0')) throw new ConfigurationError('FileJobStore: directory must not contain a NUL character');
    this.directory = resolve(directory);
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
    return this.exclusive(jobId, () => this.write(jobId, text));
  }

  /**
   * The job's snapshot, or `undefined` when it has no file. Waits for this store's earlier
   * saves of the same job, so a load always sees them.
   *
   * @example
   * ```ts
   * const state = await store.load('order-17');
   * ```
   */
  load(jobId: string): Promise<JobState | undefined> {
    try {
      checkId(jobId, 'FileJobStore.load');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(jobId, () => this.read(jobId));
  }

  /**
   * The ids of every job stored in the directory, sorted; temp files and files this store did
   * not name are ignored. Waits for this store's saves in progress first.
   *
   * @example
   * ```ts
   * const ids = await store.list(); // ['order-17', 'orders/18']
   * ```
   */
  async list(): Promise<string[]> {
    await Promise.all(this.chains.values());
    await this.ensureDirectory();
    const ids: string[] = [];
    for (const entry of await readdir(this.directory, { withFileTypes: true })) {
      const name = entry.name;
      if (!entry.isFile() || name.startsWith('.') || !name.endsWith('.json')) continue;
      const base = name.slice(0, -'.json'.length);
      if (isHashedFileName(base)) {
        const id = await this.idInHashedFile(name);
        if (id !== undefined) ids.push(id);
        continue;
      }
      const id = jobIdOfFileName(base);
      // Only canonical names are ours: a foreign `README.json` or `A.json` decodes to nothing
      // or to an id whose own name differs, and is left alone.
      if (id !== undefined && jobFileName(id) === name) ids.push(id);
    }
    return ids.sort();
  }

  /**
   * Removes the job's file; an unknown id is a no-op.
   *
   * @example
   * ```ts
   * await store.delete('order-17');
   * ```
   */
  delete(jobId: string): Promise<void> {
    try {
      checkId(jobId, 'FileJobStore.delete');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(jobId, async () => {
      await this.ensureDirectory();
      try {
        await unlink(this.pathOf(jobId));
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return;
        throw error;
      }
      await this.syncDirectory();
    });
  }

  // ---- internals --------------------------------------------------------------------------

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

  private async write(jobId: string, text: string): Promise<void> {
    await this.ensureDirectory();
    const name = jobFileName(jobId);
    const target = join(this.directory, name);
    // pid + counter + random: unique across this process, other processes and earlier crashes,
    // so two writers never share a temp file and 'wx' never trips on a leftover.
    const temp = join(this.directory, `.${name}.${process.pid}.${++tempCounter}.${Math.random().toString(36).slice(2, 8)}.tmp`);
    let handle: FileHandle | undefined;
    try {
      handle = await this.openTemp(temp);
      await handle.writeFile(text, 'utf8');
      // The data must be on disk before the rename makes it visible, or a power loss could
      // leave a renamed but empty file.
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, target);
    } catch (error) {
      await handle?.close().catch(noop);
      await unlink(temp).catch(noop);
      throw error;
    }
    // Makes the rename itself durable (the new directory entry).
    await this.syncDirectory();
  }

  private async openTemp(temp: string): Promise<FileHandle> {
    try {
      return await open(temp, 'wx', 0o644);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
      // The directory was removed behind our back: create it again, once.
      this.ready = undefined;
      await this.ensureDirectory();
      return await open(temp, 'wx', 0o644);
    }
  }

  private async read(jobId: string): Promise<JobState | undefined> {
    await this.ensureDirectory();
    const file = this.pathOf(jobId);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw error;
    }
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

  /** The id inside a `<prefix>~<hash>.json` file, if the file is ours and readable. */
  private async idInHashedFile(name: string): Promise<string | undefined> {
    try {
      const root = JSON.parse(await readFile(join(this.directory, name), 'utf8')) as { jobId?: unknown };
      return typeof root.jobId === 'string' && jobFileName(root.jobId) === name ? root.jobId : undefined;
    } catch {
      return undefined; // vanished or not ours; `load` of its id would report the problem
    }
  }

  private ensureDirectory(): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        this.ready = undefined; // let a later call try again (e.g. after permissions are fixed)
        const code = codeOf(error);
        if (code === 'EEXIST' || code === 'ENOTDIR') {
          throw new ConfigurationError(`FileJobStore: '${this.directory}' is not a directory`, { cause: error });
        }
        throw error;
      },
    );
    return this.ready;
  }

  private async syncDirectory(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.directory, 'r');
      await handle.sync();
    } catch (error) {
      // Windows cannot open a directory, and some file systems refuse to fsync one: there the
      // rename is as durable as the platform makes it.
      if (!NO_DIRECTORY_SYNC.has(codeOf(error) ?? '')) throw error;
    } finally {
      await handle?.close().catch(noop);
    }
  }
}

let tempCounter = 0;

const NO_DIRECTORY_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

function noop(): void {}
