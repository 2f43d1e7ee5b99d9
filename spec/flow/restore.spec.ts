import { expect } from 'chai';
import { ConfigurationError, Flow, JobStateError, type Payload } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

// Issue 15, point 5: a restored job can wait for a human, in another process.
describe('flow.restore', () => {
  function approvalFlow() {
    const flow = new Flow({ flowId: 'approval' });
    const decided: unknown[] = [];
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => void ctx.pause('awaiting approval', { draft: 'Q3' }) }), 'draft');
    flow.addRoutine(makeRoutine({ decision: (d: Payload) => void decided.push(d) }, []), 'gate');
    return { flow, decided };
  }

  it('returns the job paused; a decision sent later (not in the same tick) is parked and runs on resume', async () => {
    const { flow } = approvalFlow();
    const job = flow.start('draft', {}, { jobId: 'exp-7' });
    const saved = JSON.stringify(await job.wait());
    await job.cancel();

    const other = approvalFlow();
    const restored = other.flow.restore(saved);
    expect(restored.state.status).to.equal('paused');
    await new Promise((r) => setTimeout(r, 20)); // nothing happens meanwhile
    expect(restored.state.status).to.equal('paused');
    restored.send('gate', 'decision', { ok: true });
    expect(other.decided).to.deep.equal([]);
    expect(restored.state.pendingTasks.map((t) => `${t.routineId}.${t.slotName}`)).to.deep.equal(['gate.decision']);
    restored.resume();
    expect((await restored.wait()).status).to.equal('completed');
    expect(other.decided).to.deep.equal([{ ok: true }]);
  });

  it('restoring a job that crashed while running leaves it paused with a "restored" pause point; resume runs its work in order', async () => {
    const { flow } = approvalFlow();
    const job = flow.open({ jobId: 'crashed' });
    const running = JSON.stringify(job.state);
    job.close();
    const other = approvalFlow();
    const restored = other.flow.restore(running);
    expect(restored.state.pausePoints.at(-1)).to.include({ reason: 'restored', pendingCount: 0 });
    restored.resume();
    restored.close();
    expect((await restored.wait()).status).to.equal('completed');
  });

  it('refuses another flow\u2019s job and a job running in this flow', async () => {
    const { flow } = approvalFlow();
    const live = flow.open({ jobId: 'live' });
    expect(() => flow.restore(live.state)).to.throw(JobStateError, 'running');
    const foreign = JSON.parse(JSON.stringify(live.state));
    foreign.flowId = 'other';
    expect(() => flow.restore(foreign)).to.throw(ConfigurationError, 'other');
    live.close();
  });
});
