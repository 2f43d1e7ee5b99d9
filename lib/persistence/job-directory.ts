import { mkdir } from 'node:fs/promises';
import { ConfigurationError } from '../errors/errors.js';
import { errorCode } from './error-code.js';
import type { LeaseSlot } from './file-leases.js';
import { removeStaleClaims } from './lock-claim.js';
import { OpenFileLimit } from './open-file-limit.js';
import { removeStaleTempFiles } from './stale-temp-files.js';
import { storeErrorOf } from './store-error-of.js';

/**
 * @internal The operation machinery of one FileJobStore over its directory:
 *
 * - Ordering: operations on one job id run one after another in call order (failed ones
 *   included), so an older snapshot never lands after a newer one; different ids run in
 *   parallel. Per instance: a process should share one store per directory.
 * - Open files: every file access takes a slot of {@link JobDirectory.files}.
 * - Opening: the first operation creates the directory, sweeps stale temp and claim files, then
 *   calls `onOpen` (where retention starts its first prune); after a failure, the next one
 *   tries again.
 * - Errors: a failure that is not already a RoutiluxError becomes a StoreError naming the job
 *   and the file.
 *
 * @example
 * ```ts
 * const dir = new JobDirectory('/var/jobs', 64, () => undefined);
 * const state = await dir.operate('load', 'a', file, () => readJobFile(file, 'a'));
 * ```
 */
export class JobDirectory {
  /** The open-file limit every file access of the store goes through. */
  readonly files: OpenFileLimit;
  /** {@link JobDirectory.files} as the slot function lease operations take. */
  readonly slot: LeaseSlot = (op) => this.files.run(op);
  private ready: Promise<void> | undefined = undefined;
  /** The directory was opened (and swept): an operation needs no `open` first. */
  private opened = false;
  /** Per job id, the tail of its operation chain (never rejects); removed when idle. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    readonly path: string,
    maxOpenFiles: number,
    private readonly onOpen: () => void,
  ) {
    this.files = new OpenFileLimit(maxOpenFiles);
  }

  /**
   * Runs `op` after every earlier operation on `jobId`, the directory ready, inside one
   * open-file slot when `slotted` (else `op` takes its slots itself, as lease operations do to
   * wait between steps without holding one); a failure comes out as a StoreError naming
   * `jobId` and `file` unless it is a RoutiluxError already.
   *
   * @example
   * ```ts
   * await dir.operate('save', 'a', file, () => writeJobFile(file, 'a', text));
   * ```
   */
  operate<T>(action: string, jobId: string, file: string, op: () => Promise<T>, slotted = true): Promise<T> {
    return this.exclusive(jobId, async () => {
      try {
        // Outside the slot: the first open sweeps stale files, which takes slots itself.
        await this.open();
        return await (slotted ? this.files.run(op) : op());
      } catch (error) {
        throw storeErrorOf(error, `FileJobStore: cannot ${action} job '${jobId}'`, { jobId, file });
      }
    });
  }

  /**
   * Runs `op` after every earlier operation on `jobId` has settled (failed ones included).
   *
   * @example
   * ```ts
   * await dir.exclusive('a', async () => { ... });
   * ```
   */
  exclusive<T>(jobId: string, op: () => Promise<T>): Promise<T> {
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

  /**
   * Whether an operation on `jobId` may run right now, synchronously: the directory is open and
   * no operation on the job is queued or running (what a journal append's fast path needs).
   *
   * @example
   * ```ts
   * if (dir.idleFor('a')) appendJournalLine(journal, 'a', base, line);
   * ```
   */
  idleFor(jobId: string): boolean {
    return this.opened && !this.chains.has(jobId);
  }

  /**
   * Resolves once every operation started so far has settled (what `list()` waits for).
   *
   * @example
   * ```ts
   * await dir.idle();
   * ```
   */
  async idle(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  /**
   * Creates the directory and sweeps stale files, once (again after a failure).
   *
   * @throws {ConfigurationError} when the path is not a directory; the raw Node error otherwise.
   * @example
   * ```ts
   * await dir.open();
   * ```
   */
  open(): Promise<void> {
    this.ready ??= mkdir(this.path, { recursive: true }).then(
      async () => {
        await removeStaleTempFiles(this.path, this.files);
        await removeStaleClaims(this.path, this.files);
        this.opened = true;
        this.onOpen();
      },
      (error: unknown) => {
        this.ready = undefined; // let a later call try again (e.g. after permissions are fixed)
        const code = errorCode(error);
        if (code === 'EEXIST' || code === 'ENOTDIR') {
          throw new ConfigurationError(`FileJobStore: '${this.path}' is not a directory`, { cause: error });
        }
        throw error;
      },
    );
    return this.ready;
  }
}

function noop(): void {}
