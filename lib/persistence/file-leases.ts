import { unlink } from 'node:fs/promises';
import type { JobLease } from '../state/job-store.js';
import { errorCode } from './error-code.js';
import { withLockClaim } from './lock-claim.js';
import { createExclusiveFile, newLockToken, readLockFile, replaceLockFile } from './lock-file.js';
import { checkRegularFile } from './regular-file.js';

/**
 * @internal Runs one step of a lease operation; FileJobStore passes its open-file limit, so a
 * step holds one slot (it opens one file at a time) and a wait between steps holds none.
 *
 * @example
 * ```ts
 * const slot: LeaseSlot = (op) => limit.run(op);
 * ```
 */
export type LeaseSlot = <T>(op: () => Promise<T>) => Promise<T>;

/** Steps tried before giving up: the lock kept changing or stayed busy under another process. */
const ATTEMPTS = 8;

/**
 * @internal FileJobStore's `acquire` on the lock file `file` of job `jobId`. The lock scheme:
 *
 * - No lock file: it is created exclusively (createExclusiveFile: temp file, fsync, `link`),
 *   holding `{ owner, expiresAt, pid, token }`; of processes racing, exactly one link succeeds.
 * - A lock of another owner that has not expired: `false`.
 * - Our own lock (renewal) or an expired one (takeover): replaced atomically (temp + rename)
 *   under the claim of its generation (withLockClaim), after checking it still is that
 *   generation. Two processes taking over one expired lock: one claim wins, the other is busy
 *   or finds a new generation, unexpired, and gets `false`. The lock name is never vacant
 *   during a takeover, so no third process can slip a create in between.
 *
 * Gives up with `false` when the lock keeps changing or stays busy for 8 steps (~130 ms).
 *
 * @throws what a step throws: a StoreError for a refused or foreign lock file, raw Node errors.
 * @example
 * ```ts
 * const mine = await acquireFileLease(join(dir, lockFileName('a')), 'a', 'worker-1', 30_000, (op) => op());
 * ```
 */
export async function acquireFileLease(file: string, jobId: string, owner: string, ttlMs: number, slot: LeaseSlot): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const outcome = await slot(() => tryAcquire(file, jobId, owner, ttlMs));
    if (typeof outcome === 'boolean') return outcome;
    if (outcome === 'busy') await sleep(2 ** attempt);
  }
  return false;
}

/**
 * @internal FileJobStore's `release`: removes the lock file if `owner` holds it (expired or
 * not), under the claim of its generation, so a lock another process took over meanwhile is
 * never removed. Gives up silently when it stays busy (another process is taking it over).
 *
 * @throws what a step throws, as {@link acquireFileLease}.
 * @example
 * ```ts
 * await releaseFileLease(lockFile, 'a', 'worker-1', (op) => op());
 * ```
 */
export async function releaseFileLease(file: string, jobId: string, owner: string, slot: LeaseSlot): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const outcome = await slot(async () => {
      const current = await readLockFile(file, jobId);
      if (current?.owner !== owner) return 'done';
      const claimed = await withLockClaim(file, current.token, async () => {
        if ((await readLockFile(file, jobId))?.token !== current.token) return 'changed';
        await removeIfPresent(file);
        return 'done';
      });
      return claimed === 'busy' ? claimed : claimed.value;
    });
    if (outcome === 'done') return;
    if (outcome === 'busy') await sleep(2 ** attempt);
  }
}

/**
 * @internal FileJobStore's `leaseOf`: the lock in `file` if it has not expired.
 *
 * @throws {StoreError} for a refused or foreign lock file.
 * @example
 * ```ts
 * const lease = await fileLeaseOf(lockFile, 'a'); // { owner: 'worker-1', expiresAt: 1767225600000 }
 * ```
 */
export async function fileLeaseOf(file: string, jobId: string): Promise<JobLease | undefined> {
  const lock = await readLockFile(file, jobId);
  return lock !== undefined && lock.expiresAt > Date.now() ? { owner: lock.owner, expiresAt: lock.expiresAt } : undefined;
}

/**
 * @internal Removes the lock file whoever holds it (what `delete(jobId)` does to the lease); a
 * link or other non-regular file under its name is refused and left alone.
 *
 * @throws {StoreError} when `file` is not a regular file.
 * @example
 * ```ts
 * await removeFileLease(lockFile, 'a');
 * ```
 */
export async function removeFileLease(file: string, jobId: string): Promise<void> {
  if (await checkRegularFile(file, jobId)) await removeIfPresent(file);
}

async function tryAcquire(file: string, jobId: string, owner: string, ttlMs: number): Promise<boolean | 'retry' | 'busy'> {
  const now = Date.now();
  const next = { owner, expiresAt: now + ttlMs, pid: process.pid, token: newLockToken() };
  if (await createExclusiveFile(file, JSON.stringify(next), true)) return true;
  const current = await readLockFile(file, jobId);
  if (current === undefined) return 'retry'; // released between the link and the read
  if (current.owner !== owner && current.expiresAt > now) return false;
  const claimed = await withLockClaim(file, current.token, async () => {
    // The same token is the same generation, so the same content: still ours, or still expired.
    if ((await readLockFile(file, jobId))?.token !== current.token) return 'retry';
    await replaceLockFile(file, next);
    return true;
  });
  return claimed === 'busy' ? claimed : claimed.value;
}

async function removeIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
