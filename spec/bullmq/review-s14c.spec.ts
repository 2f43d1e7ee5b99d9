/**
 * Review s14c (routilux/bullmq, review-s14c at c5279fb): the fixes of review s14b — a job a
 * client paused with work in flight, handed over by a closing worker (stored paused, released,
 * 'done'); commands read during a hand-over left to the next owner; ProcessingSet.stopTaking and
 * its put-back of jobs delivered after taking stopped. Each FINDING fails on that tree for the
 * reason it states; each pin passes. Every wait is bounded, so a hang fails its spec, not the
 * run. Each spec has its own flowId.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { TimeoutError } from '../../lib/errors/errors.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';
import { WaitingError, type Job as BullJob, type Worker as BullWorker } from 'bullmq';
import { ProcessingSet } from '../../lib/bullmq/processing-set.js';

import { build, holdFirstRun, messages, outcome, poll, seen, statusOf } from './close-review-flow.js';

describe('review s14c: commands during the hand-over of a job a client paused with work in flight', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(() => Promise.all(clusters.map((c) => outcome(c.close(), 5_000))));

  /** Reads the job's meta cursor, owner and control ops (the entry at the cursor stays: XTRIM MINID). */
  const stored = async (c: Cluster, jobId: string): Promise<unknown> => {
    const meta = new Redis(redis.connection as never);
    try {
      const keys = jobKeys(c.prefix, jobId);
      return { cursor: await meta.hget(keys.meta, 'cursor'), owner: await meta.hget(keys.meta, 'owner'), ops: (await meta.xrange(keys.control, '-', '+')).map((e) => e[1][3]) };
    } finally {
      meta.disconnect();
    }
  };

  it('FINDING 1: a resume that reaches the owner while close() hands over a job a client paused (its handler in flight) is lost: read and left for "the next owner", but the paused path releases the job as done (no BullMQ delivery: none was requested, the lease was live), so no owner applies it; the client sees paused again, wait() gives paused, the job never completes', async () => {
    const flow = build('review-s14c-resume-in-paused-handoff');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 3_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 5, mode: 'slow', ms: 1_200 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    const pausing = outcome(job.pause('look'), 8_000);
    expect(await poll(() => job.state.status === 'paused'), 'the handle shows the pause').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    const closing = outcome(c.workers[0].close().then(() => 'closed'), 8_000);
    await sleep(300); // the hand-over waits for the handler (1.2 s)
    job.resume(); // in-process: the job runs on and completes
    expect(await closing).to.equal('closed');
    const paused = await pausing;
    const waited = statusOf(await outcome(job.wait(), 3_000));
    const completed = await poll(() => job.state.status === 'completed', 3_000);
    expect({ completed, waited, shown: job.state.status, runs: seen.runs }, `pause(): ${JSON.stringify(statusOf(paused))}; stored: ${JSON.stringify(await stored(c, job.jobId))}`).to.deep.equal({ completed: true, waited: ['completed', 5], shown: 'completed', runs: 1 });
  });

  it('FINDING 1 (cancel): a cancel that reaches the owner during that hand-over is lost the same way: the job stays paused (stored and shown), cancel() does not settle cancelled, wait() gives paused', async () => {
    const flow = build('review-s14c-cancel-in-paused-handoff');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 3_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 6, mode: 'slow', ms: 1_200 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    void job.pause('look').catch(() => undefined);
    expect(await poll(() => job.state.status === 'paused'), 'the handle shows the pause').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    const closing = outcome(c.workers[0].close().then(() => 'closed'), 8_000);
    await sleep(300);
    const cancelling = outcome(job.cancel('stop'), 4_000);
    expect(await closing).to.equal('closed');
    const cancelled = statusOf(await cancelling);
    const waited = statusOf(await outcome(job.wait(), 2_000));
    expect({ cancelled, waited, shown: job.state.status }, `stored: ${JSON.stringify(await stored(c, job.jobId))}`).to.deep.equal({ cancelled: ['cancelled', 6], waited: ['cancelled', 6], shown: 'cancelled' });
  });

  it('pin: a job paused with its handler in flight, handed over in time: pause() settles paused (nothing in flight, no TimeoutError); a resume after close() is delivered though the BullMQ job completed, the job completes, its handler ran once', async () => {
    const flow = build('review-s14c-paused-in-time');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 3_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 7, mode: 'slow', ms: 600 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    const pausing = outcome(job.pause('look'), 6_000);
    expect(await poll(() => job.state.status === 'paused'), 'the handle shows the pause').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    expect(await outcome(c.workers[0].close().then(() => 'closed'), 6_000)).to.equal('closed');
    const paused = await pausing;
    expect(paused === 'HANG' || paused instanceof Error ? statusOf(paused) : [paused.status, paused.runningTasks.length, paused.pendingTasks.length]).to.deep.equal(['paused', 0, 1]);
    await sleep(200);
    job.resume();
    expect(statusOf(await outcome(job.wait(), 6_000))).to.deep.equal(['completed', 7]);
    expect({ runs: seen.runs, sunk: seen.sunk, reported: messages(c.errors) }).to.deep.equal({ runs: 1, sunk: [1], reported: [] });
  });

  it('FINDING 2: a client’s pause() of a job whose handler is in flight never settles when close() hands the job over past closeTimeout: the published paused state lists the abandoned activation as a running task, and a pause settles only at runningTasks.length === 0, though nothing runs anywhere (in-process, pause() settles when the handler does, here 0.9 s; wait() does settle paused); it stays pending until a resume, then is refused "cannot pause … it is completed" though the pause took effect', async () => {
    const flow = build('review-s14c-paused-late-pause');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 300 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    // The first run is held until the close is over (was: 900 ms, which a loaded machine spent
    // before the close's deadline, so the job was handed over with nothing in flight).
    const first = holdFirstRun();
    const job = flow().start('work', { v: 9, mode: 'held' }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    const pausing = job.pause('look');
    const early = outcome(pausing, 3_000);
    expect(await poll(() => job.state.status === 'paused'), 'the handle shows the pause').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    expect(await outcome(c.workers[0].close().then(() => 'closed'), 4_000)).to.equal('closed');
    first.release(); // the abandoned run settles late, after the hand-over
    const waited = statusOf(await outcome(job.wait(), 1_000));
    const paused = await early;
    job.resume();
    const final = statusOf(await outcome(job.wait(), 6_000));
    const later = statusOf(await outcome(pausing, 1_000));
    expect({ pause: statusOf(paused), waited }, `after a resume: the job ${JSON.stringify(final)}, pause() ${JSON.stringify(later)}`).to.deep.equal({ pause: ['paused', undefined], waited: ['paused', undefined] });
  });

  it('pin: a job paused with its handler in flight past closeTimeout: stored paused with the activation queued first (not re-run while paused); resumed, it runs exactly once more, its late emission reaches nothing, the job completes', async () => {
    const flow = build('review-s14c-paused-late');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 300 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    // The first run is held until the close is over (was: 900 ms, which a loaded machine spent
    // before the close's deadline: the run ended in time, its emission queued sink.in, and the
    // job completed without v).
    const first = holdFirstRun();
    const job = flow().start('work', { v: 8, mode: 'held' }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    void job.pause('look').catch(() => undefined); // (its settling: FINDING 2)
    expect(await poll(() => job.state.status === 'paused'), 'the handle shows the pause').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    expect(await outcome(c.workers[0].close().then(() => 'closed'), 4_000)).to.equal('closed');
    first.release();
    expect(await outcome(first.returned, 5_000), 'the first run settles late').to.not.equal('HANG');
    await sleep(500); // its late emission came and went; nothing runs while paused
    // (Since the fix of finding 2: the abandoned activation is queued first, not listed as running: nothing runs it now.)
    expect({ runs: seen.runs, shown: job.state.status, running: job.state.runningTasks.length, queued: job.state.pendingTasks.length }).to.deep.equal({ runs: 1, shown: 'paused', running: 0, queued: 1 });
    job.resume();
    expect(statusOf(await outcome(job.wait(), 6_000))).to.deep.equal(['completed', 8]);
    await sleep(300);
    expect({ runs: seen.runs, sunk: seen.sunk }).to.deep.equal({ runs: 2, sunk: [2] });
  });
});

describe('review s14c: commands during the hand-over of a running job', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(() => Promise.all(clusters.map((c) => outcome(c.close(), 5_000))));

  it('pin: a cancel that reaches the owner while close() hands a running job over is applied once by the next owner: cancel() settles cancelled, wait() gives cancelled, the handler ran once (its late emission reaches nothing)', async () => {
    const flow = build('review-s14c-cancel-in-handoff');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 3_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 3, mode: 'slow', ms: 1_000 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    const closing = outcome(c.workers[0].close().then(() => 'closed'), 6_000);
    await sleep(300);
    const cancelled = outcome(job.cancel('stop'), 6_000);
    expect(await closing).to.equal('closed');
    expect(statusOf(await cancelled)).to.deep.equal(['cancelled', 3]);
    expect(statusOf(await outcome(job.wait(), 3_000))).to.deep.equal(['cancelled', 3]);
    await sleep(300);
    expect({ runs: seen.runs, shown: job.state.status }).to.deep.equal({ runs: 1, shown: 'cancelled' });
  });

  it('pin: a send that reaches the owner while close() hands a running job over is applied exactly once, by the next owner', async () => {
    const flow = build('review-s14c-send-in-handoff');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 3_000 });
    clusters.push(c);
    [seen.runs, seen.sunk.length] = [0, 0];
    const job = flow().start('work', { v: 4, mode: 'slow', ms: 1_000 }, { runner: c.runner });
    expect(await poll(() => seen.runs === 1), 'the handler runs').to.equal(true);
    await c.addWorker({ closeTimeout: 300 });
    const closing = outcome(c.workers[0].close().then(() => 'closed'), 6_000);
    await sleep(300);
    job.send('sink', 'in', { from: 99 });
    expect(await closing).to.equal('closed');
    expect(statusOf(await outcome(job.wait(), 6_000))).to.deep.equal(['completed', 4]);
    await sleep(300);
    expect({ runs: seen.runs, sunk: [...seen.sunk].sort() }).to.deep.equal({ runs: 1, sunk: [1, 99] });
  });
});

describe('review s14c: ProcessingSet after stopTaking (no Redis)', function () {
  it('pin: a job delivered after stopTaking is put back (moveToWait with its token), never processed, rejects WaitingError, and is counted while its put-back is on its way; drainAndClose waits for it and closes without force', async () => {
    const processing = new ProcessingSet();
    const calls: string[] = [];
    const worker = {
      pause: async (doNotWaitActive: boolean) => void calls.push(`pause ${doNotWaitActive}`),
      close: async (force: boolean) => void calls.push(`close ${force}`),
    } as unknown as BullWorker;
    let moved: () => void = () => undefined;
    const job = { moveToWait: (token: string) => (calls.push(`moveToWait ${token}`), new Promise<void>((resolve) => (moved = resolve))) } as unknown as BullJob<unknown>;
    const processed: unknown[] = [];
    const wrapped = processing.wrap(async (j: BullJob<unknown>) => void processed.push(j));
    await processing.stopTaking(worker);
    const put = outcome(wrapped(job, 'tok'), 2_000);
    expect(processing.size).to.equal(1);
    const draining = outcome(processing.drainAndClose(worker, Date.now() + 1_000), 2_000);
    await sleep(50);
    moved();
    const got = await put;
    expect({ waiting: got instanceof WaitingError, left: await draining, size: processing.size, processed, calls }).to.deep.equal({ waiting: true, left: 0, size: 0, processed: [], calls: ['pause true', 'moveToWait tok', 'pause true', 'close false'] });
  });
});

