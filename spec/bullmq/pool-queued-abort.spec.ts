/**
 * A pool activation still waiting in the pool queue when its job is cancelled or fails never
 * starts, as a queued in-process activation of such a job never does: the owner tells the pool
 * (a member that takes it later remembers the word, for a minute), and a cancelled job's owner,
 * or a failed job's once it stored the failure, also takes it off the queue. Without that, the
 * handler ran later, its side effects after the job had ended.
 * An owner that lets a job go (lost to another owner) drops its local copy by cancelling it:
 * that is no news for the pool, whose activation the next owner replays under the same key.
 */
import { expect } from 'chai';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TAKE } from '../../lib/bullmq/control-scripts.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { poolQueueName } from '../../lib/bullmq/wire.js';
import { Flow, Routine, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome, or 'HANG' after `ms`. */
const within = <T>(promise: Promise<T>, ms = 5_000): Promise<T | 'HANG'> => Promise.race([promise, sleep(ms).then(() => 'HANG' as const)]);
const statusOf = (got: JobState | 'HANG'): string => (got === 'HANG' ? got : got.status);

/** The pool queue's waiting count once it is `count`, or after 5 s of looking (every 10 ms): a wait on the state itself, however loaded the machine. */
async function waitingReaches(queue: Queue, count: number): Promise<number> {
  let waiting = await queue.getWaitingCount();
  for (let i = 0; i < 500 && waiting !== count; i++) waiting = (await sleep(10), await queue.getWaitingCount());
  return waiting;
}
const drained = (queue: Queue): Promise<number> => waitingReaches(queue, 0);

/** Pool handlers started, as `<tag>#<attempt>`. */
const started: string[] = [];

/** Opens the gate a held handler waits at (its `hold` ms are only a bound: tests open it when they are done, however loaded the machine). */
let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

/** src.trigger → pool routine work.in (with `hold`: waits for {@link release}, at most `hold` ms); with `boom`, also → boom.in on the owner, which throws after `boom` ms (STOP: the job fails). */
function build(): Flow {
  const flow = new Flow({ flowId: 'pool-queued-abort', executionStrategy: 'concurrent', maxWorkers: 8 });
  const src = new Routine();
  src.defineEvent('out');
  src.defineEvent('fail');
  src.defineSlot<{ boom?: number }>('trigger', (d, ctx: ExecutionContext) => {
    ctx.emit('out', d);
    if (d.boom) ctx.emit('fail', d);
  });
  const work = new Routine();
  work.defineSlot<{ tag: string; hold?: number }>('in', async (d, ctx) => {
    started.push(`${d.tag}#${ctx.attempt}`);
    if (d.hold) await Promise.race([gate, sleep(d.hold)]);
    ctx.setSharedData('ran', d.tag);
  });
  work.setPlacement('pool');
  const boom = new Routine();
  boom.defineSlot<{ boom: number }>('in', async (d: Payload) => {
    await sleep(d.boom as number);
    throw new Error('boom');
  });
  flow.addRoutine(src, 'src');
  flow.addRoutine(work, 'work');
  flow.addRoutine(boom, 'boom');
  flow.connect('src', 'out', 'work', 'in');
  flow.connect('src', 'fail', 'boom', 'in');
  return flow;
}

describe('routilux/bullmq: a pool activation still queued when its job ends never starts', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1, { pool: { concurrency: 1 } });
    redis.atStop(() => within(cluster.close(), 3_000));
  });

  /** Starts x, which holds the one pool slot until {@link release} (at most `hold` ms); resolves with it once its handler started. */
  const holdSlot = async (hold: number): Promise<ReturnType<Flow['start']>> => {
    release(); // (a test that failed before opening its gate does not hold the next one's slot)
    started.length = 0;
    gate = new Promise<void>((resolve) => (release = resolve));
    const x = build().start('src', { tag: 'x', hold }, { runner: cluster.runner });
    while (!started.includes('x#1')) await sleep(5);
    return x;
  };

  it('cancelled: its handler never runs, and the pool slot goes on to the next job', async () => {
    const x = await holdSlot(15_000);
    const y = build().start('src', { tag: 'y' }, { runner: cluster.runner });
    const queue = new Queue(poolQueueName('pool-queued-abort'), { connection: redis.connection as never, prefix: cluster.prefix });
    try {
      expect(await waitingReaches(queue, 1), 'y’s activation waits behind x').to.equal(1);
      expect(statusOf(await within(y.cancel('not needed')))).to.equal('cancelled');
      expect(await drained(queue), 'the cancel took it off the queue (a word a member keeps lasts only a minute)').to.equal(0);
    } finally {
      await queue.close();
    }
    release();
    expect(statusOf(await within(x.wait()))).to.equal('completed');
    const z = await within(build().start('src', { tag: 'z' }, { runner: cluster.runner }).wait());
    expect(statusOf(z)).to.equal('completed');
    expect(started, 'y never started: the cancel took it off the queue').to.deep.equal(['x#1', 'z#1']);
  });

  it('failed: its handler never runs (the pool member remembers the word; the stored failure takes it off the queue), and the job keeps its failure', async () => {
    const x = await holdSlot(15_000);
    const y = await within(build().start('src', { tag: 'y', boom: 100 }, { runner: cluster.runner }).wait());
    expect(y === 'HANG' ? y : [y.status, y.error?.message]).to.deep.equal(['failed', 'boom']);
    // Once its owner stored the failure (and let the job go), y's activation is off the queue:
    // a member keeps the word only a minute, and an activation queued longer would then run.
    const queue = new Queue(poolQueueName('pool-queued-abort'), { connection: redis.connection as never, prefix: cluster.prefix });
    try {
      expect(await drained(queue), 'the stored failure took y’s activation off the queue').to.equal(0);
    } finally {
      await queue.close();
    }
    release();
    expect(statusOf(await within(x.wait()))).to.equal('completed');
    const z = await within(build().start('src', { tag: 'z' }, { runner: cluster.runner }).wait());
    expect(statusOf(z)).to.equal('completed');
    await sleep(100);
    expect(started, 'y never started once its job had failed').to.deep.equal(['x#1', 'z#1']);
  });

  it('a lost owner drops its local copy without a word to the pool: the activation its next owner replays (the same pool job) still runs', async () => {
    const x = await holdSlot(15_000);
    const y = build().start('src', { tag: 'y' }, { runner: cluster.runner });
    const worker = cluster.workers[0];
    // Another owner takes y over (this worker's lease of it ran out, as if it had stalled).
    const peek = new Redis(redis.connection as never);
    const queue = new Queue(poolQueueName('pool-queued-abort'), { connection: redis.connection as never, prefix: cluster.prefix });
    try {
      expect(await waitingReaches(queue, 1), 'y’s activation is queued behind x').to.equal(1);
      expect(worker.owned).to.equal(2);
      const k = jobKeys(cluster.prefix, y.jobId);
      const [fp, flow] = await peek.hmget(k.meta, 'fp', 'flow');
      // The worker's lease keeper may renew y's lease between the expiry written here and the
      // TAKE (under load, that window is wide): expire it again until a TAKE gets in.
      let taken = 0;
      for (let i = 0; i < 20 && taken !== 1; i++) {
        await peek.hset(k.meta, 'until', '0');
        taken = ((await TAKE.run(peek, [k.meta, k.state, k.journal, k.control, k.inbox], ['thief', 30_000, fp!, flow!])) as unknown[])[0] as number;
      }
      expect(taken, 'the thief took y').to.equal(1);
      for (let i = 0; i < 300 && worker.owned > 1; i++) await sleep(10);
      expect(worker.owned, 'the worker heard it lost y').to.equal(1);
      await sleep(100);
      expect(await queue.getWaitingCount(), 'y’s activation is still queued').to.equal(1);
    } finally {
      await queue.close();
      peek.disconnect();
    }
    release();
    expect(statusOf(await within(x.wait()))).to.equal('completed');
    for (let i = 0; i < 200 && !started.includes('y#1'); i++) await sleep(10);
    expect(started, 'y’s activation ran for its next owner').to.deep.equal(['x#1', 'y#1']);
  });
});
