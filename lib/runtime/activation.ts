import { unsubscribeQuietly } from '../core/unsubscribe-quietly.js';
import { from, observable as observableKey, type ObservableInput, type Subscription } from 'rxjs';
import { InFlight, OK } from './in-flight.js';
import { ActivationContext } from '../model/activation-context.js';
import { runActivation, runInContext } from '../model/current-context.js';
import { TimeoutError } from '../errors/errors.js';
import { setOutcome, type RoutineRun } from './routine-run.js';
import type { Task } from './task.js';
import { handleFailure } from './failure-policy.js';
import { detach } from './detach.js';
import { runAdmitted } from './admitted-run.js';
import { intake } from './policy-intake.js';
import { poolExecutorOf, type PoolExecutor } from '../model/placement.js';
import type { SlotHandler } from '../model/slot.js';

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
  if (routine._flushSlot !== undefined && !run.flushDue && slot !== routine._flushSlot) job.flushDue(run, true);
  job.markRun(run);
  routine._stats.activations++;
  const startedAt = job.clock.now();
  if (job.owner.inspecting) {
    const cause = job.causes?.get(task.seq);
    const activationId = `${job.id}/${task.seq}`;
    job.owner.inspect(
      cause === undefined
        ? { type: 'activation-start', jobId: job.id, routineId: routine.id, slotName: slot.name, attempt: task.attempt, activationId, timestamp: startedAt }
        : { type: 'activation-start', jobId: job.id, routineId: routine.id, slotName: slot.name, attempt: task.attempt, activationId, timestamp: startedAt, cause: `${job.id}/${cause}` },
    );
  }
  const ctx = new ActivationContext(job, slot, task.attempt, task.seq);
  let result: unknown;
  try {
    // A retry or a resumed activation re-runs with what it merged the first time: merging
    // again would, e.g., append the same payload twice. A policy slot's payload goes into the
    // job's policy state instead; the handler runs only when that fires (undefined: not now).
    const merged = task.merged ?? (slot._policy === undefined ? job.merge(slot, task.data) : intake(job, slot, task.data));
    task.merged = merged;
    const handler = slot._handler;
    if (merged !== undefined) {
      // A 'pool' routine of a flow a worker runs: its activation runs on the pool (flushes stay here).
      const pool = routine._placement === 'pool' && slot !== routine._flushSlot ? poolExecutorOf(job.flow) : undefined;
      const run = pool === undefined || handler === undefined ? handler : onPool(pool, handler);
      // A slot with a schema or payload class admits the payload first (on the owner); others pay this one read.
      const admit = slot._admit;
      if (admit !== undefined) result = runAdmitted(ctx, admit, merged, run, routine);
      else if (run !== undefined) result = runActivation(ctx, run, routine, merged, ctx);
    }
  } catch (error) {
    ctx.end();
    finish(task, run, startedAt, error);
    return;
  }
  if (result === undefined || result === null || (typeof result !== 'object' && typeof result !== 'function')) {
    if (!ctx.checking) {
      ctx.end();
      finish(task, run, startedAt, OK);
      return;
    }
    result = Promise.resolve(); // emits wait for an asynchronous event schema: end with them (see settle)
  }
  // Looking at what the handler returned runs its code too (getters, proxies): a throw there
  // is this activation's failure, never the dispatcher's.
  let then: unknown;
  let observable = false;
  try {
    then = (result as { then?: unknown }).then;
    if (typeof then !== 'function') observable = isObservableInput(result);
  } catch (error) {
    ctx.end();
    finish(task, run, startedAt, error);
    return;
  }
  if (typeof then !== 'function' && !observable) {
    if (!ctx.checking) {
      ctx.end();
      finish(task, run, startedAt, OK);
      return;
    }
    result = Promise.resolve();
    then = (result as Promise<void>).then;
  }
  awaitEnd(task, ctx, run, startedAt, result, then);
}

/**
 * The asynchronous end of an activation: waits for what the handler returned. Kept out of
 * {@link activate} because its callbacks capture the in-flight record: in the same function,
 * V8 would allocate their closure context on every activation, synchronous ones included.
 */
function awaitEnd(task: Task, ctx: ActivationContext, run: RoutineRun, startedAt: number, result: unknown, then: unknown): void {
  const job = task.job;
  const a = new InFlight(task.retain(), ctx, run, startedAt);
  if (!job.active && job.status !== 'paused') {
    // The handler cancelled its own job: its async work is let go at once (an observable is
    // never subscribed; a promise's late result is ignored).
    letGo(a, result, then);
    return;
  }
  job.work.inflight.add(a);
  // It runs now: a snapshot taken earlier in this turn at the same version (the one a watched
  // job takes when its status turns to running) lacks it, so the job state has changed again.
  job.mark();
  if (typeof then === 'function') {
    try {
      (then as PromiseLike<unknown>['then']).call(
        result,
        () => settle(a, OK),
        (error: unknown) => settle(a, error),
      );
    } catch (error) {
      settle(a, error); // a thenable whose then throws
    }
    armTimeout(a);
    return;
  }
  // Subscribed inside the activation's context, so timers the observable starts carry it
  // (this.emit in a timer callback is attributed to the job).
  let sub: Subscription;
  try {
    sub = runInContext(ctx, subscribeTo, undefined, result as ObservableInput<unknown>, a);
  } catch (error) {
    settle(a, error); // not an observable after all (a `subscribe` method of something else)
    return;
  }
  if (a.done) unsubscribeQuietly(sub);
  else a.sub = sub;
  armTimeout(a);
}

/**
 * The activation timeout, armed once what the handler returned is subscribed to: its own timers
 * due at the same time come first, so work that takes exactly the limit is not "exceeded" (as
 * RxJS's `timeout` lets `timer(limit)` through).
 */
function armTimeout(a: InFlight): void {
  const job = a.task.job;
  const limit = job.owner.activationTimeout;
  if (limit === undefined || a.done || a.detached) return;
  // Named from the retained task: `task` may be the dispatcher's scratch, refilled by the time this fires.
  const slot = a.task.slot;
  a.timer = job.clock.schedule(() => settle(a, new TimeoutError(`routine '${slot.routine.id}' slot '${slot.name}': activation exceeded ${limit} ms`)), limit);
}

/**
 * A pool routine's handler: the pool runs the activation, or (no pool worker takes it) the
 * handler runs here. A function of its own so that {@link activate} captures nothing.
 */
function onPool(pool: PoolExecutor, handler: SlotHandler): SlotHandler {
  return function (this: unknown, data, c) {
    return pool(c as unknown as ActivationContext, data) ?? handler.call(this, data, c);
  };
}

/** Like a cancel's `detach`, for work returned after the handler cancelled its own job. */
function letGo(a: InFlight, result: unknown, then: unknown): void {
  const job = a.task.job;
  detach(a, 'cancelled');
  // A promise's outcome is ignored, but it is observed: a rejection left unobserved would
  // reach the process as an unhandled rejection.
  if (typeof then === 'function') {
    try {
      (then as PromiseLike<unknown>['then']).call(result, ignore, ignore);
    } catch {
      // a hostile thenable: nothing to observe
    }
  }
  job.mark();
  job.activationEnded();
}

function ignore(): void {}

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
  // Let go by a cancel or failure (which gave its worker back already), or ended: a late
  // result is ignored and counted nowhere.
  if (a.done || a.detached) return;
  if (error === OK && a.ctx.checking) {
    // What the activation emitted waits for an asynchronous event schema: it ends when those
    // checks do, failing with the first invalid payload.
    void a.ctx.whenChecked().then((failure) => settle(a, failure === undefined ? OK : failure.error));
    return;
  }
  a.ctx.end();
  const job = a.task.job;
  a.done = true;
  a.timer?.unsubscribe();
  unsubscribeQuietly(a.sub); // a throwing teardown must not leave the activation half-settled
  job.work.inflight.delete(a);
  if (error instanceof TimeoutError) a.ctx.abort(error, true);
  finish(a.task, a.run, a.startedAt, error);
  job.dispatcher.pump();
}

function finish(task: Task, run: RoutineRun, startedAt: number, error: unknown): void {
  const job = task.job;
  job.dispatcher.running--;
  job.work.running--;
  run.inFlight--;
  const endedAt = job.clock.tick();
  if (job.owner.inspecting) inspectEnd(task, startedAt, endedAt, error);
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

/** The `activation-end` record for `inspect$` (out of line: {@link finish} runs on every activation). */
function inspectEnd(task: Task, startedAt: number, endedAt: number, error: unknown): void {
  const job = task.job;
  const { routine, name } = task.slot;
  job.owner.inspect({
    type: 'activation-end', jobId: job.id, routineId: routine.id, slotName: name, attempt: task.attempt, activationId: `${job.id}/${task.seq}`,
    durationMs: endedAt - startedAt, outcome: error === OK ? 'completed' : 'failed', timestamp: endedAt,
  });
  if (error === OK) job.causes?.delete(task.seq); // a failed one keeps its cause for its retry or resume
}
