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
 * sends to a slot (`job.send`) before the new owner takes the job. The take applied the command
 * before the replay started, so its task took number 3, p2's in the first run; p2 replayed as
 * number 4 and p3 ran again as number 5. Now the new owner holds the command until its replay
 * of the inbox is over (ReplayFence) and every step keeps its activation id.
 *
 * Third: p1 defers an event. The new owner's restore emitted it before the replay (a takeover
 * resumed the job as `flow.resume` does), so x's task took p3's number, and x ran, which an
 * uninterrupted run never does. A takeover now keeps deferred events for the next resume.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BullMQRunner } from '../../lib/bullmq/index.js';
import type { Job } from '../../lib/flow/job.js';
import type { JobState } from '../../lib/state/job-state.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import { crashRun as crashRunIn } from './crash-run.js';
import { buildCommand, buildOverdue } from '../fixtures/review-s9c-flows.js';
import type { Concurrently } from '../helpers/concurrently.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s9c-child.ts', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/crashes.spec.ts (one redis-server, crash runs started together). */
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
    const unlagged = runs.add(() => crashRun(0));

    // The command arrived after the crash, so after everything the first owner did: the new
    // owner holds it until its replay of the inbox is over (ReplayFence), then applies it. Each
    // step keeps its activation id; p2 and p3 are not run again under new ones.
    for (const [lag, run] of [[1_000, lagged], [0, unlagged]] as const) {
      it(`poolTurnLag ${lag}: the command read at the take waits for the replay, so every step keeps its activation id and runs once, with its own input`, async () => {
        const r = await run();
        expect({ x: r.x, end: r.end }, r.log.join('\n')).to.deep.equal({ x: 1, end: 'p3' });
        expect(steps(r.log), r.log.join('\n')).to.deep.equal(['p1 command:1/2', 'p2 command:1/3', 'p3 command:1/4']);
        expect(r.log.filter((l) => !l.startsWith('p3 ')), 'p1 and p2 ran once').to.have.length(2);
        expect(new Set(r.inputs)).to.deep.equal(new Set(['p1<', 'p2<p1', 'p3<p2']));
      });
    }
  });

  describe('a pool step’s deferred event (saved), then pool-only turns waiting, a crash', () => {
    // Same flow as above (buildCommand, with `defer`): p1 defers an event to x; p1's turn is saved
    // at once (its result did more than emit), p2's waits (with the lag).

    async function crashRun(poolTurnLag: number): Promise<{ end: unknown; x: unknown; log: string[]; final: JobState }> {
      const args = (die: boolean): string[] => [String(poolTurnLag), 'defer', ...(die ? ['die'] : [])];
      const { final, dir } = await crashRunIn({ redis, dirs, child: CHILD, args, start: (d, runner) => buildCommand(d, false, true).start('src', {}, { runner, jobId: 'defer:1' }) });
      const log = readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' '));
      return { end: final.getSharedData('end'), x: final.getSharedData('x'), log, final };
    }

    const lagged = runs.add(() => crashRun(1_000));
    const unlagged = runs.add(() => crashRun(0));

    // A takeover is no resume: the deferred event waits for the job's next resume, as it would
    // have without the crash (the restore used to emit it, before the replay: x's task took p3's
    // number, and x ran, which an uninterrupted run never does).
    for (const [lag, run] of [[1_000, lagged], [0, unlagged]] as const) {
      it(`poolTurnLag ${lag}: the takeover keeps the deferred event for the next resume; every step keeps its activation id`, async () => {
        const r = await run();
        expect({ end: r.end, x: r.x }, r.log.join('\n')).to.deep.equal({ end: 'p3', x: undefined });
        expect([...new Set(r.log)], r.log.join('\n')).to.deep.equal(['p1 defer:1/2', 'p2 defer:1/3', 'p3 defer:1/4']);
        expect(r.final.deferredEvents.map((d) => d.eventName)).to.deep.equal(['later']);
      });
    }
  });
});
}
