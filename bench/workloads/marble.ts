/**
 * marble: a 1,000-activation flow (entry emits 100 values through ten relays) run inside
 * `new TestScheduler(...).run(() => ...)` with the flow's `scheduler` option set to the
 * TestScheduler. Every relay returns `timer(1)` for values divisible by 10, so virtual time
 * advances: sequential with one worker, that is 10 relays × 10 values × 1 frame = 100 frames.
 * Reports real seconds and virtual frames.
 *
 *   tsx bench/workloads/marble.ts
 */
import { timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { deepStrictEqual } from 'node:assert';
import { Flow, Routine, type Job } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { Entry, Tally } from '../lib/routines.js';

const MESSAGES = 100;
const RELAYS = 10;
const EXPECTED_FRAMES = RELAYS * (MESSAGES / 10);

class TimedRelay extends Routine {
  constructor(readonly last: boolean, readonly tally: Tally | undefined) {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ value: number }>('in', (data) => {
      if (this.last) this.tally!.add(data.value + 1);
      else this.emit('out', { value: data.value + 1 });
      return data.value % 10 === 0 ? timer(1) : undefined;
    });
  }
}

main('marble', async () => {
  const runs = numberArg('runs', 3);
  const timed = await repeat(
    async () => {
      const checks = new Checks();
      const scheduler = new TestScheduler((a, e) => deepStrictEqual(a, e));
      const flow = new Flow({ scheduler });
      const tally = new Tally(MESSAGES, RELAYS);
      flow.addRoutine(new Entry(), 'entry');
      let previous = 'entry';
      for (let k = 1; k <= RELAYS; k++) {
        flow.addRoutine(new TimedRelay(k === RELAYS, k === RELAYS ? tally : undefined), `r${k}`);
        flow.connect(previous, 'out', `r${k}`, 'in');
        previous = `r${k}`;
      }
      let job: Job | undefined;
      let frames = 0;
      const t0 = nowMs();
      scheduler.run(() => {
        job = flow.start('entry', { n: MESSAGES });
      });
      frames = scheduler.now();
      const ms = nowMs() - t0;
      const state = job!.state;
      checks.equal(state.status, 'completed', 'job status when run() returned');
      for (const p of tally.problems('last relay')) checks.that(false, p);
      checks.equal(frames, EXPECTED_FRAMES, 'virtual frames');
      checks.equal(state.updatedAt, EXPECTED_FRAMES, 'job updatedAt (virtual clock)');
      checks.equal((await job!.wait()).status, 'completed', 'wait() after run()');
      return checks.result(ms, { frames });
    },
    { warmup: 1, runs },
  );
  const activations = RELAYS * MESSAGES;
  reportRuns(
    'marble',
    activations,
    activations,
    timed,
    () => ({ unit: 'slot activations in virtual time', virtual_frames: timed.median.frames, expected_frames: EXPECTED_FRAMES }),
    2,
  );
});
