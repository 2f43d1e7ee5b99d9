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
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/index.js';
import { RELEASE } from '../../lib/bullmq/store-scripts.js';
import { useRedis } from '../helpers/use-redis.js';
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

/** An owner routine after the pool: sums what arrives (an emit applied twice counts twice). */
class Total extends Routine {
  constructor() {
    super();
    this.defineSlot<{ v: number }>('in', (d, ctx) => ctx.setSharedData('total', ctx.getSharedData<number>('total', 0) + d.v));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s21c' });
  flow.addRoutine(new Work(), 'work');
  flow.addRoutine(new Total(), 'total');
  flow.connect('work', 'done', 'total', 'in');
  return flow;
}

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
