/**
 * Adversarial review of poolTurnLag (issue 17, branch pool-turns): what a pool-only turn whose
 * checkpoint waits changes for others. Each `it` that checks a finding fails on that branch and
 * passes with `poolTurnLag: 0` (its control beside it).
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { PoolTurnLag } from '../../lib/bullmq/pool-turn-lag.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';
import { sleep, until } from '../fixtures/helpers.js';
import { buildLateEmit, buildStaleRead } from '../fixtures/review-s8b-flows.js';
import { startCluster } from './helpers.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s8b-late-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/review-crashes.spec.ts (one redis-server, crash runs started together). */
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
    let count = 0;

    async function crashRun(poolTurnLag: number, watch = true): Promise<{ v: unknown; late: unknown; outputs: number }> {
      const dir = mkdtempSync(join(tmpdir(), 'routilux-rv-s8b-'));
      dirs.push(dir);
      const prefix = `rvs8b${++count}x${process.pid}`;
      const children = new Set<ChildProcess>();
      const stderr: string[] = [];
      const spawnWorker = (dieAt?: number): ChildProcess => {
        const args = [CHILD, redis.server.socket, prefix, dir, String(poolTurnLag), ...(dieAt === undefined ? [] : [String(dieAt)])];
        const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
        children.add(child);
        return child;
      };
      const runner = new BullMQRunner({ connection: redis.connection, prefix });
      try {
        const first = spawnWorker(2);
        const job = buildLateEmit(dir).start('src', {}, { runner, jobId: 'late:1' });
        let outputs = 0;
        // (a client watching outputs keeps every turn of the job saved at once: see the last case)
        const watching = watch ? job.output$.subscribe(() => outputs++) : undefined;
        await until(() => first.exitCode !== null || first.signalCode !== null, 'the worker killed itself in s2', 30_000);
        expect(existsSync(join(dir, 'died'))).to.equal(true);
        spawnWorker();
        const final = await job.wait({ timeout: 30_000 });
        expect(final.status, JSON.stringify(final.error) + stderr.join('')).to.equal('completed');
        await sleep(300); // (outputs published just before the final status)
        watching?.unsubscribe();
        return { v: final.getSharedData('v'), late: final.getSharedData('late'), outputs };
      } finally {
        await runner.close();
        await Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL'))))));
      }
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
