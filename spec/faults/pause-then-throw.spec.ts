import { expect } from 'chai';
import { ErrorHandler, Flow, type JobState, type Payload } from '../../lib/index.js';
import { makeRoutine, until } from '../helpers/routines.js';

// Point 10 of issue 14: a pause followed by a throw in the same handler reported `paused`,
// then turned `failed`. The documented outcome: the pause stands. The failure is recorded
// (history `error` + `stop`, routine state `failed`) and the failed activation waits first in
// the queue; resume() re-runs it, as resuming a failed job would.
describe('faults: a handler that pauses its job, then throws', () => {
  function pausingFlow(throws: () => boolean) {
    const flow = new Flow({ errorHandler: new ErrorHandler({ strategy: 'stop' }) });
    flow.addRoutine(
      makeRoutine({
        trigger: (_d: Payload, ctx) => {
          void ctx.flow.pause(ctx.jobId, 'needs a human');
          if (throws()) throw new Error('after the pause');
        },
      }),
      'r',
    );
    return { flow };
  }

  it('ends paused: every status it ever reports is paused, with the failed activation queued first', async () => {
    const { flow } = pausingFlow(() => true);
    const job = flow.start('r', {}, { jobId: 'ptt' });
    const seen: string[] = [];
    job.state$.subscribe((s) => {
      if (seen.at(-1) !== s.status) seen.push(s.status);
    });
    const state = await job.wait();
    // wait() resolves at the paused status; the failure is recorded when the handler's throw is
    // handled: wait for that (not a fixed 5 ms), then for a while longer nothing may change.
    await until(() => job.state.getRoutineState('r')?.status === 'failed', 10_000, 'the failure recorded');
    await new Promise((r) => setTimeout(r, 5));
    expect(state.status).to.equal('paused');
    expect(job.state.status).to.equal('paused');
    expect(seen.filter((s) => s !== 'pending' && s !== 'running')).to.deep.equal(['paused']);
    expect(job.state.pendingTasks.map((t) => `${t.routineId}.${t.slotName}#${t.attempt}`)).to.deep.equal(['r.trigger#1']);
    expect(job.state.getRoutineState('r')!.status).to.equal('failed');
    expect(job.state.executionHistory.map((h) => h.eventName)).to.include.members(['error', 'stop']);
    expect(job.state.error).to.equal(undefined);
  });

  it('resume re-runs the failed activation; if it no longer throws the job completes', async () => {
    let fail = true;
    const { flow } = pausingFlow(() => fail);
    const job = flow.start('r', {});
    await job.wait();
    fail = false;
    job.resume();
    // it pauses again (the handler always pauses), this time without throwing
    const again: JobState = await job.wait();
    expect(again.status).to.equal('paused');
    expect(again.pendingTasks).to.deep.equal([]);
    job.resume();
    expect((await job.wait()).status).to.equal('completed');
  });
});
