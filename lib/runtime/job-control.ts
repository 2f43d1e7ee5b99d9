import { CancelledError, JobFailedError, JobStateError, TimeoutError, describeError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { JobState } from '../state/job-state.js';
import type { InFlight } from './activation.js';
import { setOutcome } from './routine-run.js';
import type { JobRuntime } from './job-runtime.js';
import type { Task } from './task.js';
import { currentContext } from '../model/current-context.js';

/**
 * @internal Job control: the status transitions of one job. Each checks the status first and
 * changes nothing when the transition is not allowed, so a refused call never leaves a job
 * half-changed.
 */

/**
 * Waits out a retry's backoff on the flow scheduler. While the job is paused or failed the
 * task is parked with its backoff still to wait (`delayLeft`): paused time does not count.
 * @internal
 */
export function scheduleRetry(job: JobRuntime, task: Task, delay: number): void {
  if (!job.active) {
    task.dueAt = undefined;
    task.delayLeft = delay;
    task.changed();
    job.parked.unshift(task);
    return;
  }
  task.dueAt = job.clock.now() + delay;
  task.delayLeft = undefined;
  task.changed();
  job.waiting.add(task);
  task.timer = job.clock.schedule(() => {
    task.timer = undefined;
    job.waiting.delete(task);
    if (!job.active) return; // defensive: pause, cancel and failure lift waiting tasks first
    task.dueAt = undefined;
    task.changed();
    job.queue(task);
    job.dispatcher.request();
    job.mark();
  }, delay);
}

/**
 * Lifts every not-yet-running task of the job out of the scheduler: retries first (keeping the
 * backoff they still had to wait), then the queue.
 */
function liftTasks(job: JobRuntime): Task[] {
  const lifted: Task[] = [];
  const now = job.clock.now();
  for (const t of job.waiting) {
    t.timer?.unsubscribe();
    t.timer = undefined;
    t.delayLeft = Math.max(0, (t.dueAt ?? now) - now);
    t.dueAt = undefined;
    t.changed();
    lifted.push(t);
  }
  job.waiting.clear();
  const queued = job.dispatcher.queue.extract(job);
  return lifted.concat(job.parked, queued);
}

/** Lets go of in-flight activations (aborted, silenced); returns their tasks. */
function stopInFlight(job: JobRuntime, reason: unknown, outcome: 'cancelled' | 'interrupted'): Task[] {
  abortAll(job, reason);
  const tasks: Task[] = [];
  for (const a of job.inflight) {
    tasks.push(a.task);
    detach(a, outcome);
  }
  job.inflight.clear();
  return tasks;
}

/**
 * Aborts every activation signal of this run (in-flight ones included, even if they never
 * looked at it yet); a resumed run gets a fresh controller.
 */
function abortAll(job: JobRuntime, reason: unknown): void {
  // The aborted controller stays until the job runs again, so a signal first read after
  // the abort (lazily created) is aborted too.
  const controller = (job.controller ??= new AbortController());
  for (const a of job.inflight) a.ctx.abort(reason);
  if (!controller.signal.aborted) controller.abort(reason);
}

/**
 * STOP: the job fails at once; queued work stays pending; in-flight work will run again on resume.
 * @internal
 */
export function failJob(job: JobRuntime, error: unknown, task: Task | undefined, routineId = task?.slot.routine.id): void {
  if (!job.active && job.status !== 'paused') return;
  const info = describeError(error);
  job.error = routineId === undefined ? info : { ...info, routineId };
  if (task !== undefined) {
    task.attempt = 1;
    task.dueAt = undefined;
    task.changed();
  }
  job.failedTask = task;
  job.parked = liftTasks(job);
  // Operator routines keep their per-job state (and their timers): a resumed job goes on with
  // it; what they emit meanwhile is parked.
  job.interrupted = stopInFlight(job, new JobFailedError(`job '${job.id}' failed: ${info.name}: ${info.message}`), 'interrupted');
  job.deadline?.stop();
  job.setStatus('failed');
  job.activationEnded();
}

/**
 * The execution timeout fired: the job fails with a TimeoutError.
 * @internal
 */
export function timeoutJob(job: JobRuntime): void {
  if (job.status !== 'running' && job.status !== 'pending') return;
  failJob(job, new TimeoutError(`job '${job.id}' exceeded its execution timeout of ${job.timeout} ms`), undefined);
}

/**
 * Drops all queued work, aborts running work, settles `cancelled`.
 * @internal
 */
export function cancelJob(job: JobRuntime, reason = 'cancelled'): Promise<JobState> {
  if (!job.active && job.status !== 'paused') {
    return Promise.reject(new JobStateError(`cannot cancel job '${job.id}': it is ${job.status}`));
  }
  liftTasks(job);
  job.parked = [];
  job.interrupted = [];
  job.failedTask = undefined;
  stopInFlight(job, new CancelledError(`job '${job.id}' was cancelled: ${reason}`), 'cancelled');
  for (const d of [...job.drains]) d.stop();
  job.drains.clear();
  job.holds = 0;
  job.deadline?.stop();
  job.setStatus('cancelled');
  job.activationEnded();
  return Promise.resolve(job.snapshot());
}

/**
 * Stops dispatching the job's tasks at once; resolves once its in-flight work has settled.
 * @internal
 */
export function pauseJob(job: JobRuntime, reason: string, checkpoint: Payload): Promise<JobState> {
  if (job.status !== 'running' && job.status !== 'pending') {
    return Promise.reject(new JobStateError(`cannot pause job '${job.id}': it is ${job.status}`));
  }
  job.parked = liftTasks(job);
  job.pausePoints.push({ reason, checkpoint: checkpoint ?? EMPTY_PAYLOAD, timestamp: job.clock.now(), pendingCount: job.parked.length });
  job.deadline?.suspend();
  job.setStatus('paused');
  const inside = currentContext()?.host === job;
  return new Promise((resolve) => job.whenIdle(inside, resolve));
}

/**
 * Re-queues a paused or failed job's work in its original order, then emits deferred events.
 * @internal
 */
export function resumeJob(job: JobRuntime): void {
  if (job.status !== 'paused' && job.status !== 'failed') {
    throw new JobStateError(`cannot resume job '${job.id}': it is ${job.status} (only paused or failed jobs resume)`);
  }
  const tasks: Task[] = [];
  if (job.failedTask !== undefined) tasks.push(job.failedTask);
  tasks.push(...job.interrupted, ...job.parked);
  job.failedTask = undefined;
  job.interrupted = [];
  job.parked = [];
  job.error = undefined;
  if (job.controller?.signal.aborted) job.controller = undefined; // a resumed run gets a fresh, unaborted controller
  job.flow._jobResumed(job);
  job.setStatus('running');
  continueRun(job, tasks);
}

/**
 * Shared by resume (same process) and restore (from a snapshot): queue the tasks in order,
 * then emit the deferred events in the job's name, restart the timeout, and let a job with
 * nothing left settle on the next turn (never inside the caller).
 * @internal
 */
export function continueRun(job: JobRuntime, tasks: readonly Task[]): void {
  requeue(job, tasks);
  const deferred = job.deferred;
  job.deferred = [];
  job.deferredVersion++;
  for (const d of deferred) {
    const event = job.flow.getRoutine(d.routineId)?.getEvent(d.eventName);
    if (event !== undefined) job.emitFrom(event, d.data);
  }
  job.deadline?.start();
  job.dispatcher.request();
  job.mark();
  if (!job.hasTasks()) job.dispatcher.later(() => job.maybeSettle());
}

/**
 * Queues tasks in order; a retry whose backoff is not over waits for the rest of it.
 * @internal
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
}

/**
 * @internal Stops tracking an in-flight activation because its job was cancelled or failed:
 * observables are unsubscribed (freeing the worker now); a promise keeps its worker until it
 * settles, since it cannot be stopped, but its result is ignored and its emits are dropped.
 * The routine then shows `cancelled` or `interrupted` (it will run again on resume), not
 * `running`: nothing of it is in flight for this job any more.
 */
export function detach(a: InFlight, outcome: 'cancelled' | 'interrupted'): void {
  if (a.done || a.detached) return;
  a.detached = true;
  a.ctx.silenced = true;
  a.timer?.unsubscribe();
  const job = a.task.job;
  job.running--;
  a.run.inFlight--;
  setOutcome(a.run, outcome);
  job.markRun(a.run);
  if (a.sub !== undefined) {
    a.sub.unsubscribe();
    a.done = true;
    job.dispatcher.running--;
  }
}
