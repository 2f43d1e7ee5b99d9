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
  static {
    this.prototype.name = 'JobFailedStreamError';
  }

  /** The failed job's state (not enumerable: logging the error does not dump the whole job). */
  declare readonly state: JobState;

  constructor(state: JobState) {
    super(`job '${state.jobId}' failed: ${state.error?.name ?? 'Error'}: ${shorten(state.error?.message ?? '')}`);
    Object.defineProperty(this, 'state', { value: state, enumerable: false });
  }
}

/** A failure message of reasonable length for a stream error (the full one is in `state.error`). */
function shorten(message: string): string {
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
