/**
 * Adversarial review of poolTurnLag (issue 17, branch pool-turns): what a pool-only turn whose
 * checkpoint waits changes for others. Each `it` that checks a finding fails on that branch and
 * passes with `poolTurnLag: 0` (its control beside it).
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { PoolTurnLag } from '../../lib/bullmq/pool-turn-lag.js';
import type { Job } from '../../lib/flow/job.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';
import { sleep } from '../fixtures/helpers.js';
import { buildLateEmit, buildStaleRead } from '../fixtures/review-s8b-flows.js';
import { startCluster } from './helpers.js';
import { crashRun as crashRunIn } from './crash-run.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s8b-late-child.ts', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server, crash runs started together). */
export function reviewS8b(redis: RedisFixture, runs: Concurrently, dirs: string[]): void {
describe('review s8b: poolTurnLag', function () {
  this.timeout(60_000);

  it('the lag is a bound on elapsed time: a wall clock stepped back (NTP, a VM resumed) does not make a waiting turn wait for the step', async () => {
    const rt = { firstRun: { routine: { _placement: 'pool', _flushSlot: undefined }, activations: 1, inFlight: 1, nextRun: undefined }, owner: { activationTimeout: undefined }, lateWrites: 0 } as unknown as JobRuntime;
    const lag = new PoolTurnLag(100, { job: rt, weighty: () => 0, watched: () => false, applied: () => 0 });
    const realNow = Date.now;
    let told = 0;
    try {
      lag.mark(rt);
      const stepped = realNow() - 3_600_000; // the clock is stepped back an hour right after the save asked for
      const started = performance.now();
      Date.now = () => stepped + (performance.now() - started);
      expect(lag.canWait(rt, () => told++)).to.equal(true);
      await sleep(400);
      expect(told, 'the owner is told to checkpoint within about the lag').to.equal(1);
    } finally {
      Date.now = realNow;
      lag.dispose();
    }
  });

  it('a poolTurnLag past setTimeout’s 32-bit range (runWorker accepts any integer) does not tell the owner to checkpoint at once, over and over', async () => {
    const rt = { firstRun: { routine: { _placement: 'pool', _flushSlot: undefined }, activations: 1, inFlight: 1, nextRun: undefined }, owner: { activationTimeout: undefined }, lateWrites: 0 } as unknown as JobRuntime;
    const lag = new PoolTurnLag(2 ** 31 + 1_000, { job: rt, weighty: () => 0, watched: () => false, applied: () => 0 });
    let told = 0;
    // What OwnedJob does when told: it checkpoints unless the turn may still wait, which asks again.
    const late = (): void => {
      told++;
      lag.canWait(rt, late);
    };
    const warn = process.emitWarning;
    process.emitWarning = () => undefined; // (Node's TimeoutOverflowWarning)
    try {
      lag.mark(rt);
      expect(lag.canWait(rt, late)).to.equal(true);
      await sleep(200);
      expect(told, 'told within 200 ms of a save asked for, with a lag of 24.8 days').to.equal(0);
    } finally {
      lag.dispose();
      process.emitWarning = warn;
    }
  });

  describe('a pool step reads what a pool step two hops before it wrote (its jobState is the last checkpoint)', () => {
    const seen = async (options: { poolTurnLag?: number }): Promise<unknown> => {
      const cluster = await startCluster(redis, buildStaleRead, 1, options);
      try {
        const final = await buildStaleRead().start('src', {}, { runner: cluster.runner }).wait({ timeout: 20_000 });
        expect(final.status, JSON.stringify(final.error)).to.equal('completed');
        return final.getSharedData('seen');
      } finally {
        await cluster.close();
      }
    };

    it('control: with poolTurnLag 0, w’s turn is checkpointed while gate waits 250 ms, so probe sees it', async () => {
      expect(await seen({ poolTurnLag: 0 })).to.equal('written by w');
    });

    it('poolTurnLag 1,000: probe, 250 ms after w’s result was applied, reads it (a result that wrote shared data is saved at once)', async () => {
      expect(await seen({ poolTurnLag: 1_000 })).to.equal('written by w');
    });
  });

  describe('an owner-side emit outside any activation (a ctx.scheduler timer) in a turn that waits', () => {

    async function crashRun(poolTurnLag: number, watch = true): Promise<{ v: unknown; late: unknown; outputs: number }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), ...(die ? ['2'] : [])];
      let outputs = 0;
      // (a client watching outputs keeps every turn of the job saved at once: see the last case)
      const subscribe = (job: Job): (() => void) => {
        const watching = job.output$.subscribe(() => outputs++);
        return () => watching.unsubscribe();
      };
      const { final } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => buildLateEmit(d).start('src', {}, { runner, jobId: 'late:1' }), ...(watch ? { watch: subscribe, linger: 300 } : {}) });
      return { v: final.getSharedData('v'), late: final.getSharedData('late'), outputs };
    }

    const watched = runs.add(() => crashRun(1_000));
    const unwatched = runs.add(() => crashRun(1_000, false));

    it('poolTurnLag 1,000, a client watching outputs (every turn saved): a crash 300 ms after the late emit keeps it', async () => {
      expect((await watched()).late).to.equal(1);
    });

    it('poolTurnLag 1,000, nobody watching: the late emit’s turn is saved at once (late work), so a crash 300 ms after it keeps it', async () => {
      const run = await unwatched();
      expect({ v: run.v, late: run.late }).to.deep.equal({ v: 2, late: 1 });
    });

    it('poolTurnLag 1,000: s1’s output reaches output$ once (its result did more than emit: its turn was saved, and a watched job saves every turn)', async () => {
      expect((await watched()).outputs).to.equal(1);
    });
  });
});
}
