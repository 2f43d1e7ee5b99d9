/**
 * Review s13a (routilux/bullmq, main at 95e35e6): the pool attempt timeout, a remote handle's
 * commands racing runner.close() and another client, resume() and an AbortSignal given with a
 * start. Each FINDING fails on that tree; each pin passes. Every wait is bounded, so a hang
 * fails its spec, not the run. Each suite has its own flowId (and cluster).
 */
import { getEventListeners } from 'node:events';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { CONTROL } from '../../lib/bullmq/control-scripts.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { TimeoutError } from '../../lib/errors/errors.js';
import { ErrorHandler, Flow, Routine, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { useRedis, type RedisFixture } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { slowScriptRunner, startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome (its value, or the error it rejected with), or 'HANG' after `ms`. */
const outcome = <T>(promise: Promise<T>, ms = 5_000): Promise<T | Error | 'HANG'> =>
  Promise.race([promise.catch((error: unknown) => error as Error), sleep(ms).then(() => 'HANG' as const)]);
const statusOf = (got: JobState | Error | 'HANG'): string => (got === 'HANG' ? 'HANG' : got instanceof Error ? `${got.name}: ${got.message}` : got.status);

/** A runner on its own connection whose CONTROL calls take `ms` longer (close() leaves the connection up, as a caller's client). */
function slowControl(redis: RedisFixture, prefix: string, ms: number): { runner: BullMQRunner; disconnect: () => void } {
  return slowScriptRunner(redis, prefix, CONTROL, ms);
}

/** Pool handlers started, as `<kind>#<attempt>`. */
const started: string[] = [];

/**
 * src.trigger → pool routine work.in: `hold` sleeps (ignoring its signal); `hang` never settles at attempts <= hang; `own` throws its own TimeoutError at attempts <= own.
 * Each activation's time limit is `activationTimeout` (a flow of another limit has its own flowId, and needs its own cluster).
 */
function poolFlow(activationTimeout = 300): Flow {
  const flow = new Flow({ flowId: activationTimeout === 300 ? 'review-s13a-pool' : `review-s13a-pool-${activationTimeout}`, activationTimeout });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (d: Payload, ctx: ExecutionContext) => ctx.emit('out', d));
  const work = new Routine();
  work.defineSlot<{ hold?: number; hang?: number; own?: number }>('in', async (d, ctx) => {
    started.push(`${d.hold ? 'hold' : d.own ? 'own' : 'hang'}#${ctx.attempt}`);
    if (d.hold) return sleep(d.hold);
    if (ctx.attempt <= (d.hang ?? 0)) return new Promise<void>(() => undefined);
    if (ctx.attempt <= (d.own ?? 0)) throw new TimeoutError('my own upstream timed out');
    ctx.setSharedData('v', ctx.attempt);
  });
  work.setPlacement('pool');
  work.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: 800 }));
  flow.addRoutine(src, 'src');
  flow.addRoutine(work, 'work');
  flow.connect('src', 'out', 'work', 'in');
  return flow;
}

describe('review s13a: a pool handler’s own TimeoutError', function () {
  this.timeout(30_000);
  const redis = useRedis();
  // A limit no attempt reaches, however loaded the machine: what it checks is the handler's own error, not the limit.
  const roomy = (): Flow => poolFlow(10_000);
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, roomy, 1, { pool: { concurrency: 1 } });
    redis.atStop(() => outcome(cluster.close(), 3_000));
  });

  it('pin: a pool handler throwing its own TimeoutError is retried as in-process (not taken for the attempt timeout)', async () => {
    const local = await outcome(roomy().start('src', { own: 1 }).wait());
    started.length = 0;
    const remote = await outcome(roomy().start('src', { own: 1 }, { runner: cluster.runner }).wait());
    const seen = (s: JobState | Error | 'HANG'): unknown => (typeof s === 'object' && !(s instanceof Error) ? [s.status, s.sharedData] : s);
    expect(seen(remote)).to.deep.equal(seen(local));
    expect(started).to.deep.equal(['own#1', 'own#2']);
  });
});

describe('review s13a: a pool attempt timed out before the pool took it', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, poolFlow, 1, { pool: { concurrency: 1 } });
    redis.atStop(() => outcome(cluster.close(), 3_000));
  });

  // Last in its suite: it leaves the one pool slot held for ever.
  it('FINDING 1: the owner’s ATTEMPT_TIMEOUT is told while the activation waits in the pool queue: it runs later, never settles, holds the slot for ever (the retry never runs; worker.close() hangs)', async () => {
    const local = await outcome(poolFlow().start('src', { hang: 1 }).wait());
    expect(statusOf(local)).to.equal('completed');
    started.length = 0;
    // x holds the one pool slot 600 ms and is cancelled meanwhile (a job-level abort waits for its handler, by design).
    const x = poolFlow().start('src', { hold: 600 }, { runner: cluster.runner });
    while (started.length === 0) await sleep(5);
    await x.cancel('make room later');
    // y's attempt 1 is queued behind x; its owner times it out at 300 ms and tells the pool, which does not run it yet.
    const y = await outcome(poolFlow().start('src', { hang: 1 }, { runner: cluster.runner }).wait(), 6_000);
    const closed = await outcome(Promise.all(cluster.workers.map((w) => w.close())).then(() => 'closed'), 3_000);
    // (started: ['hold#1', 'hang#1'] here; hang#1 may or may not run once fixed, hang#2 must.)
    expect({ y: statusOf(y), v: y instanceof Object && !(y instanceof Error) ? y.getSharedData('v') : undefined, closed, retried: started.includes('hang#2') }).to.deep.equal({
      y: 'completed',
      v: 2,
      closed: 'closed',
      retried: true,
    });
  });
});

/** echo.trigger: params to shared data; wait.trigger: sleeps `ms`; boom.trigger: throws after `ms`. */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s13a' });
  const echo = new Routine();
  echo.defineSlot('trigger', (params: Payload, ctx: ExecutionContext) => ctx.setSharedData('v', params));
  const wait = new Routine();
  wait.defineSlot<{ ms: number }>('trigger', async (data, ctx) => {
    await sleep(data.ms);
    ctx.setSharedData('done', 1);
  });
  const boom = new Routine();
  boom.defineSlot<{ ms: number }>('trigger', async (data) => {
    await sleep(data.ms);
    throw new Error('boom');
  });
  flow.addRoutine(echo, 'echo');
  flow.addRoutine(wait, 'wait');
  flow.addRoutine(boom, 'boom');
  return flow;
}

describe('review s13a: a remote handle’s commands, resume() and signal', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let peek: Redis;
  before(async () => {
    cluster = await startCluster(redis, build, 2);
    peek = new Redis(redis.connection as never);
    redis.atStop(async () => {
      peek.disconnect();
      await cluster.close();
    });
  });

  const subscribers = async (jobId: string): Promise<number> => Number(((await peek.pubsub('NUMSUB', jobKeys(cluster.prefix, jobId).channel)) as [string, number])[1]);

  /** A job paused and let go by its owner (no live lease: a command to it needs a delivery). */
  const pausedJob = async (runner: BullMQRunner): Promise<ReturnType<Flow['start']>> => {
    const job = build().start('wait', { ms: 30 }, { runner });
    expect(statusOf(await outcome(job.pause('hold')))).to.equal('paused');
    await sleep(300);
    return job;
  };

  it('FINDING 2: runner.close() while a cancel is on its way to a paused job: cancel() rejects "closed", yet the cancel stays in the stream and cancels the job when another client resumes it', async () => {
    const { runner, disconnect } = slowControl(redis, cluster.prefix, 300);
    const other = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    try {
      const job = await pausedJob(runner);
      const cancelled = outcome(job.cancel('bye'));
      await sleep(100); // its CONTROL is on its way
      await runner.close();
      const got = await cancelled;
      expect(got).to.be.instanceOf(Error); // (here: "BullMQRunner ... is closed", from add(): the CONTROL had run)
      await sleep(500);
      const again = await other.job(build(), job.jobId);
      if (again.state.status === 'cancelled') return; // (delivered after all: acceptable, the cancel was sent)
      expect(again.state.status).to.equal('paused');
      again.resume(); // the cancel was refused to its caller: the resumed job must run on
      expect(statusOf(await outcome(again.wait()))).to.equal('completed');
    } finally {
      await other.close();
      disconnect();
    }
  });

  it('FINDING 3: resume() held while another client’s cancel lands: the cancelled status is dropped as stale, the handle shows running for ever and wait() hangs', async () => {
    const { runner, disconnect } = slowControl(redis, cluster.prefix, 600);
    try {
      const job = await pausedJob(runner);
      const other = await cluster.runner.job(build(), job.jobId);
      job.resume(); // its CONTROL takes 600 ms
      expect(statusOf(await outcome(other.cancel('by another client')))).to.equal('cancelled');
      const got = await outcome(job.wait(), 3_000);
      expect([statusOf(got), job.state.status]).to.deep.equal(['cancelled', 'cancelled']);
    } finally {
      await runner.close();
      disconnect();
    }
  });

  it('FINDING 4: resume() of a failed job that settles again before the resume’s reply: the job’s channel stays subscribed for good', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const adder = (runner as unknown as { adder: { add: (...args: unknown[]) => Promise<void> } }).adder;
    const add = adder.add.bind(adder);
    try {
      const job = build().start('boom', { ms: 10 }, { runner });
      expect(statusOf(await outcome(job.wait()))).to.equal('failed');
      // The resume's delivery is queued at once, but its reply is 800 ms late: the job fails again meanwhile.
      adder.add = (...args: unknown[]) => (args[1] === 'control' ? add(...args).then(() => sleep(800)) : add(...args));
      job.resume();
      expect(statusOf(await outcome(job.wait()))).to.equal('failed');
      await sleep(300);
      expect(await subscribers(job.jobId), 'subscribers of the failed job’s channel').to.equal(0);
    } finally {
      await runner.close();
    }
  });

  it('FINDING 5: a remote start’s AbortSignal keeps its listener after the job settled (in-process removes it when the job ends)', async () => {
    const controller = new AbortController();
    await build().start('echo', { x: 1 }, { signal: controller.signal }).wait();
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    const jobs = Array.from({ length: 5 }, (_, i) => build().start('echo', { i }, { runner: cluster.runner, signal: controller.signal }));
    const finals = await Promise.all(jobs.map((job) => outcome(job.wait())));
    expect(finals.map(statusOf)).to.deep.equal(jobs.map(() => 'completed'));
    await sleep(100);
    expect(getEventListeners(controller.signal, 'abort'), 'listeners left on a long-lived signal (each holds its RemoteJob)').to.have.length(0);
  });

  it('pin: an already-aborted signal with a start refused for a taken id leaves the job of that id alone', async () => {
    const first = build().start('wait', { ms: 400 }, { runner: cluster.runner, jobId: 's13a-taken' });
    while (first.state.status === 'pending') await sleep(5);
    const second = build().start('echo', { x: 2 }, { runner: cluster.runner, jobId: 's13a-taken', signal: AbortSignal.abort('no') });
    const refused = await outcome(second.wait());
    expect(statusOf(refused)).to.equal('failed');
    expect(second.state.error?.message).to.match(/taken/);
    const final = await outcome(first.wait());
    expect(final instanceof Object && !(final instanceof Error) ? [final.status, final.sharedData] : final).to.deep.equal(['completed', { done: 1 }]);
  });

  it('pin: a cancel given with a start cancels before anything ran; a handle attached afterwards sees that; nothing stays subscribed', async () => {
    const job = build().start('echo', { x: 3 }, { runner: cluster.runner });
    const cancelled = job.cancel('with the start');
    const final = await outcome(cancelled);
    expect(statusOf(final)).to.equal('cancelled');
    const other = await cluster.runner.job(build(), job.jobId);
    expect([other.state.status, other.state.sharedData]).to.deep.equal(['cancelled', {}]);
    await sleep(300);
    expect(await subscribers(job.jobId)).to.equal(0);
  });
});
