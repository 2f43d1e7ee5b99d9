import { constants, type Stats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { StoreError } from '../errors/errors.js';
import { errorCode } from './error-code.js';

/** Refuse a link at open time where the platform can (not Windows: there the lstat guards). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
/** A FIFO placed under a job's name would block a plain open forever; this makes it return. */
const NON_BLOCKING = constants.O_NONBLOCK ?? 0;

/**
 * @internal Whether `file` exists as a regular file: `false` when it is missing; a
 * {@link StoreError} naming the job and the file when it is a symbolic link (never followed), a
 * directory, a FIFO, a socket or a device. Used before a job file is read, replaced or removed.
 *
 * @throws {StoreError} when `file` exists but is not a regular file.
 * @example
 * ```ts
 * if (await checkRegularFile(file, 'order-17')) await unlink(file);
 * ```
 */
export async function checkRegularFile(file: string, jobId: string | undefined): Promise<boolean> {
  let stats: Stats;
  try {
    stats = await lstat(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  if (!stats.isFile()) throw refused(file, jobId, kindOf(stats));
  return true;
}

/**
 * @internal The text of the regular file `file`, or `undefined` when it is missing. Opened with
 * `O_NOFOLLOW` and checked again on the open descriptor, so a link or a directory swapped in
 * after the first check is refused too, never followed.
 *
 * @throws {StoreError} when `file` exists but is not a regular file.
 * @example
 * ```ts
 * const text = await readRegularFile(store.pathOf('order-17'), 'order-17');
 * ```
 */
export async function readRegularFile(file: string, jobId: string | undefined): Promise<string | undefined> {
  if (!(await checkRegularFile(file, jobId))) return undefined;
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | NO_FOLLOW | NON_BLOCKING);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined; // deleted since the check
    // What O_NOFOLLOW answers for a link (Linux and macOS: ELOOP; FreeBSD: EMLINK).
    if (code === 'ELOOP' || code === 'EMLINK') throw refused(file, jobId, 'a symbolic link');
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw refused(file, jobId, kindOf(stats));
    return await handle.readFile('utf8');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * @internal The StoreError refusing `file` of `jobId` because it is `kind` (a symbolic link, a
 * directory, ...), not a regular file.
 *
 * @example
 * ```ts
 * throw refused(file, 'order-17', 'a symbolic link');
 * ```
 */
export function refused(file: string, jobId: string | undefined, kind: string): StoreError {
  const job = jobId === undefined ? '' : ` of job '${jobId}'`;
  return new StoreError(`FileJobStore: refusing the file${job} (${file}): it is ${kind}, not a regular file; links are never followed`, { jobId, file });
}

/**
 * @internal What a non-regular file is, in words ('a symbolic link', 'a directory', ...).
 *
 * @example
 * ```ts
 * kindOf(lstatSync(file)); // 'a FIFO'
 * ```
 */
export function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'a device';
  return 'not a regular file';
}
