/**
 * Issue 17, Tier 1: a Job started through BullMQRunner runs on a worker process (two workers
 * here, in this process) and its handle behaves as a local one: wait, state$, pause, resume,
 * cancel, send / input / close on open jobs, observe and output$, `runner.resume` from
 * another client, the fingerprint check, odd ids, and a worker closing mid-job.
 */
import { expect } from 'chai';
import { from, lastValueFrom, toArray } from 'rxjs';
import { ConfigurationError, Flow, JobStateError, MemoryJobStore, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { BullMQRunner, RemoteJob, runWorker } from '../../lib/bullmq/index.js';
import { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { useRedis } from '../helpers/use-redis.js';
import { rejected, sleep, until } from '../fixtures/helpers.js';
import { Total, startCluster, type Cluster } from './helpers.js';

/** Emits `{ i, at }` for i < n. */
class Ticker extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['i', 'at']);
    this.defineSlot<{ n: number }>('trigger', (data) => {
      for (let i = 0; i < data.n; i++) this.emit('out', { i, at: new Date(1_700_000_000_000 + i) });
    });
  }
}

/** Sums `i` into shared data, `ms` per item; every item also goes to the output log. */
class Work extends Routine {
  constructor(private readonly ms: number) {
    super();
    this.defineSlot<{ i: number }>('in', async (data, ctx: ExecutionContext) => {
      if (this.ms > 0) await sleep(this.ms);
      ctx.setSharedData('sum', ctx.getSharedData<number>('sum', 0) + data.i);
      ctx.setSharedData('count', ctx.getSharedData<number>('count', 0) + 1);
      this.sendOutput('done', { i: data.i });
    });
  }
}

function build(ms = 15): Flow {
  const flow = new Flow({ flowId: 'runner-spec' });
  flow.addRoutine(new Ticker(), 'src');
  flow.addRoutine(new Work(ms), 'work');
  flow.addRoutine(new Total(), 'acc');
  flow.connect('src', 'out', 'work', 'in');
  return flow;
}

describe('BullMQRunner: jobs on worker processes', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, () => build());
    redis.atStop(() => cluster.close());
  });
  afterEach(() => {
    expect(cluster.errors, 'background errors').to.deep.equal([]);
  });

  it('runs a started job to the same result as in-process; state$ sees pending, running, completed', async () => {
    const flow = build();
    const local = await build().execute('src', { n: 8 });
    const job = flow.start('src', { n: 8 }, { runner: cluster.runner, jobId: 'same-1' });
    expect(job).to.be.instanceOf(RemoteJob);
    expect(job.jobId).to.equal('same-1');
    expect(job.state.status).to.equal('pending');
    const statuses = lastValueFrom(job.state$.pipe(toArray()));
    const final = await job.wait();
    expect(final.status).to.equal('completed');
    expect(final.sharedData).to.deep.equal(local.sharedData);
    expect(final.outputLog.map((o) => o.data)).to.deep.equal(local.outputLog.map((o) => o.data));
    expect([...new Set((await statuses).map((s) => s.status))]).to.deep.equal(['pending', 'running', 'completed']);
    expect(job.tracker.getRoutinePerformance('work')?.totalExecutions).to.equal(8);
    expect(await job.wait(), 'wait on a settled job resolves at once').to.equal(final);
  });

  it('FlowOptions.runner sends every job of the flow; runner: null runs one here', async () => {
    const flow = new Flow({ flowId: 'runner-spec', runner: cluster.runner });
    flow.addRoutine(new Ticker(), 'src');
    flow.addRoutine(new Work(15), 'work');
    flow.addRoutine(new Total(), 'acc');
    flow.connect('src', 'out', 'work', 'in');
    const remote = flow.start('src', { n: 2 });
    expect(remote).to.be.instanceOf(RemoteJob);
    const here = flow.start('src', { n: 2 }, { runner: null });
    expect(here).to.not.be.instanceOf(RemoteJob);
    const [a, b] = await Promise.all([remote.wait(), here.wait()]);
    expect(a.sharedData).to.deep.equal(b.sharedData);
    expect((await flow.execute('src', { n: 3 })).getSharedData('sum')).to.equal(3);
  });

  it('pauses, resumes and cancels a running job; commands on a settled job reject with JobStateError', async () => {
    const flow = build();
    const job = flow.start('src', { n: 40 }, { runner: cluster.runner });
    await until(() => job.state.status === 'running', 'running');
    const paused = await job.pause('review', { ticket: 7 });
    expect(paused.status).to.equal('paused');
    expect(paused.runningTasks, 'in-flight work settled').to.deep.equal([]);
    expect(paused.pausePoints.at(-1)).to.include({ reason: 'review' });
    expect(paused.pausePoints.at(-1)!.checkpoint).to.deep.equal({ ticket: 7 });
    expect(paused.pendingTasks.length).to.be.greaterThan(0);
    expect(await job.wait(), 'wait on a paused job resolves at once').to.equal(paused);
    job.resume();
    expect(job.state.status, 'running as soon as resume() returns').to.equal('running');
    await sleep(60);
    const cancelled = await job.cancel('user left');
    expect(cancelled.status).to.equal('cancelled');
    expect(cancelled.getSharedData<number>('count')).to.be.lessThan(40);
    await rejected(job.pause(), JobStateError, 'cancelled');
    await rejected(job.cancel(), JobStateError, 'cancelled');
    expect(() => job.resume()).to.throw(JobStateError);
    expect(() => job.send('acc', 'in', { v: 1 })).to.throw(JobStateError);
  });

  it('cancels a paused job (no worker owns it: one is brought in)', async () => {
    const job = build().start('src', { n: 30 }, { runner: cluster.runner });
    await until(() => job.state.status === 'running', 'running');
    await job.pause();
    await sleep(50);
    expect((await job.cancel('never mind')).status).to.equal('cancelled');
  });

  it('an open job is fed by send and input, held open by an input, and settles after close', async () => {
    const flow = build();
    const job = flow.open({ runner: cluster.runner, jobId: 'open:1' });
    job.send('acc', 'in', { v: 1 });
    const input = job.input('acc', 'in');
    from([{ v: 10 }, { v: 100 }]).subscribe({ next: (v) => input.next(v) });
    job.close();
    // Taken by a worker first (late on a loaded machine), then given time to end if it would.
    await until(() => job.state.status === 'running', 'running');
    await sleep(150);
    expect(job.state.status, 'the input keeps it open').to.equal('running');
    input.next({ v: 1000 });
    input.complete();
    const final = await job.wait();
    expect(final.status).to.equal('completed');
    expect(final.getSharedData('total')).to.equal(1111);
    expect(() => job.send('nope', 'in', {})).to.throw(ConfigurationError, 'nope');
  });

  it('observe streams one event of the job (payloads exact: Dates too) and output$ its outputs, completing with it', async () => {
    const job = build(25).start('src', { n: 5 }, { runner: cluster.runner });
    const seen = lastValueFrom(job.observe('src', 'out').pipe(toArray()));
    const outputs = lastValueFrom(job.output$.pipe(toArray()));
    await job.wait();
    const values = await seen;
    expect(values.map((v) => v.i)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(values[4].at).to.be.instanceOf(Date);
    expect((values[4].at as Date).getTime()).to.equal(1_700_000_000_004);
    expect((await outputs).map((o) => o.data)).to.deep.equal([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(() => job.observe('src', 'nope')).to.throw(ConfigurationError, 'nope');
  });

  it('runner.resume picks a paused job up from another client; runner.job attaches to any', async () => {
    const job = build().start('src', { n: 20 }, { runner: cluster.runner, jobId: 'resumed-elsewhere' });
    await until(() => job.state.status === 'running', 'running');
    await job.pause();
    const other = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    try {
      const again = await other.resume(build(), 'resumed-elsewhere');
      expect(again.state.status).to.equal('running');
      const final = await again.wait();
      expect(final.status).to.equal('completed');
      expect(final.getSharedData('count')).to.equal(20);
      const attached = await other.job(build(), 'resumed-elsewhere');
      expect(attached.state.status).to.equal('completed');
      await rejected(other.resume(build(), 'resumed-elsewhere'), JobStateError, 'completed');
      await rejected(other.job(build(), 'no-such-job'), ConfigurationError, 'no-such-job');
    } finally {
      await other.close();
    }
  });

  it('keeps ids with ":" and integer-like ids apart, and refuses a taken id', async () => {
    const ids = ['a:b:c', '42', '7', '{t}:1', 'ünï 🎉'];
    const jobs = ids.map((id, i) => build(0).start('src', { n: i + 1 }, { runner: cluster.runner, jobId: id }));
    const finals = await Promise.all(jobs.map((j) => j.wait()));
    expect(finals.map((s) => [s.jobId, s.status, s.getSharedData('count')])).to.deep.equal(ids.map((id, i) => [id, 'completed', i + 1]));
    const again = build(0).start('src', { n: 1 }, { runner: cluster.runner, jobId: '42' });
    const refused = await again.wait();
    expect(refused.status).to.equal('failed');
    expect(refused.error).to.include({ name: 'ConfigurationError' });
    expect(refused.error!.message).to.include("job id '42' is taken");
  });

  it('a worker whose flow differs refuses the job: it fails with a ConfigurationError naming both fingerprints', async () => {
    const other = new Flow({ flowId: 'runner-spec' });
    other.addRoutine(new Ticker(), 'src');
    other.addRoutine(new Work(15), 'work');
    other.addRoutine(new Total(), 'acc'); // same routines, but src is not connected to work
    const final = await other.start('src', { n: 3 }, { runner: cluster.runner }).wait();
    expect(final.status).to.equal('failed');
    expect(final.error).to.include({ name: 'ConfigurationError' });
    expect(final.error!.message).to.include('fingerprint');
    cluster.errors.length = 0; // the refusing worker reported it
  });

  it('runWorker refuses a flow with a store of its own (its jobs would be written twice, one of them unfenced) with a ConfigurationError, before connecting', async () => {
    const flow = new Flow({ flowId: 'runner-spec-stored', store: new MemoryJobStore() });
    flow.addRoutine(new Ticker(), 'src');
    const error = await runWorker(flow, { connection: { path: '/nonexistent/redis.sock' } }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigurationError);
    expect((error as Error).message).to.include("flow 'runner-spec-stored' has a store");
  });

  it('start validates like a local start: unknown entry, bad params, unsendable params throw at once', () => {
    const flow = build();
    expect(() => flow.start('nope', {}, { runner: cluster.runner })).to.throw(ConfigurationError, 'nope');
    expect(() => flow.start('src', [] as unknown as Payload, { runner: cluster.runner })).to.throw(ConfigurationError, 'plain object');
    expect(() => flow.start('src', { f: () => 1 }, { runner: cluster.runner })).to.throw(/function/);
    expect(() => flow.start('src', {}, { runner: {} as never })).to.throw(ConfigurationError, 'JobRunner');
    expect(() => flow.start('src', {}, { runner: cluster.runner, jobId: '' })).to.throw(ConfigurationError, 'jobId');
  });

  it('a closing worker hands its running jobs over: another worker finishes them, nothing lost or repeated', async () => {
    const extra = await startCluster(redis, () => build(10), 1);
    try {
      // One sequential flow per worker: the three jobs' activations take turns, 10 ms each (about 0.9 s in all).
      const jobs = [0, 1, 2].map((k) => build(10).start('src', { n: 30 }, { runner: extra.runner, jobId: `handoff-${k}` }));
      await until(() => jobs.every((j) => j.state.status !== 'pending'), 'started', 10_000);
      await sleep(60);
      const second = await extra.addWorker();
      const running = jobs.filter((j) => j.state.status === 'running').length;
      await extra.workers[0].close();
      expect(running, 'jobs handed over').to.be.greaterThan(0);
      const finals = await Promise.all(jobs.map((j) => j.wait()));
      for (const f of finals) {
        expect(f.status).to.equal('completed');
        expect(f.getSharedData('count')).to.equal(30);
        expect(f.getSharedData('sum')).to.equal(435);
        expect(f.pausePoints, 'the handover leaves no pause point').to.deep.equal([]);
      }
      await until(() => second.owned === 0, 'the second worker let the jobs go');
      expect(extra.errors).to.deep.equal([]);
    } finally {
      await extra.close();
    }
  });

  it('fails a job that lost more than maxRecoveries owners with WorkerLostError, its snapshot kept', async () => {
    const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    try {
      const job = build().start('src', { n: 30 }, { runner: cluster.runner, jobId: 'doomed' });
      await until(() => job.state.status === 'running', 'running');
      const paused = await job.pause();
      // Four owners that took the job and died without letting it go.
      for (let k = 0; k < 4; k++) {
        expect(await store.acquire('doomed', `ghost-${k}`, 30)).to.equal(true);
        await sleep(60);
      }
      job.resume();
      const final = await job.wait();
      expect(final.status).to.equal('failed');
      expect(final.error?.name).to.equal('WorkerLostError');
      expect(final.pendingTasks.length, 'snapshot kept').to.equal(paused.pendingTasks.length);
      expect(() => job.send('acc', 'in', { v: 1 }), 'no input to a failed remote job').to.throw(JobStateError, 'resume it first');
      cluster.errors.length = 0;
      const after = await (await cluster.runner.resume(build(), 'doomed')).wait();
      expect(after.status, 'resumable once the cause is gone').to.equal('completed');
      expect(after.getSharedData('count')).to.equal(30);
    } finally {
      await store.close();
    }
  });
});
