import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * @internal The flow's view of time: every timestamp, delay and hand-off goes through the
 * flow's scheduler, so a flow runs in virtual time under `TestScheduler.run`.
 *
 * One exception keeps real-time dispatch fast: when the scheduler is the default
 * `asyncScheduler` and it is not being driven by a TestScheduler (its clock is the wall clock),
 * a zero-delay hand-off uses `setImmediate` instead of `setTimeout(0)`, which Node clamps to
 * 1 ms. Both yield to timers and I/O; only the clamp differs.
 */
export class Clock {
  constructor(readonly scheduler: SchedulerLike) {}

  now(): number {
    return this.scheduler.now();
  }

  /** Whether time is the wall clock (so dispatch turns may be bounded by real elapsed time). */
  get realtime(): boolean {
    return this.scheduler === asyncScheduler && Math.abs(asyncScheduler.now() - Date.now()) < 1000;
  }

  /** Runs `fn` after `delay` ms of scheduler time. */
  schedule(fn: () => void, delay: number): Subscription {
    return this.scheduler.schedule(fn, delay);
  }

  /** Runs `fn` soon, after letting the event loop breathe (a new macrotask or scheduler action). */
  handOff(fn: () => void): void {
    if (this.realtime) setImmediate(fn);
    else this.scheduler.schedule(fn, 0);
  }
}
