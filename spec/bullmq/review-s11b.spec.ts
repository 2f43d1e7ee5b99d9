/**
 * Review s11b: routilux/bullmq's client side (BullMQRunner, RemoteJob) against the in-process
 * Job of the same flow. Each spec drives both through the same public calls and compares what
 * they give: results, errors (their RoutiluxError class), states. Fourteen of them failed on
 * the tree they were written on (fixed since: CHANGELOG, "Fixed (eleventh session)").
 */
import 'reflect-metadata';
import { expect } from 'chai';
import { Type } from 'class-transformer';
import { from, lastValueFrom, toArray } from 'rxjs';
import { ConfigurationError, Flow, JobState, JobStateError, RoutiluxError, Routine, registerPayloadClass, type ExecutionContext, type Job, type Payload } from '../../lib/index.js';
import { Redis } from 'ioredis';
import { BullMQRunner, RemoteJob } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';
import { Total, startCluster, type Cluster } from './helpers.js';

class Coin {
  cents = 0;
  @Type(() => Date) minted = new Date(0);
  label(): string {
    return `${this.cents}c`;
  }
}
registerPayloadClass('ReviewS11b.Coin', Coin);

/** echo.trigger: the params go to shared data, an output and an emission, unchanged. */
class Echo extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (params: Payload, ctx: ExecutionContext) => {
      ctx.setSharedData('v', params);
      this.sendOutput('o', params);
      this.emit('out', params);
    });
  }
}

/** slow.trigger: `n` steps of `ms` each, counted in shared data (time to pause or close). */
class Slow extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ n: number; ms: number }>('trigger', async (data, ctx) => {
      await sleep(data.ms);
      ctx.setSharedData('count', ctx.getSharedData<number>('count', 0) + 1);
      if (data.n > 1) this.emit('out', { n: data.n - 1, ms: data.ms });
    });
  }
}

/** flaky.trigger: throws while `down.now` is set, else records its params in shared data. */
const down = { now: false };
class Flaky extends Routine {
  constructor() {
    super();
    this.defineSlot('trigger', (params: Payload, ctx: ExecutionContext) => {
      if (down.now) throw new Error('down');
      ctx.setSharedData('ok', params);
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s11b' });
  flow.addRoutine(new Echo(), 'echo');
  flow.addRoutine(new Slow(), 'slow');
  flow.addRoutine(new Total(), 'acc');
  flow.addRoutine(new Flaky(), 'flaky');
  flow.connect('slow', 'out', 'slow', 'trigger');
  return flow;
}

/** What `promise` rejects with, or what `fn` throws (undefined when it does neither within 3 s). */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    const value = fn();
    if (value instanceof Promise) {
      const outcome = await Promise.race([value.then(() => undefined), sleep(3_000).then(() => 'pending' as const)]);
      if (outcome === 'pending') return 'still pending after 3 s';
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Every kind of value a job must keep exactly. */
const params = (): Payload => {
  const coin = Object.assign(new Coin(), { cents: -0, minted: new Date(7) });
  return { d: new Date(5), m: new Map<unknown, unknown>([[1, new Date(2)], ['k', 1n]]), s: new Set([1, 'a']), b: 2n ** 70n, u: undefined, nz: -0, nan: NaN, inf: -Infinity, re: /x+/gi, ta: new Uint8Array([1, 2]), coin, deep: { u: undefined, a: [undefined, -0] } };
};

const kind = (error: unknown): string => (error instanceof Error ? `${error instanceof RoutiluxError ? 'RoutiluxError ' : ''}${error.name}` : String(error));

describe('routilux/bullmq: review s11b, the client side against in-process', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    redis.atStop(() => cluster.close());
  });

  const remote = (entry: string, params: Payload, jobId?: string): Job => build().start(entry, params, { runner: cluster.runner, ...(jobId ? { jobId } : {}) });

  it('payloads (Date, Map, Set, BigInt, undefined fields, -0, NaN, RegExp, typed array, @Type class) come back as in-process through JSON persistence', async () => {
    const here = await build().start('echo', params(), { jobId: 'payloads' }).wait();
    const local = JobState.fromJSON(JSON.parse(JSON.stringify(here.toJSON())));
    const job = remote('echo', params(), 'payloads');
    const emitted = lastValueFrom(job.observe('echo', 'out').pipe(toArray()));
    const outputs = lastValueFrom(job.output$.pipe(toArray()));
    const final = await job.wait();
    expect(final.status).to.equal(local.status);
    expect(final.sharedData).to.deep.equal(local.sharedData);
    expect(final.outputLog.map((o) => o.data)).to.deep.equal(local.outputLog.map((o) => o.data));
    expect(final.executionHistory.map((r) => r.data)).to.deep.equal(local.executionHistory.map((r) => r.data));
    expect(await emitted).to.deep.equal([local.getSharedData('v')]);
    expect((await outputs).map((o) => o.data)).to.deep.equal(local.outputLog.map((o) => o.data));
    const v = final.getSharedData<{ coin: Coin; nz: number }>('v');
    expect(v.coin).to.be.instanceOf(Coin);
    expect(v.coin.label()).to.equal('0c');
    expect(Object.is(v.nz, -0), '-0 kept').to.equal(true);
  });

  it('wait({ signal }) with a signal that is not an AbortSignal rejects with a ConfigurationError, as in-process', async () => {
    const here = build().start('slow', { n: 3, ms: 20 });
    const local = await failure(() => here.wait({ signal: 'nope' as unknown as AbortSignal }));
    expect(local).to.be.instanceOf(ConfigurationError);
    const job = remote('slow', { n: 3, ms: 20 });
    const got = await failure(() => job.wait({ signal: 'nope' as unknown as AbortSignal }));
    expect(kind(got), String(got)).to.equal(kind(local));
  });

  it('after a refused wait({ signal: <not a signal> }), a plain wait() of the same handle still resolves, as in-process', async () => {
    const here = build().start('slow', { n: 3, ms: 20 });
    await failure(() => here.wait({ signal: 'nope' as unknown as AbortSignal }));
    expect((await here.wait()).status).to.equal('completed');
    const job = remote('slow', { n: 3, ms: 20 });
    await failure(() => job.wait({ signal: 'nope' as unknown as AbortSignal }));
    const outcome = await Promise.race([job.wait().then((s) => s.status), sleep(2_000).then(() => 'wait() still pending 2 s later')]);
    expect(outcome, `the runner's background errors: ${cluster.errors.map(String).join('; ')}`).to.equal('completed');
  });

  it('pause(reason) with a reason that is not a string rejects with a ConfigurationError and leaves the job running, as in-process', async () => {
    const here = build().start('slow', { n: 4, ms: 30 });
    const local = await failure(() => here.pause(42 as unknown as string));
    expect(local).to.be.instanceOf(ConfigurationError);
    const job = remote('slow', { n: 4, ms: 30 });
    await until(() => job.state.status === 'running', 'running');
    const got = await failure(() => job.pause(42 as unknown as string));
    const [a, b] = await Promise.all([here.wait(), job.wait()]);
    expect(kind(got), String(got)).to.equal(kind(local));
    expect(b.status, 'the remote job was paused by the refused call').to.equal(a.status);
  });

  it('pause(reason, checkpoint) with an array checkpoint rejects with a ConfigurationError, as in-process', async () => {
    const here = build().start('slow', { n: 4, ms: 30 });
    const local = await failure(() => here.pause('r', [1] as unknown as Payload));
    expect(local).to.be.instanceOf(ConfigurationError);
    const job = remote('slow', { n: 4, ms: 30 });
    await until(() => job.state.status === 'running', 'running');
    const got = await failure(() => job.pause('r', [1] as unknown as Payload));
    const [a, b] = await Promise.all([here.wait(), job.wait()]);
    expect(kind(got), String(got)).to.equal(kind(local));
    expect(b.status).to.equal(a.status);
  });

  it('start with timeout: Infinity throws a ConfigurationError at once, as in-process', async () => {
    const local = await failure(() => build().start('echo', {}, { timeout: Infinity }));
    expect(local).to.be.instanceOf(ConfigurationError);
    let job: Job | undefined;
    const got = await failure(() => (job = build().start('echo', {}, { runner: cluster.runner, timeout: Infinity })));
    const then = job === undefined ? '' : await job.wait().then((s) => `the job was queued and ended ${s.status}: ${s.error?.name}: ${s.error?.message}`);
    expect(kind(got), then).to.equal(kind(local));
  });

  it('input(): a next() with a payload that is not a plain object goes through the error policy (the job fails), as in-process; it never throws into the source', async () => {
    const flow = build();
    const here = flow.open();
    const localThrow = await failure(() => from([[1]] as unknown as Payload[]).subscribe(here.input('acc', 'in')));
    here.close();
    const local = await here.wait();
    expect(localThrow).to.equal(undefined);
    const job = build().open({ runner: cluster.runner });
    const input = job.input('acc', 'in');
    const remoteThrow = await failure(() => input.next([1] as unknown as Payload));
    input.complete();
    job.close();
    const final = await job.wait();
    expect(remoteThrow, 'next() threw into the source (an RxJS source reports it to the event loop)').to.equal(undefined);
    expect(final.status).to.equal(local.status);
    expect(final.error?.name).to.equal(local.error?.name);
  });

  it('a pending wait() settles (or rejects with a RoutiluxError) when the runner closes; it does not hang forever', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const job = build().start('slow', { n: 20, ms: 50 }, { runner });
    await until(() => job.state.status === 'running', 'running');
    // Handled from the start: a rejection during close() is not an unhandled one, even for a tick.
    const waiting = job.wait().then((s) => s.status, (e: unknown) => kind(e));
    await runner.close();
    const outcome = await Promise.race([waiting, sleep(2_000).then(() => 'still pending 2 s after runner.close()')]);
    expect(outcome).to.not.equal('still pending 2 s after runner.close()');
  });

  it('start on a closed runner is refused with a RoutiluxError (thrown, or the job failing with one)', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    await build().start('echo', {}, { runner }).wait();
    await runner.close();
    let job: Job | undefined;
    const thrown = await failure(() => (job = build().start('echo', {}, { runner })));
    if (thrown !== undefined) {
      expect(thrown).to.be.instanceOf(RoutiluxError);
      return;
    }
    const final = await Promise.race([job!.wait(), sleep(3_000).then(() => undefined)]);
    expect(final?.status, 'the job of a closed runner').to.equal('failed');
    expect(['ConfigurationError', 'JobStateError', 'StoreError'], `${final!.error!.name}: ${final!.error!.message}`).to.include(final!.error!.name);
  });

  it('runner.job / runner.resume with a flow that is not a Flow reject with a ConfigurationError', async () => {
    await remote('echo', {}, 'attach-bad-flow').wait();
    const got = await failure(() => cluster.runner.job(undefined as unknown as Flow, 'attach-bad-flow'));
    expect(got, String(got)).to.be.instanceOf(ConfigurationError);
    const again = await failure(() => cluster.runner.resume({} as unknown as Flow, 'attach-bad-flow'));
    expect(again, String(again)).to.be.instanceOf(ConfigurationError);
  });

  it('runner.job of a settled job, runner.job of an unknown id and runner.resume of a completed job leave no channel subscribed', async () => {
    await remote('echo', {}, 'attach-done').wait();
    const channels = (): string[] => [...((cluster.runner as unknown as { feed?: { listeners: Map<string, unknown> } }).feed?.listeners.keys() ?? [])].filter((c) => c.includes('attach-'));
    expect(channels(), 'none before').to.deep.equal([]);
    const attached = await cluster.runner.job(build(), 'attach-done');
    expect(attached.state.status).to.equal('completed');
    expect(await failure(() => cluster.runner.job(build(), 'attach-nobody'))).to.be.instanceOf(ConfigurationError);
    expect(await failure(() => cluster.runner.resume(build(), 'attach-done'))).to.be.instanceOf(JobStateError);
    await sleep(50);
    expect(channels(), 'channels still subscribed after the handles settled or were refused').to.deep.equal([]);
  });

  it('odd ids (":", newline, unicode, integer-like) complete and attach from another client, each its own job', async () => {
    const ids = ['a:b', 'x\ny', 'ジョブ✓🚀', '007', '7', ' '];
    const jobs = ids.map((id, i) => remote('echo', { i }, id));
    const finals = await Promise.all(jobs.map((j) => j.wait()));
    expect(finals.map((s) => [s.jobId, s.status, s.getSharedData<{ i: number }>('v').i])).to.deep.equal(ids.map((id, i) => [id, 'completed', i]));
    const other = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    try {
      for (const [i, id] of ids.entries()) {
        const attached = await other.job(build(), id);
        expect(attached.state.jobId).to.equal(id);
        expect(attached.state.getSharedData<{ i: number }>('v').i).to.equal(i);
      }
    } finally {
      await other.close();
    }
  });

  it('an AbortSignal aborted mid-job cancels it as in-process (same status, same error)', async () => {
    const localCtl = new AbortController();
    const here = build().start('slow', { n: 10, ms: 30 }, { signal: localCtl.signal });
    const ctl = new AbortController();
    const job = build().start('slow', { n: 10, ms: 30 }, { runner: cluster.runner, signal: ctl.signal });
    await until(() => job.state.status === 'running', 'running');
    localCtl.abort(new Error('stop now'));
    ctl.abort(new Error('stop now'));
    const [a, b] = await Promise.all([here.wait(), job.wait()]);
    expect([b.status, b.error]).to.deep.equal([a.status, a.error]);
  });

  it('run$ through the runner: completes with the final state; unsubscribing cancels the remote job', async () => {
    const states = await lastValueFrom(build().run$('echo', { x: 1 }, { runner: cluster.runner }).pipe(toArray()));
    expect(states.at(-1)!.status).to.equal('completed');
    const flow = build();
    const sub = flow.run$('slow', { n: 30, ms: 30 }, { runner: cluster.runner, jobId: 'run$-cancel' }).subscribe({ error: () => undefined });
    await sleep(200);
    sub.unsubscribe();
    const job = await cluster.runner.job(build(), 'run$-cancel');
    const final = await job.wait();
    expect(final.status).to.equal('cancelled');
    expect(job).to.be.instanceOf(RemoteJob);
  });

  it('send() on an open job and a pause checkpoint carry the same payloads as in-process through JSON persistence', async () => {
    const here = build().open({ jobId: 'send-payloads' });
    here.send('echo', 'trigger', params());
    here.close();
    const local = JobState.fromJSON(JSON.parse(JSON.stringify((await here.wait()).toJSON())));
    const job = build().open({ runner: cluster.runner, jobId: 'send-payloads' });
    job.send('echo', 'trigger', params());
    job.close();
    const final = await job.wait();
    expect(final.status).to.equal('completed');
    expect(final.sharedData).to.deep.equal(local.sharedData);
    const paused = build().start('slow', { n: 50, ms: 20 }, { runner: cluster.runner });
    await until(() => paused.state.status === 'running', 'running');
    const p = await paused.pause('rich', params());
    const h = build().start('slow', { n: 50, ms: 20 });
    await sleep(30);
    const hp = await h.pause('rich', params());
    const hpl = JobState.fromJSON(JSON.parse(JSON.stringify(hp.toJSON())));
    expect(p.pausePoints.at(-1)!.checkpoint).to.deep.equal(hpl.pausePoints.at(-1)!.checkpoint);
    await Promise.all([paused.cancel(), h.cancel()]);
  });

  it('pause() then cancel() at once on a job with an activation in flight: the pause settles as in-process', async () => {
    const outcome = async (job: Job): Promise<[string, string]> => {
      const p = job.pause('p');
      const c = job.cancel('c');
      const [ps, cs] = await Promise.allSettled([p, c]);
      const show = (r: PromiseSettledResult<Awaited<typeof p>>): string => (r.status === 'fulfilled' ? `resolved ${r.value.status}` : `rejected ${kind(r.reason)}`);
      return [show(ps), show(cs)];
    };
    const here = build().start('slow', { n: 5, ms: 150 });
    await sleep(30);
    const local = await outcome(here);
    const job = remote('slow', { n: 5, ms: 150 });
    await until(() => job.state.status === 'running', 'running');
    await sleep(30);
    expect(await outcome(job)).to.deep.equal(local);
  });

  it('an unknown entry slot fails the job through the error policy, as in-process (same status and error)', async () => {
    const here = await build().start('echo', {}, { slot: 'nope' }).wait();
    const final = await build().start('echo', {}, { runner: cluster.runner, slot: 'nope' }).wait();
    expect([final.status, final.error?.name, final.error?.message]).to.deep.equal([here.status, here.error?.name, here.error?.message]);
  });

  it('a closed runner: runner.job rejects with a RoutiluxError, a handle of it rejects cancel() with one, a second close() resolves', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const job = build().start('slow', { n: 30, ms: 30 }, { runner });
    await until(() => job.state.status === 'running', 'running');
    await runner.close();
    const attach = await failure(() => runner.job(build(), job.jobId));
    const cancel = await failure(() => job.cancel('late'));
    const again = await failure(() => runner.close());
    await cluster.runner.job(build(), job.jobId).then((j) => j.cancel().catch(() => undefined));
    const shown = (e: unknown): string => (e instanceof RoutiluxError ? 'a RoutiluxError' : String(e));
    expect([shown(attach), shown(cancel), shown(again)]).to.deep.equal(['a RoutiluxError', 'a RoutiluxError', 'undefined']);
  });

  it("start on a closed runner given the user's own client is refused, not queued with a handle that never hears of the job", async () => {
    const client = new Redis({ path: redis.connection.path });
    const runner = new BullMQRunner({ connection: client, prefix: cluster.prefix });
    try {
      await build().start('echo', {}, { runner }).wait();
      await runner.close();
      let job: Job | undefined;
      const thrown = await failure(() => (job = build().start('echo', { x: 1 }, { runner, jobId: 'closed-own-client' })));
      if (thrown !== undefined) return void expect(thrown).to.be.instanceOf(RoutiluxError);
      const outcome = await Promise.race([job!.wait().then((s) => `${s.status} ${s.error?.name ?? ''}`), sleep(2_000).then(() => 'wait() still pending 2 s later')]);
      const stored = await cluster.runner.store.load('closed-own-client');
      expect(outcome, `the job ran on the workers all the same: stored ${stored?.status}`).to.match(/^failed (ConfigurationError|JobStateError)$/);
    } finally {
      await runner.close(); // (the queue it opened again)
      await client.quit();
    }
  });

  it('bad input to send / input / observe / wait / pause / resume of an open job: the same RoutiluxError class as in-process, and nothing half-changed', async () => {
    const calls: Array<[string, (job: Job) => unknown]> = [
      ["send('nope', 'in')", (j) => j.send('nope', 'in', {})],
      ["send('acc', 'nope')", (j) => j.send('acc', 'nope', {})],
      ['send an array', (j) => j.send('acc', 'in', [1] as unknown as Payload)],
      ['send null', (j) => j.send('acc', 'in', null as unknown as Payload)],
      ['send(42, ...)', (j) => j.send(42 as unknown as string, 'in', {})],
      ['send(null, ...)', (j) => j.send(null as unknown as string, 'in', {})],
      ["send to another flow's slot", (j) => j.send(build().getRoutine('acc')!.getSlot('in')!, { v: 1 })],
      ["input('nope', 'in')", (j) => j.input('nope', 'in')],
      ['input(undefined)', (j) => j.input(undefined as unknown as string, 'in')],
      ["observe('echo', 'nope')", (j) => j.observe('echo', 'nope')],
      ['observe(null)', (j) => j.observe(null as unknown as string, 'out')],
      ['wait({ timeout: -1 })', (j) => j.wait({ timeout: -1 })],
      ["wait({ timeout: '5' })", (j) => j.wait({ timeout: '5' as unknown as number })],
      ['resume() while running', (j) => j.resume()],
      ['wait({ timeout: 1 }) (it times out)', (j) => j.wait({ timeout: 1 })],
      ['wait({ signal }) of an aborted signal', (j) => j.wait({ signal: AbortSignal.abort(new RangeError('gone')) })],
    ];
    const here = build().open();
    const job = build().open({ runner: cluster.runner });
    const rows: string[] = [];
    for (const [name, call] of calls) {
      const [a, b] = [await failure(() => call(here)), await failure(() => call(job))];
      if (kind(a) !== kind(b)) rows.push(`${name}: in-process ${kind(a)}, remote ${kind(b)} (${String(b)})`);
    }
    here.send('acc', 'in', { v: 2 });
    job.send('acc', 'in', { v: 2 });
    here.close();
    job.close();
    const [a, b] = await Promise.all([here.wait(), job.wait()]);
    expect(rows, 'calls that fail otherwise remotely').to.deep.equal([]);
    expect([b.status, b.sharedData]).to.deep.equal([a.status, a.sharedData]);
  });

  it('state$ of a remote job: frozen snapshots as in-process, completing when the job completes', async () => {
    const here = build().start('slow', { n: 3, ms: 10 });
    const local = await lastValueFrom(here.state$.pipe(toArray()));
    const job = remote('slow', { n: 3, ms: 10 });
    const states = await lastValueFrom(job.state$.pipe(toArray()));
    expect(states.at(-1)!.status).to.equal(local.at(-1)!.status);
    expect(local.every((s) => Object.isFrozen(s) && Object.isFrozen(s.sharedData)), 'in-process snapshots frozen').to.equal(true);
    expect(states.map((s) => Object.isFrozen(s) && Object.isFrozen(s.sharedData))).to.deep.equal(states.map(() => true));
  });

  it('runner.resume of a paused job with another definition of the flow is refused with a ConfigurationError; the job then resumes with the right one to the in-process result', async () => {
    const local = await build().start('slow', { n: 6, ms: 20 }).wait();
    const job = remote('slow', { n: 6, ms: 20 }, 'resume-other-def');
    await until(() => job.state.status === 'running', 'running');
    await job.pause('hold');
    const other = build();
    other.addRoutine(new Total(), 'extra'); // same flowId, another fingerprint
    const refused = await cluster.runner.resume(other, 'resume-other-def').then((j) => j.wait());
    expect([refused.status, refused.error?.name]).to.deep.equal(['failed', 'ConfigurationError']);
    const again = await (await cluster.runner.resume(build(), 'resume-other-def')).wait();
    expect([again.status, again.getSharedData('count')]).to.deep.equal([local.status, local.getSharedData('count')]);
  });

  it('a failed job resumed by another client (runner.resume) ends as the in-process job resumed after its failure', async () => {
    down.now = true;
    const here = build().start('flaky', params());
    const job = remote('flaky', params(), 'resume-failed');
    const [hf, rf] = await Promise.all([here.wait(), job.wait()]);
    down.now = false;
    expect([rf.status, rf.error?.name, rf.error?.message, rf.error?.routineId]).to.deep.equal([hf.status, hf.error?.name, hf.error?.message, hf.error?.routineId]);
    expect(rf.failedTask?.data).to.deep.equal(JobState.fromJSON(JSON.parse(JSON.stringify(hf.toJSON()))).failedTask?.data);
    const local = JobState.fromJSON(JSON.parse(JSON.stringify((await here.resume().wait()).toJSON())));
    const other = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    try {
      const final = await (await other.resume(build(), 'resume-failed')).wait();
      expect([final.status, final.error, final.sharedData]).to.deep.equal([local.status, local.error, local.sharedData]);
      expect(final.executionHistory.map((r) => [r.routineId, r.eventName])).to.deep.equal(local.executionHistory.map((r) => [r.routineId, r.eventName]));
    } finally {
      await other.close();
    }
  });

  it('input().error(e) goes through the error policy as in-process (same status and error); cancel() right after start drops the entry as in-process', async () => {
    const here = build().open();
    here.input('acc', 'in').error(new RangeError('source broke'));
    here.close();
    const job = build().open({ runner: cluster.runner });
    job.input('acc', 'in').error(new RangeError('source broke'));
    job.close();
    const [a, b] = await Promise.all([here.wait(), job.wait()]);
    expect([b.status, b.error?.name, b.error?.message, b.error?.routineId]).to.deep.equal([a.status, a.error?.name, a.error?.message, a.error?.routineId]);
    const h = build().start('echo', { x: 1 });
    const r = remote('echo', { x: 1 });
    const [hc, rc] = await Promise.all([h.cancel('never mind'), r.cancel('never mind')]);
    expect([rc.status, rc.sharedData, rc.outputLog.length]).to.deep.equal([hc.status, hc.sharedData, hc.outputLog.length]);
  });
});
