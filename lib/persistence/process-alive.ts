import { errorCode } from './error-code.js';

/**
 * @internal Whether a process `pid` exists on this machine (EPERM: it does, owned by someone
 * else). Used to tell a leftover of a crashed process (garbage) from a file a live process is
 * still working on. A pid reused by an unrelated process reads as alive: callers must treat
 * "alive" as "maybe busy", never as "proven busy".
 *
 * @example
 * ```ts
 * if (!processAlive(pid)) await unlink(leftover);
 * ```
 */
export function processAlive(pid: number): boolean {
  // 0 and negative pids would signal process groups, not test a process: no writer has them.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}
