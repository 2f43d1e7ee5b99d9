import type { Payload } from '../core/payload.js';
import type { BatchCell } from '../model/batch-cell.js';
import type { SlotPolicy } from '../model/slot-policy.js';
import type { Slot } from '../model/slot.js';
import type { JobRuntime } from './job-runtime.js';
import { Task } from './task.js';

/*
 * The timers of batches (`maxWait`) and windows, on the flow's scheduler. They follow the
 * retries' rules: a pause or failure stops them with the time they had left (paused time does
 * not count), a resume or restore starts them again, and a crash-restored running job waits
 * until the saved due time. They never keep a job from settling: at the job's idle point the
 * open batches and windows fire anyway, and the job's end drops the timers.
 */

/**
 * @internal Queues an activation of `slot` that calls its handler with `fire` at once: the
 * policy already fired, so the task carries `fire` as what it merged (a retry, a pause or a
 * restore re-runs the handler with exactly that, never the policy again).
 *
 * @example
 * ```ts
 * queueFired(job, slot, { items });
 * ```
 */
export function queueFired(job: JobRuntime, slot: Slot, fire: Payload): void {
  const task = new Task(job, slot, fire, 1, job.clock.now(), undefined);
  task.merged = fire;
  job.queue(task);
  job.dispatcher.request();
}

/**
 * @internal Starts the timer of `cell`'s open batch or window: `delay` ms from now, or kept
 * as time left while the job is not running.
 *
 * @example
 * ```ts
 * armTimer(job, cell, policy.wait!);
 * ```
 */
export function armTimer(job: JobRuntime, cell: BatchCell, delay: number): void {
  const policies = job.policies!;
  policies.timed.add(cell);
  if (!job.active) {
    cell.dueAt = undefined;
    cell.delayLeft = delay;
  } else {
    cell.delayLeft = undefined;
    cell.dueAt = job.clock.now() + delay;
    cell.timer = job.clock.schedule(() => timerFired(job, cell), delay);
  }
  policies.changed(cell);
}

/**
 * @internal Stops and forgets `cell`'s timer (its batch fired by size, or the job ends).
 *
 * @example
 * ```ts
 * stopTimer(job, cell);
 * ```
 */
export function stopTimer(job: JobRuntime, cell: BatchCell): void {
  cell.timer?.unsubscribe();
  cell.timer = undefined;
  if (!cell.open) return;
  cell.dueAt = undefined;
  cell.delayLeft = undefined;
  job.policies!.timed.delete(cell);
  job.policies!.changed(cell);
}

/** The batch or window closed: its items go to the handler; a window that had any opens the next. */
function timerFired(job: JobRuntime, cell: BatchCell): void {
  // Work of no activation: a restore fires overdue timers in its own order, so a worker that
  // rebuilds the job by replay saves this turn at once (see JobData.lateWrites).
  job.lateWrites++;
  const policies = job.policies!;
  const due = cell.dueAt ?? job.clock.now();
  cell.timer = undefined;
  cell.dueAt = undefined;
  policies.timed.delete(cell);
  policies.changed(cell);
  const fire = cell.flush();
  if (fire !== undefined) {
    const policy = cell.policy as SlotPolicy;
    queueFired(job, policy.slot as Slot, fire);
    // Windows follow each other while payloads keep coming; one that stays empty ends the run,
    // and the next payload opens a new window.
    if (policy.kind === 'window') armTimer(job, cell, Math.max(0, due + policy.wait! - job.clock.now()));
  }
  job.mark();
}

/**
 * @internal Pause, failure, cancel: the running timers stop, keeping the time they had left.
 *
 * @example
 * ```ts
 * liftTimers(job); // from liftTasks
 * ```
 */
export function liftTimers(job: JobRuntime): void {
  const policies = job.policies;
  if (policies === undefined || policies.timed.size === 0) return;
  const now = job.clock.now();
  for (const cell of policies.timed) {
    if (cell.timer === undefined) continue;
    cell.timer.unsubscribe();
    cell.timer = undefined;
    cell.delayLeft = Math.max(0, (cell.dueAt ?? now) - now);
    cell.dueAt = undefined;
    policies.changed(cell);
  }
}

/**
 * @internal Resume and restore: the stopped timers run again, for the time they had left (or,
 * restored from a running job, until their saved due time).
 *
 * @example
 * ```ts
 * resumeTimers(job); // from requeue
 * ```
 */
export function resumeTimers(job: JobRuntime): void {
  const policies = job.policies;
  if (policies === undefined || policies.timed.size === 0 || !job.active) return;
  const now = job.clock.now();
  for (const cell of [...policies.timed]) {
    if (cell.timer !== undefined) continue;
    armTimer(job, cell, Math.max(0, cell.delayLeft ?? (cell.dueAt ?? now) - now));
  }
}
