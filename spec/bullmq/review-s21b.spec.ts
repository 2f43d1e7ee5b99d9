/**
 * Review s21b: the worker's and the store's writes when a connection drops after Redis ran a
 * script but before its reply came back. ioredis reconnects and sends the unanswered call again
 * (`autoResendUnfulfilledCommands`, on by default), so every script a worker sends must answer a
 * second run as it answered the first, without doing its work twice. The worker talks to Redis
 * through a BlipProxy (see blip-proxy.ts) that forces that blip on one chosen script call.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { Flow, Routine, type Job } from '../../lib/index.js';
import { RedisJobStore, type WorkerHandle } from '../../lib/bullmq/index.js';
import { RELEASE_IDLE } from '../../lib/bullmq/control-scripts.js';
import { APPEND, SAVE } from '../../lib/bullmq/store-scripts.js';
import { queueName } from '../../lib/bullmq/wire.js';
import { useRedis } from '../helpers/use-redis.js';
import { until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';
import { BlipProxy } from './blip-proxy.js';

class Acc extends Routine {
  constructor() {
    super();
    this.defineEvent('added', ['v']);
    this.defineSlot<{ v: number }>('in', (d, ctx) => {
      ctx.setSharedData('total', ctx.getSharedData<number>('total', 0) + d.v);
      this.sendOutput('added', { v: d.v }); // one output record per send: a list the journal appends to
      this.emit('added', { v: d.v });
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s21b' });
  flow.addRoutine(new Acc(), 'acc');
  return flow;
}

function running(job: Job): Promise<void> {
  return until(() => job.state.status === 'running', `job '${job.jobId}' to run`, 20_000);
}

describe('review s21b: a worker whose script reply a dropped connection lost (ioredis sends the call again)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  let store: RedisJobStore;
  let queue: Queue;
  let proxy: BlipProxy;
  let worker: WorkerHandle;
  before(async () => {
    cluster = await startCluster(redis, build, 0);
    admin = new Redis(redis.connection);
    // Known to the server, so the worker's first call of each is the EVALSHA the proxy watches for.
    for (const script of [SAVE, APPEND, RELEASE_IDLE]) await admin.script('LOAD', script.source);
    store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    queue = new Queue(queueName('review-s21b'), { connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      await cluster.close();
      await store.close();
      await queue.close();
      admin.disconnect();
    });
  });
  beforeEach(async () => {
    proxy = new BlipProxy(redis.connection.path);
    await proxy.listen();
    // A long lease: BullMQ's stall recovery (which would hide a delivery left active) comes too late to matter here.
    worker = await cluster.addWorker({ connection: { path: proxy.path }, lockDuration: 30_000, stalledInterval: 30_000 });
  });
  afterEach(async () => {
    await worker.close();
    cluster.workers.splice(cluster.workers.indexOf(worker), 1);
    await proxy.close();
    expect(cluster.errors, 'background errors').to.deep.equal([]);
  });

  /** No delivery of the flow's queue left waiting, active or delayed (a delivery let go is removed on completion). */
  const settledDeliveries = async (): Promise<boolean> => {
    const counts = await queue.getJobCounts('active', 'wait', 'delayed');
    return counts.active + counts.wait + counts.delayed === 0;
  };

  it("a journal entry whose APPEND reply was lost is journaled once (a loaded snapshot does not queue the send's task again)", async () => {
    const job = build().open({ runner: cluster.runner, jobId: 's21b-append' });
    job.send('acc', 'in', { v: 1 });
    await running(job);
    await until(async () => (await store.load('s21b-append'))?.sharedData.total === 1, 'the first turn stored');
    proxy.dropReplyTo(APPEND.sha);
    job.send('acc', 'in', { v: 10 });
    await until(() => proxy.dropped === 1, 'the blip');
    await until(async () => (await store.load('s21b-append'))?.sharedData.total === 11, 'the second turn stored');
    // The send's task queued once and run once: an entry applied twice queues it twice, and the
    // turn's entry dequeues one, so a snapshot loaded now (by the next owner after a crash) would run it again.
    const loaded = (await store.load('s21b-append'))!;
    expect(loaded.pendingTasks.map((t) => t.data), 'tasks still queued').to.deep.equal([]);
    expect(loaded.outputLog.map((r) => r.data)).to.deep.equal([{ v: 1 }, { v: 10 }]);
    job.close();
    const final = await job.wait({ timeout: 20_000 });
    expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 11]);
  });

  it("a closed job whose final SAVE (letting it go) reply was lost completes, and its delivery with it (not left active for BullMQ's stall recovery)", async () => {
    const job = build().open({ runner: cluster.runner, jobId: 's21b-save' });
    job.send('acc', 'in', { v: 1 });
    await running(job);
    await until(async () => (await store.load('s21b-save'))?.sharedData.total === 1, 'the first turn stored');
    proxy.dropReplyTo(SAVE.sha);
    job.close();
    const final = await job.wait({ timeout: 20_000 });
    expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 1]);
    await until(() => proxy.dropped === 1, 'the blip');
    await until(settledDeliveries, 'the delivery to complete');
  });

  it('an emission and an output whose PUBLISH reply was lost reach their observers once each (twenty-first session)', async () => {
    const job = build().open({ runner: cluster.runner, jobId: 's21b-publish' });
    const emitted: number[] = [];
    const outputs: number[] = [];
    job.observe('acc', 'added').subscribe((p) => emitted.push((p as { v: number }).v));
    job.output$.subscribe((r) => outputs.push((r.data as { v: number }).v));
    job.send('acc', 'in', { v: 1 });
    await until(() => emitted.length === 1 && outputs.length === 1, 'the first emission and output heard');
    proxy.dropReplyTo('31337.5'); // the owner's PUBLISH of this payload reaches Redis; its reply is lost
    job.send('acc', 'in', { v: 31337.5 });
    await until(() => proxy.dropped === 1, 'the blip');
    job.send('acc', 'in', { v: 2 });
    job.close();
    const final = await job.wait({ timeout: 20_000 });
    expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 31340.5]);
    expect(emitted, 'emissions heard').to.deep.equal([1, 31337.5, 2]);
    expect(outputs, 'outputs heard').to.deep.equal([1, 31337.5, 2]);
  });

  it("a paused job whose idle RELEASE_IDLE reply was lost is let go, its delivery completed; it resumes and completes with each send applied once", async () => {
    const job = build().open({ runner: cluster.runner, jobId: 's21b-release' });
    job.send('acc', 'in', { v: 1 });
    await running(job);
    await until(async () => (await store.load('s21b-release'))?.sharedData.total === 1, 'the first turn stored');
    proxy.dropReplyTo(RELEASE_IDLE.sha);
    expect((await job.pause('blip')).status).to.equal('paused');
    await until(() => proxy.dropped === 1, 'the blip');
    await until(settledDeliveries, 'the delivery to complete');
    job.resume();
    job.send('acc', 'in', { v: 10 });
    job.close();
    const final = await job.wait({ timeout: 20_000 });
    expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 11]);
  });
});
