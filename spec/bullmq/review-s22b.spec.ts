/**
 * Review s22b: Redis refusing or failing a write while the connection stays up. Out of memory
 * (`maxmemory` with `noeviction`: a write, or a script's first write, fails with `OOM command not
 * allowed`), a replica (`READONLY`), a busy server (`DEBUG SLEEP`), and a job's keys changed by
 * hand (a wrong type, garbage in the meta hash, a truncated snapshot). Each test restores the
 * server's config after it (see afterEach).
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { Flow, JobState, RoutiluxError, StoreError } from '../../lib/index.js';
import { RedisJobStore, runWorker } from '../../lib/bullmq/index.js';
import { queueName } from '../../lib/bullmq/wire.js';
import { useRedis } from '../helpers/use-redis.js';
import { gate, sleep, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';
import { heldFlow } from './held-flow.js';

/** Opened by each test when the handlers may end. */
let held = gate();

/** The flow of spec/bullmq/held-flow.ts, its handlers waiting for `held`. */
const build = (flowId = 'review-s22b'): Flow => heldFlow(flowId, () => held);

describe('review s22b: Redis refusing a write (OOM, READONLY, BUSY) or a job whose keys were changed by hand', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  let store: RedisJobStore;
  let queue: Queue;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    // Few, quick checkpoint attempts: a write given up is what the tests reach.
    cluster = await startCluster(redis, () => build(), 1, { checkpoint: { maxAttempts: 2, retryDelay: 10 }, closeTimeout: 1_000 }); // (FINDING 2 leaves a job its worker never lets go)
    admin = new Redis(redis.connection);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    queue = new Queue(queueName('review-s22b'), { connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      await restore();
      held.open();
      await cluster.close();
      await store.close();
      await queue.close();
      admin.disconnect();
      process.off('unhandledRejection', onUnhandled);
    });
  });
  const restore = async (): Promise<void> => {
    await admin.config('SET', 'maxmemory', '0');
    await admin.replicaof('NO', 'ONE');
    await admin.config('SET', 'busy-reply-threshold', '5000');
  };
  beforeEach(() => {
    held = gate();
    cluster.errors.length = 0;
  });
  afterEach(async () => {
    await restore();
    held.open();
    expect(unhandled.map(String), 'unhandled rejections').to.deep.equal([]);
  });

  const oom = (): Promise<unknown> => admin.config('SET', 'maxmemory', '1');
  const started = (jobId: string): Promise<void> => until(async () => (await store.load(jobId))?.sharedData.started === true, `job '${jobId}' started`);
  const reported = (jobId: string): unknown[] => cluster.errors.filter((e) => e instanceof RoutiluxError && e.message.includes(`'${jobId}'`));

  it("fixed 1: a job whose final save is given up under OOM is not let go unsaved: once the limit is lifted its 'completed' is stored and reaches the client", async () => {
    const job = build().start('step', { v: 1 }, { runner: cluster.runner, jobId: 's22b-final' });
    await started('s22b-final');
    await oom();
    held.open(); // the job completes on its owner; its final SAVE is refused
    await until(() => cluster.errors.some((e) => String(e).includes('OOM')), 'the refused save reported');
    await sleep(500);
    await restore();
    const final = await job.wait({ timeout: 8_000 });
    expect([final.status, final.getSharedData('v')]).to.deep.equal(['completed', 1]);
    expect((await store.load('s22b-final'))?.status, 'stored').to.equal('completed');
  });

  it('pin: a start refused under OOM (REGISTER) fails its handle with the error, claims nothing, and the id starts once the limit is lifted', async () => {
    await oom();
    const job = build().start('step', { v: 2 }, { runner: cluster.runner, jobId: 's22b-register' });
    const failed = await job.wait({ timeout: 5_000 });
    expect(failed.status).to.equal('failed');
    expect(failed.error?.message).to.match(/OOM/);
    expect(await admin.exists(store.keysOf('s22b-register').meta), 'nothing claimed').to.equal(0);
    await restore();
    held.open();
    const again = build().start('step', { v: 2 }, { runner: cluster.runner, jobId: 's22b-register' });
    expect((await again.wait({ timeout: 8_000 })).status).to.equal('completed');
  });

  it('pin: a pause refused under OOM (CONTROL) rejects at once, changes nothing, and the job completes once the limit is lifted', async () => {
    const job = build().start('step', { v: 3 }, { runner: cluster.runner, jobId: 's22b-pause' });
    await started('s22b-pause');
    await oom();
    const refusal = await job.pause('oom').then(() => undefined, (e: unknown) => e);
    expect(String(refusal)).to.match(/OOM/);
    expect(job.state.status).to.equal('running');
    await restore();
    held.open();
    expect((await job.wait({ timeout: 8_000 })).status).to.equal('completed');
  });

  it('fixed 2: a pool result whose RESULT write is refused under OOM is not lost: once the limit is lifted the job completes', async () => {
    const job = build().start('pool', { v: 4 }, { runner: cluster.runner, jobId: 's22b-result' });
    await until(async () => (await store.load('s22b-result'))?.status === 'running', 'running');
    await sleep(300); // the activation is on the pool worker, waiting for `held`
    await oom();
    held.open();
    await until(() => cluster.errors.some((e) => String(e).includes('OOM')), 'the refused RESULT reported');
    await restore();
    const final = await job.wait({ timeout: 6_000 });
    expect([final.status, final.getSharedData('v')]).to.deep.equal(['completed', 4]);
  });

  it("fixed 3: a job whose meta hash has garbage in 'epoch' is refused by the worker with a RoutiluxError naming the job (reported, not dropped with BullMQ's failed delivery)", async () => {
    await admin.hset(store.keysOf('s22b-epoch').meta, 'epoch', 'garbage');
    build().start('step', { v: 5 }, { runner: cluster.runner, jobId: 's22b-epoch' });
    await until(() => reported('s22b-epoch').length > 0, 'a RoutiluxError naming the job on the worker errors$', 3_000);
    await sleep(500);
    expect(reported('s22b-epoch').length, 'reported once, not looping').to.equal(1);
  });

  it("fixed 4: a job whose meta 'until' is garbage (the lease's expiry) is refused by the worker with a RoutiluxError naming the job", async () => {
    await admin.hset(store.keysOf('s22b-until').meta, 'owner', 'someone', 'until', 'soon');
    build().start('step', { v: 6 }, { runner: cluster.runner, jobId: 's22b-until' });
    await until(() => reported('s22b-until').length > 0, 'a RoutiluxError naming the job on the worker errors$', 3_000);
    expect(reported('s22b-until')[0]).to.be.instanceOf(RoutiluxError);
  });

  it('fixed 5: a truncated snapshot is refused by store.load with an error naming the job', async () => {
    const k = store.keysOf('s22b-trunc');
    await store.save(JobState.fromJSON({ ...JSON.parse(JSON.stringify(new JobState({ ...build().open({ jobId: 'x' }).state, jobId: 's22b-trunc' }).toJSON())) }));
    await admin.set(k.state, (await admin.get(k.state))!.slice(0, 40));
    const error = await store.load('s22b-trunc').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(RoutiluxError);
    expect((error as Error).message).to.include("'s22b-trunc'");
  });

  it('fixed 6: a queued job whose snapshot was truncated by hand is refused by the worker with a RoutiluxError naming the job', async () => {
    // A flow of its own, no worker yet: the snapshot is cut before any worker takes the job.
    const jobId = 's22b-trunc2';
    build('review-s22b-cut').start('step', { v: 7 }, { runner: cluster.runner, jobId });
    const cut = new Queue(queueName('review-s22b-cut'), { connection: redis.connection, prefix: cluster.prefix });
    try {
      await until(async () => (await cut.getJobCounts('wait')).wait === 1, 'queued');
    } finally {
      await cut.close();
    }
    await admin.set(store.keysOf(jobId).state, '{"format":"routilux.job","versi');
    const errors: unknown[] = [];
    const worker = await runWorker(build('review-s22b-cut'), { connection: redis.connection, prefix: cluster.prefix, lockDuration: 2_000, stalledInterval: 1_000 });
    worker.errors$.subscribe((e) => errors.push(e));
    try {
      await until(() => errors.some((e) => e instanceof RoutiluxError && e.message.includes(`'${jobId}'`)), 'a RoutiluxError naming the job on the worker errors$', 3_000);
      expect(errors.filter((e) => e instanceof RoutiluxError && e.message.includes(`'${jobId}'`)), 'reported once').to.have.length(1);
    } finally {
      await worker.close();
    }
  });

  it('pin: a snapshot key of the wrong type (WRONGTYPE) and a garbage epoch are refused by the store with a StoreError naming the job', async () => {
    const k = store.keysOf('s22b-type');
    await admin.hset(k.state, 'a', '1');
    const load = await store.load('s22b-type').then(() => undefined, (e: unknown) => e);
    expect(load).to.be.instanceOf(StoreError);
    expect((load as Error).message).to.include("'s22b-type'").and.match(/WRONGTYPE/);
    await admin.hset(store.keysOf('s22b-meta').meta, 'epoch', 'x');
    const acquire = await store.acquire('s22b-meta', 'me', 1_000).then(() => undefined, (e: unknown) => e);
    expect(acquire).to.be.instanceOf(StoreError);
    expect((acquire as Error).message).to.include("'s22b-meta'");
  });

  it('pin: the plain store under OOM and as a READONLY replica refuses save and appendJournal with a StoreError naming the job, and writes again after', async () => {
    const state = new JobState({ ...build().open({ jobId: 'y' }).state, jobId: 's22b-store' });
    await store.save(state);
    for (const refuse of [oom, () => admin.replicaof('127.0.0.1', '1')]) {
      await refuse();
      for (const write of [() => store.save(state), () => store.appendJournal('s22b-store', { ops: [] })]) {
        const error = await write().then(() => undefined, (e: unknown) => e);
        expect(error, String(error)).to.be.instanceOf(StoreError);
        expect((error as Error).message).to.include("'s22b-store'").and.match(/OOM|READONLY/);
      }
      await restore();
      await store.save(state);
    }
  });

});

// A server of its own: after the OOM tests above, BullMQ's worker loop waits out its runRetryDelay
// (15 s) before it fetches again, which is BullMQ's, not what this test is about.
describe('review s22b: a busy server (BUSY)', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  let store: RedisJobStore;
  before(async () => {
    cluster = await startCluster(redis, () => build(), 1, { checkpoint: { maxAttempts: 2, retryDelay: 10 } });
    admin = new Redis(redis.connection);
    store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      held.open();
      await cluster.close();
      await store.close();
      admin.disconnect();
    });
  });
  beforeEach(() => (held = gate()));
  afterEach(async () => {
    await admin.config('SET', 'busy-reply-threshold', '5000');
    held.open();
  });
  const started = (jobId: string): Promise<void> => until(async () => (await store.load(jobId))?.sharedData.started === true, `job '${jobId}' started`);

  it("pin: a job whose final save is refused with BUSY (a script ran past busy-reply-threshold) is not let go unsaved: its 'completed' is stored and reaches the client", async () => {
    const job = build().start('step', { v: 8 }, { runner: cluster.runner, jobId: 's22b-busy' });
    await started('s22b-busy');
    await admin.config('SET', 'busy-reply-threshold', '50');
    const busy = new Redis(redis.connection);
    try {
      // A read-only script that spins for 1.5 s: past the threshold, every other command is answered BUSY.
      const spinning = busy.eval("local t0 = redis.call('TIME') local s = tonumber(t0[1]) + tonumber(t0[2]) / 1e6 repeat local t = redis.call('TIME') until tonumber(t[1]) + tonumber(t[2]) / 1e6 - s > 1.5 return 1", 0);
      await sleep(200);
      held.open();
      await spinning;
    } finally {
      busy.disconnect();
    }
    expect(cluster.errors.some((e) => String(e).includes('BUSY')), 'a refused save reported').to.equal(true);
    const final = await job.wait({ timeout: 8_000 });
    expect([final.status, final.getSharedData('v')]).to.deep.equal(['completed', 8]);
    expect((await store.load('s22b-busy'))?.status, 'stored').to.equal('completed');
  });});
