import { ConfigurationError } from '../errors/errors.js';

/**
 * Options of `new FileJobStore(directory, options)`.
 *
 * @example
 * ```ts
 * const store = new FileJobStore('./var/jobs', { maxOpenFiles: 32 } satisfies FileJobStoreOptions);
 * ```
 */
export interface FileJobStoreOptions {
  /**
   * Most files the store holds open at once (default 64, an integer ≥ 1). Saves, loads, deletes
   * and lists beyond it wait in a queue instead of failing with `EMFILE`; keep it well under the
   * process's open-file limit (`ulimit -n`), which sockets and other files share.
   */
  maxOpenFiles?: number;
}

/** Default of {@link FileJobStoreOptions.maxOpenFiles}: enough to keep a disk and libuv's thread pool busy. */
export const DEFAULT_MAX_OPEN_FILES = 64;

const KNOWN = new Set(['maxOpenFiles']);

/**
 * @internal Checks FileJobStore options and applies the defaults.
 *
 * @throws {ConfigurationError} naming the option that is unknown or out of range.
 * @example
 * ```ts
 * resolveFileStoreOptions({ maxOpenFiles: 8 }); // { maxOpenFiles: 8 }
 * ```
 */
export function resolveFileStoreOptions(options: FileJobStoreOptions | undefined): Required<FileJobStoreOptions> {
  if (options === undefined) return { maxOpenFiles: DEFAULT_MAX_OPEN_FILES };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(`FileJobStore: options must be an object like { maxOpenFiles: 64 }, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ConfigurationError(`FileJobStore: unknown option '${key}' (known: ${[...KNOWN].join(', ')})`);
  }
  // Only `undefined` means the default: an explicit null is a mistake worth naming.
  const maxOpenFiles = options.maxOpenFiles === undefined ? DEFAULT_MAX_OPEN_FILES : options.maxOpenFiles;
  if (typeof maxOpenFiles !== 'number' || !Number.isSafeInteger(maxOpenFiles) || maxOpenFiles < 1) {
    throw new ConfigurationError(`FileJobStore: option maxOpenFiles must be an integer >= 1, got ${String(maxOpenFiles)}`);
  }
  return { maxOpenFiles };
}
