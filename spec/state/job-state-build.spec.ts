import { expect } from 'chai';
import { ErrorHandler, ExecutionTracker, Flow, JobState } from '../../lib/index.js';
import { JOB_STATE_FIELDS, JOB_STATE_FIELD_NAMES } from '../../lib/state/job-state-fields.js';
import { PerfTotals } from '../../lib/runtime/perf-totals.js';
import { RoutineRun } from '../../lib/runtime/routine-run.js';
import { makeRoutine } from '../helpers/routines.js';

/**
 * Issue 21: a job's first snapshot is filled in place into a JobState that reserves a slot for
 * every field a snapshot always has (JobState._build), instead of a fields object copied by the
 * constructor; and a job's RoutineRun is also its routine's PerfTotals in the tracker.
 */
describe('a first snapshot built in place', () => {
  it('is a frozen JobState with every required field set, no other field, and the same JSON round trip', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => undefined, boom: () => { throw new Error('boom'); } }, []), 'r');
    const states = [await flow.start('r').wait(), await flow.start('r', {}, { slot: 'boom' }).wait()];
    const required = JOB_STATE_FIELD_NAMES.filter((name) => !JOB_STATE_FIELDS[name].optional);
    for (const state of states) {
      expect(state).to.be.instanceOf(JobState);
      expect(Object.getPrototypeOf(state)).to.equal(JobState.prototype);
      expect(state.constructor).to.equal(JobState);
      expect(Object.isFrozen(state)).to.equal(true);
      expect(Object.isFrozen(state.routineStates) && Object.isFrozen(state.slotData)).to.equal(true);
      for (const name of required) expect(state[name], name).to.not.equal(undefined);
      for (const key of Object.keys(state)) expect(JOB_STATE_FIELD_NAMES, key).to.include(key);
      for (const key of Object.keys(state)) expect((state as unknown as Record<string, unknown>)[key], key).to.not.equal(undefined);
      expect(JobState.fromJSON(JSON.parse(JSON.stringify(state))).toJSON()).to.deep.equal(state.toJSON());
    }
    expect(states[1].status).to.equal('failed');
    expect(states[1].failedTask).to.include({ routineId: 'r', slotName: 'boom' });
    expect(states[1].error).to.include({ message: 'boom' });
  });

  it("a routine's run is its own totals, and a resumed job's figures carry over into the new run", async () => {
    const run = new RoutineRun(makeRoutine({ in: () => undefined }, []));
    expect(run.totals).to.equal(run);
    expect(run).to.be.instanceOf(PerfTotals);
    let fail = true;
    const build = (): Flow => {
      const flow = new Flow({ flowId: 'totals', errorHandler: new ErrorHandler({ strategy: 'stop' }) });
      flow.addRoutine(makeRoutine({ trigger: () => { if (fail) throw new Error('first time'); } }, []), 'r');
      return flow;
    };
    const failed = await build().start('r').wait();
    expect(failed.tracker.totals.r).to.include({ total: 1, failed: 1 });
    fail = false;
    // Another flow (another process): the job is rebuilt from its state, its tracker restored first.
    const again = await build().resume(JobState.fromJSON(JSON.parse(JSON.stringify(failed)))).wait();
    expect(again.status).to.equal('completed');
    expect(again.tracker.totals.r).to.include({ total: 2, completed: 1, failed: 1 });
  });

  it('a run adopted after its routine\'s totals were restored carries them on', () => {
    const tracker = new ExecutionTracker(10);
    tracker.restore({ records: [], eventFlow: [], totals: { r: { total: 3, completed: 2, failed: 1, time: 30, min: 5, max: 15 } }, deliveries: 0 });
    const run = new RoutineRun(makeRoutine({ in: () => undefined }, []));
    tracker.adopt('r', run);
    expect(run).to.include({ total: 3, completed: 2, failed: 1, time: 30, min: 5, max: 15 });
    run.total++;
    run.completed++;
    expect(tracker.getRoutinePerformance('r')).to.include({ totalExecutions: 4, completed: 3, failed: 1 });
  });
});
