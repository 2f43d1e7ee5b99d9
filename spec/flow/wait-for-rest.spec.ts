import { expect } from 'chai';
import { timer } from 'rxjs';
import { Flow, TimeoutError, type JobState } from '../../lib/index.js';
import { deferred, makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * Issue 21: a `wait()` with no timeout and no signal is kept as the bare resolve function (one
 * per job in the common case, a list once there are several), and the Job handle is kept on the
 * job's runtime instead of a WeakMap. The waits and the handle must behave as before.
 */
describe('job.wait() and the Job handle', () => {
  it('every plain wait on a job resolves, with the same final snapshot', async () => {
    const gate = deferred();
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => gate.promise }, []), 'r');
    const job = flow.start('r');
    const waits = [job.wait(), job.wait(), job.wait()];
    gate.resolve();
    const states = await Promise.all(waits);
    expect(states[0].status).to.equal('completed');
    expect(states[1]).to.equal(states[0]);
    expect(states[2]).to.equal(states[0]);
    expect(await job.wait(), 'a wait on a settled job resolves at once').to.equal(states[0]);
  });

  it('a wait whose signal aborts rejects alone: the other waits still resolve', async () => {
    const gate = deferred();
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => gate.promise }, []), 'r');
    const job = flow.start('r');
    const first = job.wait();
    const controller = new AbortController();
    const aborted = job.wait({ signal: controller.signal });
    const last = job.wait();
    controller.abort(new Error('no longer interested'));
    let reason: unknown;
    await aborted.catch((e: unknown) => (reason = e));
    expect((reason as Error).message).to.equal('no longer interested');
    gate.resolve();
    const [a, b] = await Promise.all([first, last]);
    expect(a.status).to.equal('completed');
    expect(b).to.equal(a);
  });

  it('a wait that times out rejects alone, in scheduler time; the job and the other waits go on', async () => {
    const scheduler = newTestScheduler();
    const outcomes: string[] = [];
    let status = '';
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ trigger: () => timer(100) }, []), 'r');
      const job = flow.start('r');
      job.wait().then((s) => outcomes.push(`plain ${s.status}`));
      job.wait({ timeout: 10 }).catch((e: unknown) => outcomes.push(e instanceof TimeoutError ? 'timeout' : 'other'));
      job.wait().then((s) => outcomes.push(`plain ${s.status}`));
      flush();
      status = job.state.status;
    });
    await new Promise((resolve) => setTimeout(resolve, 0)); // the promises' callbacks
    expect(status).to.equal('completed');
    expect(outcomes).to.deep.equal(['timeout', 'plain completed', 'plain completed']);
  });

  it('waits resolve at a pause; a wait made after resume resolves at completion', async () => {
    const gate = deferred();
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => gate.promise }, ['out']), 'r');
    const job = flow.start('r');
    const atPause = job.wait();
    const paused = job.pause('look');
    gate.resolve();
    expect((await atPause).status).to.equal('paused');
    expect((await paused).status).to.equal('paused');
    job.resume();
    const done: JobState = await job.wait();
    expect(done.status).to.equal('completed');
  });

  it('flow.getJob gives back the very Job that start returned, for a live and for a failed job', async () => {
    const gate = deferred();
    const flow = new Flow({ executionStrategy: 'concurrent' }); // the slow job must not hold the only worker
    flow.addRoutine(makeRoutine({ trigger: () => gate.promise }, []), 'slow');
    flow.addRoutine(makeRoutine({ trigger: () => { throw new Error('boom'); } }, []), 'bad');
    const live = flow.start('slow');
    expect(flow.getJob(live.jobId)).to.equal(live);
    const failed = flow.start('bad');
    expect((await failed.wait()).status).to.equal('failed');
    expect(flow.getJob(failed.jobId)).to.equal(failed);
    gate.resolve();
    await live.wait();
    expect(flow.getJob(live.jobId), 'a completed job is forgotten').to.equal(undefined);
  });
});
