import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * Issue 21: a job lists its changed routine runs and slot cells for the next snapshot only once
 * it has a first snapshot (the first one copies everything), so a job snapshotted only when it
 * settles never keeps the lists. Whenever a job is first observed, what it shows must not depend
 * on it: a late first snapshot has everything so far, and later ones every change since.
 */
describe('a job observed late', () => {
  /** `acc.in` records its payload (and clears its slot data when asked); `other.in` does nothing. */
  function build(scheduler?: ReturnType<typeof newTestScheduler>) {
    const flow = new Flow(scheduler === undefined ? {} : { scheduler });
    const seen: number[] = [];
    flow.addRoutine(
      makeRoutine({
        in: (d: Payload, ctx: ExecutionContext) => {
          seen.push(d.v as number);
          if (d.reset === true) ctx.resetSlot();
        },
      }, []),
      'acc',
    );
    flow.addRoutine(makeRoutine({ in: () => undefined }, []), 'other');
    return { flow, seen };
  }

  it('shows everything so far in its first snapshot, then every change in the next ones', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, seen } = build(scheduler);
      const job = flow.open();
      job.send('acc', 'in', { v: 1 });
      job.send('acc', 'in', { v: 2 });
      flush();
      expect(seen).to.deep.equal([1, 2]);
      const first = job.state; // the job's first snapshot, after two activations
      expect(first.getRoutineState('acc')).to.include({ activations: 2, status: 'completed' });
      expect(first.slotData['acc.in']).to.deep.include({ v: 2 });
      expect(first.getRoutineState('other')).to.equal(undefined);

      job.send('other', 'in', { w: 1 });
      job.send('acc', 'in', { v: 3 });
      flush();
      const second = job.state;
      expect(second.getRoutineState('acc')!.activations).to.equal(3);
      expect(second.getRoutineState('other')!.activations).to.equal(1);
      expect(second.slotData['acc.in']).to.deep.include({ v: 3 });
      expect(second.slotData['other.in']).to.deep.include({ w: 1 });
      expect(first.getRoutineState('acc')!.activations, 'an earlier snapshot never changes').to.equal(2);

      job.send('acc', 'in', { v: 4, reset: true });
      flush();
      const third = job.state;
      expect(third.getRoutineState('acc')!.activations).to.equal(4);
      expect(third.slotData).to.not.have.property('acc.in');
      expect(third.slotData['other.in']).to.deep.include({ w: 1 });

      job.close();
      flush();
      expect(job.state.status).to.equal('completed');
      expect(job.state.getRoutineState('acc')!.activations).to.equal(4);
    });
  });

  it('state$ subscribed after some work starts from everything so far and sees later changes', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow } = build(scheduler);
      const job = flow.open();
      job.send('acc', 'in', { v: 1 });
      flush();
      const states: JobState[] = [];
      job.state$.subscribe((s) => states.push(s));
      expect(states[0].getRoutineState('acc')!.activations).to.equal(1);
      job.send('acc', 'in', { v: 2 });
      flush();
      job.close();
      flush();
      const last = states[states.length - 1];
      expect(last.status).to.equal('completed');
      expect(last.getRoutineState('acc')!.activations).to.equal(2);
      expect(last.slotData['acc.in']).to.deep.include({ v: 2 });
    });
  });

  it('ends in the same state whenever (and however often) it was observed (property)', () => {
    const step = fc.record({ target: fc.constantFrom('acc', 'other'), v: fc.integer({ min: 0, max: 99 }), reset: fc.boolean(), observe: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const run = (observeAt: (i: number) => boolean): JobState => {
          const scheduler = newTestScheduler();
          let final: JobState | undefined;
          scheduler.run(({ flush }) => {
            const { flow } = build(scheduler);
            const job = flow.open();
            steps.forEach((s, i) => {
              job.send(s.target, 'in', s.target === 'acc' ? { v: s.v, reset: s.reset } : { w: s.v });
              flush();
              if (observeAt(i)) void job.state;
            });
            job.close();
            flush();
            final = job.state;
          });
          return final!;
        };
        const never = run(() => false); // its only snapshot is the final one
        const sometimes = run((i) => steps[i].observe);
        const always = run(() => true);
        for (const other of [sometimes, always]) {
          expect(other.status).to.equal(never.status);
          expect(other.routineStates).to.deep.equal(never.routineStates);
          expect(other.slotData).to.deep.equal(never.slotData);
          expect(other.executionHistory.map((r) => [r.routineId, r.eventName, r.data])).to.deep.equal(never.executionHistory.map((r) => [r.routineId, r.eventName, r.data]));
        }
      }),
      { numRuns: 60 },
    );
  });
});
