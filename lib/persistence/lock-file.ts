import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StoreError } from '../errors/errors.js';
import { errorCode } from './error-code.js';
import { readRegularFile } from './regular-file.js';
import { claimTempFile, releaseTempFile } from './stale-temp-files.js';

/**
 * @internal What a lease lock file holds. `token` names this generation of the lock (each
 * create, renewal or takeover writes a new one), so "replace exactly the lock I read" is
 * decidable; `pid` is there for people reading the file (expiry alone decides takeover).
 *
 * @example
 * ```ts
 * const record: LockRecord = { owner: 'worker-1', expiresAt: Date.now() + 30_000, pid: process.pid, token: newLockToken() };
 * ```
 */
export interface LockRecord {
  owner: string;
  expiresAt: number;
  pid: number;
  token: string;
}

/**
 * @internal A fresh generation token: 64 random bits, unique in practice, so a generation that
 * is gone never comes back (no ABA, unlike an inode number that the file system reuses).
 *
 * @example
 * ```ts
 * newLockToken(); // '9f86d081884c7d65'
 * ```
 */
export function newLockToken(): string {
  return randomBytes(8).toString('hex');
}

/**
 * @internal The lock in `file`, or `undefined` when there is none.
 *
 * @throws {StoreError} naming the job and the file when it is a link or another non-regular
 * file (never followed), or does not hold a lock record (written by someone else).
 * @example
 * ```ts
 * const lock = await readLockFile(join(dir, lockFileName('a')), 'a');
 * ```
 */
export async function readLockFile(file: string, jobId: string): Promise<LockRecord | undefined> {
  const text = await readRegularFile(file, jobId);
  if (text === undefined) return undefined;
  let record: Partial<LockRecord> | null = null;
  try {
    record = JSON.parse(text) as Partial<LockRecord> | null;
  } catch {
    // reported below
  }
  if (
    typeof record?.owner !== 'string' || record.owner.length === 0 || typeof record.expiresAt !== 'number' ||
    typeof record.pid !== 'number' || typeof record.token !== 'string'
  ) {
    throw new StoreError(`FileJobStore: the lock file of job '${jobId}' (${file}) is not a lock this store wrote; delete the job or the file to free it`, { jobId, file });
  }
  return { owner: record.owner, expiresAt: record.expiresAt, pid: record.pid, token: record.token };
}

/**
 * @internal Creates `file` holding `text` if no file of that name exists: the text goes to a
 * temp file first (fsynced when `durable`), which is then hard-linked as `file`. `link` fails
 * with `EEXIST` whatever is at the name (a link included, never followed), so of several
 * processes creating at once exactly one gets `true`, and unlike `open(file, 'wx')` followed by
 * a write, the file never exists empty or half-written, even if the process dies mid-way.
 * `onCreated` runs synchronously right after the link, before any other I/O callback can.
 *
 * @example
 * ```ts
 * if (await createExclusiveFile(lockFile, JSON.stringify(record), true)) console.log('ours');
 * ```
 */
export async function createExclusiveFile(file: string, text: string, durable: boolean, onCreated?: () => void): Promise<boolean> {
  const temp = await writeTemp(file, text, durable);
  try {
    await link(temp, file);
    onCreated?.();
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(noop);
    releaseTempFile(temp);
  }
}

/**
 * @internal Replaces the lock in `file` with `record` atomically (temp file, fsync, rename), as
 * job files are written: a reader sees the old lock or the new one, never a torn one. Callers
 * hold the claim of the generation they replace (see `withLockClaim`).
 *
 * @example
 * ```ts
 * await replaceLockFile(lockFile, { ...lock, expiresAt: Date.now() + ttlMs, token: newLockToken() });
 * ```
 */
export async function replaceLockFile(file: string, record: LockRecord): Promise<void> {
  const temp = await writeTemp(file, JSON.stringify(record), true);
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(noop);
    throw error;
  } finally {
    releaseTempFile(temp);
  }
}

/** Writes `text` to a fresh temp file next to `file` (see claimTempFile) and closes it. */
async function writeTemp(file: string, text: string, durable: boolean): Promise<string> {
  const temp = claimTempFile(dirname(file), basename(file));
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o644);
    await handle.writeFile(text, 'utf8');
    if (durable) await handle.sync();
    await handle.close();
    return temp;
  } catch (error) {
    await handle?.close().catch(noop);
    await unlink(temp).catch(noop);
    releaseTempFile(temp);
    throw error;
  }
}

function noop(): void {}
