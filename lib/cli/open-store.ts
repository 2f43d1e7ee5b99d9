import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../errors/errors.js';
import { FileJobStore } from '../persistence/file-store.js';

/**
 * The FileJobStore of `--store <dir>` (relative to `cwd`). Commands that read jobs want the
 * directory to exist already: a typo must not read as "no jobs".
 *
 * @throws {ConfigurationError} when the path is a file, or when `mustExist` and the directory is missing.
 * @example
 * ```ts
 * const store = openStore('./jobs', process.cwd(), { mustExist: true });
 * ```
 */
export function openStore(dir: string, cwd: string, options: { mustExist: boolean }): FileJobStore {
  const directory = resolve(cwd, dir);
  if (options.mustExist) {
    let isDirectory = false;
    try {
      isDirectory = statSync(directory).isDirectory();
    } catch {
      throw new ConfigurationError(`--store ${dir}: no such directory '${directory}'`);
    }
    if (!isDirectory) throw new ConfigurationError(`--store ${dir}: '${directory}' is not a directory`);
  } else {
    // Made when missing, but never over a file: the job would start, then fail to take its
    // lease and be cancelled part-way, its partial work unsaved.
    let isFile = false;
    try {
      isFile = !statSync(directory).isDirectory();
    } catch {
      // missing (or a dangling link): the store makes it, or says why it cannot
    }
    if (isFile) throw new ConfigurationError(`--store ${dir}: '${directory}' is not a directory`);
  }
  return new FileJobStore(directory);
}
