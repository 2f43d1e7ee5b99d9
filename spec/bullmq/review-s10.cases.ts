/**
 * Adversarial review s10 (issue 17, Tier 2: the replay fence, e8ab419). ReplayFence.open counts
 * as replayable the inbox results of the activations a checkpoint lists as queued, running or
 * failed at that attempt. A failed job's checkpoint lists the activations its failure
 * interrupted (they "run again on resume", DESIGN), at their attempt. An interrupted pool
 * activation keeps running on the pool (a handler may ignore or honour the abort) and its result
 * lands in the job's inbox after the owner let the failed job go (and dropped the inbox then).
 * A user's resume is no replay: the interrupted activation must run again, as in-process. Here
 * the resumed job takes that stale result instead (and the fence counts it as replay).
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { startCluster } from './helpers.js';
import { pollUntil, poolStepsFlow } from '../fixtures/pool-steps-flow.js';
import { Redis } from 'ioredis';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';

/** Registers these specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server; its scenarios run beside the crash runs, these one after another). */
export function reviewS10(redis: RedisFixture, runs: Concurrently): void {
  const inOrder = runs.inOrder();

  let aCalls = 0;
  let bCalls = 0;
  // b's first call has started (its handler runs on the pool). The specs' premise is that a's
  // failure interrupts b while b runs; a failure that came first would abort b while still
  // queued, and a queued pool activation of a failed job never starts (pool-runner.ts), so b's
  // first call would never be made. Which of a's failure and b's start comes first is a race
  // (the pool takes a and b one after the other, and a fails at once): a waits for b to start.
  let bStarted!: () => void;
  let whenBStarted: Promise<void>;
  const reset = (): void => {
    aCalls = 0;
    bCalls = 0;
    whenBStarted = new Promise<void>((resolve) => (bStarted = resolve));
  };

  /** src fans out to two pool routines: `a` fails at its first call, once `b` has started; `b` is slow and honours its abort signal at its first call. */
  function build(): Flow {
    return poolStepsFlow(
      'review-s10-interrupted',
      {
        a: async (d, ctx) => {
          if (++aCalls === 1) {
            await whenBStarted;
            throw new Error('a fails at its first call');
          }
          ctx.emit('out', { v: d.v });
        },
        b: async (d, ctx) => {
          const call = ++bCalls;
          if (call === 1) {
            bStarted();
            // Slow: the job fails (a) meanwhile, and the owner lets it go. A well-behaved handler
            // stops when its activation is aborted (the failure aborts it).
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 1_500);
              ctx.signal.addEventListener('abort', () => setTimeout(() => (clearTimeout(timer), resolve()), 700), { once: true });
            });
            if (ctx.signal.aborted) throw new Error('b was aborted (its job failed)');
          }
          ctx.emit('out', { v: d.v * 10, call });
        },
      },
      { maxWorkers: 4 },
    );
  }

  describe('review s10: a failed job resumed, an interrupted pool activation’s result left in its inbox', function () {

    // The lead's variant: the client resumes while b's first call still runs on the pool (its
    // abort honoured 700 ms later). The resumed job sends b again under the same activation id and
    // attempt: with the same result key, BullMQ would take the send for the pool job still running
    // (same job id) and the resumed b would get the aborted call's result. A failed job's take
    // raises the job's incarnation, which every result key carries.
    const t1 = inOrder.add(async () => {
      reset();
      const cluster = await startCluster(redis, build, 1);
      try {
        const failed = await build().start('src', {}, { runner: cluster.runner, jobId: 'interrupted:2' }).wait({ timeout: 20_000 });
        expect(failed.status).to.equal('failed');
        expect(bCalls, 'b’s first call still runs').to.equal(1);
        const again = await cluster.runner.resume(build(), 'interrupted:2');
        const final = await again.wait({ timeout: 20_000 });
        expect({ status: final.status, aCalls, bCalls, b: final.getSharedData('b') }).to.deep.equal({ status: 'completed', aCalls: 2, bCalls: 2, b: { v: 10, call: 2 } });
      } finally {
        await cluster.close();
      }
    });
    it('resumed while the interrupted activation still runs on the pool: it runs again, and its aborted call’s result is not taken', () => t1());

    const t2 = inOrder.add(async () => {
      reset();
      const cluster = await startCluster(redis, build, 1);
      try {
        const failed = await build().start('src', {}, { runner: cluster.runner, jobId: 'interrupted:1' }).wait({ timeout: 20_000 });
        expect(failed.status).to.equal('failed');
        expect(failed.runningTasks.map((t) => t.routineId), 'b is listed as interrupted').to.deep.equal(['b']);
        // b's first call ends (aborted) after the job was let go: its result is in the inbox now.
        const k = jobKeys(cluster.prefix, 'interrupted:1');
        const client = new Redis(redis.connection);
        try {
          await pollUntil(async () => bCalls === 1 && (await client.xlen(k.inbox)) === 1);
          const epoch = Number(await client.hget(k.meta, 'epoch'));
          await cluster.runner.resume(build(), 'interrupted:1');
          // (Read from the store: the client's resumed job is never told it failed again, see below.)
          // The resume's ownership (a new epoch) let the job go, settled.
          await pollUntil(async () => {
            const [owner, now] = await client.hmget(k.meta, 'owner', 'epoch');
            return owner === null && Number(now) > epoch && /"status":"(completed|failed)"/.test((await client.get(k.state)) ?? '');
          });
          const final = JSON.parse((await client.get(k.state))!) as { status: string; error?: unknown; sharedData?: Record<string, unknown> };
          expect({ status: final.status, error: final.error, aCalls, bCalls }).to.deep.equal({ status: 'completed', error: undefined, aCalls: 2, bCalls: 2 });
        } finally {
          await client.quit();
        }
      } finally {
        await cluster.close();
      }
    });
    it('the resumed job runs the interrupted activation again (its stale result, written after the job was let go, is not applied)', () => t2());
  });

  let badCalls = 0;

  /** src emits to `bad`, an owner-side routine whose handler always throws. */
  function buildAlwaysFails(): Flow {
    const flow = new Flow({ flowId: 'review-s10-refail' });
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { v: 1 }));
    const bad = new Routine();
    bad.defineSlot('in', () => {
      badCalls++;
      throw new Error('bad always fails');
    });
    flow.addRoutine(src, 'src');
    flow.addRoutine(bad, 'bad');
    flow.connect('src', 'out', 'bad', 'in');
    return flow;
  }

  describe('review s10: a failed job resumed by a client fails again at once', function () {

    // The resume is applied at the take (materialize), before the ownership's checkpoints exist,
    // so 'running' is never saved; the failure's save finds the meta's status 'failed' already
    // and publishes nothing (SAVE publishes on a status change): the client's resumed job
    // waits for ever, though the job is failed in the store.
    const t3 = inOrder.add(async () => {
      badCalls = 0;
      const cluster = await startCluster(redis, buildAlwaysFails, 1);
      try {
        const failed = await buildAlwaysFails().start('src', {}, { runner: cluster.runner, jobId: 'refail:1' }).wait({ timeout: 20_000 });
        expect(failed.status).to.equal('failed');
        const again = await cluster.runner.resume(buildAlwaysFails(), 'refail:1');
        const final = await again.wait({ timeout: 10_000 });
        expect([final.status, badCalls]).to.deep.equal(['failed', 2]);
      } finally {
        await cluster.close();
      }
    });
    it('the client’s resumed job sees it failed again', () => t3());
  });
}
