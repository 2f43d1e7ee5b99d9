/**
 * Review s22c: the CLIENT side (BullMQRunner and its RemoteJob handles) when Redis fails. Commands
 * refused by Redis (out of memory: `maxmemory` 1 with `noeviction`; a replica: `REPLICAOF`), the
 * client's subscriber connection killed (`CLIENT KILL TYPE pubsub`), many handles of one job in
 * one client and in two, `runner.close()` under subscribed handles, and hostile starts. Each test
 * restores the server's config after it (see afterEach).
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, JobStateError, RoutiluxError, Routine, StoreError, type JobState } from '../../lib/index.js';
import { BullMQRunner, RedisJobStore } from '../../lib/bullmq/index.js';
import { CONTROL, REGISTER } from '../../lib/bullmq/control-scripts.js';
import { useRedis } from '../helpers/use-redis.js';
import { gate, sleep, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** Opened by each test when the handlers may end. */
let held = gate();

/** An owner routine that marks its start, waits for `held`, then emits `out` and keeps `v`. */
class Step extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['v']);
    this.defineSlot<{ v: number }>('trigger', async (d, ctx) => {
      ctx.setSharedData('started', true);
      await held.promise;
      ctx.setSharedData('v', d.v);
      ctx.emit('out', { v: d.v });
    });
  }
}

/** Keeps what it is sent (a send's arrival is visible in the stored state). */
class Keep extends Routine {
  constructor() {
    super();
    this.defineSlot<{ v: number }>('in', (d, ctx) => ctx.setSharedData('kept', [...ctx.getSharedData<number[]>('kept', []), d.v]));
  }
}

/** Keeps its params as they arrived (hostile starts). */
class Echo extends Routine {
  constructor() {
    super();
    this.defineSlot('trigger', (d, ctx) => ctx.setSharedData('got', d));
  }
}

/** Runs of FailOnce by job id (the workers run in this process). */
const tries = new Map<string, number>();

/** Throws on its job's first run, then passes (a failed job that a resume finishes). */
class FailOnce extends Routine {
  constructor() {
    super();
    this.defineSlot('trigger', (_d, ctx) => {
      const n = (tries.get(ctx.jobId) ?? 0) + 1;
      tries.set(ctx.jobId, n);
      if (n === 1) throw new Error('first run fails');
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s22c' });
  flow.addRoutine(new Step(), 'step');
  flow.addRoutine(new Keep(), 'keep');
  flow.addRoutine(new Echo(), 'echo');
  flow.addRoutine(new FailOnce(), 'flaky');
  return flow;
}

/** What a promise settled with: its value, or its rejection. */
async function outcome<T>(promise: Promise<T>, ms = 8_000): Promise<T | unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('HUNG'), ms)));
  try {
    return await Promise.race([promise.then((v) => v, (e: unknown) => e), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const statusOf = (s: unknown): string => (s && typeof s === 'object' && 'status' in s ? String((s as JobState).status) : String(s));

function suite(name: string, body: (ctx: { redis: ReturnType<typeof useRedis>; c: () => Fixture }) => void): void {
  describe(name, function () {
    this.timeout(30_000);
    const redis = useRedis();
    let fixture: Fixture;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    before(async () => {
      process.on('unhandledRejection', onUnhandled);
      process.on('uncaughtException', onUnhandled);
      const cluster = await startCluster(redis, build, 1, { checkpoint: { maxAttempts: 2, retryDelay: 10 }, closeTimeout: 1_000 });
      const admin = new Redis(redis.connection);
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
      fixture = { cluster, admin, store, restore: () => restore(admin) };
      redis.atStop(async () => {
        await restore(admin);
        held.open();
        await cluster.close();
        await store.close();
        admin.disconnect();
        process.off('unhandledRejection', onUnhandled);
        process.off('uncaughtException', onUnhandled);
      });
    });
    beforeEach(() => {
      held = gate();
      fixture.cluster.errors.length = 0;
    });
    afterEach(async () => {
      await restore(fixture.admin);
      held.open();
      expect(unhandled.splice(0).map(String), 'unhandled rejections and uncaught exceptions').to.deep.equal([]);
    });
    body({ redis, c: () => fixture });
  });
}

interface Fixture {
  cluster: Cluster;
  admin: Redis;
  store: RedisJobStore;
  restore(): Promise<void>;
}

async function restore(admin: Redis): Promise<void> {
  await admin.config('SET', 'maxmemory', '0');
  await admin.replicaof('NO', 'ONE');
}

const started = (f: Fixture, jobId: string): Promise<void> => until(async () => (await f.store.load(jobId))?.sharedData.started === true, `job '${jobId}' started`);

/** Pauses a job whose handler waits for `held`: the pause is applied (stored paused) before the handler may end. */
async function pauseHeld(f: Fixture, job: { pause(): Promise<JobState> }, jobId: string): Promise<unknown> {
  const pausing = outcome(job.pause());
  await until(async () => (await f.store.load(jobId))?.status === 'paused', `job '${jobId}' stored paused`);
  held.open();
  return pausing;
}

suite('review s22c: the client under a killed subscriber, many handles, two runners, a closed runner, hostile starts', ({ redis, c }) => {
  it('pin: state$, observe() and wait() keep up when the client subscriber is killed while the job completes (a completion in the gap is read back)', async () => {
    const f = c();
    const job = build().start('step', { v: 1 }, { runner: f.cluster.runner, jobId: 's22c-kill' });
    const statuses: string[] = [];
    let completed = false;
    job.state$.subscribe({ next: (s) => statuses.push(s.status), complete: () => (completed = true) });
    const seen: unknown[] = [];
    let observeEnded = false;
    job.observe('step', 'out').subscribe({ next: (v) => seen.push(v), complete: () => (observeEnded = true), error: () => (observeEnded = true) });
    await started(f, 's22c-kill');
    expect(Number(await f.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).to.be.at.least(2);
    held.open(); // completes now: its status and emission go to nobody
    const final = await outcome(job.wait({ timeout: 8_000 }));
    expect(statusOf(final)).to.equal('completed');
    await until(() => completed && observeEnded, 'state$ and observe() completed');
    expect(statuses.at(-1)).to.equal('completed');
    expect(job.state.status).to.equal('completed');
  });

  it('pin: a subscriber killed at every message (pubsub output buffer limit 1 byte): wait() and state$ still settle from the stored state', async () => {
    const f = c();
    const job = build().start('step', { v: 2 }, { runner: f.cluster.runner, jobId: 's22c-obuf' });
    let completed = false;
    job.state$.subscribe({ complete: () => (completed = true) });
    await started(f, 's22c-obuf');
    const before = (await f.admin.config('GET', 'client-output-buffer-limit')) as string[];
    await f.admin.config('SET', 'client-output-buffer-limit', 'pubsub 1 1 0');
    try {
      held.open();
      const final = await outcome(job.wait({ timeout: 8_000 }));
      expect(statusOf(final)).to.equal('completed');
      await until(() => completed, 'state$ completed');
    } finally {
      await f.admin.config('SET', 'client-output-buffer-limit', before[1]);
    }
  });

  it('pin: pause() and cancel() settle while the subscriber is killed at every message (their answers are read back from the store)', async () => {
    const f = c();
    const job = build().start('step', { v: 12 }, { runner: f.cluster.runner, jobId: 's22c-obuf-ops' });
    await started(f, 's22c-obuf-ops');
    const before = (await f.admin.config('GET', 'client-output-buffer-limit')) as string[];
    await f.admin.config('SET', 'client-output-buffer-limit', 'pubsub 1 1 0');
    try {
      expect(statusOf(await pauseHeld(f, job, 's22c-obuf-ops'))).to.equal('paused');
      expect(statusOf(await outcome(job.cancel('gone')))).to.equal('cancelled');
      expect(statusOf(await outcome(job.wait()))).to.equal('cancelled');
    } finally {
      await f.admin.config('SET', 'client-output-buffer-limit', before[1]);
    }
  });

  it('pin: four handles of one job in one client and one in a second runner: commands from any, every wait() and state agree with the store', async () => {
    const f = c();
    const other = new BullMQRunner({ connection: redis.connection, prefix: f.cluster.prefix });
    try {
      const flow = build();
      const h1 = flow.start('step', { v: 3 }, { runner: f.cluster.runner, jobId: 's22c-many' });
      await started(f, 's22c-many');
      const [h2, h3] = await Promise.all([f.cluster.runner.job(flow, 's22c-many'), f.cluster.runner.job(flow, 's22c-many')]);
      const h4 = await other.job(build(), 's22c-many');
      const handles = [h1, h2, h3, h4];
      const waits = handles.map((h) => outcome(h.wait({ timeout: 8_000 })));
      expect(statusOf(await pauseHeld(f, h2, 's22c-many'))).to.equal('paused');
      expect((await Promise.all(waits)).map(statusOf)).to.deep.equal(['paused', 'paused', 'paused', 'paused']);
      await until(() => handles.every((h) => h.state.status === 'paused'), 'every handle paused');
      h4.send('keep', 'in', { v: 40 });
      h3.send('keep', 'in', { v: 30 });
      await until(async () => (await f.admin.xlen(f.store.keysOf('s22c-many').control)) >= 3, 'both sends in the stream'); // (see FINDING 8)
      h4.resume();
      // (a handle that has not heard the resume yet is paused, and its wait() resolves at once, as documented)
      await until(() => handles.every((h) => h.state.status !== 'paused'), 'every handle heard the resume');
      const finals = await Promise.all(handles.map((h) => outcome(h.wait({ timeout: 8_000 }))));
      expect(finals.map(statusOf)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
      const stored = await f.store.load('s22c-many');
      expect(stored?.status).to.equal('completed');
      expect(handles.map((h) => h.state.status)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
      expect((stored?.sharedData.kept as number[]).slice().sort()).to.deep.equal([30, 40]);
    } finally {
      await other.close();
    }
  });

  it('pin: resume() then send() in the same turn on a failed job: the send, reaching Redis before any owner took the resumed job (still stored failed), runs', async () => {
    const f = c();
    const jobId = 's22c-failed-send';
    const job = build().start('flaky', {}, { runner: f.cluster.runner, jobId });
    expect(statusOf(await outcome(job.wait({ timeout: 8_000 })))).to.equal('failed');
    job.resume();
    job.send('keep', 'in', { v: 7 });
    const final = (await outcome(job.wait({ timeout: 8_000 }))) as JobState;
    expect([statusOf(final), final.sharedData.kept]).to.deep.equal(['completed', [7]]);
    expect(f.cluster.errors.map(String)).to.deep.equal([]);
  });

  it('fixed 8: resume() then send() in the same turn on a paused job: the send reaching Redis after the resumed job completed is not dropped without a word (in-process it runs)', async () => {
    const f = c();
    const jobId = 's22c-resume-send';
    const job = build().start('step', { v: 13 }, { runner: f.cluster.runner, jobId });
    await started(f, jobId);
    expect(statusOf(await pauseHeld(f, job, jobId))).to.equal('paused');
    // A second client whose send reaches Redis 300 ms after it was given (a slow link): its resume brings an owner, which completes the job first.
    const client = new Redis(redis.connection as never);
    const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { evalsha: unknown }).evalsha = async (...args: unknown[]) => {
      if (args[0] === CONTROL.sha && args.includes('send')) await sleep(300);
      return evalsha(...args);
    };
    const other = new BullMQRunner({ connection: client, prefix: f.cluster.prefix });
    const errors: unknown[] = [];
    other.errors$.subscribe((e) => errors.push(e));
    try {
      const h = await other.job(build(), jobId);
      h.resume();
      h.send('keep', 'in', { v: 50 });
      await sleep(600);
      const final = (await outcome(h.wait({ timeout: 8_000 }))) as JobState;
      errors.push(...f.cluster.errors);
      expect(final.status).to.equal('completed');
      // In-process, resume(); send() runs the send: here it must either run or be refused where
      // someone hears it (the sender's runner.errors\$: a JobStateError naming the job, nothing appended).
      const refused = errors.filter((e) => e instanceof JobStateError && String(e).includes(`cannot send to job '${jobId}': it was completed`));
      const ran = final.sharedData.kept !== undefined;
      expect({ kept: final.sharedData.kept, refused: refused.length, others: errors.length - refused.length }, `errors: ${errors.map(String).join('; ')}`).to.deep.equal(ran ? { kept: [50], refused: 0, others: 0 } : { kept: undefined, refused: 1, others: 0 });
    } finally {
      await other.close();
      client.disconnect();
    }
  });

  it('pin: a pause from one runner and a cancel from another at once: both settle, every handle ends cancelled as stored', async () => {
    const f = c();
    const other = new BullMQRunner({ connection: redis.connection, prefix: f.cluster.prefix });
    try {
      const h1 = build().start('step', { v: 4 }, { runner: f.cluster.runner, jobId: 's22c-race' });
      await started(f, 's22c-race');
      const h2 = await other.job(build(), 's22c-race');
      const [p, x] = [outcome(h1.pause()), outcome(h2.cancel('stop'))];
      // Both applied by the owner before the handler may end (a command still unread when the job completes is refused as too late).
      await until(async () => (await f.admin.xlen(f.store.keysOf('s22c-race').control)) >= 2 && ['paused', 'cancelled'].includes((await f.store.load('s22c-race'))?.status ?? ''), 'both commands in the stream, applied');
      held.open();
      const [pr, xr] = await Promise.all([p, x]);
      expect(statusOf(xr)).to.equal('cancelled');
      // (as in-process: a pause whose in-flight work is still running when a cancel comes resolves with the cancelled state)
      expect(['paused', 'cancelled'], `pause: ${String(pr)}`).to.include(statusOf(pr));
      expect([statusOf(await outcome(h1.wait())), statusOf(await outcome(h2.wait()))]).to.deep.equal(['cancelled', 'cancelled']);
      expect((await f.store.load('s22c-race'))?.status).to.equal('cancelled');
    } finally {
      await other.close();
    }
  });

  it('pin: runner.close() with subscribed handles: wait(), pause(), cancel() reject with a RoutiluxError at once; state$ and observe() complete; the runner refuses new work', async () => {
    const f = c();
    const runner = new BullMQRunner({ connection: redis.connection, prefix: f.cluster.prefix });
    const job = build().start('step', { v: 5 }, { runner, jobId: 's22c-close' });
    await started(f, 's22c-close');
    const attached = await runner.job(build(), 's22c-close');
    let ends = 0;
    for (const h of [job, attached]) {
      h.state$.subscribe({ complete: () => ends++ });
      h.observe('step', 'out').subscribe({ complete: () => ends++, error: () => ends++ });
    }
    const waiting = outcome(job.wait());
    await runner.close();
    expect(await waiting).to.be.instanceOf(JobStateError);
    expect(ends).to.equal(4);
    for (const h of [job, attached]) {
      for (const call of [() => h.wait(), () => h.pause(), () => h.cancel()]) expect(await outcome(call(), 2_000)).to.be.instanceOf(RoutiluxError);
    }
    expect((await outcome(runner.job(build(), 's22c-close'))) instanceof RoutiluxError, 'runner.job').to.equal(true);
    expect((await outcome(runner.resume(build(), 's22c-close'))) instanceof RoutiluxError, 'runner.resume').to.equal(true);
    expect(() => build().start('step', { v: 0 }, { runner })).to.throw(RoutiluxError);
    held.open();
  });

  it('fixed 1: after runner.close(), resume() and send() on its handle return as if sent (resume() even shows running): nothing is sent, the caller is not told', async () => {
    const f = c();
    const runner = new BullMQRunner({ connection: redis.connection, prefix: f.cluster.prefix });
    const errors: unknown[] = [];
    runner.errors$.subscribe((e) => errors.push(e));
    const job = build().start('step', { v: 6 }, { runner, jobId: 's22c-closed-cmd' });
    await started(f, 's22c-closed-cmd');
    expect(statusOf(await pauseHeld(f, job, 's22c-closed-cmd'))).to.equal('paused');
    await runner.close();
    const resumed = (() => {
      try {
        job.resume();
        return job.state.status;
      } catch (e) {
        return e;
      }
    })();
    const sent = (() => {
      try {
        job.send('keep', 'in', { v: 1 });
        return 'returned';
      } catch (e) {
        return e;
      }
    })();
    expect(resumed, 'resume() on a closed runner').to.be.instanceOf(RoutiluxError);
    expect(sent, 'send() on a closed runner').to.be.instanceOf(RoutiluxError);
    expect(job.state.status).to.equal('paused');
  });

  it('pin: hostile params (a BigInt, a cycle, an own __proto__ key) round-trip to the worker as in-process; a symbol or a function is refused at the call with nothing claimed', async () => {
    const f = c();
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    const proto = JSON.parse('{"__proto__": {"polluted": 1}, "x": 2}') as object;
    const big = await outcome(build().start('echo', { n: 10n ** 30n }, { runner: f.cluster.runner, jobId: 's22c-big' }).wait({ timeout: 8_000 }));
    expect(((big as JobState).sharedData.got as { n: bigint }).n).to.equal(10n ** 30n);
    const cycle = await outcome(build().start('echo', cyc, { runner: f.cluster.runner, jobId: 's22c-cycle' }).wait({ timeout: 8_000 }));
    const got = (cycle as JobState).sharedData.got as Record<string, unknown>;
    expect(got.self).to.equal(got);
    const p = await outcome(build().start('echo', proto, { runner: f.cluster.runner, jobId: 's22c-proto' }).wait({ timeout: 8_000 }));
    expect(statusOf(p)).to.equal('completed');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    for (const [id, params] of [['s22c-sym', { s: Symbol('x') }], ['s22c-fn', { f: () => 1 }]] as const) {
      expect(() => build().start('echo', params as object, { runner: f.cluster.runner, jobId: id }), id).to.throw(RoutiluxError);
      expect(await f.admin.exists(f.store.keysOf(id).meta), `${id}: nothing claimed`).to.equal(0);
    }
    for (const id of [42, {}, '', Symbol('id')]) expect(() => build().start('echo', {}, { runner: f.cluster.runner, jobId: id as never })).to.throw(RoutiluxError);
  });

  it('pin (README, Persistence: an object\'s data is its own enumerable string-keyed properties, as for JSON.stringify and structuredClone): a symbol-keyed property in start params is neither sent nor refused', async () => {
    const f = c();
    const final = await outcome(build().start('echo', { [Symbol('k')]: 1, x: 2 }, { runner: f.cluster.runner, jobId: 's22c-symkey' }).wait({ timeout: 8_000 }), 9_000);
    expect(statusOf(final)).to.equal('completed');
    expect((final as JobState).sharedData.got, 'what the worker got').to.deep.equal({ x: 2 });
  });

  it('pin: huge params (4 MB) start and round-trip', async () => {
    const f = c();
    const blob = 'x'.repeat(4 * 1024 * 1024);
    const final = await outcome(build().start('echo', { blob }, { runner: f.cluster.runner, jobId: 's22c-huge' }).wait({ timeout: 15_000 }), 16_000);
    expect(statusOf(final)).to.equal('completed');
    expect(((final as JobState).sharedData.got as { blob: string }).blob.length).to.equal(blob.length);
  });
});

suite('review s22c: commands of the client refused by Redis (OOM, READONLY)', ({ redis, c }) => {
  const refusals: Array<[string, (f: Fixture) => Promise<unknown>]> = [
    ['OOM', (f) => f.admin.config('SET', 'maxmemory', '1')],
    ['READONLY', (f) => f.admin.replicaof('127.0.0.1', '1')],
  ];
  const controlLength = (f: Fixture, jobId: string): Promise<number> => f.admin.xlen(f.store.keysOf(jobId).control);

  for (const [name, refuse] of refusals) {
    it(`fixed 2 (${name}): pause() and cancel() refused by Redis reject with a raw ioredis ReplyError, not a StoreError naming the job (nothing changes)`, async () => {
      const f = c();
      const jobId = `s22c-ops-${name}`;
      const job = build().start('step', { v: 7 }, { runner: f.cluster.runner, jobId });
      await started(f, jobId);
      const len = await controlLength(f, jobId);
      await refuse(f);
      const pause = await outcome(job.pause('x'));
      const cancel = await outcome(job.cancel('x'));
      const shown = job.state.status;
      await f.restore();
      expect(await controlLength(f, jobId), 'nothing appended').to.equal(len);
      expect(shown).to.equal('running');
      held.open();
      expect(statusOf(await outcome(job.wait({ timeout: 8_000 })))).to.equal('completed');
      for (const [what, e] of [['pause', pause], ['cancel', cancel]] as const) {
        expect(e, `${what}: ${String(e)}`).to.be.instanceOf(StoreError);
        expect((e as Error).message, what).to.include(`'${jobId}'`).and.include(name);
      }
    });
  }

  for (const [name, refuse] of refusals) {
    it(`fixed 3 (${name}): send() and resume() refused by Redis report a raw ReplyError on errors$, not a StoreError naming the job`, async () => {
      const f = c();
      const jobId = `s22c-cmd-${name}`;
      const job = build().start('step', { v: 8 }, { runner: f.cluster.runner, jobId });
      await started(f, jobId);
      expect(statusOf(await pauseHeld(f, job, jobId))).to.equal('paused');
      const len = await controlLength(f, jobId);
      // The runner's own reports (the workers report their own refusals, a lease renewal's, on the cluster's errors too).
      const reported: unknown[] = [];
      const sub = f.cluster.runner.errors$.subscribe((e) => reported.push(e));
      await refuse(f);
      job.send('keep', 'in', { v: 1 });
      job.resume();
      await until(() => reported.length >= 2, 'two failures reported');
      await until(() => job.state.status === 'paused', 'the handle back to paused');
      await f.restore();
      sub.unsubscribe();
      expect(await controlLength(f, jobId), 'nothing appended').to.equal(len);
      expect(reported.length, reported.map(String).join(' | ')).to.equal(2);
      for (const e of reported) {
        expect(e, String(e)).to.be.instanceOf(StoreError);
        expect((e as Error).message).to.include(`'${jobId}'`);
      }
    });
  }

  it('fixed 4: runner.resume(flow, id) refused by Redis (OOM) rejects with a StoreError naming the job, instead of resolving with a handle as if resumed', async () => {
    const f = c();
    const jobId = 's22c-runner-resume';
    const job = build().start('step', { v: 9 }, { runner: f.cluster.runner, jobId });
    await started(f, jobId);
    expect(statusOf(await pauseHeld(f, job, jobId))).to.equal('paused');
    await refusals[0][1](f);
    const result = await outcome(f.cluster.runner.resume(build(), jobId));
    await f.restore();
    expect((await f.store.load(jobId))?.status, 'stored').to.equal('paused');
    // (plain values in the assertions: mocha's parallel mode serializes a failure's actual, and a RemoteJob's Flow throws in toJSON)
    expect(result instanceof StoreError ? result.message.includes(`'${jobId}'`) : `resolved with a ${(result as object).constructor.name}`).to.equal(true);
  });

  it('pin: runner.job(flow, id) under OOM and READONLY attaches (reads only) and shows the stored status', async () => {
    const f = c();
    const jobId = 's22c-attach';
    const job = build().start('step', { v: 10 }, { runner: f.cluster.runner, jobId });
    await started(f, jobId);
    for (const [, refuse] of refusals) {
      await refuse(f);
      const h = await outcome(f.cluster.runner.job(build(), jobId));
      expect((h as { state: JobState }).state?.status, String(h)).to.equal('running');
      await f.restore();
    }
    held.open();
    expect(statusOf(await outcome(job.wait({ timeout: 8_000 })))).to.equal('completed');
  });

  it('fixed 5: a start whose id was registered but whose BullMQ add Redis refused (OOM) keeps its id claimed for good: the same id is refused as taken once the limit is lifted', async () => {
    const f = c();
    const jobId = 's22c-add';
    // A runner whose client turns the server OOM right after REGISTER answered: the add that follows is refused.
    await f.admin.script('LOAD', REGISTER.source); // (run by its sha, not by EVAL, on a fresh server too)
    const client = new Redis(redis.connection as never);
    const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { evalsha: unknown }).evalsha = async (...args: unknown[]) => {
      const reply = await evalsha(...args);
      if (args[0] === REGISTER.sha) await f.admin.config('SET', 'maxmemory', '1');
      return reply;
    };
    const runner = new BullMQRunner({ connection: client, prefix: f.cluster.prefix });
    runner.errors$.subscribe(() => undefined);
    try {
      const failed = await outcome(build().start('echo', { v: 1 }, { runner, jobId }).wait({ timeout: 8_000 }));
      expect(statusOf(failed), JSON.stringify((failed as JobState).error)).to.equal('failed');
      expect((failed as JobState).error?.name).to.equal('StoreError');
      expect((failed as JobState).error?.message).to.include(`'${jobId}'`).and.include('its id is free again');
      await f.restore();
      const again = await outcome(build().start('echo', { v: 2 }, { runner: f.cluster.runner, jobId }).wait({ timeout: 8_000 }));
      expect(statusOf(again), (again as JobState).error?.message).to.equal('completed');
    } finally {
      await f.restore();
      await runner.close();
      client.disconnect();
    }
  });

  it('fixed 6: a start refused by Redis (OOM at REGISTER) fails its handle with a raw ReplyError, not a StoreError naming the job', async () => {
    const f = c();
    await refusals[0][1](f);
    const failed = (await outcome(build().start('echo', {}, { runner: f.cluster.runner, jobId: 's22c-reg' }).wait({ timeout: 8_000 }))) as JobState;
    await f.restore();
    expect(failed.status).to.equal('failed');
    expect(failed.error?.name, failed.error?.message).to.equal('StoreError');
    expect(failed.error?.message).to.include("'s22c-reg'");
  });
});
