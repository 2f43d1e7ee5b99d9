import { expect } from 'chai';
import { ExecutionTracker, Flow } from '../../lib/index.js';
import { Job } from '../../lib/flow/job.js';
import { PerfTotals } from '../../lib/runtime/perf-totals.js';
import { RoutineRun, SlotCell, newSlotCell } from '../../lib/runtime/routine-run.js';
import { SnapshotMarks } from '../../lib/runtime/snapshot-builder.js';
import { JobObservers } from '../../lib/runtime/job-observers.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import { makeRoutine } from '../helpers/routines.js';

/**
 * One per-job record is made as a plain literal (its class has only fields): it must have
 * exactly the fields `new` gives, in the same order and with the same initial values, so a
 * field added to the class and forgotten in its factory fails here. The snapshot marks were
 * the other; they are now fields of the job's observers (one object per job, not two).
 */
describe('per-job records made as plain literals', () => {
  function same(made: object, built: object): void {
    expect(Object.keys(made), 'own fields, in order').to.deep.equal(Object.keys(built));
    expect({ ...made }).to.deep.equal({ ...built });
  }

  it('newSlotCell makes what its class makes; a job\'s observers start with fresh snapshot marks', () => {
    const routine = makeRoutine({ in: () => undefined }, []);
    const slot = routine.getSlot('in')!;
    same(newSlotCell(slot), new SlotCell(slot));
    const observers = new JobObservers({} as JobRuntime);
    expect(observers).to.be.instanceOf(SnapshotMarks);
    const fresh = new SnapshotMarks();
    for (const key of Object.keys(fresh)) expect((observers as unknown as Record<string, unknown>)[key], key).to.equal((fresh as unknown as Record<string, unknown>)[key]);
  });

  it("a job's run of a routine is its own totals, and a flow's jobs are Jobs with a tracker", async () => {
    const routine = makeRoutine({ in: () => undefined }, []);
    const run = new RoutineRun(routine);
    expect(run.view()).to.deep.equal({ status: 'idle', activations: 0, errors: 0 });
    expect(run.totals, 'a run is its own totals').to.equal(run).and.to.be.instanceOf(PerfTotals);
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => undefined }, []), 'r');
    const job = flow.start('r');
    expect(job).to.be.instanceOf(Job);
    expect(job.tracker).to.be.instanceOf(ExecutionTracker);
    expect((await job.wait()).status).to.equal('completed');
  });
});
