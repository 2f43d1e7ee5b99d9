import { expect } from 'chai';
import { ExecutionTracker, Flow } from '../../lib/index.js';
import { Job } from '../../lib/flow/job.js';
import { newExecutionTracker } from '../../lib/runtime/execution-tracker.js';
import { PerfTotals, newPerfTotals } from '../../lib/runtime/perf-totals.js';
import { RoutineRun, SlotCell, newRoutineRun, newSlotCell } from '../../lib/runtime/routine-run.js';
import { WorkLedger, newWorkLedger } from '../../lib/runtime/work-ledger.js';
import { SnapshotMarks, newSnapshotMarks } from '../../lib/runtime/snapshot-builder.js';
import { JobObservers, newJobObservers } from '../../lib/runtime/job-observers.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import type { FlowEngine } from '../../lib/flow/flow-engine.js';
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
});
