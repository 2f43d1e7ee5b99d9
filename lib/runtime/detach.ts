import { unsubscribeQuietly } from '../core/unsubscribe-quietly.js';
import type { InFlight } from './in-flight.js';
import type { JobRuntime } from './job-runtime.js';
import type { Task } from './task.js';
import { setOutcome } from './routine-run.js';

/**
 * @internal Stops tracking an in-flight activation because its job was cancelled or failed,
 * and gives its worker back at once: an observable is unsubscribed; a promise, which cannot
 * be stopped, is left to settle, its result ignored and its emits dropped (a promise that
 * never settles must not keep a worker, or a sequential flow would never run another job).
 * The routine then shows `cancelled` or `interrupted` (it will run again on resume), not
 * `running`: nothing of it is in flight for this job any more.
 *
 * @example
 * ```ts
 * detach(inFlight, 'cancelled');
 * ```
 */
export function detach(a: InFlight, outcome: 'cancelled' | 'interrupted'): void {
  if (a.done || a.detached) return;
  a.detached = true;
  a.ctx.silenced = true;
  // Over for good: what its promise still does is no activation's (not waited for by a pause
  // it asks; counted as late work where a job tracks it).
  a.ctx.end();
  a.timer?.unsubscribe();
  const job = a.task.job;
  job.work.running--;
  a.run.inFlight--;
  setOutcome(a.run, outcome);
  job.markRun(a.run);
  unsubscribeQuietly(a.sub); // a throwing teardown must not keep the worker (see unsubscribeQuietly)
  a.done = true;
  job.dispatcher.running--;
}

/**
 * @internal Lets go of every in-flight activation of the job (aborted, silenced) and returns
 * their tasks. Every activation signal of this run is aborted, in-flight ones included, even
 * if they never looked at it yet; a resumed run gets a fresh controller.
 *
 * @example
 * ```ts
 * job.work.interrupted = stopInFlight(job, new JobFailedError('...'), 'interrupted');
 * ```
 */
export function stopInFlight(job: JobRuntime, reason: unknown, outcome: 'cancelled' | 'interrupted'): Task[] {
  // The aborted controller stays until the job runs again, so a signal first read after
  // the abort (lazily created) is aborted too.
  const controller = (job.controller ??= new AbortController());
  const inflight = job.work.inflight;
  // Silenced first: an abort listener of a handler runs inside abort(), and what it emits
  // there must not reach the job being stopped (its queue is already taken).
  for (const a of inflight) a.ctx.silenced = true;
  for (const a of inflight) a.ctx.abort(reason);
  if (!controller.signal.aborted) controller.abort(reason);
  const tasks: Task[] = [];
  for (const a of inflight) {
    tasks.push(a.task);
    detach(a, outcome);
  }
  inflight.clear();
  if (tasks.length > 0) job.dispatcher.request(); // their workers are free for other work
  return tasks;
}
