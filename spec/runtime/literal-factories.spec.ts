import { expect } from 'chai';
import { ExecutionTracker, Flow } from '../../lib/index.js';
import { Job } from '../../lib/flow/job.js';
import { PerfTotals, newExecutionTracker, newPerfTotals } from '../../lib/runtime/execution-tracker.js';
import { RoutineRun, SlotCell, newRoutineRun, newSlotCell } from '../../lib/runtime/routine-run.js';
import { WorkLedger, newWorkLedger } from '../../lib/runtime/work-ledger.js';
import { SnapshotMarks, newSnapshotMarks } from '../../lib/runtime/snapshot-builder.js';
import { JobObservers, newJobObservers } from '../../lib/runtime/job-observers.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import type { FlowEngine } from '../../lib/flow/flow-engine.js';
import { JOB_STATE_FIELDS, JOB_STATE_FIELD_NAMES } from '../../lib/state/job-state-fields.js';
import { JobState } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

/**
 * Issue 21: the per-job objects that live as long as their job are made by factories returning
 * object literals (V8 can pretenure a literal's allocation site; see `newSlotCell`). Each factory
 * must make exactly what `new` makes: the same prototype, the same own fields in the same order,
 * with the same initial values — so a field added to a class and forgotten in its factory fails here.
 */
describe('per-job objects made as literals', () => {
  function same(made: object, built: object): void {
    const proto = Object.getPrototypeOf(built) as object;
    // A class with only fields (no methods or accessors) may be made as a plain literal.
    const fieldsOnly = Object.getOwnPropertyNames(proto).every((name) => name === 'constructor') && Object.getPrototypeOf(proto) === Object.prototype;
    if (!fieldsOnly || Object.getPrototypeOf(made) !== Object.prototype) expect(Object.getPrototypeOf(made)).to.equal(proto);
    expect(Object.keys(made), 'own fields, in order').to.deep.equal(Object.keys(built));
    expect({ ...made }).to.deep.equal({ ...built });
  }

  it('newPerfTotals, newSlotCell and newRoutineRun make what their classes make', () => {
    same(newPerfTotals(), new PerfTotals());
    const routine = makeRoutine({ in: () => undefined }, []);
    const slot = routine.getSlot('in')!;
    same(newSlotCell(slot), new SlotCell(slot));
    same(newRoutineRun(routine), new RoutineRun(routine));
    expect(newRoutineRun(routine).view()).to.deep.equal({ status: 'idle', activations: 0, errors: 0 });
    expect(newRoutineRun(routine).totals, 'a run is its own totals').to.be.instanceOf(PerfTotals);
  });

  it('newWorkLedger, newSnapshotMarks and newJobObservers make what their classes make', () => {
    same(newWorkLedger(), new WorkLedger());
    same(newSnapshotMarks(), new SnapshotMarks());
    const job = {} as JobRuntime;
    same(newJobObservers(job), new JobObservers(job));
  });

  it('newExecutionTracker makes what `new ExecutionTracker` makes, and it is one (instanceof)', () => {
    for (const limit of [0, 3, 10_000]) same(newExecutionTracker(limit), new ExecutionTracker(limit));
    expect(newExecutionTracker(5)).to.be.instanceOf(ExecutionTracker);
  });

  it("Job._of makes what the Job constructor makes, and a flow's jobs are Jobs", async () => {
    const runtime = {} as JobRuntime;
    const engine = {} as FlowEngine;
    same(Job._of(runtime, engine), new Job(runtime, engine));
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => undefined }, []), 'r');
    const job = flow.start('r');
    expect(job).to.be.instanceOf(Job);
    expect(job.tracker).to.be.instanceOf(ExecutionTracker);
    expect((await job.wait()).status).to.equal('completed');
  });

  it('a first snapshot (JobState._build) is a frozen JobState with every required field set and no other', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => undefined, boom: () => { throw new Error('boom'); } }, []), 'r');
    const states = [await flow.start('r').wait(), await flow.start('r', {}, { slot: 'boom' }).wait()];
    const required = JOB_STATE_FIELD_NAMES.filter((name) => !JOB_STATE_FIELDS[name].optional);
    for (const state of states) {
      expect(state).to.be.instanceOf(JobState);
      expect(Object.getPrototypeOf(state)).to.equal(JobState.prototype);
      expect(state.constructor).to.equal(JobState);
      expect(Object.isFrozen(state)).to.equal(true);
      for (const name of required) expect(state[name], name).to.not.equal(undefined);
      for (const key of Object.keys(state)) expect(JOB_STATE_FIELD_NAMES, key).to.include(key);
      for (const key of Object.keys(state)) expect((state as unknown as Record<string, unknown>)[key], key).to.not.equal(undefined);
      expect(JobState.fromJSON(JSON.parse(JSON.stringify(state))).toJSON()).to.deep.equal(state.toJSON());
    }
    expect(states[1].status).to.equal('failed');
    expect(states[1].error).to.include({ message: 'boom' });
  });
});
