import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { errorCode } from './error-code.js';
import { checkRegularFile } from './regular-file.js';
import { claimTempFile, releaseTempFile } from './stale-temp-files.js';

/**
 * @internal Writes `text` as the job file `target` atomically: a temp file in the same
 * directory, fsynced, renamed over `target`, then the directory fsynced where the platform
 * allows. A crash at any moment leaves the previous content or the new one, never a torn file.
 * At most one file is open at any moment (the temp file is closed before the directory is
 * opened), which is what a FileJobStore open-file slot counts on. A `target` that is a link, a
 * directory or another non-regular file is refused before anything is written.
 *
 * @throws {StoreError} when `target` is not a regular file; the raw Node error otherwise.
 * @example
 * ```ts
 * await writeJobFile(store.pathOf('order-17'), 'order-17', JSON.stringify(state));
 * ```
 */
export async function writeJobFile(target: string, jobId: string, text: string): Promise<void> {
  const directory = dirname(target);
  await checkRegularFile(target, jobId);
  const temp = claimTempFile(directory, basename(target));
  let handle: FileHandle | undefined;
  try {
    handle = await openTemp(temp, directory);
    await handle.writeFile(text, 'utf8');
    // The data must be on disk before the rename makes it visible, or a power loss could
    // leave a renamed but empty file.
    await handle.sync();
    await handle.close();
    handle = undefined;
    // Again just before the rename: a link or directory put there meanwhile is not replaced.
    await checkRegularFile(target, jobId);
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(noop);
    await unlink(temp).catch(noop);
    throw error;
  } finally {
    releaseTempFile(temp);
  }
  // Makes the rename itself durable (the new directory entry).
  await syncDirectory(directory);
}

/**
 * @internal Removes the job file `file` durably (unlink, then fsync of the directory); a
 * missing file is a no-op, and a link or other non-regular file is refused and left alone.
 *
 * @throws {StoreError} when `file` is not a regular file; the raw Node error otherwise.
 * @example
 * ```ts
 * await removeJobFile(store.pathOf('order-17'), 'order-17');
 * ```
 */
export async function removeJobFile(file: string, jobId: string): Promise<void> {
  if (!(await checkRegularFile(file, jobId))) return;
  try {
    await unlink(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  await syncDirectory(dirname(file));
}

/**
 * @internal fsyncs `directory` so a rename or unlink in it survives a power loss; a no-op where
 * the platform cannot (Windows cannot open a directory; some file systems refuse to fsync one).
 *
 * @example
 * ```ts
 * await unlink(file);
 * await syncDirectory(dirname(file));
 * ```
 */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!NO_DIRECTORY_SYNC.has(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close().catch(noop);
  }
}

const NO_DIRECTORY_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

async function openTemp(temp: string, directory: string): Promise<FileHandle> {
  // 'wx' (O_CREAT | O_EXCL) never follows a link: a name that exists in any form fails.
  try {
    return await open(temp, 'wx', 0o644);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    // The directory was removed behind our back: create it again, once (no sweep: it is new).
    await mkdir(directory, { recursive: true });
    return await open(temp, 'wx', 0o644);
  }
}

function noop(): void {}
