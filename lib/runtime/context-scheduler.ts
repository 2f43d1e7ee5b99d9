import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { currentContext, runInContext } from '../model/current-context.js';

/**
 * @internal The flow's own `SchedulerLike` around the scheduler it was given: work scheduled
 * while an activation runs is run in that activation's context, so `this.emit` in a timer the
 * handler started is attributed to its job, in virtual time too (AsyncLocalStorage follows
 * real timers, not a TestScheduler's virtual ones). Wrapping instead of patching leaves the
 * user's scheduler, and RxJS's shared `asyncScheduler`, exactly as they were.
 *
 * @example
 * ```ts
 * const scheduler = new ContextScheduler(testScheduler);
 * scheduler.schedule(() => routine.emit('out', {}), 10); // attributed to the current job
 * ```
 */
export class ContextScheduler implements SchedulerLike {
  constructor(readonly inner: SchedulerLike) {}

  now(): number {
    return this.inner.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    const ctx = currentContext();
    if (ctx === undefined) return this.inner.schedule(work, delay, state);
    return this.inner.schedule(
      function (this: SchedulerAction<T>, s?: T) {
        runInContext(ctx, work as (this: unknown, state?: T) => void, this, s, undefined);
      },
      delay,
      state,
    );
  }
}
