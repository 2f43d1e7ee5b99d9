import { JobStateError } from '../errors/errors.js';
import type { JobStatus } from '../core/records.js';

/**
 * @internal What can happen to a job's status:
 * - `run`: it starts dispatching (first activation, `open()`, a restore);
 * - `pause`, `resume`, `cancel`: the controls;
 * - `fail`: an activation failed under STOP, or a stream feeding it failed;
 * - `timeout`: its execution timeout fired;
 * - `complete`: it ran out of work.
 *
 * @example
 * ```ts
 * const action: JobAction = 'pause';
 * ```
 */
export type JobAction = 'run' | 'pause' | 'resume' | 'cancel' | 'fail' | 'timeout' | 'complete';

/** @internal Every status, in lifecycle order. @example `JOB_STATUSES.length // 6` */
export const JOB_STATUSES: readonly JobStatus[] = Object.freeze(['pending', 'running', 'paused', 'completed', 'failed', 'cancelled']);

/** @internal Every action. @example `JOB_ACTIONS.includes('pause') // true` */
export const JOB_ACTIONS: readonly JobAction[] = Object.freeze(['run', 'pause', 'resume', 'cancel', 'fail', 'timeout', 'complete']);

/**
 * @internal The job lifecycle, the single source of truth for status changes: status ×
 * action → next status. A pair that is not listed is not allowed. A failed job is settled
 * (no pause, no cancel) but can resume; a paused job can still fail (a handler that was
 * running when the pause came throws) or be cancelled.
 *
 * @example
 * ```ts
 * JOB_LIFECYCLE.paused.resume; // 'running'
 * ```
 */
export const JOB_LIFECYCLE: Readonly<Record<JobStatus, Readonly<Partial<Record<JobAction, JobStatus>>>>> = Object.freeze({
  pending: { run: 'running', pause: 'paused', cancel: 'cancelled', fail: 'failed', timeout: 'failed', complete: 'completed' },
  running: { run: 'running', pause: 'paused', cancel: 'cancelled', fail: 'failed', timeout: 'failed', complete: 'completed' },
  paused: { resume: 'running', cancel: 'cancelled', fail: 'failed' },
  completed: {},
  failed: { resume: 'running' },
  cancelled: {},
});

/** Why an action is refused, where the bare "it is X" is not enough. */
const HINTS: Partial<Record<JobAction, string>> = { resume: ' (only paused or failed jobs resume)' };

/**
 * @internal The status `action` leads to from `status`, or `undefined` when not allowed.
 *
 * @example
 * ```ts
 * nextStatus('completed', 'cancel'); // undefined
 * ```
 */
export function nextStatus(status: JobStatus, action: JobAction): JobStatus | undefined {
  return JOB_LIFECYCLE[status][action];
}

/**
 * @internal The status `action` leads to from `status`.
 *
 * @throws {JobStateError} naming the job, the action and the status when it is not allowed.
 * @example
 * ```ts
 * transition('job-1', 'paused', 'resume'); // 'running'
 * transition('job-1', 'completed', 'pause'); // throws JobStateError: cannot pause job 'job-1': it is completed
 * ```
 */
export function transition(jobId: string, status: JobStatus, action: JobAction): JobStatus {
  const next = JOB_LIFECYCLE[status][action];
  if (next === undefined) throw new JobStateError(`cannot ${action} job '${jobId}': it is ${status}${HINTS[action] ?? ''}`);
  return next;
}

// isTerminal and isResting live in core (every layer asks them); re-exported for the runtime.
export { isResting, isTerminal } from '../core/job-status.js';
