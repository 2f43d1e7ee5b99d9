import { ValidationError, describeError } from '../errors/errors.js';
import { ErrorStrategy, type ErrorHandler } from '../errors/error-handler.js';
import { setOutcome, type RoutineRun } from './routine-run.js';
import type { Task } from './task.js';
import { failJob } from './job-control.js';
import { scheduleRetry } from './requeue.js';
import type { JobRuntime } from './job-runtime.js';
import type { Slot } from '../model/slot.js';

/**
 * @internal Applies the error policy to a failed attempt: the routine's handler, else the
 * flow's, else STOP. Every attempt that threw is recorded (stats, routine state, tracker,
 * history) before the policy decides what happens next; RETRY never retries a ValidationError
 * (it goes on as STOP). A retry or a failed job keeps its
 * own copy of the task (`retain`), since the failed one may be the dispatcher's scratch task.
 */
export function handleFailure(failed: Task, run: RoutineRun, startedAt: number, endedAt: number, error: unknown): void {
  const job = failed.job;
  let task = failed;
  const routine = task.slot.routine;
  const info = describeError(error);
  routine._stats.errors++;
  run.errors++;
  run.error = info;
  job.tracker.recordAttempt(run.totals, task.slot, startedAt, endedAt, task.attempt, info);
  const slot = task.slot.name;
  job.record(routine.id, 'error', Object.freeze({ slot, error: info.message, errorName: info.name, attempt: task.attempt }), endedAt);
  // The job was cancelled while this attempt ran: recorded above, nothing more (a retry here
  // would run work of a cancelled job later).
  if (!job.accepting) return;
  const policy = routine.getErrorHandler() ?? job.owner.errorHandler;
  const strategy = policy?.strategy ?? ErrorStrategy.STOP;
  if (strategy === ErrorStrategy.CONTINUE) {
    setOutcome(run, 'error_continued');
    return;
  }
  if (strategy === ErrorStrategy.SKIP) {
    setOutcome(run, 'skipped');
    job.record(routine.id, 'skip', Object.freeze({ slot, attempt: task.attempt }), endedAt);
    return;
  }
  // An invalid payload is not retried: the same payload would fail the same schema again.
  if (
    strategy === ErrorStrategy.RETRY && policy !== undefined && task.attempt <= policy.maxRetries &&
    !(error instanceof ValidationError) && retryable(job, routine.id, slot, policy, error, endedAt)
  ) {
    const next = task.attempt + 1;
    const delay = policy.delayBefore(next);
    task = task.retain();
    task.attempt = next;
    setOutcome(run, 'retrying');
    job.record(routine.id, 'retry', Object.freeze({ slot, attempt: next, delay }), endedAt);
    scheduleRetry(job, task, delay);
    return;
  }
  setOutcome(run, 'failed');
  job.record(routine.id, 'stop', Object.freeze({ slot, attempt: task.attempt }), endedAt);
  if (job.status === 'paused') {
    // The job was paused while this attempt ran (from outside, or by the handler itself before
    // it threw): the pause stands, so a job waiting for a human never turns failed behind its
    // back. The failure is recorded above and the activation waits at the head of the queue,
    // re-run by resume() as resuming a failed job would.
    parkFailed(job, task.retain());
    return;
  }
  failJob(job, error, task.retain());
}

/** Puts a STOP-failed activation of a paused job first in its queue, with a fresh attempt count. */
function parkFailed(job: JobRuntime, task: Task): void {
  task.attempt = 1;
  task.dueAt = undefined;
  task.delayLeft = undefined;
  task.changed();
  job.work.parkFirst(task);
  job.mark();
}

/**
 * A `retryableErrors` predicate that throws must not take the dispatcher down: the error
 * counts as not retryable (so the policy goes on as STOP) and the predicate's failure is
 * recorded next to the original error.
 */
function retryable(job: JobRuntime, routineId: string, slot: string, policy: ErrorHandler, error: unknown, now: number): boolean {
  try {
    return policy.isRetryable(error);
  } catch (predicateError) {
    const info = describeError(predicateError);
    job.record(routineId, 'error', Object.freeze({ slot, error: `retryableErrors predicate threw: ${info.message}`, errorName: info.name, attempt: 0 }), now);
    return false;
  }
}

/**
 * @internal A stream feeding a slot failed (a `job.input` source, or an operator routine's
 * operator): there is no activation to re-run, so RETRY counts as STOP; CONTINUE and SKIP
 * record the error and let the job go on.
 */
export function handleStreamError(job: JobRuntime, slot: Slot, error: unknown): void {
  if (!job.accepting) return;
  const routine = slot.routine;
  const run = job.runOf(routine);
  const info = describeError(error);
  const now = job.clock.now();
  routine._stats.errors++;
  run.errors++;
  run.error = info;
  job.record(routine.id, 'error', Object.freeze({ slot: slot.name, error: info.message, errorName: info.name, attempt: 1 }), now);
  const strategy = (routine.getErrorHandler() ?? job.owner.errorHandler)?.strategy ?? ErrorStrategy.STOP;
  job.markRun(run);
  job.mark();
  if (strategy === ErrorStrategy.CONTINUE) setOutcome(run, 'error_continued');
  else if (strategy === ErrorStrategy.SKIP) setOutcome(run, 'skipped');
  else {
    setOutcome(run, 'failed');
    failJob(job, error, undefined, routine.id);
  }
}
