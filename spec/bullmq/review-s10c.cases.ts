/**
 * Adversarial review s10c (issue 17, Tier 2: d732b82, a failed job resumed "one incarnation up").
 *
 * The incarnation reaches the job's meta only through SAVE (its ARGV[10]); a journal entry
 * (APPEND) carries the cursor but not `inc`. The owner's own resume of its failed job raises
 * `PoolResults.incarnation` and asks for a save, expecting "the resume is a status change, so a
 * full SAVE". But the Checkpointer's journal decides by the last snapshot that *landed*
 * (CheckpointJournal.plan: same status as the base, not resting -> APPEND): when a running
 * snapshot is being written at the moment the job fails, and the resume is applied before that
 * write lands, the failure is coalesced away and the next write (running after running) is a
 * journal entry. The resumed run then sends its pool activations under incarnation 1 while the
 * store says 0 (status running): a new owner (a crash now) would replay under 0 and take the
 * result of the run that failed from the inbox.
 */
import { expect } from 'chai';
import type { Flow } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/index.js';
import { startCluster, type Cluster } from './helpers.js';
import { endOwnership, poolStepsFlow, rawControl, settledInStore } from '../fixtures/pool-steps-flow.js';
import { Redis } from 'ioredis';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { takenInbox } from '../../lib/bullmq/taken-inbox.js';
import { JobState } from '../../lib/state/job-state.js';
import { replayJournal } from '../../lib/state/job-journal-json.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';

/** Registers these specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server; its scenarios run beside the crash runs, these one after another). */
export function reviewS10c(redis: RedisFixture, runs: Concurrently): void {
  const inOrder = runs.inOrder();

  const JOB = 'slow-store:1';
  let cluster: Cluster | undefined;
  let peek: Redis | undefined;
  let aCalls = 0;
  /** What the store saw at a's second call (the resumed run's activation, sent under incarnation 1). */
  let seen: { inc: string | null; status: string | null; newOwnerIncarnation: number | undefined } | undefined;
  const writes: string[] = [];
  /** Whether a's second call ends the first ownership (a crash) once it has read the store. */
  let takeOverNow = false;

  /** src (owner-side) emits to `a` (pool), which fails at its first call and asks for a resume 150 ms later. */
  function build(): Flow {
    return poolStepsFlow('review-s10c-slow-store', {
      a: async (d, ctx) => {
        if (++aCalls === 1) {
          setTimeout(() => void rawControl(cluster!, build(), JOB, { op: 'resume' }), 150); // raw: the failure is not published yet
          throw new Error('a fails at its first call');
        }
        await new Promise((r) => setTimeout(r, 3_000)); // every write of the resume has landed by now
        const k = jobKeys(cluster!.prefix, JOB);
        const [inc, status, text, journal, meta] = await Promise.all([peek!.hget(k.meta, 'inc'), peek!.hget(k.meta, 'status'), peek!.get(k.state), peek!.lrange(k.journal, 0, -1), peek!.hgetall(k.meta)]);
        // What a new owner would start with if this one crashed now (the take reads the same keys).
        const loaded = replayJournal(JobState.fromJSON(text!), journal);
        const pool = takenInbox(loaded, { inbox: [], meta: Object.entries(meta).flat() }, undefined);
        seen = { inc, status, newOwnerIncarnation: pool?.incarnation ?? 0 };
        if (takeOverNow) await endOwnership(peek!, cluster!, build(), JOB); // the owner dies here
        ctx.emit('out', { v: d.v });
      },
    });
  }

  describe('review s10c: the owner resumes its failed job while a running snapshot is being written', function () {
    const proto = RedisJobStore.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const saveWith = proto.saveWith;
    const appendJournal = proto.appendJournal;

    // Installed by each scenario (they start before this suite's hooks would run), for its run only.
    const patch = (): void => {
      // A slow store (a busy network): every write of the job's running snapshots takes 800 ms.
      proto.saveWith = function (this: unknown, ...args: unknown[]) {
        const state = args[0] as { jobId: string; status: string };
        const extra = args[1] as { inc?: string };
        if (state.jobId !== JOB) return saveWith.apply(this, args);
        writes.push(`SAVE ${state.status} inc=${extra.inc ?? ''}`);
        if (state.status !== 'running') return saveWith.apply(this, args);
        return new Promise((r) => setTimeout(r, 800)).then(() => saveWith.apply(this, args));
      };
      proto.appendJournal = function (this: unknown, ...args: unknown[]) {
        if (args[0] !== JOB) return appendJournal.apply(this, args);
        writes.push('APPEND');
        return new Promise((r) => setTimeout(r, 800)).then(() => appendJournal.apply(this, args));
      };
    };
    const unpatch = (): void => {
      proto.saveWith = saveWith;
      proto.appendJournal = appendJournal;
    };
    after(() => unpatch()); // (also when a scenario outlived its test: no patch reaches a later spec file)

    const t1 = inOrder.add(async () => {
      patch();
      aCalls = 0;
      seen = undefined;
      writes.length = 0;
      cluster = await startCluster(redis, build, 1);
      const client = (peek = new Redis(redis.connection));
      try {
        const k = jobKeys(cluster.prefix, JOB);
        build().start('src', {}, { runner: cluster.runner, jobId: JOB });
        const start = Date.now();
        while (!((await client.hget(k.meta, 'status')) === 'completed' && seen !== undefined)) {
          if (Date.now() - start > 30_000) throw new Error(`timed out: aCalls ${aCalls}, writes ${writes.join(', ')}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(aCalls, 'a ran again after the resume').to.equal(2);
        expect(seen, `writes: ${writes.join(', ')}`).to.deep.equal({ inc: '1', status: 'running', newOwnerIncarnation: 1 });
      } finally {
        unpatch();
        await client.quit();
        await cluster.close();
        cluster = undefined;
      }
    });
    it('the store keeps the incarnation the resumed run sends under (a new owner would replay under it)', () => t1());

    // The consequence: the owner is gone at that moment (a crash, a lost lease). The new owner
    // takes the job 'running' with meta inc 0, delivers the inbox (the failed call's result, under
    // incarnation 0, is still there: the failure was never saved, nothing dropped it) and replays
    // a's activation under incarnation 0: it takes the failed call's error and the job fails again,
    // though it was resumed and a's call after the resume succeeds.
    const t2 = inOrder.add(async () => {
      patch();
      aCalls = 0;
      seen = undefined;
      writes.length = 0;
      takeOverNow = true;
      cluster = await startCluster(redis, build, 1);
      const client = (peek = new Redis(redis.connection));
      try {
        build().start('src', {}, { runner: cluster.runner, jobId: JOB });
        const final = await settledInStore(client, cluster.prefix, JOB, { also: () => seen !== undefined, ms: 30_000, what: () => `aCalls ${aCalls}, writes ${writes.join(', ')}` });
        expect({ status: final.status, a: final.sharedData?.a }, `writes: ${writes.join(', ')}; error ${JSON.stringify(final.error)}`).to.deep.equal({ status: 'completed', a: { v: 1 } });
      } finally {
        unpatch();
        takeOverNow = false;
        await client.quit();
        await cluster.close();
        cluster = undefined;
      }
    });
    it('a new owner after a crash there does not take the result of the run that failed', () => t2());
  });
}
