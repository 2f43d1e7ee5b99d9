import { expect } from 'chai';
import fc from 'fast-check';
import { delay } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { attachOperator, Batcher, Debouncer, Flow, JobState, Routine, Throttler, type Job, type Payload } from '../../lib/index.js';
import { runTo, settleWithinFrames as settle } from '../helpers/virtual-clock.js';

// Issue 15, point 1: timed operators (Debouncer, Throttler, a windowed Batcher, any timed
// fromOperator) resume exactly: a restore replays their inputs at the times they arrived, so
// their timers fire when they would have in an uninterrupted run, counting job time only (the
// time between the save and the restore does not count, as paused time does not).

interface Step {
  at: number;
  value: number;
}

/**
 * Feeds `before` into routine `op` of a job on one flow, pauses it at frame `pauseAt`, moves it
 * as JSON text to a fresh flow whose clock reads `restoreAt`, feeds `after` (frames relative to
 * the restore) and returns the outputs of both flows with the frame each came at.
 */
async function moved(make: () => Routine, before: Step[], pauseAt: number, after: Step[], restoreAt = 1000, closeAt = restoreAt + 10_000) {
  const outputs: Array<{ at: number; data: Payload }> = [];
  const build = (ts: TestScheduler): Flow => {
    const flow = new Flow({ flowId: 'timers', scheduler: ts });
    flow.addRoutine(make(), 'op');
    flow.observe('op', 'output').subscribe((data) => outputs.push({ at: ts.now(), data }));
    return flow;
  };
  const tsA = new TestScheduler(() => {});
  const job = build(tsA).open({ jobId: 'moving' });
  for (const { at, value } of before) tsA.schedule(() => job.send('op', 'input', { value }), at);
  runTo(tsA, pauseAt);
  await settle(tsA, job.pause('move'));
  const json = JSON.stringify(job.state);
  await settle(tsA, job.cancel());

  const tsB = new TestScheduler(() => {});
  runTo(tsB, restoreAt);
  const again: Job = build(tsB).resume(JobState.fromJSON(json));
  for (const { at, value } of after) tsB.schedule(() => again.send('op', 'input', { value }), at);
  runTo(tsB, closeAt);
  again.close();
  await settle(tsB, again.wait());
  return outputs;
}

const values = (data: Payload): unknown => (Array.isArray(data.items) ? data.items.map((p) => (p as Payload).value) : data.value);

/** The outputs of one uninterrupted job fed `steps`, closed at `closeAt`. */
async function uninterrupted(make: () => Routine, steps: Step[], closeAt: number) {
  const ts = new TestScheduler(() => {});
  const flow = new Flow({ flowId: 'timers', scheduler: ts });
  flow.addRoutine(make(), 'op');
  const outputs: Array<{ at: number; data: Payload }> = [];
  flow.observe('op', 'output').subscribe((data) => outputs.push({ at: ts.now(), data }));
  const job = flow.open({ jobId: 'straight' });
  for (const { at, value } of steps) ts.schedule(() => job.send('op', 'input', { value }), at);
  runTo(ts, closeAt);
  job.close();
  await settle(ts, job.wait());
  return outputs;
}

describe('timed operators resume exactly (issue 15)', () => {
  it('for any inputs and any cut, a moved job gives the outputs of an uninterrupted one, at the same job times', async () => {
    const makers: Record<string, () => Routine> = {
      debounce: () => new Debouncer({ dueTime: 40 }),
      throttle: () => new Throttler({ duration: 40 }),
      window: () => new Batcher({ windowMs: 40 }),
      sizeOrWindow: () => new Batcher({ windowMs: 40, size: 3 }),
      delay: () => attachOperator(new Routine(), (scheduler) => delay(30, scheduler)),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(makers)),
        fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 120 }),
        async (kind, times, half) => {
          // Inputs and timers at even frames, the cut at an odd one: nothing happens at the cut itself.
          const steps = times.map((t) => t * 2).sort((a, b) => a - b).map((at, value) => ({ at, value }));
          const cut = half * 2 + 1;
          const closeAt = 400;
          const straight = await uninterrupted(makers[kind], steps, closeAt);
          const restoreAt = 1001;
          const shifted = steps.filter((s) => s.at > cut).map((s) => ({ at: s.at - cut, value: s.value }));
          const got = await moved(makers[kind], steps.filter((s) => s.at < cut), cut, shifted, restoreAt, closeAt - cut + restoreAt);
          const jobTime = got.map(({ at, data }) => ({ at: at >= restoreAt ? at - restoreAt + cut : at, data }));
          if (JSON.stringify(jobTime) !== JSON.stringify(straight)) throw new Error(JSON.stringify({ got: jobTime, straight }));
        },
      ),
      { numRuns: 150, examples: [['window', [0, 21], 20]] },
    );
  });

  it('a Debouncer fires the time it had left at the save after the restore, not a whole dueTime', async () => {
    const out = await moved(() => new Debouncer({ dueTime: 100 }), [{ at: 0, value: 1 }], 40, []);
    expect(out.map((o) => [o.at, o.data.value])).to.deep.equal([[1060, 1]]);
  });

  it('a Throttler keeps the window it had open: a payload inside it is dropped, the first after it passes', async () => {
    const out = await moved(() => new Throttler({ duration: 100 }), [{ at: 0, value: 1 }, { at: 30, value: 2 }], 40, [{ at: 30, value: 3 }, { at: 70, value: 4 }]);
    expect(out.map((o) => [o.at, o.data.value])).to.deep.equal([[0, 1], [1070, 4]]);
  });

  it('a windowed Batcher keeps the phase of its windows: the open window closes when it would have', async () => {
    const out = await moved(() => new Batcher({ windowMs: 100 }), [{ at: 0, value: 1 }, { at: 30, value: 2 }], 40, [{ at: 80, value: 3 }]);
    expect(out.map((o) => [o.at, values(o.data)])).to.deep.equal([[1060, [1, 2]], [1160, [3]]]);
  });

  it('a windowed Batcher that already emitted keeps the phase its windows restarted at', async () => {
    const out = await moved(() => new Batcher({ windowMs: 100 }), [{ at: 0, value: 1 }, { at: 130, value: 2 }], 150, [{ at: 120, value: 3 }]);
    // Windows restart when one closes: [0,100) emitted [1]; [100,200) holds 2 and closes 50 frames after the restore.
    expect(out.map((o) => [o.at, values(o.data)])).to.deep.equal([[100, [1]], [1050, [2]], [1150, [3]]]);
  });

  it('an operator routine on the flow scheduler (attachOperator + delay) delivers a delayed value the time it had left', async () => {
    const out = await moved(() => attachOperator(new Routine(), (scheduler) => delay(50, scheduler)), [{ at: 0, value: 1 }, { at: 10, value: 2 }], 20, []);
    expect(out.map((o) => [o.at, o.data.value])).to.deep.equal([[1030, 1], [1040, 2]]);
  });

  it('a Throttler stream stays small in the job: only the payload that opened the window is kept', async () => {
    const ts = new TestScheduler(() => {});
    const flow = new Flow({ scheduler: ts });
    flow.addRoutine(new Throttler({ duration: 10 }), 'op');
    const job = flow.open({ jobId: 'long' });
    for (let i = 0; i < 500; i++) ts.schedule(() => job.send('op', 'input', { value: i }), i);
    runTo(ts, 505);
    const op = job.state.operators.op;
    // Windows open at 0, 10, ..., 490: the last one was opened by 490.
    expect(op.inputs.map((input) => input.data)).to.deep.equal([{ value: 490 }]);
    expect(op.emitted).to.equal(1);
    await settle(ts, job.cancel());
  });
});
