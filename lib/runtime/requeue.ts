import type { JobRuntime } from './job-runtime.js';
import type { Task } from './task.js';
import { liftTimers, resumeTimers } from './policy-timers.js';

/**
 * @internal Waits out a retry's backoff on the flow scheduler. While the job is paused or
 * failed the task is parked with its backoff still to wait (`delayLeft`): paused time does
 * not count.
 *
 * @example
 * ```ts
 * scheduleRetry(job, task, policy.delayBefore(task.attempt));
 * ```
 */
export function scheduleRetry(job: JobRuntime, task: Task, delay: number): void {
  const work = job.work;
  if (!job.active) {
    task.dueAt = undefined;
    task.delayLeft = delay;
    task.changed();
    work.parkRetry(task);
    return;
  }
  task.dueAt = job.clock.now() + delay;
  task.delayLeft = undefined;
  task.changed();
  work.waiting.add(task);
  task.timer = job.clock.schedule(() => {
    task.timer = undefined;
    work.waiting.delete(task);
    if (!job.active) return; // defensive: pause, cancel and failure lift waiting tasks first
    // Work of no activation: a restore re-arms the retry on its own clock, so its place among
    // replayed work can differ; a worker saves this turn at once (see JobData.lateWrites).
    job.lateWrites++;
    task.dueAt = undefined;
    task.changed();
    job.queue(task);
    job.dispatcher.request();
    job.mark();
  }, delay);
}

/**
 * @internal Queues tasks in order; a retry whose backoff is not over waits for the rest of it.
 *
 * @example
 * ```ts
 * requeue(job, job.work.takeResumable());
 * ```
 */
export function requeue(job: JobRuntime, tasks: readonly Task[]): void {
  const now = job.clock.now();
  for (const t of tasks) {
    // A retry parked by a pause waits what it had left; one restored from a crashed (running)
    // job waits until its absolute due time.
    const wait = t.delayLeft ?? (t.dueAt !== undefined ? t.dueAt - now : 0);
    if (wait > 0) scheduleRetry(job, t, wait);
    else {
      if (t.dueAt !== undefined || t.delayLeft !== undefined) {
        t.dueAt = undefined;
        t.delayLeft = undefined;
        t.changed();
      }
      job.queue(t);
    }
  }
  resumeTimers(job);
}

/**
 * @internal Lifts every not-yet-running task of the job out of the scheduler: retries first
 * (keeping the backoff they still had to wait), then the parked ones, then the queue.
 *
 * @example
 * ```ts
 * job.work.parked = liftTasks(job); // pause
 * ```
 */
export function liftTasks(job: JobRuntime): Task[] {
  const work = job.work;
  const lifted: Task[] = [];
  const now = job.clock.now();
  for (const t of work.waiting) {
    t.timer?.unsubscribe();
    t.timer = undefined;
    t.delayLeft = Math.max(0, (t.dueAt ?? now) - now);
    t.dueAt = undefined;
    t.changed();
    lifted.push(t);
  }
  work.waiting.clear();
  liftTimers(job);
  const queued = job.dispatcher.queue.extract(job);
  return lifted.concat(work.parked, queued);
}
