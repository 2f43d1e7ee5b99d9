import { expect } from 'chai';
import { Flow, JobState, type Payload } from '../../lib/index.js';
import { makeRoutine, until } from '../helpers/routines.js';

// Issue 15, point 7: the tracker is part of the job; it survives a save and a resume.
describe('the execution tracker is part of the job', () => {
  function build(historyLimit = 10_000) {
    const flow = new Flow({ flowId: 'tracked', historyLimit });
    flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => { if (d.fail) throw new Error('no'); ctx.emit('out', d); } }), 'a');
    flow.addRoutine(makeRoutine({ in: () => {} }, []), 'b');
    flow.connect('a', 'out', 'b', 'in');
    flow.setErrorHandler(undefined);
    return flow;
  }

  it('a job resumed from JSON in a fresh flow keeps its figures and records, and goes on counting', async () => {
    const first = build();
    first.getRoutine('a')!.setAsOptional();
    const job = first.open({ jobId: 't1' });
    job.send('a', 'in', { n: 1 });
    job.send('a', 'in', { n: 2, fail: true });
    // a twice and b once before the pause (a fixed 5 ms wait was too short on a loaded machine).
    await until(() => job.tracker.records.length === 3, 10_000, 'three activations recorded');
    await job.pause('save');
    const before = job.tracker.getRoutinePerformance('a')!;
    expect(before).to.include({ totalExecutions: 2, completed: 1, failed: 1 });
    const text = JSON.stringify(job.state);
    expect(JSON.parse(text).tracker.records).to.have.length(3);
    await job.cancel();

    const second = build();
    second.getRoutine('a')!.setAsOptional();
    const again = second.resume(JobState.fromJSON(text));
    again.send('a', 'in', { n: 3 });
    again.close();
    await again.wait();
    expect(again.tracker.getRoutinePerformance('a')).to.include({ totalExecutions: 3, completed: 2, failed: 1 });
    expect(again.tracker.getRoutinePerformance('b')).to.include({ totalExecutions: 2 });
    expect(again.tracker.getFlowPerformance()).to.include({ totalRoutines: 2, totalExecutions: 5, totalEvents: 2 });
    expect(again.tracker.records.map((r) => `${r.routineId}:${r.status}`)).to.deep.equal(['a:completed', 'a:failed', 'b:completed', 'a:completed', 'b:completed']);
    expect(again.tracker.eventFlow).to.have.length(2);
  });

  it('restored records count against historyLimit (newest kept)', async () => {
    const first = build(3);
    const job = first.open({ jobId: 't2' });
    for (let n = 0; n < 3; n++) job.send('a', 'in', { n });
    await until(() => job.tracker.getFlowPerformance().totalExecutions === 6, 10_000, 'three of a and three of b run');
    await job.pause('save');
    const text = JSON.stringify(job.state);
    await job.cancel();
    const again = build(3).resume(JobState.fromJSON(text));
    again.send('a', 'in', { n: 9 });
    again.close();
    await again.wait();
    expect(again.tracker.records).to.have.length(3);
    expect(again.tracker.records.at(-1)!.routineId).to.equal('b');
    expect(again.tracker.getFlowPerformance().totalExecutions).to.equal(8);
  });

  it('JSON without a tracker (older files) loads with an empty one', async () => {
    const flow = build();
    const state = await flow.execute('a', {}, { slot: 'in' });
    const { tracker: _t, ...older } = JSON.parse(JSON.stringify(state));
    expect(JobState.fromJSON(older).tracker).to.deep.equal({ records: [], eventFlow: [], totals: {}, deliveries: 0 });
  });
});
