import { RoutiluxError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';

/**
 * The error `job.observe(...)` streams end with when the job fails; carries the failed state.
 *
 * @example
 * ```ts
 * job.observe('sink', 'out').subscribe({ error: (e: JobFailedStreamError) => console.log(e.state.error) });
 * ```
 */
export class JobFailedStreamError extends RoutiluxError {
  constructor(readonly state: JobState) {
    super(`job '${state.jobId}' failed: ${state.error?.name ?? 'Error'}: ${state.error?.message ?? ''}`);
  }
}
