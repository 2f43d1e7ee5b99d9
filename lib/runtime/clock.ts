import { Subscription, asyncScheduler, type SchedulerLike } from 'rxjs';
import { ContextScheduler } from './context-scheduler.js';
import { macrotask } from './macrotask.js';

/**
 * The held reading before the first one. Not a number on purpose: a field that has only held
 * numbers gets V8's double representation, whose reads box a fresh heap number each time they
 * leave optimized code (16 bytes per emit and per activation end); a tagged field hands out the
 * one boxed reading it holds.
 */
const NOT_READ = null as unknown as number;

/**
 * @internal The flow's view of time: every timestamp, delay and hand-off goes through the
 * flow's scheduler, so a flow runs in virtual time under `TestScheduler.run`.
 *
 * One exception keeps real-time dispatch fast: when the scheduler is the default
 * `asyncScheduler` and it is not being driven by a TestScheduler (its clock is the wall clock),
 * a zero-delay hand-off uses {@link macrotask} (`setImmediate` in Node, a `MessageChannel`
 * message in a browser) instead of `setTimeout(0)`, which Node clamps to 1 ms and browsers to
 * 4 ms once nested. Both yield to timers and I/O; only the clamp differs.
 */
export class Clock {
  /**
   * During a dispatch loop the time is read once per activation (at its end, which is also the
   * next activation's start) and reused for everything stamped in between: clock reads cost
   * 40-100 ns here, three per activation otherwise. Outside the loop every read is live.
   */
  private held = false;
  private cached: number = NOT_READ;

  /** While held: whether the scheduler is the real asyncScheduler, read directly from Date. */
  private wall = false;

  /** The flow's scheduler, wrapped so that work scheduled inside an activation carries it. */
  readonly scheduler: ContextScheduler;
  /** The scheduler the flow was given, untouched. */
  private readonly inner: SchedulerLike;

  constructor(scheduler: SchedulerLike) {
    this.inner = scheduler;
    this.scheduler = new ContextScheduler(scheduler);
  }

  now(): number {
    return this.held ? this.cached : this.inner.now();
  }

  /** Starts reusing one reading until {@link Clock.tick} or {@link Clock.release}. */
  hold(): void {
    // asyncScheduler.now() is Date.now() behind two indirections unless a TestScheduler
    // drives it; decided once per loop, not per read.
    this.wall = this.realtime;
    this.cached = this.wall ? Date.now() : this.inner.now();
    this.held = true;
  }

  /** Takes a fresh reading (and keeps it while held). */
  tick(): number {
    if (!this.held) return this.inner.now();
    return (this.cached = this.wall ? Date.now() : this.inner.now());
  }

  release(): void {
    this.held = false;
  }

  /** Whether time is the wall clock (so dispatch turns may be bounded by real elapsed time). */
  get realtime(): boolean {
    return this.inner === asyncScheduler && Math.abs(asyncScheduler.now() - Date.now()) < 1000;
  }

  /**
   * Runs `fn` after `delay` ms of scheduler time (the engine's own timers carry no activation).
   * A delay longer than a timer can hold is waited in steps; a non-finite one never fires.
   */
  schedule(fn: () => void, delay: number): Subscription {
    if (delay <= MAX_STEP) return this.inner.schedule(fn, delay);
    return scheduleLong(this.inner, fn, delay);
  }

  /** Runs `fn` soon, after letting the event loop breathe (a new macrotask or scheduler action). */
  handOff(fn: () => void): void {
    if (this.realtime) macrotask(fn);
    else this.inner.schedule(fn, 0);
  }
}

/**
 * The longest delay one timer holds: Node's and browsers' timers take a signed 32-bit delay
 * and fire almost at once for anything longer, so a 30-day timeout would fail every job.
 */
const MAX_STEP = 2 ** 31 - 1;

/** Waits a long delay in steps of at most {@link MAX_STEP}, by the scheduler's own clock. */
function scheduleLong(scheduler: SchedulerLike, fn: () => void, delay: number): Subscription {
  const holder = new Subscription();
  if (!Number.isFinite(delay)) return holder; // never due: nothing to schedule
  const dueAt = scheduler.now() + delay;
  let current: Subscription | undefined;
  const step = (): void => {
    const left = dueAt - scheduler.now();
    current = left > MAX_STEP ? scheduler.schedule(step, MAX_STEP) : scheduler.schedule(fn, Math.max(0, left));
  };
  step();
  holder.add(() => current?.unsubscribe());
  return holder;
}
