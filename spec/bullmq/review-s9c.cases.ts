/**
 * Third adversarial review of poolTurnLag (issue 17, branch pool-turns2): a batch timer of a
 * pool routine pending across waiting turns (it has not fired, so nothing counted it). The
 * owner dies; the new owner restores the job from the older checkpoint with the timer overdue.
 * The replay is not one synchronous run: p1's result emits on an event whose schema is
 * asynchronous, checked again on the owner (a macrotask), so the overdue timer fires while the
 * replay waits: B's timer activation takes number 4, which was p2's, and is given p2's inbox
 * result (B emits `{ by: 'p2' }`); p2, now number 5, is given the pool job of p3 (number 5 in
 * the first run, run again by BullMQ's stall recovery) and its result. With poolTurnLag 0 the
 * checkpoint holds p2's turn, so the timer's activation takes a fresh number.
 *
 * Second: no timer, no asynchronous check. Pool-only turns wait, the owner dies, and a client
 * sends to a slot (`job.send`) before the new owner takes the job. The take applies the command
 * before the replay starts (owned-job.ts run: applyNow(made.rest)), so its task takes number 3,
 * p2's in the first run; p2 replays as number 4, whose pool job id is p3's (run again by the
 * stall recovery), so p2 is given p3's result and p3 runs again as number 5. With poolTurnLag 0
 * the checkpoint's last number is past p3's, and every step keeps its activation.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BullMQRunner } from '../../lib/bullmq/index.js';
import type { Job } from '../../lib/flow/job.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import { crashRun as crashRunIn } from './crash-run.js';
import { buildCommand, buildOverdue } from '../fixtures/review-s9c-flows.js';
import type { Concurrently } from '../helpers/concurrently.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s9c-child.ts', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/review-crashes.spec.ts (one redis-server, crash runs started together). */
export function reviewS9c(redis: RedisFixture, runs: Concurrently, dirs: string[]): void {
describe('review s9c: poolTurnLag', function () {
  this.timeout(60_000);

  describe('a pool routine’s batch timer pending across waiting turns, a crash, the timer overdue at the take', () => {

    async function crashRun(poolTurnLag: number): Promise<{ b: unknown; end: unknown; log: string[] }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), 'overdue', ...(die ? ['die'] : [])];
      const { final, dir } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => buildOverdue(d).start('src', {}, { runner, jobId: 'overdue:1' }) });
      const log = readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' '));
      return { b: final.getSharedData('b'), end: final.getSharedData('end'), log };
    }

    const expected = { b: { by: 'B', items: ['a'] }, end: 'p3', p2runs: 1 };
    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: B gets its own result and p2 runs once (the replay numbers activations as the first run did)', async () => {
      const run = await lagged();
      expect({ b: run.b, end: run.end, p2runs: run.log.filter((l) => l.startsWith('p2 ')).length }, run.log.join('\n')).to.deep.equal(expected);
    });
  });

  describe('pool-only turns waiting, a crash, then a client sends to a slot before the new owner takes the job', () => {

    async function crashRun(poolTurnLag: number): Promise<{ x: unknown; end: unknown; log: string[]; inputs: string[] }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), 'command', ...(die ? ['die'] : [])];
      const start = (d: string, runner: BullMQRunner): Job => buildCommand(d).start('src', {}, { runner, jobId: 'command:1' });
      // A client sends to x's slot while the job has no owner: the new owner reads it at its take.
      const { final, dir } = await crashRunIn({ redis, dirs, child: CHILD, args, start, afterDeath: (job) => job.send('x', 'in', { v: 1 }) });
      const lines = readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
      // What each pool step run got as input (`by` of the step before it): the log's fourth field.
      return { x: final.getSharedData('x'), end: final.getSharedData('end'), log: lines.map((f) => `${f[0]} ${f[1]}`), inputs: lines.map((f) => `${f[0]}<${f[3]}`) };
    }

    /** Each pool step as its activation, once (p3, in flight at the crash, runs again under the same id). */
    const steps = (log: string[]): string[] => [...new Set(log)];
    const lagged = runs.add(() => crashRun(1_000));

    // A known limit of poolTurnLag (README, "How it runs"): the command read at the take takes
    // the number p2 had, so p2 and p3 come back under other numbers and run again (the log
    // reads p1 1/2, p2 1/3, p3 1/4, then p2 1/4 and p3 1/5). What must hold: no activation is
    // given another's result from the inbox (p2 would get p3's: the result keys carry a digest
    // of routine, slot and payload), and the job ends as an uninterrupted run.
    it('poolTurnLag 1,000: the command read at the take renumbers p2 and p3, which run again; none is given another’s result, and the job ends as uninterrupted', async () => {
      const run = await lagged();
      expect({ x: run.x, end: run.end }, run.log.join('\n')).to.deep.equal({ x: 1, end: 'p3' });
      const ran = steps(run.log);
      expect(ran.slice(0, 2), run.log.join('\n')).to.deep.equal(['p1 command:1/2', 'p2 command:1/3']);
      expect(new Set(ran.map((l) => l.split(' ')[0])), 'each step ran').to.deep.equal(new Set(['p1', 'p2', 'p3']));
      expect(ran.filter((l) => l.startsWith('p1 ')), 'p1 (its turn saved) ran once').to.have.length(1);
      expect(new Set(run.inputs), 'each step got its own input (p2 given p3’s result would feed p3 its own output)').to.deep.equal(new Set(['p1<', 'p2<p1', 'p3<p2']));
    });
  });

  describe('a pool step’s deferred event (saved), then pool-only turns waiting, a crash', () => {
    // Same flow as above (buildCommand, with `defer`): p1 defers an event to x; p1's turn is saved
    // at once (its result did more than emit), p2's waits. The new owner's restore emits the
    // deferred event before the replay (continueRun): x's task takes number 4, p3's in the first run.

    async function crashRun(poolTurnLag: number): Promise<{ end: unknown; log: string[] }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), 'defer', ...(die ? ['die'] : [])];
      const { final, dir } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => buildCommand(d, false, true).start('src', {}, { runner, jobId: 'defer:1' }) });
      const log = readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' '));
      return { end: final.getSharedData('end'), log };
    }

    const lagged = runs.add(() => crashRun(1_000));

    // The same known limit: the deferred event re-emitted at the takeover takes p3's number.
    it('poolTurnLag 1,000: the deferred event emitted at the restore renumbers what follows, which runs again; the job ends as uninterrupted', async () => {
      const run = await lagged();
      expect(run.end, run.log.join('\n')).to.equal('p3');
      const ran = [...new Set(run.log)];
      expect(ran.slice(0, 2), run.log.join('\n')).to.deep.equal(['p1 defer:1/2', 'p2 defer:1/3']);
      expect(new Set(ran.map((l) => l.split(' ')[0])), 'each step ran').to.deep.equal(new Set(['p1', 'p2', 'p3']));
    });
  });
});
}
