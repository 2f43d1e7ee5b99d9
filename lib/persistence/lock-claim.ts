import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createExclusiveFile, readLockFile } from './lock-file.js';
import type { OpenFileLimit } from './open-file-limit.js';
import { processAlive } from './process-alive.js';
import { readRegularFile } from './regular-file.js';

/** `.<lock file name>.<generation token>.<k>.claim`, the k-th claim on one generation of a lock. */
const CLAIM_NAME = /^\.([a-z0-9_%~-]+\.lock)\.([0-9a-f]+)\.(\d+)\.claim$/;
/** Claim files this process holds now (any store instance): how a claim with our own pid is told from a leftover. */
const claiming = new Set<string>();
/** Most claim files looked at in one call; only crashes mid-claim leave dead ones behind. */
const MAX_STEPS = 64;

/**
 * @internal Runs `op` as the only live process allowed to change generation `token` of the lock
 * `lockFile` (renew it, take it over, release it); `'busy'` when another live process holds
 * that right. This is what makes takeover race-safe without ever leaving the lock name vacant:
 *
 * - The right is a claim file `.<lock>.<token>.<k>.claim` created exclusively (`link`, see
 *   createExclusiveFile) holding the claimer's pid: of any number of processes exactly one
 *   creates claim k. The claims of a generation form a prefix 1..k: a claimer walks from 1,
 *   skips claims whose process is dead (a crash mid-claim) and stops at the first vacant one
 *   (it creates it) or the first live one (busy). So at most one live claimer exists.
 * - `op` must re-read the lock and act only if it still carries `token`: a generation that is
 *   gone never comes back (tokens are random), so a slow claimer of an old generation sees the
 *   new one and backs off. The lock itself changes only by an atomic rename or unlink.
 * - After `op` returns, the generation is over (changed by `op` or found changed): its claims,
 *   dead ones included, are removed. If `op` throws, only our own claim is removed, so the
 *   prefix stays intact for the next claimer.
 *
 * Liveness is `kill(pid, 0)`, so processes sharing a lock directory must run on one machine
 * (one pid namespace). A dead claimer whose pid was reused reads as alive: the generation stays
 * busy (safe, not stuck forever: until that process exits).
 *
 * @example
 * ```ts
 * const outcome = await withLockClaim(lockFile, lock.token, async () => {
 *   if ((await readLockFile(lockFile, jobId))?.token !== lock.token) return 'changed';
 *   await replaceLockFile(lockFile, next);
 *   return 'done';
 * });
 * ```
 */
export async function withLockClaim<T>(lockFile: string, token: string, op: () => Promise<T>): Promise<{ value: T } | 'busy'> {
  const dead: string[] = [];
  const text = JSON.stringify({ pid: process.pid });
  for (let k = 1, step = 0; step < MAX_STEPS; step++) {
    const claim = join(dirname(lockFile), `.${basename(lockFile)}.${token}.${k}.claim`);
    if (await createExclusiveFile(claim, text, false, () => claiming.add(claim))) {
      let value: T;
      try {
        value = await op();
      } catch (error) {
        await removeClaim(claim);
        throw error;
      }
      for (const old of [...dead, claim]) await removeClaim(old);
      return { value };
    }
    const holder = await claimHolder(claim);
    if (holder === 'alive') return 'busy';
    if (holder === 'dead') {
      dead.push(claim);
      k++;
    } // 'gone': removed meanwhile, try the same k again
  }
  return 'busy';
}

/**
 * @internal Removes the claim files in `directory` whose generation is over: the lock they name
 * is gone or carries another token (a claimer that crashed after its change, before cleaning
 * up). Safe at any time: nobody can act on a generation that is over. Best effort, like the
 * temp-file sweep.
 *
 * @example
 * ```ts
 * await removeStaleClaims(store.directory, limit);
 * ```
 */
export async function removeStaleClaims(directory: string, limit: OpenFileLimit): Promise<number> {
  let removed = 0;
  try {
    for (const entry of await limit.run(() => readdir(directory, { withFileTypes: true }))) {
      const match = CLAIM_NAME.exec(entry.name);
      const claim = join(directory, entry.name);
      if (!match || !entry.isFile() || claiming.has(claim)) continue;
      try {
        const lock = await limit.run(() => readLockFile(join(directory, match[1]), ''));
        if (lock?.token === match[2]) continue;
        await unlink(claim);
        removed++;
      } catch {
        // an odd lock file or a failed unlink: keep the claim, it only delays a takeover
      }
    }
  } catch {
    // housekeeping: the operation that opened the directory goes ahead regardless
  }
  return removed;
}

/** Whether the process that made `claim` may still act on it; `'gone'` when the claim vanished. */
async function claimHolder(claim: string): Promise<'alive' | 'dead' | 'gone'> {
  const text = await readRegularFile(claim, undefined);
  if (text === undefined) return 'gone';
  let pid: unknown;
  try {
    pid = (JSON.parse(text) as { pid?: unknown } | null)?.pid;
  } catch {
    return 'dead'; // not fsynced on purpose: only a power loss (which killed every claimer) tears it
  }
  if (typeof pid !== 'number') return 'dead';
  // Our own pid: alive only if a store of this process holds it now, else it is the leftover of
  // an earlier process that had the same pid (common in containers).
  return (pid === process.pid ? claiming.has(claim) : processAlive(pid)) ? 'alive' : 'dead';
}

/**
 * Best effort: a claim left behind (say EACCES) blocks nothing once its generation is over, and
 * the sweep removes it later; one left by a failed `op` blocks only while this process lives.
 */
async function removeClaim(claim: string): Promise<void> {
  claiming.delete(claim);
  await unlink(claim).catch(noop);
}

function noop(): void {}
