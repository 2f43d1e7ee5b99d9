/**
 * Review s14b (routilux/bullmq, review-s14b at ba4e9bf): a bounded worker.close() (closeTimeout:
 * a hand-over that times out stores in-flight activations as running tasks; the pool and the
 * main BullMQ worker drain until the deadline, then close with force), the full save with a
 * status after a pause's answer (saveInFull, announced), and a pool told nothing by an owner
 * letting a job go; and the checkpointer's unref'd watchdog (an in-process flow, no Redis). Each
 * FINDING fails on that tree for the reason it states; each pin passes.
 * Every wait is bounded, so a hang fails its spec, not the run. Each suite has its own flowId.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TAKE } from '../../lib/bullmq/control-scripts.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { TimeoutError } from '../../lib/errors/errors.js';
import { useRedis, type RedisFixture } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';
import { childScript } from '../helpers/child-script.js';

import { build, holdFirstRun, messages, outcome, poll, seen, statusOf } from './close-review-flow.js';

// ---------------------------------------------------------------------------------------------
// 1. close() and a job paused with work in flight

describe('review s14b: close() of a worker owning a paused job whose handler is in flight', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(() => Promise.all(clusters.map((c) => outcome(c.close(), 5_000))));

  it('FINDING 1: a job paused (by a client) while a handler is in flight is never handed over: close() ignores closeTimeout, waits closeTimeout + lockDuration, reports "is Redis unreachable?" with Redis up, and leaves the job to its lease (a recovery counted)', async () => {
    const flow = build('review-s14b-paused');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 300, lockDuration: 2_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 5, mode: 'hang' }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    void job.pause('look').catch(() => undefined); // settles once nothing is in flight: never, here
    expect(await poll(() => job.state.status === 'paused'), 'the handle shows the stored pause').to.equal(true);
    await c.addWorker({ closeTimeout: 300, lockDuration: 2_000 });
    const started = Date.now();
    const closed = await outcome(c.workers[0].close().then(() => 'closed'), 8_000);
    const took = Date.now() - started;
    const reported = messages(c.errors);
    // What became of the job: let go by the closing worker (it rests paused, its in-flight work stored as a running task; or another worker has it), and it finishes once resumed.
    const meta = new Redis(redis.connection as never);
    try {
      const keys = jobKeys(c.prefix, job.jobId);
      const closer = c.workers[0].id;
      expect(await poll(async () => (await meta.hget(keys.meta, 'owner')) !== closer, 8_000), 'the closing worker let it go').to.equal(true);
      const recoveries = (await meta.hget(keys.meta, 'recoveries')) ?? '0';
      await poll(() => job.state.status === 'paused' && job.state.runningTasks.length === 0, 3_000);
      job.resume();
      const final = statusOf(await outcome(job.wait(), 5_000));
      expect({ closed, withinCloseTimeout: took < 300 + 900, redisBlamed: reported.some((m) => /is Redis unreachable/.test(m)), recoveries, final }, `close() took ${took} ms; reported: ${JSON.stringify(reported)}`).to.deep.equal({
        closed: 'closed',
        withinCloseTimeout: true,
        redisBlamed: false,
        recoveries: '0',
        final: ['completed', 5],
      });
    } finally {
      meta.disconnect();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The pool's TimeoutError

/** Pool routines hang.trigger (never settles, ignoring its signal) and slow.trigger (settles after 300 ms, sets v). */
function twoRoutines(): Flow {
  const flow = new Flow({ flowId: 'review-s14b-pool-count' });
  flow.setExecutionStrategy('concurrent', 5); // (a sequential flow runs one activation at a time)
  const hang = new Routine();
  hang.defineSlot('trigger', () => ((seen.runs++, new Promise<void>(() => undefined))));
  hang.setPlacement('pool');
  const slow = new Routine();
  slow.defineSlot<{ v: number }>('trigger', async (d, ctx: ExecutionContext) => {
    seen.runs++;
    await sleep(300);
    ctx.setSharedData('v', d.v);
  });
  slow.setPlacement('pool');
  flow.addRoutine(hang, 'hang');
  flow.addRoutine(slow, 'slow');
  return flow;
}

describe('review s14b: a pool member closing with activations in flight', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(() => Promise.all(clusters.map((c) => outcome(c.close(), 6_000))));

  it('FINDING 2: the pool’s TimeoutError counts the activations running when close() began, not those still running at the deadline (one of two settled in time: "2 activation(s) did not settle")', async () => {
    // The owner runs no pool activations; one member runs two at once.
    const c = await startCluster(redis, twoRoutines, 1, { pool: { concurrency: 0 }, closeTimeout: 300 });
    clusters.push(c);
    const member = await c.addWorker({ concurrency: 0, pool: { concurrency: 2 }, closeTimeout: 800 });
    seen.runs = 0;
    twoRoutines().start('hang', {}, { runner: c.runner });
    const slow = twoRoutines().start('slow', { v: 2 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 2), 'both activations run on the member').to.equal(true);
    const closed = await outcome(member.close().then(() => 'closed'), 5_000);
    expect(closed).to.equal('closed');
    expect(statusOf(await outcome(slow.wait(), 5_000)), 'the one that settled in time completed').to.deep.equal(['completed', 2]);
    const pool = messages(c.errors).filter((m) => /^pool:/.test(m));
    expect(pool, 'one activation was still running at the deadline').to.deep.equal([`pool: 1 activation(s) did not settle within closeTimeout; left to BullMQ's stall recovery`]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2b. The pool part of a closing worker

/** own.trigger (on its owner): its first run never settles; pooled.trigger (pool): takes 2 s, sets v. */
const runsOf = { own: 0, pooled: 0 };
function ownAndPooled(): Flow {
  const flow = new Flow({ flowId: 'review-s14b-pool-during-close' });
  flow.setExecutionStrategy('concurrent', 5); // (a sequential flow runs one activation at a time)
  const own = new Routine();
  own.defineSlot('trigger', () => (++runsOf.own === 1 ? new Promise<void>(() => undefined) : undefined));
  const pooled = new Routine();
  pooled.defineSlot<{ v: number }>('trigger', async (d, ctx: ExecutionContext) => {
    runsOf.pooled++;
    await sleep(2_000);
    ctx.setSharedData('v', d.v);
  });
  pooled.setPlacement('pool');
  flow.addRoutine(own, 'own');
  flow.addRoutine(pooled, 'pooled');
  return flow;
}

describe('review s14b: the pool part of a worker while it closes', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(() => Promise.all(clusters.map((c) => outcome(c.close(), 6_000))));

  it('FINDING 3: while close() hands its owned jobs over, its pool part still takes new pool activations; at pool.close() the deadline has passed, so one taken after close() began is abandoned at once (close(force)) and run a second time elsewhere after stall recovery', async () => {
    // w1 owns a job whose handler never settles (its hand-over lasts until the deadline) and is the only pool member.
    const c = await startCluster(redis, ownAndPooled, 1, { closeTimeout: 1_500, pool: { concurrency: 1 } });
    clusters.push(c);
    [runsOf.own, runsOf.pooled] = [0, 0];
    ownAndPooled().start('own', {}, { runner: c.runner });
    expect(await poll(() => runsOf.own === 1), 'the owned job runs on w1').to.equal(true);
    await c.addWorker({ closeTimeout: 300, pool: { concurrency: 0 } }); // w2: an owner only
    const started = Date.now();
    const closing = outcome(c.workers[0].close().then(() => 'closed'), 8_000);
    await sleep(300);
    // 0.3 s into w1's close (its deadline: 1.5 s), a job owned by w2 sends a pool activation: w1's pool part takes no more work.
    const job = ownAndPooled().start('pooled', { v: 4 }, { runner: c.runner });
    expect(await poll(() => runsOf.pooled === 1, 700), 'the closing w1 took the pool activation').to.equal(false);
    const tookAt = Date.now() - started;
    await c.addWorker({ closeTimeout: 300, concurrency: 0, pool: { concurrency: 1 } }); // w3: another pool member
    expect(await closing).to.equal('closed');
    expect(statusOf(await outcome(job.wait(), 10_000))).to.deep.equal(['completed', 4]);
    const pool = messages(c.errors).filter((m) => /^pool:/.test(m));
    expect({ pooledRuns: runsOf.pooled, pool }, `w3 added ${tookAt} ms after close() began`).to.deep.equal({ pooledRuns: 1, pool: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// 3. The timed-out hand-over, and close() itself

/** An ioredis client (for a worker; BullMQ needs maxRetriesPerRequest null) whose every `evalsha` goes through `how` (its sha, and the real call). */
function patchedClient(redis: RedisFixture, how: (sha: string, call: () => Promise<unknown>) => Promise<unknown>): Redis {
  const client = new Redis({ ...redis.connection, maxRetriesPerRequest: null } as never);
  const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { evalsha: unknown }).evalsha = (...args: unknown[]) => how(args[0] as string, () => evalsha(...args));
  return client;
}

describe('review s14b: the timed-out hand-over and close()', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  const clients: Redis[] = [];
  redis.atStop(async () => {
    await Promise.all(clusters.map((c) => outcome(c.close(), 5_000)));
    for (const client of clients) client.disconnect();
  });

  it('pin: an in-flight handler that settles after the deadline (and emits then) reaches nothing: the next owner runs it again, sink gets its emission once, the job completes', async () => {
    const flow = build('review-s14b-late');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 300 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    // The first run is held until the job completed on the next owner (was: 800 ms, which a
    // loaded machine spent before the close's deadline: the run ended in time, its emission
    // reached sink, and the job completed without v).
    const first = holdFirstRun();
    const job = flow().start('work', { v: 5, mode: 'held' }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    expect(await outcome(c.workers[0].close().then(() => 'closed'), 5_000)).to.equal('closed');
    const completed = statusOf(await outcome(job.wait(), 8_000));
    first.release();
    expect(completed).to.deep.equal(['completed', 5]);
    expect(await outcome(first.returned, 5_000), 'the first run settles late').to.not.equal('HANG');
    await sleep(500); // its late emission came and went
    expect({ runs: seen.runs, sunk: seen.sunk }).to.deep.equal({ runs: 2, sunk: [2] });
  });

  it('pin: a Tier 2 activation of an owned job, hanging on the closing worker’s own pool part: the job is handed over, the pool job left to stall recovery, the next worker runs it once more and the job completes', async () => {
    const flow = build('review-s14b-own-pool', true);
    const c = await startCluster(redis, flow, 1, { closeTimeout: 300, pool: { concurrency: 1 } });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 8, mode: 'hang' }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the pool activation runs').to.equal(true);
    await c.addWorker({ closeTimeout: 300, pool: { concurrency: 1 } });
    const started = Date.now();
    expect(await outcome(c.workers[0].close().then(() => 'closed'), 5_000)).to.equal('closed');
    const took = Date.now() - started;
    expect(statusOf(await outcome(job.wait(), 10_000))).to.deep.equal(['completed', 8]);
    const reported = messages(c.errors);
    expect({ took: took < 1_500, runs: seen.runs, sunk: seen.sunk, redisBlamed: reported.some((m) => /is Redis unreachable/.test(m)) }, `took ${took} ms; ${JSON.stringify(reported)}`).to.deep.equal({
      took: true,
      runs: 2,
      sunk: [2],
      redisBlamed: false,
    });
  });

  it('FINDING 4: the largest closeTimeout the option accepts (2^31 - 1) overflows the timers close() sets (closeTimeout + lockDuration): they fire at once, so close() drops the connections and leaves a job to its lease although its in-flight work settles in 300 ms', async () => {
    const flow = build('review-s14b-max-timeout');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 2 ** 31 - 1 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 6, mode: 'slow', ms: 300 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      expect(await outcome(c.workers[0].close().then(() => 'closed'), 5_000)).to.equal('closed');
      expect(statusOf(await outcome(job.wait(), 8_000))).to.deep.equal(['completed', 6]);
    } finally {
      process.off('warning', onWarning);
    }
    expect({ reported: messages(c.errors), runs: seen.runs, warnings: [...new Set(warnings)] }).to.deep.equal({ reported: [], runs: 1, warnings: [] });
  });

  it('FINDING 5: a client’s pause() that reaches the owner while close() hands the job over (its in-flight work settling) is refused "cannot pause job …: it is paused", though the job runs (as stored, and for the client); the refusal is saved as applied, so no owner ever pauses it', async () => {
    const flow = build('review-s14b-pause-in-handoff');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 3_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 9, mode: 'slow', ms: 1_200 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    const closing = outcome(c.workers[0].close().then(() => 'closed'), 6_000);
    await sleep(200); // the hand-over waits for the handler (1.2 s)
    const paused = await outcome(job.pause('look'), 6_000);
    expect(await closing).to.equal('closed');
    const shown = paused === 'HANG' ? 'HANG' : paused instanceof Error ? `${paused.name}: ${paused.message}` : paused.status;
    expect({ pause: shown }, 'a pause of a running job, as in-process').to.deep.equal({ pause: 'paused' });
    job.resume();
    expect(statusOf(await outcome(job.wait(), 6_000))).to.deep.equal(['completed', 9]);
  });

  it('pin: close() called twice, at once and after: one close, both settle; a closed worker’s close() settles at once', async () => {
    const flow = build('review-s14b-twice');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 300 });
    clusters.push(c);
    const w = c.workers[0];
    const [a, b] = [w.close(), w.close()];
    expect(a).to.equal(b);
    expect(await outcome(Promise.all([a, b]).then(() => 'closed'), 3_000)).to.equal('closed');
    expect(await outcome(w.close().then(() => 'closed'), 500)).to.equal('closed');
  });

  it('pin: close() while the worker is taking a job (its TAKE on its way): the job is handed over once taken, the next worker finishes it, close() settles within closeTimeout', async () => {
    const flow = build('review-s14b-taking');
    const c = await startCluster(redis, flow, 0, { closeTimeout: 1_000 });
    clusters.push(c);
    let taking = false;
    const client = patchedClient(redis, async (sha, call) => {
      if (sha !== TAKE.sha || taking) return call(); // (the first call only: a NOSCRIPT reply is retried)
      taking = true;
      await sleep(400);
      return call();
    });
    clients.push(client);
    const w1 = await c.addWorker({ connection: client });
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 3, mode: 'slow', ms: 300 }, { runner: c.runner });
    expect(await poll(() => taking), 'the take is on its way').to.equal(true);
    const started = Date.now();
    const closing = outcome(w1.close().then(() => 'closed'), 5_000);
    await c.addWorker();
    expect(await closing).to.equal('closed');
    const took = Date.now() - started;
    expect(statusOf(await outcome(job.wait(), 8_000))).to.deep.equal(['completed', 3]);
    expect({ took: took < 1_000 + 900, runs: seen.runs, sunk: seen.sunk, reported: messages(c.errors) }, `took ${took} ms`).to.deep.equal({ took: true, runs: 1, sunk: [1], reported: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Nothing of a closed worker keeps the process alive

const EXIT_CHILD = fileURLToPath(new URL('../fixtures/closed-worker-exit-child.ts', import.meta.url));
const HUNG_SAVE_CHILD = fileURLToPath(new URL('../fixtures/hung-save-child.ts', import.meta.url));

describe('review s14b: a closed worker lets the process end', function () {
  this.timeout(50_000);
  const redis = useRedis();

  for (const paused of [false, true]) {
    it(`pin: after close() timed out a hand-over${paused ? ' (or left a paused job to its lease)' : ''}, the process ends by itself (no timer, subscription or renewal left)`, async () => {
      const script = await childScript(EXIT_CHILD);
      const child = spawn(process.execPath, [script, redis.connection.path, `x${paused ? 'p' : 'r'}${process.pid}`, String(paused)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      // A generous bound: a child that starts, runs and closes on a loaded machine may take long; one that stays up after closing everything stays for ever (it prints what holds it after 5 s).
      const code = await outcome(new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))), 40_000);
      if (code === 'HANG') child.kill('SIGKILL');
      expect(code, `the child ended by itself (output: ${out})`).to.equal(0);
      expect(out).to.match(/^closed \d+\nrunner closed$/m);
      expect(out).to.not.include('alive 5 s later');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 5. The status after a pause's answer

/** sink.in: records the payload (an open job stays running with nothing in flight). */
function openFlow(): Flow {
  const flow = new Flow({ flowId: 'review-s14b-answer' });
  const sink = new Routine();
  sink.defineSlot('in', (d: unknown, ctx: ExecutionContext) => ctx.setSharedData('got', d as never));
  flow.addRoutine(sink, 'sink');
  return flow;
}

describe('review s14b: the status published after a pause’s answer', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let sub: Redis;
  before(async () => {
    cluster = await startCluster(redis, openFlow, 1);
    sub = new Redis(redis.connection as never);
    redis.atStop(async () => {
      sub.disconnect();
      await outcome(cluster.close(), 5_000);
    });
  });

  it('pin: a pause of an idle open job: its answer, then one paused status on the job’s channel (no second, forced one); state$ emits paused once', async () => {
    const job = openFlow().open({ runner: cluster.runner });
    expect(await poll(() => job.state.status === 'running')).to.equal(true);
    await sleep(200);
    const heard: string[] = [];
    await sub.subscribe(jobKeys(cluster.prefix, job.jobId).channel);
    sub.on('message', (_ch: string, m: string) => heard.push(m.split('\n')[0].replace(/^a.*"ok":(\w+).*$/, 'a $1').replace(/^s\d+ (\w+).*$/, 's $1'))); // (status messages end with the control cursor: dropped here)
    const states: string[] = [];
    const s = job.state$.subscribe((x) => states.push(x.status));
    const paused = await outcome(job.pause('look'));
    await sleep(500);
    s.unsubscribe();
    expect({ paused: statusOf(paused), heard, states }).to.deep.equal({ paused: ['paused', undefined], heard: ['a true', 's paused'], states: ['running', 'paused'] });
    job.close();
  });
});

// ---------------------------------------------------------------------------------------------
// 6. The checkpointer's watchdog, unref'd for every flow

describe('review s14b: a hung save of an in-process flow (no Redis)', function () {
  this.timeout(30_000);

  it('FINDING 6: the unref’d hung-save watchdog lets a script end before checkpointsFlushed() settles: a store whose save never answers (holding no handle) is never timed out and retried, the final checkpoint is never written, the process exits 13 (unsettled await)', async () => {
    const script = await childScript(HUNG_SAVE_CHILD);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await outcome(new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))), 15_000);
    if (code === 'HANG') child.kill('SIGKILL');
    expect({ code, out: out.trim() }).to.deep.equal({ code: 0, out: 'flushed completed' });
  });
});
