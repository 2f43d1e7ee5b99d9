/**
 * Adversarial review of poolTurnLag (issue 17, branch pool-turns2): changes to an owned job
 * that a new owner replaying from an older checkpoint does not remake the same way. Each `it`
 * that checks a finding fails on that branch; its control (poolTurnLag 0) passes.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';
import { crashRun as crashRunIn } from './crash-run.js';
import { buildAdmission, buildGivenUp, buildTimers } from '../fixtures/review-s9-flows.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s9-child.ts', import.meta.url));
const GIVEN_UP_CHILD = fileURLToPath(new URL('../fixtures/review-s9-givenup-child.ts', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server, crash runs started together). */
export function reviewS9(redis: RedisFixture, runs: Concurrently, dirs: string[]): void {
describe('review s9: poolTurnLag', function () {
  this.timeout(60_000);

  describe('batch timers of pool routines fire in waiting turns; a crash, and the new owner restores both timers overdue', () => {

    async function crashRun(poolTurnLag: number): Promise<{ c1: unknown; c2: unknown; log: string[] }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), 'timers', ...(die ? ['die'] : [])];
      const { final, dir } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => buildTimers(d).start('src', {}, { runner, jobId: 'timers:1' }) });
      const log = readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 3).join(' '));
      return { c1: final.getSharedData('c1'), c2: final.getSharedData('c2'), log };
    }

    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: each batch’s result reaches its own collector (the replay numbers the timers’ activations as the first run did)', async () => {
      const run = await lagged();
      expect({ c1: run.c1, c2: run.c2 }, run.log.join('\n')).to.deep.equal({ c1: ['B1:a'], c2: ['B2:b'] });
    });
  });
  describe('a checkpoint write given up (the store failed it), then pool-only turns, then a crash', () => {

    /** How many times the owner-side routine `o` ran (its side effect: a line in owner.log). */
    async function crashRun(poolTurnLag: number): Promise<{ oRuns: number; stderr: string }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), ...(die ? ['die'] : [])];
      const { dir, stderr } = await crashRunIn({ redis, dirs, child: GIVEN_UP_CHILD, args, start: (d, runner) => buildGivenUp(d).start('src', {}, { runner, jobId: 'givenup:1' }) });
      return { oRuns: readFileSync(join(dir, 'owner.log'), 'utf8').split('\n').filter(Boolean).length, stderr };
    }

    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: the pool-only turn after the given-up write saves o’s turn again (that save never landed), so o runs once', async () => {
      const run = await lagged();
      expect(run.stderr, 'the injected failure was reported').to.include('injected');
      expect(run.oRuns).to.equal(1);
    });
  });
  describe('an asynchronous slot schema of a pool routine (admitted on the owner) delays its send: two pool activations in flight though no turn ended with two awaited', () => {

    async function crashRun(poolTurnLag: number): Promise<unknown> {
      const args = (die: boolean): string[] => [String(poolTurnLag), 'admission', ...(die ? ['die'] : [])];
      const { final } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => buildAdmission(d).start('src', {}, { runner, jobId: 'admission:1' }) });
      return final.getSharedData('order');
    }

    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: k gets r’s payload first, as applied (the replay applies q’s result before r’s admission ends)', async () => {
      expect(await lagged()).to.deep.equal(['r', 'q']);
    });
  });
});
}
