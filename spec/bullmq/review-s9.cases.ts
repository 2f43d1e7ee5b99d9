/**
 * Adversarial review of poolTurnLag (issue 17, branch pool-turns2): changes to an owned job
 * that a new owner replaying from an older checkpoint does not remake the same way. Each `it`
 * that checks a finding fails on that branch; its control (poolTurnLag 0) passes.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';
import { until } from '../fixtures/helpers.js';
import { buildAdmission, buildGivenUp, buildTimers } from '../fixtures/review-s9-flows.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s9-child.ts', import.meta.url));
const GIVEN_UP_CHILD = fileURLToPath(new URL('../fixtures/review-s9-givenup-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Registers this review's specs in the suite of spec/bullmq/review-crashes.spec.ts (one redis-server, crash runs started together). */
export function reviewS9(redis: RedisFixture, runs: Concurrently, dirs: string[]): void {
describe('review s9: poolTurnLag', function () {
  this.timeout(60_000);

  describe('batch timers of pool routines fire in waiting turns; a crash, and the new owner restores both timers overdue', () => {
    let count = 0;

    async function crashRun(poolTurnLag: number): Promise<{ c1: unknown; c2: unknown; log: string[] }> {
      const dir = mkdtempSync(join(tmpdir(), 'routilux-rv-s9-'));
      dirs.push(dir);
      const prefix = `rvs9t${++count}x${process.pid}`;
      const children = new Set<ChildProcess>();
      const stderr: string[] = [];
      const spawnWorker = (die: boolean): ChildProcess => {
        const args = [CHILD, redis.server.socket, prefix, dir, String(poolTurnLag), 'timers', ...(die ? ['die'] : [])];
        const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
        children.add(child);
        return child;
      };
      const runner = new BullMQRunner({ connection: redis.connection, prefix });
      try {
        const first = spawnWorker(true);
        const job = buildTimers(dir).start('src', {}, { runner, jobId: 'timers:1' });
        await until(() => first.exitCode !== null || first.signalCode !== null, 'the worker killed itself in B2', 30_000);
        expect(existsSync(join(dir, 'died'))).to.equal(true);
        spawnWorker(false);
        const final = await job.wait({ timeout: 30_000 });
        expect(final.status, JSON.stringify(final.error) + stderr.join('')).to.equal('completed');
        const log = readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 3).join(' '));
        return { c1: final.getSharedData('c1'), c2: final.getSharedData('c2'), log };
      } finally {
        await runner.close();
        await Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL'))))));
      }
    }


    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: each batch’s result reaches its own collector (the replay numbers the timers’ activations as the first run did)', async () => {
      const run = await lagged();
      expect({ c1: run.c1, c2: run.c2 }, run.log.join('\n')).to.deep.equal({ c1: ['B1:a'], c2: ['B2:b'] });
    });
  });
  describe('a checkpoint write given up (the store failed it), then pool-only turns, then a crash', () => {
    let count = 0;

    /** How many times the owner-side routine `o` ran (its side effect: a line in owner.log). */
    async function crashRun(poolTurnLag: number): Promise<{ oRuns: number; stderr: string }> {
      const dir = mkdtempSync(join(tmpdir(), 'routilux-rv-s9-'));
      dirs.push(dir);
      const prefix = `rvs9g${++count}x${process.pid}`;
      const children = new Set<ChildProcess>();
      const stderr: string[] = [];
      const spawnWorker = (die: boolean): ChildProcess => {
        const args = [GIVEN_UP_CHILD, redis.server.socket, prefix, dir, String(poolTurnLag), ...(die ? ['die'] : [])];
        const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
        children.add(child);
        return child;
      };
      const runner = new BullMQRunner({ connection: redis.connection, prefix });
      try {
        const first = spawnWorker(true);
        const job = buildGivenUp(dir).start('src', {}, { runner, jobId: 'givenup:1' });
        await until(() => first.exitCode !== null || first.signalCode !== null, 'the worker killed itself in p2', 30_000);
        expect(existsSync(join(dir, 'died'))).to.equal(true);
        spawnWorker(false);
        const final = await job.wait({ timeout: 30_000 });
        expect(final.status, JSON.stringify(final.error) + stderr.join('')).to.equal('completed');
        return { oRuns: readFileSync(join(dir, 'owner.log'), 'utf8').split('\n').filter(Boolean).length, stderr: stderr.join('') };
      } finally {
        await runner.close();
        await Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL'))))));
      }
    }


    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: the pool-only turn after the given-up write saves o’s turn again (that save never landed), so o runs once', async () => {
      const run = await lagged();
      expect(run.stderr, 'the injected failure was reported').to.include('injected');
      expect(run.oRuns).to.equal(1);
    });
  });
  describe('an asynchronous slot schema of a pool routine (admitted on the owner) delays its send: two pool activations in flight though no turn ended with two awaited', () => {
    let count = 0;

    async function crashRun(poolTurnLag: number): Promise<unknown> {
      const dir = mkdtempSync(join(tmpdir(), 'routilux-rv-s9-'));
      dirs.push(dir);
      const prefix = `rvs9a${++count}x${process.pid}`;
      const children = new Set<ChildProcess>();
      const stderr: string[] = [];
      const spawnWorker = (die: boolean): ChildProcess => {
        const args = [CHILD, redis.server.socket, prefix, dir, String(poolTurnLag), 'admission', ...(die ? ['die'] : [])];
        const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
        children.add(child);
        return child;
      };
      const runner = new BullMQRunner({ connection: redis.connection, prefix });
      try {
        const first = spawnWorker(true);
        const job = buildAdmission(dir).start('src', {}, { runner, jobId: 'admission:1' });
        await until(() => first.exitCode !== null || first.signalCode !== null, 'the worker killed itself in z', 30_000);
        expect(existsSync(join(dir, 'died'))).to.equal(true);
        spawnWorker(false);
        const final = await job.wait({ timeout: 30_000 });
        expect(final.status, JSON.stringify(final.error) + stderr.join('')).to.equal('completed');
        return final.getSharedData('order');
      } finally {
        await runner.close();
        await Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL'))))));
      }
    }


    const lagged = runs.add(() => crashRun(1_000));

    it('poolTurnLag 1,000: k gets r’s payload first, as applied (the replay applies q’s result before r’s admission ends)', async () => {
      expect(await lagged()).to.deep.equal(['r', 'q']);
    });
  });
});
}
