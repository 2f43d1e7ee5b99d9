/**
 * Second adversarial review of poolTurnLag (issue 17, branch pool-turns2, after the fixes of
 * review-s9): changes to an owned job that a new owner replaying from an older checkpoint does
 * not remake the same way. Each `it` that checks a finding fails on that branch; its control
 * (poolTurnLag 0) passes.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flow } from '../../lib/index.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';
import { crashRun as crashRunIn } from './crash-run.js';
import { buildAddFails, buildRetry } from '../fixtures/review-s9b-flows.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s9b-child.ts', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server, crash runs started together). */
export function reviewS9b(redis: RedisFixture, runs: Concurrently, dirs: string[]): void {
describe('review s9b: poolTurnLag', function () {
  this.timeout(60_000);

  /**
   * Runs `which` on a worker that dies once where the flow says, then on a second: the final
   * shared data `key`, and the attempts x's handler ran with (its pool log), in order.
   */
  async function crashRun(which: string, build: (dir: string) => Flow, poolTurnLag: number, key: string): Promise<{ value: unknown; xRuns: string[] }> {
    const args = (die: boolean): string[] => [String(poolTurnLag), which, ...(die ? ['die'] : [])];
    const { final, dir } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => build(d).start('src', {}, { runner, jobId: `${which}:1` }) });
    const log = join(dir, 'pool.log');
    return { value: final.getSharedData(key), xRuns: existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[1]) : [] };
  }

  describe('a pool activation’s retry timer fires in a waiting turn; a crash, and the new owner restores the retry overdue', () => {
    const lagged = runs.add(() => crashRun('retry', buildRetry, 1_000, 'order'));

    it('poolTurnLag 1,000: k gets q’s item first, as applied (a retry timer firing is late work: its turn is saved at once, so the replay does not re-arm it before q)', async () => {
      expect((await lagged()).value).to.deep.equal(['q', 'x']);
    });
  });

  describe('the owner’s add of a pool activation fails (a Redis hiccup) in a waiting turn, it is retried; a crash, and the new owner replays from the older checkpoint', () => {
    const lagged = runs.add(() => crashRun('addfails', buildAddFails, 1_000, 'xAttempt'));

    // The failed add fails x's attempt 1 on the owner: no pool result, so neither weighty nor in
    // the inbox, and its turn (and the retry's) waits. The replay sends attempt 1 again, which
    // the pool runs (a handler run the first run never made; x#2's result in the inbox is unused).
    it('poolTurnLag 1,000: x runs once, as attempt 2 (the replay does not run x’s handler again, as attempt 1)', async () => {
      const run = await lagged();
      expect(run.value).to.equal(2);
      expect(run.xRuns, 'the attempts x’s handler ran with, across both workers').to.deep.equal(['2']);
    });
  });
});
}
