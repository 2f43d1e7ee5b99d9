import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { JobRuntime } from './job-runtime.js';
import { Task } from './task.js';
import { firePolicyRemainders } from './policy-intake.js';

/**
 * @internal What a job runs when it has no queued or running work left, before it may settle:
 * the remainders of its batches and windows (see firePolicyRemainders), else the flushes of the
 * routines activated since their last flush. Returns whether it queued anything: what that
 * work emits runs first, and the job comes back here at its next idle point.
 *
 * @example
 * ```ts
 * if (queueIdleWork(job)) return; // not idle after all
 * ```
 */
export function queueIdleWork(job: JobRuntime): boolean {
  if (job.policies !== undefined && firePolicyRemainders(job)) return true;
  return job.flushesDue > 0 && queueFlushes(job);
}

/**
 * Queues the flush of every routine activated since its last flush (routines in order of
 * their first activation); whatever they emit runs before the job can settle.
 */
function queueFlushes(job: JobRuntime): boolean {
  const now = job.clock.now();
  let queued = false;
  for (let run = job.firstRun; run !== undefined; run = run.nextRun) {
    if (!run.flushDue) continue;
    job.flushDue(run, false);
    const task = new Task(job, run.routine._flushSlot!, EMPTY_PAYLOAD, 1, now, undefined);
    task.merged = EMPTY_PAYLOAD; // a flush merges nothing into slot data
    job.queue(task);
    queued = true;
  }
  if (queued) {
    job.dispatcher.request();
    job.mark();
  }
  return queued;
}
