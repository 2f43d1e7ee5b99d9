import { describeError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';

/**
 * One stored job as a listing shows it: its state, or why it could not be read (one corrupt
 * file must not hide the others).
 *
 * @example
 * ```ts
 * const rows: StoredJob[] = await loadStoredJobs(store);
 * ```
 */
export type StoredJob = { readonly jobId: string; readonly state: JobState } | { readonly jobId: string; readonly problem: string };

/**
 * Loads the jobs of a store (the first `limit` ids it lists), most recently updated first;
 * unreadable ones last, with the reason.
 *
 * @example
 * ```ts
 * for (const job of await loadStoredJobs(new FileJobStore('./jobs'))) console.log(job.jobId);
 * ```
 */
export async function loadStoredJobs(store: JobStore, limit = Number.POSITIVE_INFINITY): Promise<StoredJob[]> {
  const ids = (await store.list()).slice(0, limit);
  const jobs = await Promise.all(
    ids.map(async (jobId): Promise<StoredJob> => {
      try {
        const state = await store.load(jobId);
        return state === undefined ? { jobId, problem: 'deleted while listing' } : { jobId, state };
      } catch (error) {
        const { name, message } = describeError(error);
        return { jobId, problem: `${name}: ${message}` };
      }
    }),
  );
  const updated = (j: StoredJob): number => ('state' in j ? j.state.updatedAt : Number.NEGATIVE_INFINITY);
  return jobs.sort((a, b) => updated(b) - updated(a) || a.jobId.localeCompare(b.jobId));
}
