/**
 * Review s22a: BullMQ's own script calls when a connection drops after Redis ran one but before
 * its reply came back. ioredis reconnects (BullMQ's own retry strategy: a second at least) and
 * sends the unanswered call again (`autoResendUnfulfilledCommands`, on by default). Routilux's
 * scripts answer such a repeat as the first run (review s21*); this file asks what BullMQ's
 * `moveToActive`, `moveToFinished`, `extendLocks`, `addStandardJob`, `moveStalledJobsToWait` and
 * `removeJob` do to routilux's guarantees, for whole jobs (Tier 1) and pool activations (Tier 2).
 * The blip is forced by a BlipProxy armed with the script's sha (the sha1 of BullMQ's source).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { BullMQRunner, type WorkerHandle, type WorkerOptions } from '../../lib/bullmq/index.js';
import { bullJobId, poolQueueName, queueName } from '../../lib/bullmq/wire.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';
import { Total, startCluster, type Cluster } from './helpers.js';
import { BlipProxy } from './blip-proxy.js';

/** BullMQ's scripts, by name: the source ioredis loads (defineCommand) and its sha, which EVALSHA carries. */
const BULL = ['moveToActive-11', 'moveToFinished-14', 'extendLocks-1', 'addStandardJob-9', 'moveStalledJobsToWait-9', 'removeJob-2'] as const;
type BullScript = (typeof BULL)[number];
async function bullScripts(): Promise<Record<BullScript, { sha: string; source: string }>> {
  const dir = join(dirname(createRequire(import.meta.url).resolve('bullmq')), '..', 'esm', 'scripts');
  const out = {} as Record<BullScript, { sha: string; source: string }>;
  for (const file of BULL) {
    const mod = (await import(pathToFileURL(join(dir, `${file}.js`)).href)) as Record<string, { content: string }>;
    const source = Object.values(mod)[0].content;
    out[file] = { source, sha: createHash('sha1').update(source).digest('hex') };
  }
  return out;
}

/** Handler runs, by tag (a run repeated without any crash counts twice). */
const ran = new Map<string, number>();
const count = (tag: string): void => void ran.set(tag, (ran.get(tag) ?? 0) + 1);

/** Tier 1: runs on the owner (holds `ms`), sets `n`. */
class Step extends Routine {
  constructor() {
    super();
    this.defineSlot<{ tag: string; n: number; ms?: number }>('trigger', async (d, ctx) => {
      count(d.tag);
      if (d.ms) await sleep(d.ms);
      ctx.setSharedData('n', d.n + 1);
    });
  }
}

/** Tier 2: runs on the pool (holds `ms`), emits what it got. */
class Work extends Routine {
  constructor() {
    super();
    this.defineEvent('done', ['v']);
    this.defineSlot<{ tag: string; v: number; ms?: number }>('trigger', async (d, ctx: ExecutionContext) => {
      count(d.tag);
      if (d.ms) await sleep(d.ms);
      ctx.emit('done', { v: d.v });
    });
    this.setPlacement('pool');
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s22a' });
  flow.addRoutine(new Step(), 'step');
  flow.addRoutine(new Work(), 'work');
  flow.addRoutine(new Total(), 'total');
  flow.connect('work', 'done', 'total', 'in');
  return flow;
}

describe('review s22a: BullMQ\'s own calls whose reply a dropped connection lost (ioredis sends them again)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  let bull: Record<BullScript, { sha: string; source: string }>;
  let jobs: Queue;
  let pool: Queue;
  const proxies: BlipProxy[] = [];
  const workers: WorkerHandle[] = [];
  before(async () => {
    bull = await bullScripts();
    cluster = await startCluster(redis, build, 0);
    admin = new Redis(redis.connection);
    // Known to the server: each call is the one EVALSHA the proxy watches for (no NOSCRIPT round).
    for (const s of Object.values(bull)) await admin.script('LOAD', s.source);
    jobs = new Queue(queueName('review-s22a'), { connection: redis.connection, prefix: cluster.prefix });
    pool = new Queue(poolQueueName('review-s22a'), { connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      await cluster.close();
      await jobs.close();
      await pool.close();
      admin.disconnect();
    });
  });
  beforeEach(() => ran.clear());
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      await w.close();
      cluster.workers.splice(cluster.workers.indexOf(w), 1);
    }
    for (const p of proxies.splice(0)) await p.close();
    cluster.errors.length = 0;
  });

  async function proxy(): Promise<BlipProxy> {
    const p = new BlipProxy(redis.connection.path);
    await p.listen();
    proxies.push(p);
    return p;
  }
  /** A worker talking to Redis through `p`, with short leases (stall recovery within seconds). */
  async function worker(p: BlipProxy, more: Partial<WorkerOptions>): Promise<WorkerHandle> {
    const w = await cluster.addWorker({ connection: { path: p.path }, lockDuration: 2_000, stalledInterval: 1_000, ...more });
    workers.push(w);
    return w;
  }
  /** BullMQ's events of `queue` for its jobs whose id starts with `id`, in order (added, duplicated, active, stalled, completed, ...). */
  async function events(queue: Queue, id: string): Promise<string[]> {
    const entries = await admin.xrange(`${cluster.prefix}:${queue.name}:events`, '-', '+');
    return entries.filter(([, f]) => f[f.indexOf('jobId') + 1]?.startsWith(id)).map(([, f]) => f[f.indexOf('event') + 1]);
  }
  const settled = async (queue: Queue): Promise<boolean> => {
    const c = await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized');
    return c.active + c.wait + c.delayed + c.prioritized === 0;
  };
  /** What a call of `script` carries: its sha (EVALSHA), or its source's head (the EVAL ioredis sends first on a socket). */
  const arm = (script: BullScript): string[] => [bull[script].sha, bull[script].source.slice(0, 120)];
  const errors = (): string[] => cluster.errors.map((e) => (e as Error).message);

  describe('Tier 1 (whole jobs)', () => {
    it('pin: a fetch whose moveToActive reply was lost leaves the job active under a token nobody holds only until stall recovery; it then runs once, no recovery counted', async () => {
      const p = await proxy();
      await worker(p, { pool: { concurrency: 0 }, maxRecoveries: 0 });
      const flow = build();
      const w0 = await flow.start('step', { tag: 'warm', n: 0 }, { runner: cluster.runner, jobId: 's22a-fetch-warm' }).wait({ timeout: 20_000 }); expect([w0.status, w0.error?.message]).to.deep.equal(['completed', undefined]);
      await sleep(300); // the worker waits for a job: its next fetch is the new job's
      p.dropReplyTo(...arm('moveToActive-11'));
      const final = await flow.start('step', { tag: 'fetch', n: 1 }, { runner: cluster.runner, jobId: 's22a-fetch' }).wait({ timeout: 20_000 });
      expect(p.dropped, 'the blip').to.equal(1);
      expect([final.status, final.getSharedData('n'), ran.get('fetch')]).to.deep.equal(['completed', 2, 1]);
      expect(await events(jobs, bullJobId('s22a-fetch', 1)), 'left active until stall recovery').to.include('stalled');
      expect(errors()).to.deep.equal([]);
    });

    it('fixed 1: a completion whose moveToFinished reply was lost (fetching the next job) reports no failure on errors$, and the job it fetched runs once', async () => {
      const p = await proxy();
      await worker(p, { concurrency: 1, pool: { concurrency: 0 } });
      const flow = build();
      expect((await flow.start('step', { tag: 'warm', n: 0 }, { runner: cluster.runner, jobId: 's22a-fin-warm' }).wait({ timeout: 20_000 })).status).to.equal('completed');
      await until(() => settled(jobs), 'the warm delivery to settle', 20_000);
      p.dropReplyTo(...arm('moveToFinished-14'));
      const a = flow.start('step', { tag: 'fin-a', n: 1, ms: 50 }, { runner: cluster.runner, jobId: 's22a-fin-a' });
      const b = flow.start('step', { tag: 'fin-b', n: 2 }, { runner: cluster.runner, jobId: 's22a-fin-b' });
      const [fa, fb] = await Promise.all([a.wait({ timeout: 20_000 }), b.wait({ timeout: 20_000 })]);
      expect(p.dropped, 'the blip').to.equal(1);
      expect([fa.status, fa.getSharedData('n'), fb.status, fb.getSharedData('n')]).to.deep.equal(['completed', 2, 'completed', 3]);
      expect([ran.get('fin-a'), ran.get('fin-b')]).to.deep.equal([1, 1]);
      await until(() => settled(jobs), 'the deliveries to settle', 20_000);
      // The next job the lost reply fetched waited for stall recovery (a delay only: it had not run).
      expect(await events(jobs, bullJobId('s22a-fin-b', 1))).to.include('stalled');
      expect(errors(), 'background errors: the job completed').to.deep.equal([]);
    });

    it('pin: a lock renewal whose extendLocks reply was lost keeps the job: no stall, no second owner, one run', async () => {
      const p = await proxy();
      await worker(p, { pool: { concurrency: 0 } });
      const flow = build();
      const job = flow.start('step', { tag: 'renew', n: 1, ms: 3_000 }, { runner: cluster.runner, jobId: 's22a-renew' });
      await until(() => ran.get('renew') === 1, 'the handler to start', 20_000);
      p.dropReplyTo(...arm('extendLocks-1'));
      const final = await job.wait({ timeout: 20_000 });
      expect(p.dropped, 'the blip').to.equal(1);
      expect([final.status, final.getSharedData('n'), ran.get('renew')]).to.deep.equal(['completed', 2, 1]);
      expect(await events(jobs, bullJobId('s22a-renew', 1))).to.not.include('stalled');
      expect(errors()).to.deep.equal([]);
    });

    it('pin: a start whose addStandardJob reply was lost, sent again after the job completed, is a second delivery that runs nothing and changes nothing', async () => {
      const p = await proxy();
      const runner = new BullMQRunner({ connection: { path: p.path }, prefix: cluster.prefix });
      try {
        await worker(await proxy(), { pool: { concurrency: 0 } });
        const flow = build();
        expect((await flow.start('step', { tag: 'warm', n: 0 }, { runner, jobId: 's22a-add-warm' }).wait({ timeout: 20_000 })).status).to.equal('completed');
        p.dropReplyTo(...arm('addStandardJob-9'));
        const job = flow.start('step', { tag: 'add', n: 1 }, { runner, jobId: 's22a-add' });
        const final = await job.wait({ timeout: 20_000 });
        expect([final.status, final.getSharedData('n')]).to.deep.equal(['completed', 2]);
        const id = bullJobId('s22a-add', 1);
        await until(async () => (await events(jobs, id)).filter((e) => e === 'added' || e === 'duplicated').length === 2, 'the add sent again', 20_000);
        await until(() => settled(jobs), 'the deliveries to settle', 20_000);
        expect(p.dropped, 'the blip').to.equal(1);
        expect(ran.get('add'), 'runs').to.equal(1);
        const again = await runner.job(flow, 's22a-add');
        expect([again.state.status, again.state.getSharedData('n')]).to.deep.equal(['completed', 2]);
        expect(errors()).to.deep.equal([]);
      } finally {
        await runner.close();
      }
    });
  });

  describe('Tier 2 (pool activations)', () => {
    let ownerProxy: BlipProxy;
    let memberProxy: BlipProxy;
    async function members(more: Partial<WorkerOptions> = {}): Promise<void> {
      ownerProxy = await proxy();
      memberProxy = await proxy();
      await worker(ownerProxy, { pool: { concurrency: 0 } });
      await worker(memberProxy, { concurrency: 0, pool: { concurrency: 1 }, ...more });
    }
    /** Starts `work` with `v` (pool), waits for the job's end. */
    const run = (jobId: string, tag: string, v: number, ms?: number) => build().start('work', { tag, v, ms }, { runner: cluster.runner, jobId }).wait({ timeout: 20_000 });

    it('pin: a member whose moveToActive reply was lost leaves the activation active until stall recovery; it then runs once and is applied once', async () => {
      await members();
      expect((await run('s22a-pfetch-warm', 'warm', 1)).status).to.equal('completed');
      await sleep(300); // the member waits for an activation: its next fetch is the new one's
      memberProxy.dropReplyTo(...arm('moveToActive-11'));
      const final = await run('s22a-pfetch', 'pfetch', 5);
      expect(memberProxy.dropped, 'the blip').to.equal(1);
      expect([final.status, final.getSharedData('total'), ran.get('pfetch')]).to.deep.equal(['completed', 5, 1]);
      expect(await events(pool, 's22a-pfetch%2f'), 'left active until stall recovery').to.include('stalled');
      expect(errors()).to.deep.equal([]);
    });

    it('fixed 2: a member whose moveToFinished reply was lost (fetching the next activation) reports no failure on errors$; each activation runs once', async () => {
      await members();
      expect((await run('s22a-pfin-warm', 'warm', 1)).status).to.equal('completed');
      await until(() => settled(pool), 'the warm activation to settle', 20_000);
      memberProxy.dropReplyTo(...arm('moveToFinished-14'));
      const [a, b] = await Promise.all([run('s22a-pfin-a', 'pfin-a', 1, 50), run('s22a-pfin-b', 'pfin-b', 2, 50)]);
      expect(memberProxy.dropped, 'the blip').to.equal(1);
      expect([a.status, a.getSharedData('total'), b.status, b.getSharedData('total')]).to.deep.equal(['completed', 1, 'completed', 2]);
      expect([ran.get('pfin-a'), ran.get('pfin-b')]).to.deep.equal([1, 1]);
      await until(() => settled(pool), 'the activations to settle', 20_000);
      expect(errors(), 'background errors: both activations completed').to.deep.equal([]);
    });

    it('pin: a member whose extendLocks reply was lost keeps the activation: no stall, one run', async () => {
      await members();
      const job = build().start('work', { tag: 'prenew', v: 3, ms: 3_000 }, { runner: cluster.runner, jobId: 's22a-prenew' });
      await until(() => ran.get('prenew') === 1, 'the handler to start', 20_000);
      memberProxy.dropReplyTo(...arm('extendLocks-1'));
      const final = await job.wait({ timeout: 20_000 });
      expect(memberProxy.dropped, 'the blip').to.equal(1);
      expect([final.status, final.getSharedData('total'), ran.get('prenew')]).to.deep.equal(['completed', 3, 1]);
      expect(errors()).to.deep.equal([]);
    });

    it("fixed 3: an activation whose addStandardJob reply was lost, sent again once the pool ran it, is not run a second time (no crash: the handler's side effects once)", async () => {
      await members();
      expect((await run('s22a-padd-warm', 'warm', 1)).status).to.equal('completed');
      ownerProxy.dropReplyTo(...arm('addStandardJob-9'));
      const final = await run('s22a-padd', 'padd', 7);
      expect(ownerProxy.dropped, 'the blip').to.equal(1);
      expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 7]);
      await until(() => settled(pool), 'the pool queue to settle', 20_000);
      await sleep(200);
      expect(ran.get('padd'), 'runs of the activation (the job has completed)').to.equal(1);
      expect(errors()).to.deep.equal([]);
    });

    it("fixed 4: an activation whose add was sent again once the pool ran it, the pool member in its owner's process (the local path): not run a second time", async () => {
      ownerProxy = await proxy();
      await worker(ownerProxy, { pool: { concurrency: 1 } });
      expect((await run('s22a-plocal-warm', 'warm', 1)).status).to.equal('completed');
      ownerProxy.dropReplyTo(...arm('addStandardJob-9'));
      const final = await run('s22a-plocal', 'plocal', 6);
      expect(ownerProxy.dropped, 'the blip').to.equal(1);
      expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 6]);
      await until(() => settled(pool), 'the pool queue to settle', 20_000);
      await sleep(200);
      expect(ran.get('plocal'), 'runs of the activation (the job has completed)').to.equal(1);
      expect(errors()).to.deep.equal([]);
    });

    it('pin: a stall check whose moveStalledJobsToWait reply was lost moves the stalled activation once: it runs once', async () => {
      await members();
      expect((await run('s22a-pstall-warm', 'warm', 1)).status).to.equal('completed');
      await sleep(300);
      memberProxy.dropReplyTo(...arm('moveToActive-11')); // the activation stalls: its fetch's reply is lost
      const job = build().start('work', { tag: 'pstall', v: 4 }, { runner: cluster.runner, jobId: 's22a-pstall' });
      await until(() => memberProxy.dropped === 1, 'the lost fetch', 20_000);
      memberProxy.dropReplyTo(...arm('moveStalledJobsToWait-9'));
      const final = await job.wait({ timeout: 20_000 });
      await until(() => memberProxy.dropped === 2, 'the lost stall check', 20_000);
      expect([final.status, final.getSharedData('total'), ran.get('pstall')]).to.deep.equal(['completed', 4, 1]);
      expect(await events(pool, 's22a-pstall%2f'), 'moved by stall recovery').to.include('stalled');
      await until(() => settled(pool), 'the pool queue to settle', 20_000);
      expect(ran.get('pstall')).to.equal(1);
      expect(errors()).to.deep.equal([]);
    });

    it('pin: a queued activation whose removeJob reply was lost (its job cancelled) is removed once: the job ends cancelled, the handler never runs', async () => {
      ownerProxy = await proxy();
      await worker(ownerProxy, { pool: { concurrency: 0 } }); // no member yet: the activation stays queued
      const job = build().start('work', { tag: 'premove', v: 9 }, { runner: cluster.runner, jobId: 's22a-premove' });
      await until(async () => (await pool.getWaitingCount()) === 1, 'the activation queued', 20_000);
      ownerProxy.dropReplyTo(...arm('removeJob-2'));
      await job.cancel('blip');
      const final = await job.wait({ timeout: 20_000 });
      await until(() => ownerProxy.dropped === 1, 'the blip', 20_000);
      expect(final.status).to.equal('cancelled');
      await until(() => settled(pool), 'the activation removed', 20_000);
      await worker(await proxy(), { concurrency: 0, pool: { concurrency: 1 } });
      await sleep(300);
      expect(ran.get('premove'), 'runs').to.equal(undefined);
      expect(errors()).to.deep.equal([]);
    });
  });
});
