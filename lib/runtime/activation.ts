import { from, observable as observableKey, type ObservableInput, type Subscription } from 'rxjs';
import { InFlight, OK } from './in-flight.js';
import { ActivationContext } from '../model/activation-context.js';
import { runInContext } from '../model/current-context.js';
import { TimeoutError } from '../errors/errors.js';
import { setOutcome, type RoutineRun } from './routine-run.js';
import type { Task } from './task.js';
import { handleFailure } from './failure-policy.js';
import { detach } from './detach.js';

/**
 * @internal Runs one task: merge into the job's slot data, call the handler with the merged
 * payload and a context, and end the activation when what the handler returned settles.
 * Synchronous handlers end right here, with no subscription and no promise.
 */
export function activate(task: Task): void {
  const job = task.job;
  const slot = task.slot;
  const routine = slot.routine;
  job.dispatcher.running++;
  job.work.running++;
  if (job.status === 'pending') job.change('run');
  const run = job.runOf(routine);
  run.status = 'running';
  run.activations++;
  run.inFlight++;
  job.markRun(run);
  routine._stats.activations++;
  const startedAt = job.clock.now();
  const ctx = new ActivationContext(job, slot, task.attempt);
  let result: unknown;
  try {
    // A retry or a resumed activation re-runs with what it merged the first time: merging
    // again would, e.g., append the same payload twice.
    const merged = task.merged ?? job.merge(slot, task.data);
    task.merged = merged;
    const handler = slot._handler;
    if (handler !== undefined) result = runInContext(ctx, handler, routine, merged, ctx);
  } catch (error) {
    finish(task, run, startedAt, error);
    return;
  }
  if (result === undefined || result === null || (typeof result !== 'object' && typeof result !== 'function')) {
    finish(task, run, startedAt, OK);
    return;
  }
  const isThenable = typeof (result as PromiseLike<unknown>).then === 'function';
  if (!isThenable && !isObservableInput(result)) {
    finish(task, run, startedAt, OK);
    return;
  }
  const a = new InFlight(task.retain(), ctx, run, startedAt);
  if (!job.active && job.status !== 'paused') {
    // The handler cancelled its own job: its async work is let go at once (an observable is
    // never subscribed; a promise keeps its worker until it settles, result ignored).
    letGo(a, result, isThenable);
    return;
  }
  job.work.inflight.add(a);
  const limit = job.owner.activationTimeout;
  if (limit !== undefined) {
    a.timer = job.clock.schedule(
      () => settle(a, new TimeoutError(`routine '${routine.id}' slot '${slot.name}': activation exceeded ${limit} ms`)),
      limit,
    );
  }
  if (isThenable) {
    (result as PromiseLike<unknown>).then(
      () => settle(a, OK),
      (error: unknown) => settle(a, error),
    );
  } else {
    // Subscribed inside the activation's context, so timers the observable starts carry it
    // (this.emit in a timer callback is attributed to the job).
    const sub = runInContext(ctx, subscribeTo, undefined, result as ObservableInput<unknown>, a);
    if (a.done) sub.unsubscribe();
    else a.sub = sub;
  }
}

/** Like a cancel's `detach`, for work returned after the handler cancelled its own job. */
function letGo(a: InFlight, result: unknown, isThenable: boolean): void {
  const job = a.task.job;
  detach(a, 'cancelled');
  if (isThenable) {
    // Holds its worker until it settles; the result is ignored.
    (result as PromiseLike<unknown>).then(
      () => settle(a, OK),
      () => settle(a, OK),
    );
  } else {
    // Never subscribed: the worker is free now.
    a.done = true;
    job.dispatcher.running--;
  }
  job.mark();
  job.activationEnded();
}

function subscribeTo(source: ObservableInput<unknown>, a: InFlight): Subscription {
  return from(source).subscribe({
    error: (error: unknown) => settle(a, error),
    complete: () => settle(a, OK),
  });
}

/** An RxJS Observable, or an interop observable (RxJS's `observable` key: Symbol.observable or '@@observable'). */
function isObservableInput(value: unknown): boolean {
  const v = value as Record<string | symbol, unknown>;
  return typeof v.subscribe === 'function' || typeof v[observableKey] === 'function';
}

/** An async activation ended (or timed out); then dispatch goes on from here. */
function settle(a: InFlight, error: unknown): void {
  const job = a.task.job;
  if (a.detached) {
    // Let go by cancel/failure: its result is ignored; it only gives its worker back.
    if (a.done) return;
    a.done = true;
    job.dispatcher.running--;
    job.dispatcher.pump();
    return;
  }
  if (a.done) return;
  a.done = true;
  a.timer?.unsubscribe();
  a.sub?.unsubscribe();
  job.work.inflight.delete(a);
  if (error instanceof TimeoutError) a.ctx.abort(error);
  finish(a.task, a.run, a.startedAt, error);
  job.dispatcher.pump();
}

function finish(task: Task, run: RoutineRun, startedAt: number, error: unknown): void {
  const job = task.job;
  job.dispatcher.running--;
  job.work.running--;
  run.inFlight--;
  const endedAt = job.clock.tick();
  if (error === OK) {
    setOutcome(run, 'completed');
    job.tracker.recordAttempt(run.totals, task.slot, startedAt, endedAt, task.attempt, undefined);
  } else {
    handleFailure(task, run, startedAt, endedAt, error);
  }
  job.markRun(run);
  job.mark();
  job.activationEnded();
}
