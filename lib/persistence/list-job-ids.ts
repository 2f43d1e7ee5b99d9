import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isHashedFileName, jobFileName, jobIdOfFileName } from './job-file-name.js';
import type { OpenFileLimit } from './open-file-limit.js';
import { readRegularFile } from './regular-file.js';

/**
 * @internal The ids of the jobs stored in `directory`, sorted: the regular files whose name is
 * the canonical job file name of an id. Temp files, lock and claim files, links, directories
 * and foreign files (`README.json`, `A.json`) are ignored. Each file access takes a slot of
 * `limit`.
 *
 * @throws the raw Node error when the directory cannot be read.
 * @example
 * ```ts
 * const ids = await listJobIds(store.directory, limit); // ['order-17', 'orders/18']
 * ```
 */
export async function listJobIds(directory: string, limit: OpenFileLimit): Promise<string[]> {
  const ids: string[] = [];
  for (const entry of await limit.run(() => readdir(directory, { withFileTypes: true }))) {
    const name = entry.name;
    if (!entry.isFile() || name.startsWith('.') || !name.endsWith('.json')) continue;
    const base = name.slice(0, -'.json'.length);
    const id = isHashedFileName(base) ? await idInHashedFile(join(directory, name), limit) : jobIdOfFileName(base);
    // Only canonical names are ours: a foreign `README.json` or `A.json` decodes to nothing
    // or to an id whose own name differs, and is left alone.
    if (id !== undefined && jobFileName(id) === name) ids.push(id);
  }
  return ids.sort();
}

/** The id inside a `<prefix>~<hash>.json` file, if the file is ours, regular and readable. */
async function idInHashedFile(file: string, limit: OpenFileLimit): Promise<string | undefined> {
  try {
    const text = await limit.run(() => readRegularFile(file, undefined));
    const root = JSON.parse(text ?? 'null') as { jobId?: unknown } | null;
    return typeof root?.jobId === 'string' ? root.jobId : undefined;
  } catch {
    return undefined; // vanished, refused or not ours; `load` of its id would report the problem
  }
}
