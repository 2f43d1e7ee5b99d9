import { CancelledError, JobFailedError, TimeoutError, describeError } from '../errors/errors.js';
import { EMPTY_PAYLOAD, type Payload } from '../core/payload.js';
import type { JobState } from '../state/job-state.js';
import { currentContext } from '../model/current-context.js';
import type { JobRuntime } from './job-runtime.js';
import type { Task } from './task.js';
import { NO_ITEMS } from './no-items.js';
import { nextStatus, transition } from './job-lifecycle.js';
import { liftTasks, requeue } from './requeue.js';
import { stopInFlight } from './detach.js';
import { setOutcome } from './routine-run.js';
import { dropPolicies } from './policy-intake.js';
import { checkCancelReason, checkPauseArgs } from './job-arguments.js';

/*
 * Job control: what each lifecycle action does to a job's work. Each asks the lifecycle table
 * first and changes nothing when the action is not allowed, so a refused call never leaves a
 * job half-changed. The user's controls (pause, resume, cancel) are refused with a
 * JobStateError; the engine's own (fail, timeout) are ignored where they no longer apply.
 */

/**
 * @internal STOP: the job fails at once; queued work stays pending; in-flight work will run
 * again on resume.
 *
 * @example
 * ```ts
 * failJob(job, error, task.retain());
 * ```
 */
export function failJob(job: JobRuntime, error: unknown, task: Task | undefined, routineId = task?.slot.routine.id): void {
  if (nextStatus(job.status, 'fail') === undefined) return;
  const work = job.work;
  const info = describeError(error);
  job.error = routineId === undefined ? info : { ...info, routineId };
  if (task !== undefined) {
    task.attempt = 1;
    task.dueAt = undefined;
    task.changed();
  }
  work.failedTask = task;
  work.parked = liftTasks(job);
  // Operator routines keep their per-job state (and their timers): a resumed job goes on with
  // it; what they emit meanwhile is parked.
  work.interrupted = stopInFlight(job, new JobFailedError(`job '${job.id}' failed: ${info.name}: ${info.message}`), 'interrupted');
  job.deadline?.stop();
  job.change('fail');
  job.activationEnded();
}

/**
 * @internal The execution timeout fired: the job fails with a TimeoutError.
 *
 * @example
 * ```ts
 * new JobDeadline(clock, ms, () => timeoutJob(job));
 * ```
 */
export function timeoutJob(job: JobRuntime): void {
  if (nextStatus(job.status, 'timeout') === undefined) return;
  failJob(job, new TimeoutError(`job '${job.id}' exceeded its execution timeout of ${job.timeout} ms`), undefined);
}

/**
 * @internal Drops all queued work, aborts running work, settles `cancelled`; rejects with a
 * JobStateError when the job cannot be cancelled in its status, and with a ConfigurationError
 * for a reason that is not a string (before anything changes).
 *
 * @example
 * ```ts
 * await cancelJob(job, 'user left');
 * ```
 */
export function cancelJob(job: JobRuntime, reason = 'cancelled'): Promise<JobState> {
  try {
    checkCancelReason(job.id, reason);
    transition(job.id, job.status, 'cancel');
  } catch (error) {
    return Promise.reject(error);
  }
  const work = job.work;
  liftTasks(job);
  // A retry that waited is dropped with the rest: its routine no longer shows 'retrying'. (The
  // routines' own runs, not one looked up per lifted task: runOf would make runs for routines
  // that never ran.)
  for (let run = job.firstRun; run !== undefined; run = run.nextRun) if (run.status === 'retrying') (setOutcome(run, 'cancelled'), job.markRun(run));
  dropPolicies(job);
  work.parked = [];
  work.interrupted = [];
  work.failedTask = undefined;
  stopInFlight(job, new CancelledError(`job '${job.id}' was cancelled: ${reason}`), 'cancelled');
  for (const d of [...work.drains]) d.stop();
  work.drains.clear();
  work.holds = 0;
  job.deadline?.stop();
  job.change('cancel');
  job.activationEnded();
  return Promise.resolve(job.snapshot());
}

/**
 * @internal Stops dispatching the job's tasks at once; resolves once its in-flight work has
 * settled (from inside one of its handlers: once the others have).
 *
 * @example
 * ```ts
 * const paused = await pauseJob(job, 'review', {});
 * ```
 */
export function pauseJob(job: JobRuntime, reason: string, checkpoint: Payload): Promise<JobState> {
  try {
    checkPauseArgs(job.id, reason, checkpoint);
    transition(job.id, job.status, 'pause');
  } catch (error) {
    return Promise.reject(error);
  }
  const work = job.work;
  work.parked = liftTasks(job);
  if (job.pausePoints === NO_ITEMS) job.pausePoints = [];
  job.pausePoints.push({ reason, checkpoint: checkpoint ?? EMPTY_PAYLOAD, timestamp: job.clock.now(), pendingCount: work.parked.length });
  job.deadline?.suspend();
  // Paused by one of its own running activations: that one is not waited for. A context that
  // ended (a timer it left, restored with its context) is no longer in flight: everything is.
  const ctx = currentContext();
  const inside = ctx !== undefined && ctx.host === job && !ctx.ended;
  // That activation still on the stack (a synchronous handler, or an async one before its first
  // await: not yet in flight) goes on after this returns, and what it emits is parked. The
  // states this pause and the job's waiters resolve with include it: they are taken at the end
  // of this dispatch turn, when it has returned.
  const onStack = inside && job.work.running > job.work.inflightCount;
  if (onStack) job.observers.holdWaiters();
  job.change('pause');
  if (!onStack) return new Promise((resolve) => job.whenIdle(inside, resolve));
  return new Promise((resolve) =>
    job.dispatcher.later(() => {
      job.observers.releaseWaiters();
      job.whenIdle(!ctx.ended, resolve); // an async handler still in flight (awaiting this) is not waited for
    }),
  );
}

/**
 * @internal Re-queues a paused or failed job's work in its original order, then emits
 * deferred events.
 *
 * @throws {JobStateError} when the job is neither paused nor failed.
 * @example
 * ```ts
 * resumeJob(job);
 * ```
 */
export function resumeJob(job: JobRuntime): void {
  transition(job.id, job.status, 'resume');
  job.owner.jobResumed(job); // first: it refuses a failed job whose id a new job took, before anything changes
  const tasks = job.work.takeResumable();
  job.error = undefined;
  if (job.controller?.signal.aborted) job.controller = undefined; // a resumed run gets a fresh, unaborted controller
  job.change('resume');
  continueRun(job, tasks);
}

/**
 * @internal Shared by resume (same process) and restore (from a snapshot): queue the tasks in
 * order, then emit the deferred events in the job's name, restart the timeout, and let a job
 * with nothing left settle on the next turn (never inside the caller).
 *
 * @example
 * ```ts
 * continueRun(job, restoredTasks);
 * ```
 */
export function continueRun(job: JobRuntime, tasks: readonly Task[]): void {
  requeue(job, tasks);
  const deferred = job.deferred;
  job.deferred = NO_ITEMS;
  job.deferredVersion++;
  const routines = job.owner.graph.routines;
  for (const d of deferred) {
    const event = routines.get(d.routineId)?.getEvent(d.eventName);
    if (event !== undefined) job.emitFrom(event, d.data);
  }
  job.deadline?.start();
  job.dispatcher.request();
  job.mark();
  if (!job.work.hasTasks()) job.dispatcher.later(() => job.settleIfIdle());
}
