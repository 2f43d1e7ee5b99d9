/**
 * Review s21c: the activation pool (Tier 2) and the store's lease calls when a connection drops
 * after Redis ran a script but before its reply came back. ioredis reconnects and sends the
 * unanswered call again (`autoResendUnfulfilledCommands`, on by default), so each call must answer
 * a second run as it answered the first, without doing its work twice. The owner and the pool
 * member talk to Redis each through its own BlipProxy (see blip-proxy.ts), which forces that blip
 * on one chosen call.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, Routine, type ExecutionContext, type Job } from '../../lib/index.js';
import { RedisJobStore, type WorkerHandle } from '../../lib/bullmq/index.js';
import { RESULT } from '../../lib/bullmq/control-scripts.js';
import { RELEASE } from '../../lib/bullmq/store-scripts.js';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { encodeId } from '../../lib/bullmq/redis-keys.js';
import { useRedis } from '../helpers/use-redis.js';
import { until } from '../fixtures/helpers.js';
import { Total, startCluster, type Cluster } from './helpers.js';
import { BlipProxy } from './blip-proxy.js';

/** How many times the pool ran each `v` (a re-run activation counts twice). */
const ran = new Map<number, number>();

/** A pool routine: emits what it got and writes it as an output. */
class Work extends Routine {
  constructor() {
    super();
    this.defineEvent('done', ['v']);
    this.defineSlot<{ v: number }>('in', (d, ctx: ExecutionContext) => {
      ran.set(d.v, (ran.get(d.v) ?? 0) + 1);
      this.sendOutput('worked', { v: d.v });
      ctx.emit('done', { v: d.v });
    });
    this.setPlacement('pool');
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s21c' });
  flow.addRoutine(new Work(), 'work');
  flow.addRoutine(new Total(), 'total');
  flow.connect('work', 'done', 'total', 'in');
  return flow;
}

describe('review s21c: the activation pool when a script reply a dropped connection lost is sent again', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  let ownerProxy: BlipProxy;
  let poolProxy: BlipProxy;
  let owner: WorkerHandle;
  let member: WorkerHandle;
  let store: RedisJobStore;
  /** The owner's PoolResults of each job (an activation sent to the pool waits on them). */
  const resultsOf = new Map<string, PoolResults>();
  const wait = PoolResults.prototype.wait;
  before(async () => {
    cluster = await startCluster(redis, build, 0);
    admin = new Redis(redis.connection);
    store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    await admin.script('LOAD', RESULT.source); // known to the server: the member's call is the EVALSHA the proxy watches for
    PoolResults.prototype.wait = function (this: PoolResults, key: string) {
      resultsOf.set(key.slice(0, key.lastIndexOf('/')), this);
      return wait.call(this, key);
    };
    redis.atStop(async () => {
      PoolResults.prototype.wait = wait;
      await cluster.close();
      await store.close();
      admin.disconnect();
    });
  });
  beforeEach(async () => {
    ran.clear();
    ownerProxy = new BlipProxy(redis.connection.path);
    poolProxy = new BlipProxy(redis.connection.path);
    await ownerProxy.listen();
    await poolProxy.listen();
    // Long leases: BullMQ's stall recovery (which would hide a delivery left active) comes too late to matter here.
    const long = { lockDuration: 30_000, stalledInterval: 30_000 };
    owner = await cluster.addWorker({ ...long, connection: { path: ownerProxy.path }, pool: { concurrency: 0 } });
    member = await cluster.addWorker({ ...long, connection: { path: poolProxy.path }, concurrency: 0, pool: { concurrency: 2 } });
  });
  afterEach(async () => {
    for (const w of [owner, member]) {
      await w.close();
      cluster.workers.splice(cluster.workers.indexOf(w), 1);
    }
    await ownerProxy.close();
    await poolProxy.close();
    expect(cluster.errors, 'background errors').to.deep.equal([]);
  });

  /** Sends `v` to the job's pool routine and waits until its emit reached the owner's total. */
  async function step(job: Job, v: number, total: number): Promise<void> {
    job.send('work', 'in', { v });
    await until(async () => (await store.load(job.jobId))?.sharedData.total === total, `total ${total}`, 20_000);
  }

  it('a result whose RESULT reply was lost is applied once, and leaves nothing behind on the owner of a long-lived job', async () => {
    const job = build().open({ runner: cluster.runner, jobId: 's21c-result' });
    await step(job, 1, 1);
    poolProxy.dropReplyTo(RESULT.sha);
    await step(job, 10, 11);
    await until(() => poolProxy.dropped === 1, 'the blip');
    await step(job, 100, 111); // the resent RESULT's publish, if any, arrived before this one's
    expect([...resultsOf.get('s21c-result')!.readyKeys()], 'results kept aside on the owner').to.deep.equal([]);
    const inbox = await admin.xrange(`${cluster.prefix}:job:{s21c-result}:inbox`, '-', '+');
    expect(inbox.length, 'results in the inbox').to.equal(3);
    job.close();
    const final = await job.wait({ timeout: 20_000 });
    expect([final.status, final.getSharedData('total'), final.outputLog.map((r) => r.data)]).to.deep.equal(['completed', 111, [{ v: 1 }, { v: 10 }, { v: 100 }]]);
  });

  it("an activation whose BullMQ add reply was lost is applied once, and the job's outcome is right", async () => {
    const job = build().open({ runner: cluster.runner, jobId: 's21c-add' });
    await step(job, 1, 1);
    ownerProxy.dropReplyTo(`${encodeId('s21c-add/')}`); // the pool job's id: only the owner's add (and a remove) carries it
    await step(job, 10, 11);
    await until(() => ownerProxy.dropped === 1, 'the blip');
    await step(job, 100, 111);
    expect([...resultsOf.get('s21c-add')!.readyKeys()], 'results kept aside on the owner').to.deep.equal([]);
    job.close();
    const final = await job.wait({ timeout: 20_000 });
    expect([final.status, final.getSharedData('total'), final.outputLog.map((r) => r.data)]).to.deep.equal(['completed', 111, [{ v: 1 }, { v: 10 }, { v: 100 }]]);
    expect(ran.get(10), 'runs of the activation whose add was resent').to.be.oneOf([1, 2]); // (a re-run: the design's at-least-once)
  });
});

describe('review s21c: RedisJobStore used on its own, when the reply to release() was lost', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let proxy: BlipProxy;
  let store: RedisJobStore;
  let other: RedisJobStore;
  before(async () => {
    const admin = new Redis(redis.connection);
    await admin.script('LOAD', RELEASE.source);
    admin.disconnect();
  });
  beforeEach(async () => {
    proxy = new BlipProxy(redis.connection.path);
    await proxy.listen();
    store = new RedisJobStore({ connection: { path: proxy.path }, prefix: 's21c' });
    other = new RedisJobStore({ connection: redis.connection, prefix: 's21c' });
  });
  afterEach(async () => {
    await store.close();
    await other.close();
    await proxy.close();
  });

  it('a store that released its lease writes unfenced after, as without the blip (not refused as taken over once another held and let go the lease)', async () => {
    const job = build().open({ jobId: 's21c-store' });
    job.close();
    const snapshot = await job.wait();
    expect(await store.acquire('s21c-store', 'w1', 30_000)).to.equal(true);
    await store.save(snapshot);
    proxy.dropReplyTo(RELEASE.sha);
    await store.release('s21c-store', 'w1');
    expect(proxy.dropped, 'the blip').to.equal(1);
    expect(await store.leaseOf('s21c-store'), 'the lease is let go').to.equal(undefined);
    // Another process holds the job a while, then lets it go.
    expect(await other.acquire('s21c-store', 'w2', 30_000)).to.equal(true);
    await other.release('s21c-store', 'w2');
    await store.save(snapshot); // no lease held here: not fenced
    expect((await other.load('s21c-store'))?.jobId).to.equal('s21c-store');
  });
});
