/**
 * Issue 17: a runner hears the status messages of the jobs it starts on one channel of its own
 * (named in each job's meta at the start; SAVE publishes there too), not on one subscription per
 * job: a client starting thousands of jobs subscribes once. A job's own channel is still
 * published and is subscribed only when the handle needs acks, emissions or outputs (pause,
 * cancel, observe, output$) or another client attaches (runner.job).
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, Routine } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

let release: () => void = () => undefined;
let gate = new Promise<void>((resolve) => (release = resolve));
let entered = 0;

class Held extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['x']);
    this.defineSlot<{ x: number }>('trigger', async (data, ctx) => {
      entered++;
      await gate;
      ctx.emit('out', { x: data.x });
      ctx.setSharedData('x', data.x * 3);
    });
  }
}

function build(): Flow {
  // Concurrent: the handlers of the jobs one worker owns all wait at the gate at once.
  const flow = new Flow({ flowId: 'runner-channel-spec', executionStrategy: 'concurrent', maxWorkers: 20 });
  flow.addRoutine(new Held(), 'held');
  return flow;
}

describe('routilux/bullmq: a runner follows the jobs it starts on one channel', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  before(async () => {
    cluster = await startCluster(redis, build, 2, { concurrency: 20 });
    admin = new Redis(redis.connection);
    redis.atStop(async () => {
      await cluster.close();
      admin.disconnect();
    });
  });
  afterEach(() => {
    release(); // a failed spec leaves no handler waiting (the workers could not close)
    expect(cluster.errors, 'background errors').to.deep.equal([]);
  });

  const channels = async (pattern: string): Promise<string[]> => (await admin.call('PUBSUB', 'CHANNELS', `${cluster.prefix}:${pattern}`)) as string[];

  it('30 jobs in flight: no job channel subscribed, one runner channel; every wait() resolves with its exact state', async () => {
    entered = 0;
    gate = new Promise<void>((resolve) => (release = resolve));
    const flow = build();
    const jobs = Array.from({ length: 30 }, (_, i) => flow.start('held', { x: i }, { runner: cluster.runner }));
    await until(() => entered === 30, 'all 30 handlers entered').catch((e: unknown) => (release(), Promise.reject(e)));
    expect(await channels('job:*'), 'job channels subscribed').to.deep.equal([]);
    expect(await channels('watcher:*'), 'runner channels subscribed').to.have.length(1);
    release();
    const states = await Promise.all(jobs.map((j) => j.wait({ timeout: 10_000 })));
    expect(states.map((s) => [s.status, s.getSharedData('x')])).to.deep.equal(jobs.map((_, i) => ['completed', i * 3]));
    expect(jobs.map((j) => j.state.status), 'the handles agree').to.deep.equal(jobs.map(() => 'completed'));
  });

  it('generated job ids are 128 random bits as 32 hex digits, all distinct; a wait() with no options resolves with the exact final state', async () => {
    // The ids come off a block of random bytes (flat strings, not a randomUUID's concatenation),
    // and a plain wait() takes the path that makes no removal closures: both still behave.
    release();
    const flow = build();
    const jobs = Array.from({ length: 300 }, (_, i) => flow.start('held', { x: i }, { runner: cluster.runner }));
    for (const job of jobs) expect(job.jobId).to.match(/^[0-9a-f]{32}$/);
    expect(new Set(jobs.map((j) => j.jobId)).size, 'distinct ids').to.equal(300);
    const states = await Promise.all(jobs.map((j) => j.wait()));
    expect(states.map((s) => [s.jobId, s.status, s.getSharedData('x')])).to.deep.equal(jobs.map((j, i) => [j.jobId, 'completed', i * 3]));
  });

  it("a followed job's own channel is subscribed once it is observed (emissions exact), and let go when it settles", async () => {
    // An open job: the owner applies the observe request before the send that makes the
    // emission (one control stream, in order), so the emission is published after the request.
    entered = 0;
    gate = new Promise<void>((resolve) => (release = resolve));
    const job = build().open({ runner: cluster.runner });
    const seen: unknown[] = [];
    job.observe('held', 'out').subscribe((v) => seen.push(v));
    job.send('held', 'trigger', { x: 7 });
    job.close();
    await until(() => entered === 1, 'the handler entered').catch((e: unknown) => (release(), Promise.reject(e)));
    expect(await channels('job:*'), 'its own channel, for the emissions').to.have.length(1);
    release();
    const final = await job.wait({ timeout: 10_000 });
    expect(final.status).to.equal('completed');
    expect(final.getSharedData('x')).to.equal(21);
    await until(() => seen.length === 1, 'the emission arrived');
    expect(seen).to.deep.equal([{ x: 7 }]);
    for (let i = 0; i < 100 && (await channels('job:*')).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await channels('job:*'), 'unsubscribed at the terminal status').to.deep.equal([]);
  });
});
