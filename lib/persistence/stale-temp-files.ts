import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from './error-code.js';
import type { OpenFileLimit } from './open-file-limit.js';
import { processAlive } from './process-alive.js';

/**
 * The temp names FileJobStore writes: `.<name>.<pid>.<counter>.<random>.tmp`, where `<name>` is
 * a job file, a lock file or a claim file (`.<lock>.<token>.<k>.claim`, see lock-claim.ts). The
 * pid is what makes a leftover decidable: a temp file whose writer process is gone is garbage.
 */
const TEMP_NAME = /^\.(?:[a-z0-9_%~-]+\.(?:json|lock)|\.[a-z0-9_%~-]+\.lock\.[0-9a-f]+\.\d+\.claim)\.(\d+)\.\d+\.[a-z0-9]*\.tmp$/;

/** Temp files being written by any store of this process (a second instance on one directory included). */
const writing = new Set<string>();
let counter = 0;

/**
 * @internal A fresh temp path next to the job file `name` in `directory`, registered as being
 * written by this process until {@link releaseTempFile}: pid + counter + random make it unique
 * across this process, other processes and earlier crashes, so `'wx'` never trips on a leftover.
 *
 * @example
 * ```ts
 * const temp = claimTempFile(store.directory, 'order-17.json'); // '.order-17.json.4242.1.k3j9x2.tmp'
 * try { ... } finally { releaseTempFile(temp); }
 * ```
 */
export function claimTempFile(directory: string, name: string): string {
  const temp = join(directory, `.${name}.${process.pid}.${++counter}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  writing.add(temp);
  return temp;
}

/**
 * @internal Ends the claim of {@link claimTempFile} (once the temp file was renamed or removed).
 *
 * @example
 * ```ts
 * releaseTempFile(temp);
 * ```
 */
export function releaseTempFile(temp: string): void {
  writing.delete(temp);
}

/**
 * @internal Removes the temp files an interrupted write left in `directory` (a crash or SIGKILL
 * between creating the temp file and renaming it). Only names matching the store's own temp
 * pattern are touched, and only when their writer cannot still be writing: the pid in the name
 * is not a live process, or it is this process's pid but no store here is writing that file (a
 * leftover of an earlier process that had the same pid, common in containers). A temp file of
 * another live process on the same directory is kept. Best effort: a failure to list or remove
 * is ignored (the file stays invisible to `list()` either way).
 *
 * @example
 * ```ts
 * await mkdir(directory, { recursive: true });
 * await removeStaleTempFiles(directory, limit);
 * ```
 */
export async function removeStaleTempFiles(directory: string, limit: OpenFileLimit): Promise<number> {
  let removed = 0;
  try {
    const entries = await limit.run(() => readdir(directory, { withFileTypes: true }));
    for (const entry of entries) {
      const match = TEMP_NAME.exec(entry.name);
      if (!match || !entry.isFile()) continue;
      const temp = join(directory, entry.name);
      const pid = Number(match[1]);
      if (pid === process.pid ? writing.has(temp) : processAlive(pid)) continue;
      try {
        await unlink(temp);
        removed++;
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') continue; // e.g. EACCES: leave it, it harms nothing
      }
    }
  } catch {
    // The sweep is housekeeping: the operation that opened the directory goes ahead regardless.
  }
  return removed;
}
