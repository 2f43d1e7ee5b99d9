/**
 * Review s23c: the client-side handle of a distributed job (`RemoteJob`) against the in-process
 * `Job`, probing completion of streams across a failure and a resume, commands issued back to
 * back without awaiting, and several handles on one job.
 */
import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { Flow, JobStateError, Routine, type ExecutionContext, type Job, type JobState } from '../../lib/index.js';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome (its value, or the error it rejected with), or 'HANG' after `ms`. */
const outcome = <T>(promise: Promise<T>, ms = 5_000): Promise<T | Error | 'HANG'> =>
  Promise.race([promise.catch((error: unknown) => error as Error), sleep(ms).then(() => 'HANG' as const)]);
const statusOf = (got: JobState | Error | 'HANG'): string => (got === 'HANG' ? 'HANG' : got instanceof Error ? `${got.name}: ${got.message}` : got.status);
const thrown = (f: () => unknown): string => {
  try {
    f();
    return 'no throw';
  } catch (error) {
    return (error as Error).name;
  }
};

/** Whether `step` throws on its next run with `n === failAt` (workers run in this process). */
const gate = { failAt: -1 };

/** step.in {n, ms}: sends output 'done' {n}, then (after ms) emits next {n-1} while n > 1; throws at gate.failAt once. */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s23c' });
  const step = new Routine();
  step.defineEvent('next');
  step.defineSlot<{ n: number; ms: number }>('in', async (d, ctx: ExecutionContext) => {
    await sleep(d.ms);
    if (d.n === gate.failAt) {
      gate.failAt = -1;
      throw new Error(`boom at ${d.n}`);
    }
    step.sendOutput('done', { n: d.n });
    if (d.n > 1) ctx.emit('next', { n: d.n - 1, ms: d.ms });
  });
  flow.addRoutine(step, 'step');
  flow.connect('step', 'next', 'step', 'in');
  return flow;
}

describe('review s23c: RemoteJob against in-process Job', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    redis.atStop(() => outcome(cluster.close(), 3_000));
  });
  afterEach(() => (gate.failAt = -1));

  /** output$ subscribed before a failure; the job resumed from the same handle and completed. */
  async function outputAcrossResume(start: () => Job): Promise<[string, unknown]> {
    gate.failAt = 3;
    const job = start();
    const outputs = outcome(lastValueFrom(job.output$.pipe(toArray())), 8_000);
    const failed = await outcome(job.wait());
    expect(statusOf(failed)).to.equal('failed');
    job.resume();
    expect(statusOf(await outcome(job.wait()))).to.equal('completed');
    const got = await outputs;
    return [statusOf(got as JobState | Error | 'HANG'), Array.isArray(got) ? got.map((o) => (o.data as { n: number }).n) : got];
  }

  it('fixed 1: output$ subscribed before a failure completes once the resumed job completes (in-process: it does)', async () => {
    const local = await outputAcrossResume(() => build().start('step', { n: 4, ms: 10 }, { slot: 'in' }));
    expect(local[1], 'in-process').to.deep.equal([4, 3, 2, 1]);
    const remote = await outputAcrossResume(() => build().start('step', { n: 4, ms: 10 }, { slot: 'in', runner: cluster.runner }));
    expect(remote[1], 'remote').to.deep.equal([4, 3, 2, 1]);
  });

  /** pause() then resume() in the same turn, nothing awaited. */
  async function pauseThenResume(start: () => Job): Promise<string[]> {
    const job = start();
    await until(() => job.state.status === 'running', 'running');
    const paused = outcome(job.pause('look'));
    const resumed = thrown(() => job.resume());
    const done = await outcome(job.wait({ timeout: 10_000 }));
    return [resumed, statusOf(await paused).replace(/:.*/, ''), statusOf(done)];
  }

  // Fixed: the handle takes a resume while its own pause is unanswered, and the owner answers a
  // pause that settles after a resume with the state it settled at (OwnerCommands); the owner
  // also stores and publishes the pause's status with its own cursor (status-cursor.spec.ts).
  it('fixed 2: pause() then resume() without awaiting is taken (in-process: the pause resolves, the job completes)', async () => {
    const local = await pauseThenResume(() => build().start('step', { n: 3, ms: 30 }, { slot: 'in' }));
    const remote = await pauseThenResume(() => build().start('step', { n: 3, ms: 30 }, { slot: 'in', runner: cluster.runner }));
    expect(remote, `in-process gave ${JSON.stringify(local)}`).to.deep.equal(local);
  });

  /** cancel() then send() in the same turn. */
  async function cancelThenSend(start: () => Job): Promise<string[]> {
    const job = start();
    await until(() => job.state.status === 'running', 'running');
    const cancelled = outcome(job.cancel('stop'));
    const sent = thrown(() => job.send('step', 'in', { n: 1, ms: 1 }));
    const input = thrown(() => job.input('step', 'in'));
    const resumed = thrown(() => job.resume());
    const paused = statusOf(await outcome(job.pause('late'))).replace(/:.*/, '');
    return [sent, input, resumed, paused, statusOf(await cancelled)];
  }

  it('fixed 3: send(), input(), resume() and pause() right after cancel() (not awaited) are refused with a JobStateError, as in-process', async () => {
    const local = await cancelThenSend(() => build().start('step', { n: 3, ms: 30 }, { slot: 'in' }));
    expect(local).to.deep.equal([JobStateError.name, JobStateError.name, JobStateError.name, JobStateError.name, 'cancelled']);
    const remote = await cancelThenSend(() => build().start('step', { n: 3, ms: 30 }, { slot: 'in', runner: cluster.runner }));
    expect(remote).to.deep.equal(local);
  });

  /** From paused: resume() then pause() in the same turn; then pause() then cancel() in the same turn. */
  async function resumeThenPause(start: () => Job): Promise<string[]> {
    const job = start();
    await until(() => job.state.status === 'running', 'running');
    const first = statusOf(await outcome(job.pause('one')));
    job.resume();
    const again = outcome(job.pause('two'));
    const rested = statusOf(await outcome(job.wait()));
    const second = statusOf(await again);
    const points = job.state.pausePoints.map((p) => p.reason).join(',');
    const cancelled = outcome(job.cancel('stop'));
    const third = thrown(() => job.resume());
    return [first, rested, second, points, statusOf(await cancelled), third, statusOf(await outcome(job.wait()))];
  }

  it('pin: resume() then pause() unawaited on a paused job rests paused with both pause points; cancel() then resume() unawaited is refused (as in-process)', async () => {
    const local = await resumeThenPause(() => build().start('step', { n: 6, ms: 30 }, { slot: 'in' }));
    expect(local).to.deep.equal(['paused', 'paused', 'paused', 'one,two', 'cancelled', JobStateError.name, 'cancelled']);
    const remote = await resumeThenPause(() => build().start('step', { n: 6, ms: 30 }, { slot: 'in', runner: cluster.runner }));
    expect(remote).to.deep.equal(local);
  });

  it('pin: two handles from runner.job on one job; a cancel from one settles both, their state$ complete', async () => {
    const flow = build();
    const job = flow.start('step', { n: 50, ms: 30 }, { slot: 'in', runner: cluster.runner, jobId: 's23c-many' });
    await until(() => job.state.status === 'running', 'running');
    const a = await cluster.runner.job(flow, 's23c-many');
    const b = await cluster.runner.job(flow, 's23c-many');
    const seenA: string[] = [];
    const seenB: string[] = [];
    const endA = new Promise<void>((resolve) => a.state$.subscribe({ next: (s) => seenA.push(s.status), complete: resolve }));
    const endB = new Promise<void>((resolve) => b.state$.subscribe({ next: (s) => seenB.push(s.status), complete: resolve }));
    const waits = [job, a, b].map((h) => outcome(h.wait()));
    expect(statusOf(await outcome(b.cancel('b')))).to.equal('cancelled');
    expect((await Promise.all(waits)).map(statusOf)).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
    expect(await outcome(Promise.all([endA, endB]).then(() => 'done'))).to.equal('done');
    expect([seenA, seenB]).to.deep.equal([['running', 'cancelled'], ['running', 'cancelled']]);
    expect(statusOf(await outcome(a.cancel('again')))).to.match(/^JobStateError/);
  });

  it('pin: runner.close() settles every stream and wait of its handles; later calls are refused with RoutiluxErrors', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const flow = build();
    const job = flow.start('step', { n: 200, ms: 30 }, { slot: 'in', runner });
    await until(() => job.state.status === 'running', 'running');
    const other = await runner.job(flow, job.jobId);
    const ends = [job, other].flatMap((h) => [
      outcome(lastValueFrom(h.state$.pipe(toArray())).then(() => 'state$ done')),
      outcome(lastValueFrom(h.output$.pipe(toArray())).then(() => 'output$ done')),
      outcome(lastValueFrom(h.observe('step', 'next').pipe(toArray())).then(() => 'observe done')),
      outcome(h.wait({ timeout: 20_000 })).then(statusOf),
      outcome(h.wait()).then(statusOf),
    ]);
    await sleep(50);
    await runner.close();
    const got = (await Promise.all(ends)).map((g) => String(g).replace(/:.*/, ''));
    expect(got).to.deep.equal([...Array(2).fill(['state$ done', 'output$ done', 'observe done', 'JobStateError', 'JobStateError']).flat()]);
    const after = [
      thrown(() => job.send('step', 'in', { n: 1, ms: 1 })),
      thrown(() => job.resume()),
      statusOf(await outcome(job.cancel())).replace(/:.*/, ''),
      statusOf(await outcome(other.pause())).replace(/:.*/, ''),
      statusOf(await outcome(job.wait())).replace(/:.*/, ''),
      await outcome(lastValueFrom(job.state$.pipe(toArray())).then((s) => s.map((x) => x.status).join())),
    ];
    expect(after).to.deep.equal(['ConfigurationError', 'ConfigurationError', 'ConfigurationError', 'ConfigurationError', 'JobStateError', 'running']);
    await (await cluster.runner.job(flow, job.jobId)).cancel();
  });

  it('fixed 4: a handle whose failed job another handle resumed hears the resumed run: its state, wait() and output$ (its state$ ended at failed)', async () => {
    gate.failAt = 3;
    const flow = build();
    const a = flow.start('step', { n: 4, ms: 10 }, { slot: 'in', runner: cluster.runner });
    const outputs = outcome(lastValueFrom(a.output$.pipe(toArray())), 8_000);
    expect(statusOf(await outcome(a.wait()))).to.equal('failed');
    const b = await cluster.runner.resume(flow, a.jobId);
    expect(statusOf(await outcome(b.wait()))).to.equal('completed');
    await sleep(300);
    const got = await outputs;
    expect([a.state.status, Array.isArray(got) ? got.length : got]).to.deep.equal(['completed', 4]);
    const listener = (a as unknown as { listener: { stopWatching?: unknown; stopFollowing?: unknown } }).listener;
    expect([listener.stopWatching, listener.stopFollowing], 'nothing listened to once it ended').to.deep.equal([undefined, undefined]);
  });

  it('fixed 4b: output$ open on a failed job completes when its runner closes (it was left open: nothing listened to the job any more)', async () => {
    gate.failAt = 2;
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const a = build().start('step', { n: 3, ms: 10 }, { slot: 'in', runner });
    const outputs = outcome(lastValueFrom(a.output$.pipe(toArray())).then((o) => o.length));
    expect(statusOf(await outcome(a.wait()))).to.equal('failed');
    await sleep(100);
    await runner.close();
    expect(await outputs).to.equal(1);
  });
});
