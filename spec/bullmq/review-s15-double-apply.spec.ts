/**
 * Review s15 (issue 17, Tier 2): a pool result applied twice after a crash (review s9's timers
 * case failed so once under load: K1 got B1's output twice).
 *
 * The owner applied a pool result's effects (B1's emit to K1) and the engine ended the
 * activation only some microtasks later (the executor returned a Promise). A checkpoint write
 * whose reply came in the same chunk as the result's (one connection: the pool member in the
 * owner's process hands the result over on RESULT's reply) landed in between, and the next write
 * snapshotted the job then: K1's task with B1's output queued, and B1 still running. The owner
 * died; the new owner restored that snapshot, ran B1 again (listed as running), took its result
 * from the inbox and applied it a second time.
 *
 * Here that interleaving is forced without load: the job runs in this process with the real
 * pool executor and a hand-made pool; its result is delivered, and the job is snapshotted at
 * every microtask boundary after that (any of them is one where a checkpoint write may land)
 * until it completes. No snapshot may show p's effects while p is still listed to run, and every
 * running snapshot, replayed by a real worker that takes over from Redis with p's result in the
 * job's inbox, must apply that result once.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Flow } from '../../lib/index.js';
import { BullMQRunner, RedisJobStore, runWorker } from '../../lib/bullmq/index.js';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { setCheckpointTap } from '../../lib/runtime/checkpoint-tap.js';
import type { JobState } from '../../lib/state/job-state.js';
import { useRedis } from '../helpers/use-redis.js';
import { fakePool, poolResult, srcPoolK } from '../helpers/fake-pool.js';

const JOB = 'double:1';
/** Calls of p's handler in this process (the replays must take p's result from the inbox, never run it). */
let pRuns = 0;

/** src (owner) → p (pool: emits `{ v }`, counted in pRuns) → k (owner: appends v to shared data `got`). Uninterrupted: `got` [1]. */
function build(): Flow {
  return srcPoolK('review-s15-double-apply', (p) =>
    p.defineSlot<{ v: number }>('in', (d, ctx) => {
      pRuns++;
      ctx.emit('out', { v: d.v });
    }),
  );
}

/** p's result as its pool member writes it: one emit. */
const RESULT = poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }]);

/**
 * Runs the job here with the real pool executor (its pool: a list of what was sent), delivers
 * p's result, and snapshots the job at every microtask boundary from then until it completes.
 */
async function snapshotsAfterTheResult(): Promise<{ key: string; snapshots: JobState[] }> {
  const flow = build();
  const results = new PoolResults();
  const sent: string[] = [];
  fakePool(flow, results, sent);
  const job = flow.start('src', {}, { jobId: JOB });
  for (let i = 0; sent.length === 0; i++) {
    expect(i, 'p was sent to the pool').to.be.below(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const snapshots: JobState[] = [job._runtime.snapshot()]; // (p sent, its result not here yet)
  results.deliver(sent[0], RESULT);
  // One snapshot per microtask: each step queues the next behind what is queued by then, so the
  // steps interleave with the microtasks the result's application and the activation's end take.
  await new Promise<void>((resolve, reject) => {
    const step = (): void => {
      const state = job._runtime.snapshot();
      snapshots.push(state);
      if (state.status === 'running' && snapshots.length < 1_000) queueMicrotask(step);
      else if (state.status === 'completed') resolve();
      else reject(new Error(`the job did not complete: ${state.status}`));
    };
    queueMicrotask(step);
  });
  return { key: sent[0], snapshots };
}

/** Whether p's activation (seq 2) is still to run (queued or running) in `s`. */
const pListed = (s: JobState): boolean => [...s.runningTasks, ...s.pendingTasks].some((t) => t.routineId === 'p');
/** Whether `s` shows p's effects: k's task queued or running with p's output, or k's record of it. */
const pApplied = (s: JobState): boolean => [...s.runningTasks, ...s.pendingTasks].some((t) => t.routineId === 'k') || s.sharedData.got !== undefined;

describe('review s15: a pool result applied, its activation not yet ended: a snapshot between the two', function () {
  this.timeout(60_000);
  const redis = useRedis();

  it('no snapshot at any microtask shows p’s effects while p is still to run (the activation ends where its result is applied)', async () => {
    const { snapshots } = await snapshotsAfterTheResult();
    const between = snapshots.findIndex((s) => pListed(s) && pApplied(s));
    expect(between, `snapshot ${between} of ${snapshots.length}: p running, its emit applied`).to.equal(-1);
  });

  it('a new owner taking over from any running snapshot, p’s result in the inbox, applies it once', async () => {
    const { key, snapshots } = await snapshotsAfterTheResult();
    const running = [...new Map(snapshots.filter((s) => s.status === 'running').map((s) => [JSON.stringify(s), s])).values()];
    expect(running.length, 'at least the snapshot before the result is applied').to.be.at.least(1);
    const got: unknown[] = [];
    for (const [i, state] of running.entries()) got.push(await replay(state, key, `s15x${i}x${process.pid}`));
    expect(got).to.deep.equal(running.map(() => [1]));
    expect(pRuns, 'p never ran: each replay took its result from the inbox').to.equal(0);
  });

  // A replay's own activation still ends a microtask after its result is applied (runOnPool: ended in the dispatch
  // loop, a replay settled the job before its ReplayFence let in the commands read at the take, and review s9c's
  // send was refused). So a checkpoint moment of that turn may show p applied and still running: a known gap, which
  // matters only if this owner dies too before its next save. What is checked here: the replay applies it once.
  it('a replay (p’s result here from the inbox at the take) applies it once and sends nothing', async () => {
    const { key, snapshots } = await snapshotsAfterTheResult();
    const flow = build();
    const results = new PoolResults();
    results.deliver(key, RESULT); // (as takenInbox does)
    const sent: string[] = [];
    fakePool(flow, results, sent);
    const moments: JobState[] = [];
    setCheckpointTap(flow, (rt) => moments.push(rt.snapshot())); // (where an owner's checkpoint may snapshot the job)
    const final = await flow.resume(snapshots[0]).wait({ timeout: 5_000 });
    expect(final.getSharedData('got')).to.deep.equal([1]);
    expect(sent, 'nothing sent: the result was here').to.deep.equal([]);
    expect(moments.at(-1)?.status, 'the last checkpoint moment is the settled job').to.equal('completed');
  });

  /** The job started on `prefix` (registered, no worker yet), its state replaced by `state`, p's result in its inbox; a worker takes it over. */
  async function replay(state: JobState, key: string, prefix: string): Promise<unknown> {
    const client = new Redis(redis.connection);
    const runner = new BullMQRunner({ connection: redis.connection, prefix });
    const store = new RedisJobStore({ connection: client, prefix });
    const keys = jobKeys(prefix, JOB);
    let worker: Awaited<ReturnType<typeof runWorker>> | undefined;
    try {
      const job = runner.start(build(), 'src', {}, { jobId: JOB });
      for (let i = 0; (await client.hexists(keys.meta, 'req')) === 0; i++) {
        expect(i, 'the start was registered').to.be.below(400);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // As the crashed owner left it: its last checkpoint, and p's result in the inbox.
      await store.save(state);
      await client.xadd(keys.inbox, '*', 'k', key, 'r', RESULT);
      worker = await runWorker(build(), { connection: redis.connection, prefix, lockDuration: 2_000, stalledInterval: 1_000 });
      const final = await job.wait({ timeout: 20_000 });
      expect(final.status).to.equal('completed');
      return final.getSharedData('got');
    } finally {
      await worker?.close();
      await runner.close();
      await store.close();
      client.disconnect();
    }
  }
});
