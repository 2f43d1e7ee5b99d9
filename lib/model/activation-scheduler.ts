import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { ActivationContext } from './activation-context.js';
import { runInContext } from './current-context.js';

/**
 * @internal `ctx.scheduler`: the job's scheduler bound to one activation, so work scheduled on
 * it runs in that activation whenever it was scheduled — after an `await` too, with no async
 * context to say which activation is running (a browser). Made on first use of `ctx.scheduler`.
 *
 * @example
 * ```ts
 * timer(10, ctx.scheduler).subscribe(() => this.emit('out', {})); // attributed to ctx's job
 * ```
 */
export class ActivationScheduler implements SchedulerLike {
  constructor(
    private readonly inner: SchedulerLike,
    private readonly ctx: ActivationContext,
  ) {}

  now(): number {
    return this.inner.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    const ctx = this.ctx;
    return this.inner.schedule(
      function (this: SchedulerAction<T>, s?: T) {
        runInContext(ctx, work as (this: unknown, state?: T) => void, this, s, undefined);
      },
      delay,
      state,
    );
  }
}
