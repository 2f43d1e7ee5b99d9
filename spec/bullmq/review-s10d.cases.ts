/**
 * Adversarial review s10d (issue 17, Tier 2: the tenth session's lib diff as a whole).
 *
 * OwnedJob.run sets `this.pool = takenInbox(loaded, taken)` after `await takeJob(...)`. Until
 * 192fc20 the take's inbox was delivered into `this.results` (the getter: the PoolResults that
 * exists, or a new one). But the worker routes its channel's messages to the session from before
 * the take (run-worker: `sessions.set` then `session.run()`), and a pool result that lands just
 * after the TAKE script ran is published to the new owner's channel (RESULT publishes to the
 * meta's owner; the local hand-over path needs the epoch, still '' then): `nudged('r...')`
 * delivers it into a PoolResults made by the getter, which the assignment then replaces (or sets
 * to undefined: no inbox, incarnation 0). The result is gone from memory though it is in the
 * inbox: the replay's activation finds nothing and runs again (or, when its BullMQ pool job is
 * still there under the same id, waits for a result that never comes).
 */
import { expect } from 'chai';
import type { Flow } from '../../lib/index.js';
import { startCluster, type Cluster } from './helpers.js';
import { endOwnership, poolStepsFlow, settledInStore } from '../fixtures/pool-steps-flow.js';
import { Redis } from 'ioredis';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { TAKE } from '../../lib/bullmq/control-scripts.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';

/** Registers these specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server; its scenarios run beside the crash runs, these one after another). */
export function reviewS10d(redis: RedisFixture, runs: Concurrently): void {
  const inOrder = runs.inOrder();

  const JOB = 'early-result:1';
  let cluster: Cluster | undefined;
  let peek: Redis | undefined;
  let pCalls = 0;
  /** Armed by p's first call once the takeover is under way: the next granted take of JOB lets p end, then replies late. */
  let armed = false;
  let letPEnd: (() => void) | undefined;

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** src (owner-side) emits to p (pool); p's first call ends its owner's lease, and ends just after the next take. */
  function build(): Flow {
    return poolStepsFlow('review-s10d-early-result', {
      p: async (d, ctx) => {
        if (++pCalls === 1) {
          await sleep(500); // the checkpoint listing this activation as running has landed
          const ended = new Promise<void>((r) => (letPEnd = r));
          armed = true;
          await endOwnership(peek!, cluster!, build(), JOB); // the owner dies here
          await ended; // the new owner's TAKE ran: this result is written after it, published to the new owner
        }
        ctx.emit('out', { v: d.v });
      },
    });
  }

  describe('review s10d: a pool result published to the new owner just after its take', function () {
    const take = TAKE as unknown as { run: (...args: unknown[]) => Promise<unknown> };
    const run = take.run;

    // Installed by each scenario (they start before this suite's hooks would run), for its run only.
    const patch = (): void => {
      // The TAKE reply reaches the worker a moment after the script ran (a busy connection): a
      // result published meanwhile is nudged to the session before run() continues.
      take.run = async function (this: unknown, ...args: unknown[]) {
        const reply = (await run.apply(this, args)) as unknown[];
        const keys = args[1] as string[];
        if (armed && reply[0] === 1 && cluster !== undefined && keys[0] === jobKeys(cluster.prefix, JOB).meta) {
          armed = false;
          letPEnd?.();
          await sleep(1_000);
        }
        return reply;
      };
    };
    const own = Object.prototype.hasOwnProperty.call(TAKE, 'run');
    const unpatch = (): void => {
      // (Back to the prototype's method: key-slots.spec.ts records script calls on the prototype.)
      if (own) take.run = run;
      else delete (take as { run?: unknown }).run;
    };
    after(() => unpatch()); // (also when a scenario outlived its test: no patch reaches a later spec file)

    const t1 = inOrder.add(async () => {
      patch();
      pCalls = 0;
      cluster = await startCluster(redis, build, 1);
      const client = (peek = new Redis(redis.connection));
      try {
        build().start('src', {}, { runner: cluster.runner, jobId: JOB });
        const final = await settledInStore(client, cluster.prefix, JOB, { what: () => `p ran ${pCalls} times (the replayed activation waits for a result it dropped?)` });
        const inbox = await client.xlen(jobKeys(cluster.prefix, JOB).inbox);
        expect({ status: final.status, p: final.sharedData?.p, pCalls }, `inbox entries ${inbox}`).to.deep.equal({ status: 'completed', p: { v: 1 }, pCalls: 1 });
      } finally {
        unpatch();
        armed = false;
        await client.quit();
        await cluster.close();
        cluster = undefined;
      }
    });
    it('the replay takes the result that is in the inbox (p runs once)', () => t1());
  });
}
