/**
 * Review s12a (routilux/bullmq, the command chain of a remote start): a start whose queueing
 * fails, a pause queued behind another command while the job fails, and a runner closed while a
 * start is on its way must settle every promise given out (no hang), leave no subscription
 * behind, and never queue a job after the runner closed. Each FINDING failed on the tree it was
 * written on (main at b3fcfd0; FINDING 7 counts promises: four per start there). Every wait is
 * bounded, so a hang fails its spec, not the run.
 */
import { createHook } from 'node:async_hooks';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { CONTROL, REGISTER } from '../../lib/bullmq/control-scripts.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { Flow, JobStateError, Routine, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { slowScriptRunner, startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome (its value, or the error it rejected with), or 'HANG' after `ms`. */
const outcome = <T>(promise: Promise<T>, ms = 5_000): Promise<T | Error | 'HANG'> =>
  Promise.race([promise.catch((error: unknown) => error as Error), sleep(ms).then(() => 'HANG' as const)]);

/** echo.trigger: the params to shared data; boom.trigger: throws after `ms`. */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s12a' });
  const echo = new Routine();
  echo.defineSlot('trigger', (params: Payload, ctx: ExecutionContext) => ctx.setSharedData('v', params));
  const boom = new Routine();
  boom.defineSlot<{ ms: number }>('trigger', async (data) => {
    await sleep(data.ms);
    throw new Error('boom');
  });
  flow.addRoutine(echo, 'echo');
  flow.addRoutine(boom, 'boom');
  return flow;
}

/** The internals a spec reaches into: the runner's adder, queues and followers. */
interface RunnerInside {
  adder: { add: (...args: unknown[]) => Promise<void> };
  queues: Map<string, unknown>;
  own: { followers: Map<string, unknown> };
}
const inside = (runner: BullMQRunner): RunnerInside => runner as unknown as RunnerInside;

describe('review s12a: the command chain of a remote start', function () {
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

  const slowRunner = (script: { sha: string }): ReturnType<typeof slowScriptRunner> => slowScriptRunner(redis, cluster.prefix, script);

  /** Subscribers of the job's channel, and whether its state was ever stored (a worker ran it). */
  const trace = async (jobId: string): Promise<{ subscribers: number; stored: boolean }> => {
    const keys = jobKeys(cluster.prefix, jobId);
    const [, subscribers] = (await peek.pubsub('NUMSUB', keys.channel)) as [string, number];
    return { subscribers: Number(subscribers), stored: (await peek.exists(keys.state)) === 1 };
  };

  it('FINDING 1, 2: start() then cancel(), the start’s queueing fails after its id was registered: the cancel rejects, the handle shows the failure, nothing stays subscribed', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const add = inside(runner).adder.add.bind(inside(runner).adder);
    inside(runner).adder.add = (...args: unknown[]) => (args[1] === 'start' ? Promise.reject(new Error('queue down')) : add(...args));
    try {
      const job = build().start('echo', { x: 1 }, { runner, jobId: 's12a-add-fails' });
      const cancelled = job.cancel('never mind');
      const got = await outcome(cancelled);
      expect(got).to.be.instanceOf(JobStateError);
      expect((got as Error).message).to.match(/not started.*queue down/);
      expect(job.state.status).to.equal('failed');
      expect(job.state.error?.message).to.match(/'s12a-add-fails'.*queue down/); // (a StoreError naming the job since review s22c FINDING 5)
      expect(await outcome(job.wait())).to.have.property('status', 'failed');
      await sleep(100);
      expect(inside(runner).own.followers.size).to.equal(0);
      expect(await trace('s12a-add-fails')).to.deep.equal({ subscribers: 0, stored: false });
    } finally {
      await runner.close();
    }
  });

  it('FINDING 3, 4: a pause queued behind a send while the job fails is refused by the owner (it is failed), and the refusal is heard', async () => {
    const { runner, close, disconnect } = slowRunner(CONTROL);
    try {
      const job = build().start('boom', { ms: 100 }, { runner });
      while (job.state.status === 'pending') await sleep(5);
      job.send('echo', 'trigger', { late: true }); // its CONTROL takes 300 ms: the job fails meanwhile
      const got = await outcome(job.pause('hold'));
      expect(got).to.be.instanceOf(JobStateError);
      expect((got as Error).message).to.match(/it is failed/);
      expect(job.state.status).to.equal('failed');
      await sleep(100);
      expect((await trace(job.jobId)).subscribers).to.equal(0);
    } finally {
      await close();
      disconnect();
    }
  });

  it('FINDING 5: runner.close() while a cancel given with the start is on its way: the start is not queued after the close, and the handle is told', async () => {
    const { runner, close, disconnect } = slowRunner(CONTROL);
    try {
      const job = build().start('echo', { x: 1 }, { runner, jobId: 's12a-close-cancel' });
      const cancelled = outcome(job.cancel('never mind'), 10_000); // handled from the start: it rejects during close()
      await sleep(100); // REGISTER ran; the cancel's CONTROL is on its way
      await close();
      const [c, w] = await Promise.all([cancelled, outcome(job.wait())]);
      expect(c).to.be.instanceOf(Error);
      // Known not queued since the twenty-first session (runner-close-start.spec.ts): the start fails, its id given back.
      expect([(w as JobState).status, (w as JobState).error?.message]).to.deep.equal(['failed', `job 's12a-close-cancel' was not queued: its BullMQRunner (prefix '${runner.prefix}') was closed first; its id is free again`]);
      await sleep(500);
      expect(inside(runner).queues.size, 'a queue opened after close()').to.equal(0);
      expect((await trace('s12a-close-cancel')).stored, 'the job was queued after close() and run').to.equal(false);
    } finally {
      disconnect();
    }
  });

  it('FINDING 6: runner.close() while the start registers its id: wait() rejects, and the job is not queued after the close', async () => {
    const { runner, close, disconnect } = slowRunner(REGISTER);
    try {
      const job = build().start('echo', { x: 1 }, { runner, jobId: 's12a-close-register' });
      const waited = outcome(job.wait());
      await sleep(100); // REGISTER is on its way
      await close();
      const w = (await waited) as JobState; // (known not queued: see FINDING 5)
      expect([w.status, w.error?.message]).to.deep.equal(['failed', `job 's12a-close-register' was not queued: its BullMQRunner (prefix '${runner.prefix}') was closed first; its id is free again`]);
      await sleep(500);
      expect(inside(runner).queues.size, 'a queue opened after close()').to.equal(0);
      expect(inside(runner).own.followers.size).to.equal(0);
      expect((await trace('s12a-close-register')).stored, 'the job was queued after close() and run').to.equal(false);
    } finally {
      disconnect();
    }
  });

  it('FINDING 7: a start makes two promises in its caller’s turn (the waiter for its id is made only when a step given before the grant asks)', async () => {
    const flow = build();
    await flow.start('echo', {}, { runner: cluster.runner }).wait(); // (the runner's channel and queue exist)
    let promises = 0;
    const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && promises++) }).enable();
    const jobs = Array.from({ length: 100 }, (_, i) => flow.start('echo', { i }, { runner: cluster.runner }));
    hook.disable();
    expect(promises / jobs.length).to.be.at.most(2);
    const finals = await Promise.all(jobs.map((job) => job.wait()));
    expect(finals.every((s) => s.status === 'completed')).to.equal(true);
  });

  it('FINDING 8: pause() and cancel() in the same turn: the pause resolves with the paused state and the cancel with the cancelled one, as in-process', async () => {
    const local = build().start('echo', { x: 1 });
    const [lp, lc] = await Promise.all([local.pause('hold'), local.cancel('bye')]);
    const remote = build().start('echo', { x: 1 }, { runner: cluster.runner });
    const [rp, rc] = await Promise.all([outcome(remote.pause('hold')), outcome(remote.cancel('bye'))]);
    const shape = (s: JobState): unknown => [s.status, s.pausePoints.map((p) => p.reason), s.sharedData];
    expect([shape(rp as JobState), shape(rc as JobState)]).to.deep.equal([shape(lp), shape(lc)]);
    // An open job, idle on its owner: the same in one batch of its control stream.
    const open = build().open({ runner: cluster.runner });
    await open.pause('first');
    open.resume();
    await sleep(100);
    const [op, oc] = await Promise.all([outcome(open.pause('again')), outcome(open.cancel('bye'))]);
    expect([(op as JobState).status, (oc as JobState).status]).to.deep.equal(['paused', 'cancelled']);
  });

  it('a start with nothing given after it still completes, and one given a cancel after its id was granted still cancels or completes (the chain without a start waiter)', async () => {
    const plain = build().start('echo', { x: 2 }, { runner: cluster.runner });
    expect(((await outcome(plain.wait())) as JobState).status).to.equal('completed');
    const later = build().start('echo', { x: 3 }, { runner: cluster.runner });
    await sleep(50);
    const got = await outcome(later.cancel('late'));
    if (got instanceof Error) expect(got).to.be.instanceOf(JobStateError);
    else expect(got).to.not.equal('HANG');
  });
});
