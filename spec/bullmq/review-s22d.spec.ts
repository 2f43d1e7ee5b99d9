/**
 * Review s22d: the day's changes to routilux/bullmq (4d17ce7..d228ead). RESULT's epoch check,
 * POOL_LOAD's "ran already", writeResult's retries, the owner that saves a refused final
 * checkpoint again, run-worker's report of a session's error, isFinishedAlready, loadError.
 * FINDINGs fail as found; pins hold.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { Flow, JobState, SerializationError, TimeoutError } from '../../lib/index.js';
import { RedisJobStore, runWorker, type WorkerHandle } from '../../lib/bullmq/index.js';
import { POOL_LOAD, RESULT } from '../../lib/bullmq/control-scripts.js';
import { isFinishedAlready } from '../../lib/bullmq/bull-errors.js';
import { encodeId, jobKeys } from '../../lib/bullmq/redis-keys.js';
import { poolQueueName, poolResultKey } from '../../lib/bullmq/wire.js';
import { useRedis } from '../helpers/use-redis.js';
import { gate, sleep, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';
import { heldFlow } from './held-flow.js';

let held = gate();

/** The flow of spec/bullmq/held-flow.ts, its handlers waiting for `held`. */
const build = (flowId = 'review-s22d'): Flow => heldFlow(flowId, () => held);

describe('review s22d: RESULT and POOL_LOAD on the keys of one job', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let client: Redis;
  before(() => (client = redis.client()));
  const json = JSON.stringify({ effects: [] });
  const result = (jobId: string, key: string, owner = '', epoch = ''): Promise<unknown> => {
    const k = jobKeys('s22d', jobId);
    return RESULT.run(client, [k.inbox, k.meta], [key, json, 's22d:owner:', encodeId(jobId), owner, epoch]);
  };
  const ran = async (jobId: string, key: string): Promise<number> => {
    const k = jobKeys('s22d', jobId);
    return ((await POOL_LOAD.run(client, [k.state, k.journal, k.meta], [key])) as [unknown, unknown, number])[2];
  };
  const key = (jobId: string, seq: number, attempt = 1, incarnation = 0, v = 1): string => poolResultKey(`${jobId}/${seq}`, attempt, 'pool', 'trigger', { v }, incarnation);

  it('pin: a result written for a job let go (epoch kept, no owner: released, handed over) is kept in its inbox for the next owner', async () => {
    const k = jobKeys('s22d', 'released');
    await client.hset(k.meta, 'epoch', '3', 'recoveries', '0'); // (RELEASE_IDLE/RELEASE drop owner, until, held only)
    expect(await result('released', key('released', 1))).to.equal(1);
    expect(await client.xlen(k.inbox)).to.equal(1);
  });

  it("pin: POOL_LOAD tells 'ran' for that key only: not for a retry attempt, a resumed incarnation, another payload or another seq of the job", async () => {
    const k = jobKeys('s22d', 'alike');
    await client.hset(k.meta, 'owner', 'w', 'epoch', '1');
    await result('alike', key('alike', 3));
    expect(await ran('alike', key('alike', 3)), 'the same key').to.equal(1);
    expect(await ran('alike', key('alike', 3, 2)), 'attempt 2').to.equal(0);
    expect(await ran('alike', key('alike', 3, 1, 1)), 'incarnation 1').to.equal(0);
    expect(await ran('alike', key('alike', 3, 1, 0, 2)), 'another payload').to.equal(0);
    expect(await ran('alike', key('alike', 33)), 'seq 33').to.equal(0);
    // Job ids holding '/' still end in '/<seq>': the part after the last '/' is that of the key.
    expect(await ran('alike', key('al/ike', 3)), "a job id with '/' (another job's key read on this meta)").to.equal(1);
  });

  it("pin: a key evicted from the 8-entry memo is run again (at least once), never wrongly told 'ran'", async () => {
    const k = jobKeys('s22d', 'evict');
    await client.hset(k.meta, 'owner', 'w', 'epoch', '1');
    for (let seq = 1; seq <= 9; seq++) await result('evict', key('evict', seq));
    expect(await ran('evict', key('evict', 1)), 'evicted').to.equal(0);
    expect(await ran('evict', key('evict', 9))).to.equal(1);
  });

  it('pin: a deleted job (DEL of all its keys) then started again under its id has no memo: its first activation runs', async () => {
    const k = jobKeys('s22d', 'again');
    await client.hset(k.meta, 'owner', 'w', 'epoch', '1');
    await result('again', key('again', 1));
    await client.del(k.state, k.journal, k.meta, k.control, k.inbox);
    await client.hset(k.meta, 'req', '1', 'fp', 'x', 'flow', 'f'); // REGISTER's fields, no epoch yet
    expect(await ran('again', key('again', 1))).to.equal(0);
    expect(await result('again', key('again', 1)), 'no epoch yet: nothing written').to.equal(0);
  });

  it('pin: isFinishedAlready matches the finish of a job whose hash is gone only', () => {
    expect(isFinishedAlready(new Error('Missing key for job abc.1. moveToFinished'))).to.equal(true);
    expect(isFinishedAlready(new Error('Missing lock for job abc.1. moveToFinished'))).to.equal(false);
    expect(isFinishedAlready(new Error('Missing key for job abc.1. moveToDelayed'))).to.equal(false);
    expect(isFinishedAlready(new Error('Missing key for job abc.1. moveToFinished; and more'))).to.equal(false);
    expect(isFinishedAlready('Missing key for job abc.1. moveToFinished')).to.equal(false);
  });
});

describe('review s22d: a pool result Redis refuses for good, a corrupt snapshot', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  let store: RedisJobStore;
  let pool: Queue;
  before(async () => {
    // One pool slot: an activation that holds it keeps every other one waiting.
    cluster = await startCluster(redis, () => build(), 1, { pool: { concurrency: 1 }, closeTimeout: 1_000 });
    admin = new Redis(redis.connection);
    store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    pool = new Queue(poolQueueName('review-s22d'), { connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      held.open();
      await cluster.close();
      await store.close();
      await pool.close();
      admin.disconnect();
    });
  });
  beforeEach(() => {
    held = gate();
    cluster.errors.length = 0;
  });
  afterEach(() => held.open());

  it('fixed 1: a RESULT refused for good (WRONGTYPE: the inbox key was overwritten) is reported once and its pool job ends (its slot freed), not retried every 500 ms for ever', async () => {
    const job = build().start('pool', { v: 1, wait: true }, { runner: cluster.runner, jobId: 's22d-wrongtype' });
    await until(async () => (await store.load('s22d-wrongtype'))?.status === 'running', 'running');
    await sleep(300); // the activation is on the pool member, waiting for `held`
    await admin.set(store.keysOf('s22d-wrongtype').inbox, 'not a stream');
    held.open();
    await sleep(2_000);
    const wrongtype = cluster.errors.filter((e) => /WRONGTYPE/.test(String(e)));
    // BullMQ's pool job: failed and removed once the write is given up, else active, its slot held.
    const active = (await pool.getJobCounts('active')).active;
    expect({ wrongtype: wrongtype.length, active }, 'WRONGTYPE reports in 2 s; pool jobs still active').to.deep.equal({ wrongtype: 1, active: 0 });
    void job;
  });

  it('pin: a snapshot cut by hand is refused by load with a SerializationError naming the job and its key, the codec error as cause', async () => {
    const k = store.keysOf('s22d-cut');
    await store.save(new JobState({ ...build().open({ jobId: 'x' }).state, jobId: 's22d-cut' }));
    await admin.set(k.state, (await admin.get(k.state))!.slice(0, 30));
    const error = (await store.load('s22d-cut').then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).to.be.instanceOf(SerializationError);
    expect(error.message).to.include("'s22d-cut'").and.include(k.state);
    expect(error.cause).to.be.instanceOf(SerializationError);
  });
});

describe('review s22d: closing a worker whose final save Redis keeps refusing (OOM)', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let admin: Redis;
  let store: RedisJobStore;
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, () => build('review-s22d-close'), 0);
    admin = new Redis(redis.connection);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      await admin.config('SET', 'maxmemory', '0');
      held.open();
      await cluster.close();
      await store.close();
      admin.disconnect();
    });
  });

  it('fixed 2: close() lets such a job go at its closeTimeout (left to its lease), reports no false "Redis unreachable", and leaves no re-save timer running after it', async () => {
    held = gate();
    const errors: unknown[] = [];
    const worker: WorkerHandle = await runWorker(build('review-s22d-close'), {
      connection: redis.connection,
      prefix: cluster.prefix,
      lockDuration: 2_000,
      stalledInterval: 1_000,
      closeTimeout: 1_000,
      checkpoint: { maxAttempts: 2, retryDelay: 10 },
    });
    worker.errors$.subscribe((e) => errors.push(e));
    build('review-s22d-close').start('step', { v: 1 }, { runner: cluster.runner, jobId: 's22d-close' });
    await until(async () => (await store.load('s22d-close'))?.sharedData.started === true, 'started');
    await admin.config('SET', 'maxmemory', '1');
    held.open(); // completes on its owner; its final save is refused, and tried again and again
    await until(() => errors.some((e) => String(e).includes('OOM')), 'the refused save reported');
    const native = globalThis.setTimeout;
    let resaves = 0;
    const t0 = Date.now();
    await worker.close();
    const took = Date.now() - t0;
    globalThis.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
      if (String(new Error().stack).includes('owner-checkpoints')) resaves++;
      return (native as (...a: unknown[]) => ReturnType<typeof setTimeout>)(fn, ms, ...rest);
    }) as typeof setTimeout;
    try {
      await sleep(2_500);
    } finally {
      globalThis.setTimeout = native;
    }
    await admin.config('SET', 'maxmemory', '0');
    const unreachable = errors.filter((e) => e instanceof TimeoutError && /unreachable/.test(e.message)).length;
    expect({ resaves, unreachable, slow: took >= 2_000 }, `re-save timers set in the 2.5 s after close() resolved; false "Redis unreachable" reports; close() took ${took} ms`).to.deep.equal({ resaves: 0, unreachable: 0, slow: false });
  });
});
