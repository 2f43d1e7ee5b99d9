import { TimeoutError } from '../errors/errors.js';
import type { Job } from '../flow/job.js';
import type { JobState } from '../state/job-state.js';
import { settledWithin } from '../core/settled-within.js';

/**
 * @internal Pauses a job that a closing worker hands over, and waits for its in-flight work to
 * settle, until `deadline` (epoch ms) at most: a handler that never settles never keeps the
 * worker. What is still in flight then is reported and left to the caller, who stores it as
 * running tasks (the next owner runs them again, as after a crash) and drops the local copy.
 *
 * @example
 * ```ts
 * await pauseForHandoff(job, ctx.closeDeadline(), ctx.report);
 * await store.saveWith(handedOver(job.state), write);
 * ```
 */
export async function pauseForHandoff(job: Job, deadline: number, report: (error: unknown) => void): Promise<void> {
  const idle = job
    .pause('handoff')
    .catch(() => undefined) // (not running any more: nothing to pause, its work may still settle)
    .then(() => new Promise<JobState>((resolve) => job._runtime.whenIdle(false, resolve)));
  if (await settledWithin(idle, deadline - Date.now())) return;
  const unsettled = job._runtime.work.running;
  report(new TimeoutError(`job '${job.jobId}': ${unsettled} in-flight activation(s) did not settle within closeTimeout; stored as running tasks, they run again on the next owner`));
}
