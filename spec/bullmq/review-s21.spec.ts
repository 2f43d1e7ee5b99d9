/**
 * Review s21 (issue 17): the distributed tier's latest changes (REGISTER in batches, no ioredis
 * auto-pipelining on the runner's and the worker's clients) under what a demanding user meets.
 *
 * A connection that drops after Redis ran a command but before its reply came back is a real
 * network blip: ioredis reconnects and sends the unanswered commands again
 * (`autoResendUnfulfilledCommands`, on by default). Here the blip is forced deterministically:
 * the runner talks to Redis through a unix-socket proxy that, once armed, lets one chosen
 * script call through to the server and drops the connection when its reply comes back.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, Routine } from '../../lib/index.js';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { CONTROL, REGISTER, REGISTER_MANY, UNREGISTER } from '../../lib/bullmq/control-scripts.js';
import { useRedis } from '../helpers/use-redis.js';
import { Total, startCluster, type Cluster } from './helpers.js';
import { BlipProxy } from './blip-proxy.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';

class Add extends Routine {
  constructor() {
    super();
    this.defineSlot<{ n: number }>('trigger', (d, ctx) => ctx.setSharedData('n', d.n + 1));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s21' });
  flow.addRoutine(new Add(), 'add');
  flow.addRoutine(new Total(), 'acc');
  return flow;
}

describe('review s21: the distributed tier after REGISTER batches', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    admin = new Redis(redis.connection);
    // Known to the server, so the runner's first call of each is the EVALSHA the proxy watches for.
    await admin.script('LOAD', REGISTER.source);
    await admin.script('LOAD', REGISTER_MANY.source);
    await admin.script('LOAD', CONTROL.source);
    redis.atStop(async () => {
      await cluster.close();
      admin.disconnect();
    });
  });
  afterEach(() => {
    expect(cluster.errors, 'background errors').to.deep.equal([]);
  });

  describe('a connection blip while ids are being registered (ioredis sends the unanswered call again)', () => {
    let proxy: BlipProxy;
    let runner: BullMQRunner;
    beforeEach(async () => {
      proxy = new BlipProxy(redis.connection.path);
      await proxy.listen();
      runner = new BullMQRunner({ connection: { path: proxy.path }, prefix: cluster.prefix });
    });
    afterEach(async () => {
      await runner.close();
      await proxy.close();
    });

    it('a batch of starts whose REGISTER_MANY reply was lost: every job still runs and completes (none fails as its own id "taken")', async () => {
      const flow = build();
      await flow.start('add', { n: 0 }, { runner, jobId: 's21-warm' }).wait(); // the runner's connections are up
      proxy.dropReplyTo(REGISTER_MANY.sha);
      const jobs = Array.from({ length: 5 }, (_, i) => flow.start('add', { n: i }, { runner, jobId: `s21-batch-${i}` }));
      const finals = await Promise.all(jobs.map((j) => j.wait({ timeout: 20_000 })));
      expect(proxy.dropped, 'the registration reply was dropped').to.equal(1);
      expect(finals.map((s) => [s.status, s.error?.message ?? null, s.getSharedData('n')])).to.deep.equal(jobs.map((_, i) => ['completed', null, i + 1]));
    });

    it('a single start whose REGISTER reply was lost runs and completes', async () => {
      const flow = build();
      await flow.start('add', { n: 0 }, { runner, jobId: 's21-warm-1' }).wait();
      proxy.dropReplyTo(REGISTER.sha);
      const job = flow.start('add', { n: 41 }, { runner }); // a generated id: the user never chose it
      const final = await job.wait({ timeout: 20_000 });
      expect(proxy.dropped).to.equal(1);
      expect([final.status, final.error?.message ?? null, final.getSharedData('n')]).to.deep.equal(['completed', null, 42]);
    });

    it('two commands of one runner for one job on their way together, both replies lost: each appended once, each answered as first (twenty-first session)', async () => {
      // Two handles of one job in one runner can have a command each on the connection at once
      // (one handle's commands go one after another). Sent here as one pipeline, so Redis runs
      // both before the proxy cuts the connection on their replies, and ioredis resends both.
      const client = new Redis({ path: proxy.path, enableAutoPipelining: false });
      try {
        const k = jobKeys(cluster.prefix, 's21-two-handles');
        const command = (n: number) => [k.state, k.meta, k.control, `${cluster.prefix}:owner:`, '1', 'send', JSON.stringify({ n }), '', '', '1', 's21-two-handles', 'sent:tag', String(n)];
        await client.ping(); // connected through the proxy
        proxy.dropReplyTo(CONTROL.sha);
        const replies = await client.pipeline().evalsha(CONTROL.sha, 3, ...command(5)).evalsha(CONTROL.sha, 3, ...command(6)).exec();
        expect(proxy.dropped).to.equal(1);
        const entries = await admin.xrange(k.control, '-', '+');
        expect(entries.map(([, fields]) => fields[fields.indexOf('data') + 1]), 'the control stream').to.deep.equal(['{"n":5}', '{"n":6}']);
        expect(replies!.map(([error, reply]) => [error, (reply as string[])[0]])).to.deep.equal(entries.map(([id]) => [null, id]));
      } finally {
        client.disconnect();
      }
    });

    it('a start given up by close() whose UNREGISTER reply was lost still says its id is free, and it is (twenty-first session)', async () => {
      const flow = build();
      await flow.start('add', { n: 0 }, { runner, jobId: 's21-warm-u' }).wait();
      await admin.script('LOAD', UNREGISTER.source);
      const registrar = (runner as unknown as { registrar: { register: (...a: unknown[]) => Promise<unknown> } }).registrar;
      const register = registrar.register.bind(registrar);
      let closing: Promise<void> | undefined;
      registrar.register = (...a) => ((closing = runner.close()), register(...a)); // registered, then given back
      proxy.dropReplyTo(UNREGISTER.sha);
      const final = await flow.start('add', { n: 1 }, { runner, jobId: 's21-unregister' }).wait({ timeout: 20_000 });
      await closing;
      expect(proxy.dropped).to.equal(1);
      expect(final.error?.message).to.include('its id is free again');
      const again = await flow.start('add', { n: 2 }, { runner: cluster.runner, jobId: 's21-unregister' }).wait({ timeout: 20_000 });
      expect([again.status, again.getSharedData('n')]).to.deep.equal(['completed', 3]);
    });

    it('a second start of the same id from the same runner is still refused as taken', async () => {
      const flow = build();
      const first = flow.start('add', { n: 1 }, { runner, jobId: 's21-twice' });
      const again = flow.start('add', { n: 2 }, { runner, jobId: 's21-twice' });
      const [a, b] = await Promise.all([first.wait({ timeout: 20_000 }), again.wait({ timeout: 20_000 })]);
      expect([a.status, a.getSharedData('n')]).to.deep.equal(['completed', 2]);
      expect(b.status).to.equal('failed');
      expect(b.error!.message).to.include("job id 's21-twice' is taken");
    });

    it('a send whose CONTROL reply was lost is applied once, not twice', async () => {
      const job = build().open({ runner, jobId: 's21-send' });
      job.send('acc', 'in', { v: 1 });
      await new Promise<void>((resolve, reject) => {
        const sub = job.state$.subscribe((s) => s.status === 'running' && (sub?.unsubscribe(), resolve()));
        setTimeout(() => reject(new Error('the open job never ran')), 20_000);
      });
      proxy.dropReplyTo(CONTROL.sha);
      job.send('acc', 'in', { v: 10 });
      job.close();
      const final = await job.wait({ timeout: 20_000 });
      expect(proxy.dropped).to.equal(1);
      expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 11]);
    });

    it('a pause whose CONTROL reply was lost resolves paused; the job resumes and completes with each send applied once', async () => {
      const job = build().open({ runner, jobId: 's21-pause' });
      job.send('acc', 'in', { v: 1 });
      await new Promise<void>((resolve, reject) => {
        const sub = job.state$.subscribe((s) => s.status === 'running' && (sub?.unsubscribe(), resolve()));
        setTimeout(() => reject(new Error('the open job never ran')), 20_000);
      });
      proxy.dropReplyTo(CONTROL.sha);
      const paused = await job.pause('blip');
      expect(proxy.dropped).to.equal(1);
      expect(paused.status).to.equal('paused');
      job.resume();
      job.send('acc', 'in', { v: 10 });
      job.close();
      const final = await job.wait({ timeout: 20_000 });
      expect([final.status, final.getSharedData('total')]).to.deep.equal(['completed', 11]);
    });
  });
});
