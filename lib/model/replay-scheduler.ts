import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

// Held timers are of many state types; the scheduler never looks at their state.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAction = ReplayAction<any>;

/** A timer the replay scheduler handed out: run by the underlying scheduler, or held in virtual time during a replay. */
class ReplayAction<T> extends Subscription implements SchedulerAction<T> {
  /** The underlying scheduler's action while this one waits there. */
  inner: Subscription | undefined = undefined;
  /** Virtual time this one is due at, while a replay holds it. */
  due = 0;
  state: T | undefined = undefined;

  constructor(
    private readonly owner: ReplayScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => {
      this.inner?.unsubscribe();
      this.inner = undefined;
      owner.forget(this);
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.inner?.unsubscribe();
    this.inner = undefined;
    this.state = state;
    this.owner.enqueue(this, delay);
    return this;
  }

  run(): void {
    this.inner = undefined;
    this.work.call(this, this.state);
  }
}

/**
 * @internal The scheduler one job's operator runs on (`attachOperator`): the job's scheduler,
 * except during a restore's replay, when it runs in the virtual time of the logged inputs.
 * A replay feeds each logged input at the time it arrived (rebased into this process's
 * clock), running in order the timers the operator set that fall due before it, so a
 * `debounceTime`, `throttleTime` or `bufferTime` ends in the state it had when the job was
 * saved; timers still running then are handed to the job's scheduler for the time they had
 * left. Time between the save and the restore does not count, as paused time does not.
 *
 * @example
 * ```ts
 * const scheduler = new ReplayScheduler(host.scheduler);
 * scheduler.replay(start, inputs, (at) => subscribeAt(at), (input) => feed(input.data));
 * ```
 */
export class ReplayScheduler implements SchedulerLike {
  /** The virtual time during a replay; `undefined` otherwise. */
  private virtualNow: number | undefined = undefined;
  /** Timers held during a replay, in the order they were set. */
  private held: AnyAction[] = [];

  constructor(private readonly underlying: SchedulerLike) {}

  now(): number {
    return this.virtualNow ?? this.underlying.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ReplayAction<T>(this, work).schedule(state, delay);
  }

  /** Where a (re)scheduled action waits: held in virtual time during a replay, else on the underlying scheduler. */
  enqueue(action: AnyAction, delay: number): void {
    if (this.virtualNow !== undefined) {
      action.due = this.virtualNow + Math.max(0, delay);
      if (!this.held.includes(action)) this.held.push(action);
      return;
    }
    this.handOver(action, delay);
  }

  forget(action: AnyAction): void {
    const i = this.held.indexOf(action);
    if (i >= 0) this.held.splice(i, 1);
  }

  /**
   * Replays `inputs` (their `at` already in this process's clock) from virtual time `start`:
   * `begin` runs at `start` (subscribe the operator there), `feed` at each input's time after
   * the timers due by then; finally the timers due by now run, and the rest go to the job's
   * scheduler with the time they have left.
   */
  replay<I extends { readonly at: number }>(start: number, inputs: readonly I[], begin: () => void, feed: (input: I) => void): void {
    const end = this.underlying.now();
    this.virtualNow = start;
    try {
      begin();
      for (const input of inputs) {
        this.runDue(Math.min(input.at, end));
        this.virtualNow = Math.max(this.virtualNow, Math.min(input.at, end));
        feed(input);
      }
      this.runDue(end);
    } finally {
      this.virtualNow = undefined;
      const held = this.held;
      this.held = [];
      for (const action of held) this.handOver(action, action.due - end);
    }
  }

  /** Runs the held timers due by `time`, earliest first (ties in the order they were set). */
  private runDue(time: number): void {
    for (;;) {
      let next: AnyAction | undefined;
      for (const action of this.held) if (action.due <= time && (next === undefined || action.due < next.due)) next = action;
      if (next === undefined) return;
      this.held.splice(this.held.indexOf(next), 1);
      this.virtualNow = Math.max(this.virtualNow!, next.due);
      next.run();
    }
  }

  private handOver(action: AnyAction, delay: number): void {
    const wait = Math.max(0, delay);
    if (!(wait > MAX_STEP)) {
      action.inner = this.underlying.schedule(() => action.run(), wait);
      return;
    }
    if (wait === Infinity) return; // never due
    // Node's and browsers' timers take a signed 32-bit delay and fire at once past it: a
    // longer wait (a window of 25 days) goes in steps, by the scheduler's own clock.
    const dueAt = this.underlying.now() + wait;
    const step = (): void => {
      const left = dueAt - this.underlying.now();
      action.inner = left > MAX_STEP ? this.underlying.schedule(step, MAX_STEP) : this.underlying.schedule(() => action.run(), Math.max(0, left));
    };
    step();
  }
}

/** The longest delay one timer holds (2^31 - 1 ms, about 24.8 days). */
const MAX_STEP = 2 ** 31 - 1;
