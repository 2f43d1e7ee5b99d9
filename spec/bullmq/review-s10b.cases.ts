/**
 * Adversarial review s10b (issue 17, Tier 2: 6d52c65, a failed job resumed on a worker). The fix
 * raised the job's incarnation (then a script, INCARNATE; now the take and the owner's own resume
 * both raise it, and saves keep it) only when a worker *took* a failed job. A failed job
 * can also be resumed by the owner that ran it, before it lets it go: a command read while the
 * failure is saved (the reader busy, or a command unread) keeps the save from releasing, and the
 * loop's RELEASE_IDLE refuses while a command is unread; the owner then applies the resume itself
 * (OwnerCommands), with the same PoolResults and incarnation. The interrupted pool activation
 * runs again under the same id and attempt, so the same result key and the same BullMQ job id:
 * the send is taken for the pool job still running (BullMQ ignores an add under an id it has),
 * and the resumed activation gets the result of the call that ran for the failed run.
 *
 * Second suite: a failed job taken without a resume (for a command it refuses) is let go by
 * letGo, which refuses every command it reads meanwhile, a resume among them.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { startCluster, type Cluster } from './helpers.js';
import { pollUntil, poolStepsFlow, rawControl } from '../fixtures/pool-steps-flow.js';
import { Redis } from 'ioredis';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';

/** Registers these specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server; its scenarios run beside the crash runs, these one after another). */
export function reviewS10b(redis: RedisFixture, runs: Concurrently): void {
  const inOrder = runs.inOrder();

  let aCalls = 0;
  let bCalls = 0;
  let cCalls = 0;
  // b's first call has started. The spec's premise is that a's failure interrupts b while b
  // runs; a failure that came first would abort b while still queued (a queued pool activation
  // of a failed job never starts, pool-runner.ts), and b's first call would then be the resumed
  // run's. Which comes first is a race (the pool takes a and b one after the other, and a fails
  // at once): a waits for b to start.
  let bStarted!: () => void;
  let whenBStarted = Promise.resolve();
  let cluster: Cluster | undefined;
  let peek: Redis | undefined;
  let failedOwner: string | null = null;
  const JOB = 'same-owner:1';

  /**
   * src fans out to two pool routines: `a` fails at its first call, once `b` has started; `b` is
   * slow and ignores its abort at its first call (a handler that never looks at its signal); and
   * to `chatty`, an owner-side routine standing for a client that observes the job and resumes
   * it once failed.
   */
  function build(): Flow {
    // A client that keeps asking for emissions ('observe') while the job fails: the owner's reader
    // is busy when the failure is saved (so that save does not let the job go), and the resume
    // (a client's, sent once the job is failed) is read by the same owner.
    const chatty = async (): Promise<void> => {
      if (++cCalls > 1) return;
      const flow = build();
      const meta = jobKeys(cluster!.prefix, JOB).meta;
      const start = Date.now();
      let resumedAt = 0;
      while (Date.now() - start < 5_000 && (resumedAt === 0 || Date.now() - resumedAt < 200)) {
        await Promise.all([1, 2, 3].map(() => rawControl(cluster!, flow, JOB, { op: 'observe', routineId: 'src', eventName: 'out' })));
        if (resumedAt === 0 && (await peek!.hget(meta, 'status')) === 'failed') {
          resumedAt = Date.now(); // (raw: RemoteJob.resume reads the status first; it is failed now)
          failedOwner = await peek!.hget(meta, 'epoch');
          await rawControl(cluster!, flow, JOB, { op: 'resume' });
        }
      }
    };
    return poolStepsFlow(
      'review-s10b-same-owner',
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
            await new Promise((r) => setTimeout(r, 1_500));
          }
          ctx.emit('out', { v: d.v * 10, call });
        },
      },
      { maxWorkers: 4, owners: { chatty } },
    );
  }

  describe('review s10b: a failed job resumed by the owner that ran it (no take)', function () {

    const t1 = inOrder.add(async () => {
      aCalls = 0;
      bCalls = 0;
      cCalls = 0;
      whenBStarted = new Promise<void>((resolve) => (bStarted = resolve));
      cluster = await startCluster(redis, build, 1);
      const client = (peek = new Redis(redis.connection));
      try {
        const k = jobKeys(cluster.prefix, JOB);
        build().start('src', {}, { runner: cluster.runner, jobId: JOB });
        // Settled (the resumed run) and let go.
        await pollUntil(async () => aCalls >= 2 && (await client.hget(k.meta, 'owner')) === null && /"status":"(completed|failed)"/.test((await client.get(k.state)) ?? ''));
        await new Promise((r) => setTimeout(r, 2_000)); // b's first call has ended by now
        const final = JSON.parse((await client.get(k.state))!) as { status: string; sharedData?: Record<string, unknown> };
        expect({ status: final.status, aCalls, bCalls, b: final.sharedData?.b }, `failed under epoch ${failedOwner}, settled under ${await client.hget(k.meta, 'epoch')}`).to.deep.equal({ status: 'completed', aCalls: 2, bCalls: 2, b: { v: 10, call: 2 } });
      } finally {
        await client.quit();
        await cluster.close();
        cluster = undefined;
      }
    });
    it('the interrupted pool activation runs again; the call of the failed run is not taken', () => t1());
  });

  const tries = new Map<string, number>();

  /** src's handler fails at each job's first call, and succeeds after. */
  function buildFailsOnce(): Flow {
    const flow = new Flow({ flowId: 'review-s10b-refused' });
    const src = new Routine();
    src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => {
      const n = (tries.get(ctx.jobId) ?? 0) + 1;
      tries.set(ctx.jobId, n);
      if (n === 1) throw new Error('fails at its first call');
    });
    flow.addRoutine(src, 'src');
    return flow;
  }

  describe('review s10b: a resume read by the worker that took a failed job for another command', function () {

    // A failed job is taken for a command it refuses (a cancel from a client whose view was
    // stale); the take finds no resume, so the worker lets the job go (letGo). A client's resume
    // that lands after the take (the lease is live: no delivery is counted for it) is read by
    // letGo's loop (RELEASE_IDLE refuses while it is unread) and refused with the rest: "cannot
    // resume job: it is failed". The job stays failed though it was resumed.
    const t2 = inOrder.add(async () => {
      tries.clear();
      const c = await startCluster(redis, buildFailsOnce, 1);
      const runner = c.runner as unknown as { control(flow: Flow, jobId: string, command: object): Promise<unknown> };
      const client = new Redis(redis.connection);
      const ids: string[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          const id = `refused:${i}`;
          ids.push(id);
          const failed = await buildFailsOnce().start('src', {}, { runner: c.runner, jobId: id }).wait({ timeout: 20_000 });
          expect(failed.status).to.equal('failed');
          const meta = jobKeys(c.prefix, id).meta;
          await runner.control(buildFailsOnce(), id, { op: 'cancel', reason: 'stale view' });
          // The resume once a worker holds the job (taken for the cancel).
          for (let n = 0; n < 20_000 && (await client.hget(meta, 'owner')) === null && Number(await client.hget(meta, 'epoch')) <= 1; n++);
          await runner.control(buildFailsOnce(), id, { op: 'resume' });
        }
        const statuses: Record<string, string | null> = {};
        const read = async (): Promise<boolean> => {
          for (const id of ids) statuses[id] = await client.hget(jobKeys(c.prefix, id).meta, 'status');
          return Object.values(statuses).every((v) => v === 'completed');
        };
        await pollUntil(read).catch(() => undefined); // (the assertion below names what is left)
        expect(Object.values(statuses).filter((s) => s !== 'completed'), JSON.stringify(statuses)).to.deep.equal([]);
      } finally {
        await client.quit();
        await c.close();
      }
    });
    it('the resume is applied (the job runs again), not refused', () => t2());
  });
}
