/**
 * Issue 17, Tier 2 per-hop cost: an owner journals its turn checkpoints (each entry fenced and
 * carrying the control cursor, as a full save does), a pool activation's `jobState` is still the
 * owner's last checkpoint (snapshot plus journal), and a pool worker that runs an activation of
 * a job its own process owns reads that checkpoint and hands the result over without pub/sub.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, Routine, StoreError, type ExecutionContext } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';
import { sleep } from '../fixtures/helpers.js';

/** What each pool probe saw of the job: the shared value the owner wrote before, and how long the job's journal was. */
const seen: Array<{ shared: unknown; completed: unknown }> = [];

/**
 * src → gate0 (owner, waits: the job's first checkpoint, a full save, lands meanwhile) → write
 * (owner: shared data, so its turn is a journal entry) → gate1 (owner, waits: that entry lands)
 * → probe (pool: reads what write did from its jobState) → done (owner).
 */
function build(): Flow {
  const flow = new Flow({ flowId: 'pool-checkpoint' });
  const relay = (id: string, body: (ctx: ExecutionContext) => unknown, placement?: 'pool'): void => {
    const r = new Routine();
    r.defineEvent('out', ['n']);
    r.defineSlot(id === 'src' ? 'trigger' : 'in', async (_d: unknown, ctx: ExecutionContext) => {
      await body(ctx);
      ctx.emit('out', { n: 1 });
    });
    if (placement) r.setPlacement(placement);
    flow.addRoutine(r, id);
  };
  relay('src', () => undefined);
  relay('gate0', () => sleep(150));
  relay('write', (ctx) => ctx.setSharedData('written', 'by the owner'));
  relay('gate1', () => sleep(150));
  relay('probe', (ctx) => void seen.push({ shared: ctx.getSharedData('written'), completed: ctx.jobState.getRoutineState('write')?.status }), 'pool');
  relay('done', (ctx) => ctx.setSharedData('done', true));
  for (const [a, b] of [['src', 'gate0'], ['gate0', 'write'], ['write', 'gate1'], ['gate1', 'probe'], ['probe', 'done']]) flow.connect(a, 'out', b, 'in');
  return flow;
}

describe('Tier 2: journaled owner checkpoints and the pool’s view of them', function () {
  this.timeout(30_000);
  const redis = useRedis();

  it('a fenced journal append also saves the control cursor; a stale epoch is refused', async () => {
    const client = new Redis(redis.connection);
    const store = new RedisJobStore({ connection: client, prefix: 'jc' });
    try {
      const flow = build();
      const state = await flow.execute('src', {}, { jobId: 'j-1' });
      const grant = await store.takeLease('j-1', 'w1', 60_000);
      if (!grant.granted) throw new Error('no lease');
      await store.save(state);
      const keys = store.keysOf('j-1');
      await store.appendJournal('j-1', { format: 'routilux.journal', version: 2, jobId: 'j-1', fields: {} }, { cursor: '5-0', epoch: grant.epoch });
      expect(await client.hget(keys.meta, 'cursor')).to.equal('5-0');
      expect(await client.llen(keys.journal)).to.equal(1);
      const stale = await store.appendJournal('j-1', { format: 'routilux.journal', version: 2, jobId: 'j-1', fields: {} }, { cursor: '6-0', epoch: 'old' }).catch((e: unknown) => e);
      expect(stale).to.be.instanceOf(StoreError);
      expect(String((stale as Error).message)).to.include('taken over');
      expect(await client.hget(keys.meta, 'cursor'), 'a refused append moves nothing').to.equal('5-0');
      expect(await client.llen(keys.journal)).to.equal(1);
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  it('a pool worker of another process role reads the last checkpoint with its journal: what the owner wrote a turn before', async () => {
    const cluster = await startCluster(redis, build, 1, { pool: { concurrency: 0 } });
    await cluster.addWorker({ concurrency: 0, pool: { concurrency: 2 } });
    const admin = new Redis(redis.connection);
    const journalLengths: number[] = [];
    try {
      seen.length = 0;
      const job = build().start('src', {}, { jobId: 'remote-1', runner: cluster.runner });
      const keys = new RedisJobStore({ connection: admin, prefix: cluster.prefix }).keysOf('remote-1');
      // While gate1 waits, the owner's checkpoint of write's turn is a journal entry.
      const watch = setInterval(() => void admin.llen(keys.journal).then((n) => journalLengths.push(n), () => undefined), 20);
      const final = await job.wait().finally(() => clearInterval(watch));
      expect(final.status, JSON.stringify(final.error)).to.equal('completed');
      expect(final.getSharedData('done')).to.equal(true);
      expect(Math.max(...journalLengths), 'turns were journaled').to.be.greaterThan(0);
      expect(seen).to.deep.equal([{ shared: 'by the owner', completed: 'completed' }]);
      expect(cluster.errors.map(String)).to.deep.equal([]);
    } finally {
      admin.disconnect();
      await cluster.close();
    }
  });

  it('a pool worker in the owner’s process reads the owner’s checkpoint and gets the result to it with nothing published', async () => {
    const cluster = await startCluster(redis, build, 1, { pool: { concurrency: 2 } });
    const listener = new Redis(redis.connection);
    const published: string[] = [];
    try {
      await listener.psubscribe(`${cluster.prefix}:owner:*`);
      listener.on('pmessage', (_p, _c, message: string) => published.push(message));
      seen.length = 0;
      const final = await build().start('src', {}, { jobId: 'local-1', runner: cluster.runner }).wait();
      expect(final.status, JSON.stringify(final.error)).to.equal('completed');
      expect(final.getSharedData('done')).to.equal(true);
      expect(seen).to.deep.equal([{ shared: 'by the owner', completed: 'completed' }]);
      expect(published.filter((m) => m.includes('\nr')), 'no pool result went through pub/sub').to.deep.equal([]);
      expect(cluster.errors.map(String)).to.deep.equal([]);
    } finally {
      listener.disconnect();
      await cluster.close();
    }
  });
});
