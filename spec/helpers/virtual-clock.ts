/**
 * Driving a TestScheduler by hand (outside `run()`), for specs that move a job between flows
 * or pause it across virtual time: run the clock to a frame, and flush until a promise settles.
 */
import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';

/** A TestScheduler for hand-driven specs (no marble assertions). */
export function handScheduler(): TestScheduler {
  return new TestScheduler((a, b) => void expect(a).to.deep.equal(b));
}

/** Runs the virtual clock up to frame `to` (a no-op at `to` makes the clock reach it). */
export function runTo(ts: TestScheduler, to: number): void {
  ts.schedule(() => {}, to - ts.now());
  ts.maxFrames = to;
  ts.flush();
}

/** Flushes the scheduler (all frames) until `promise` settled (it settles on a microtask after a flush). */
export async function settle(ts: TestScheduler, promise: Promise<unknown>): Promise<void> {
  ts.maxFrames = Number.POSITIVE_INFINITY;
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 50 && !done; i++) {
    ts.flush();
    await Promise.resolve();
  }
  expect(done, 'settled in virtual time').to.equal(true);
}

/**
 * {@link settle} within the frames `runTo` allowed (`maxFrames` is kept): for jobs whose timers
 * never run out (a timed operator's window), which a flush of all frames would never finish.
 */
export async function settleWithinFrames(ts: TestScheduler, promise: Promise<unknown>): Promise<void> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 50 && !done; i++) {
    ts.flush();
    await Promise.resolve();
  }
  expect(done, 'settled in virtual time').to.equal(true);
}
