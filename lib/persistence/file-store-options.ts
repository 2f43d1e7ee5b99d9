import type { JobStatus } from '../core/records.js';
import { ConfigurationError, describeValue, quoteValue } from '../errors/errors.js';
import { resolvePruneOptions, type ResolvedPruneOptions } from './prune-options.js';

/**
 * Options of `new FileJobStore(directory, options)`.
 *
 * @example
 * ```ts
 * const store = new FileJobStore('./var/jobs', {
 *   maxOpenFiles: 32,
 *   retention: { olderThan: 7 * 24 * 3600_000 }, // completed and cancelled jobs go after a week
 * } satisfies FileJobStoreOptions);
 * ```
 */
export interface FileJobStoreOptions {
  /**
   * Most files the store holds open at once (default 64, an integer ≥ 1). Saves, loads, deletes
   * and lists beyond it wait in a queue instead of failing with `EMFILE`; keep it well under the
   * process's open-file limit (`ulimit -n`), which sockets and other files share.
   */
  maxOpenFiles?: number;
  /**
   * Deletes old jobs by itself (default: never): the store runs `prune(retention)` when it
   * first opens its directory, then after a save at most once per `olderThan` ms (at least a
   * minute apart). Pruning runs in the background: it never delays or fails a save, and what it
   * finds (a failure included) is reported to nobody; call `prune()` yourself to see it.
   * `statuses` defaults to `['completed', 'cancelled']`; jobs whose lease is held are kept.
   */
  retention?: { olderThan: number; statuses?: JobStatus[] };
}

/** Default of {@link FileJobStoreOptions.maxOpenFiles}: enough to keep a disk and libuv's thread pool busy. */
export const DEFAULT_MAX_OPEN_FILES = 64;

const KNOWN = new Set(['maxOpenFiles', 'retention']);

/**
 * @internal FileJobStore options checked, with the defaults applied.
 *
 * @example
 * ```ts
 * const resolved: ResolvedFileStoreOptions = { maxOpenFiles: 64, retention: undefined };
 * ```
 */
export interface ResolvedFileStoreOptions {
  maxOpenFiles: number;
  retention: ResolvedPruneOptions | undefined;
}

/**
 * @internal Checks FileJobStore options and applies the defaults.
 *
 * @throws {ConfigurationError} naming the option that is unknown or out of range.
 * @example
 * ```ts
 * resolveFileStoreOptions({ maxOpenFiles: 8 }); // { maxOpenFiles: 8, retention: undefined }
 * ```
 */
export function resolveFileStoreOptions(options: FileJobStoreOptions | undefined): ResolvedFileStoreOptions {
  if (options === undefined) return { maxOpenFiles: DEFAULT_MAX_OPEN_FILES, retention: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(`FileJobStore: options must be an object like { maxOpenFiles: 64 }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ConfigurationError(`FileJobStore: unknown option ${quoteValue(key)} (known: ${[...KNOWN].join(', ')})`);
  }
  // Only `undefined` means the default: an explicit null is a mistake worth naming.
  const maxOpenFiles = options.maxOpenFiles === undefined ? DEFAULT_MAX_OPEN_FILES : options.maxOpenFiles;
  if (typeof maxOpenFiles !== 'number' || !Number.isSafeInteger(maxOpenFiles) || maxOpenFiles < 1) {
    throw new ConfigurationError(`FileJobStore: option maxOpenFiles must be an integer >= 1, got ${describeValue(maxOpenFiles)}`);
  }
  const retention = options.retention === undefined ? undefined : resolvePruneOptions(options.retention, 'FileJobStore: option retention', true);
  return { maxOpenFiles, retention };
}
