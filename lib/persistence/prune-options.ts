import type { JobStatus } from '../core/records.js';
import { ConfigurationError, describeError, describeValue, quoteValue } from '../errors/errors.js';
import type { PruneOptions } from '../state/job-store.js';

/**
 * The statuses `prune` deletes by default: the final ones a job can never leave.
 *
 * @example
 * ```ts
 * await store.prune({ statuses: [...DEFAULT_PRUNE_STATUSES, 'failed'] });
 * ```
 */
export const DEFAULT_PRUNE_STATUSES: readonly JobStatus[] = ['completed', 'cancelled'];

const STATUSES: ReadonlySet<string> = new Set<JobStatus>(['pending', 'running', 'paused', 'completed', 'failed', 'cancelled']);

/**
 * @internal Prune options checked, with the defaults applied.
 *
 * @example
 * ```ts
 * const resolved: ResolvedPruneOptions = { statuses: new Set(['completed']), olderThan: 0 };
 * ```
 */
export interface ResolvedPruneOptions {
  statuses: ReadonlySet<JobStatus>;
  olderThan: number;
}

/**
 * @internal Checks {@link PruneOptions} (also the `retention` option of FileJobStore, whose
 * `olderThan` is required) and applies the defaults.
 *
 * @throws {ConfigurationError} naming the option that is unknown, missing or invalid.
 * @example
 * ```ts
 * resolvePruneOptions({ olderThan: 60_000 }, 'FileJobStore.prune'); // { statuses: {completed, cancelled}, olderThan: 60000 }
 * ```
 */
export function resolvePruneOptions(options: PruneOptions | undefined, where: string, olderThanRequired = false): ResolvedPruneOptions {
  try {
    return resolve(options, where, olderThanRequired);
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    // Reading the options threw (a revoked proxy, a throwing getter): they are not usable options.
    throw new ConfigurationError(`${where}: the options cannot be read (${describeError(error).message})`, { cause: error });
  }
}

function resolve(options: PruneOptions | undefined, where: string, olderThanRequired: boolean): ResolvedPruneOptions {
  if (options === undefined && !olderThanRequired) return { statuses: new Set(DEFAULT_PRUNE_STATUSES), olderThan: 0 };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(`${where}: expected an object like { statuses: ['completed'], olderThan: 86400000 }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'statuses' && key !== 'olderThan') throw new ConfigurationError(`${where}: unknown option ${quoteValue(key)} (known: statuses, olderThan)`);
  }
  const { statuses, olderThan } = options;
  if (olderThan === undefined && olderThanRequired) throw new ConfigurationError(`${where}: option olderThan is required (ms, a number >= 0)`);
  if (olderThan !== undefined && (typeof olderThan !== 'number' || !Number.isFinite(olderThan) || olderThan < 0)) {
    throw new ConfigurationError(`${where}: option olderThan must be a finite number of ms >= 0, got ${describeValue(olderThan)}`);
  }
  if (statuses !== undefined && !Array.isArray(statuses)) {
    throw new ConfigurationError(`${where}: option statuses must be an array of job statuses, got ${describeValue(statuses)}`);
  }
  for (const status of statuses ?? []) {
    if (typeof status !== 'string' || !STATUSES.has(status)) {
      throw new ConfigurationError(`${where}: option statuses holds ${quoteValue(status)}, not a job status (one of ${[...STATUSES].join(', ')})`);
    }
  }
  return { statuses: new Set(statuses ?? DEFAULT_PRUNE_STATUSES), olderThan: olderThan ?? 0 };
}

/**
 * @internal Whether a stored job with this `status` and `updatedAt` is one `options` deletes at
 * time `now`. `olderThan: 0` means any age, even an `updatedAt` ahead of `now` (another clock).
 *
 * @example
 * ```ts
 * if (isPrunable(state, options, Date.now())) await store.delete(state.jobId);
 * ```
 */
export function isPrunable(job: { status: JobStatus; updatedAt: number }, options: ResolvedPruneOptions, now: number): boolean {
  if (!options.statuses.has(job.status)) return false;
  return options.olderThan === 0 || job.updatedAt < now - options.olderThan;
}
