import { expect } from 'chai';
import { last, lastValueFrom, map, toArray } from 'rxjs';
import { ConfigurationError, Flow, JobFailedError, type JobState, type Payload } from '../../lib/index.js';
import { deferred, makeRoutine, newTestScheduler, until } from '../helpers/routines.js';

// Issue 16: flow.run$ (a cold Observable of snapshots) and AbortSignal options.
describe('flow.run$ and signals', () => {
  function flowWith(handler: (d: Payload) => unknown) {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: handler as never }), 'r');
    return flow;
  }

  it('is cold: nothing starts until subscribed; it emits snapshots and completes with the job', async () => {
    let ran = 0;
    const flow = flowWith(() => void ran++);
    const run$ = flow.run$('r', {});
    await new Promise((r) => setTimeout(r, 5));
    expect(ran).to.equal(0);
    expect(flow.jobIds()).to.deep.equal([]);
    const statuses = await lastValueFrom(run$.pipe(map((s) => s.status), toArray()));
    expect(ran).to.equal(1);
    expect(statuses[0]).to.equal('pending');
    expect(statuses.at(-1)).to.equal('completed');
    expect((await lastValueFrom(run$.pipe(last()))).status).to.equal('completed'); // a second job
    expect(ran).to.equal(2);
  });

  it('errors with a JobFailedError carrying the state when the job fails', async () => {
    const flow = flowWith(() => { throw new Error('boom'); });
    let error: unknown;
    await lastValueFrom(flow.run$('r', {})).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(JobFailedError);
    expect((error as Error).message).to.include('boom');
    expect((error as { state: JobState }).state.status).to.equal('failed');
    expect(Object.keys(error as object)).to.deep.equal([]);
  });

  it('unsubscribing cancels the job; an unknown entry is an error of the subscription', async () => {
    const gate = deferred();
    const flow = flowWith(() => gate.promise);
    const seen: JobState[] = [];
    const sub = flow.run$('r', {}, { jobId: 'u' }).subscribe((s) => seen.push(s));
    // Unsubscribed while its activation runs (not after a fixed 5 ms, when on a loaded machine it
    // may not have started yet).
    await until(() => flow.getJob('u')?.state.status === 'running', 10_000, 'the job to run');
    sub.unsubscribe();
    expect(flow.getJob('u')?.state.status ?? 'cancelled').to.equal('cancelled');
    let error: unknown;
    flow.run$('nope').subscribe({ error: (e: unknown) => (error = e) });
    expect(error).to.be.instanceOf(ConfigurationError);
  });

  it('in virtual time, run$ is a marble-testable stream of statuses', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
      expectObservable(flow.run$('r', {}).pipe(map((s) => s.status))).toBe('(prc|)', { p: 'pending', r: 'running', c: 'completed' });
    });
  });

  it('aborting the signal of start/open/execute cancels the job; an aborted one cancels at once', async () => {
    const gate = deferred();
    const flow = flowWith(() => gate.promise);
    const controller = new AbortController();
    const job = flow.start('r', {}, { signal: controller.signal });
    await until(() => job.state.status === 'running', 10_000, 'the job to run'); // aborted while it runs
    controller.abort(new Error('user left'));
    const end = await job.wait();
    expect(end.status).to.equal('cancelled');
    const aborted = AbortSignal.abort('too late');
    expect((await flow.execute('r', {}, { signal: aborted })).status).to.equal('cancelled');
    const open = flow.open({ signal: aborted });
    expect(open.state.status).to.equal('cancelled');
    expect(() => flow.start('r', {}, { signal: 'no' as never })).to.throw(ConfigurationError, 'signal');
  });

  it('wait({ signal }) rejects with the reason when aborted and leaves the job running', async () => {
    const flow = flowWith(() => {});
    const job = flow.open();
    const controller = new AbortController();
    const waiting = job.wait({ signal: controller.signal });
    controller.abort(new Error('stop waiting'));
    let error: unknown;
    await waiting.catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('stop waiting');
    expect(job.state.status).to.equal('running');
    job.close();
    expect((await job.wait()).status).to.equal('completed');
  });
});
