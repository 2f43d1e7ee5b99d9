/**
 * Second adversarial review of poolTurnLag (issue 17, branch pool-turns2, after the fixes of
 * review-s9): changes to an owned job that a new owner replaying from an older checkpoint does
 * not remake the same way. Each `it` that checks a finding fails on that branch; its control
 * (poolTurnLag 0) passes.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import type { Flow } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { until } from '../fixtures/helpers.js';
import { buildAddFails, buildRetry } from '../fixtures/review-s9b-flows.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s9b-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('review s9b: poolTurnLag', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let dir: string;
  let runs = 0;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'routilux-rv-s9b-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `which` on a worker that dies once where the flow says, then on a second; the final shared data `key`. */
  async function crashRun(which: string, build: (dir: string) => Flow, poolTurnLag: number, key: string): Promise<unknown> {
    const prefix = `rvs9b${which}${++runs}x${process.pid}`;
    const children = new Set<ChildProcess>();
    const stderr: string[] = [];
    const spawnWorker = (die: boolean): ChildProcess => {
      const args = [CHILD, redis.server.socket, prefix, dir, String(poolTurnLag), which, ...(die ? ['die'] : [])];
      const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
      children.add(child);
      return child;
    };
    const runner = new BullMQRunner({ connection: redis.connection, prefix });
    try {
      const first = spawnWorker(true);
      const job = build(dir).start('src', {}, { runner, jobId: `${which}:1` });
      await until(() => first.exitCode !== null || first.signalCode !== null, 'the worker killed itself', 30_000);
      expect(existsSync(join(dir, 'died'))).to.equal(true);
      spawnWorker(false);
      const final = await job.wait({ timeout: 30_000 });
      expect(final.status, JSON.stringify(final.error) + stderr.join('')).to.equal('completed');
      return final.getSharedData(key);
    } finally {
      await runner.close();
      await Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL'))))));
    }
  }

  describe('a pool activation’s retry timer fires in a waiting turn; a crash, and the new owner restores the retry overdue', () => {
    it('control: with poolTurnLag 0, k gets q’s item first, as applied', async () => {
      expect(await crashRun('retry', buildRetry, 0, 'order')).to.deep.equal(['q', 'x']);
    });

    it('poolTurnLag 1,000: k gets q’s item first, as applied (a retry timer firing is late work: its turn is saved at once, so the replay does not re-arm it before q)', async () => {
      expect(await crashRun('retry', buildRetry, 1_000, 'order')).to.deep.equal(['q', 'x']);
    });
  });

  describe('the owner’s add of a pool activation fails (a Redis hiccup) in a waiting turn, it is retried; a crash, and the new owner replays from the older checkpoint', () => {
    /** The attempts x's handler ran with, in order, across both workers. */
    const xRuns = (): string[] => readFileSync(join(dir, 'pool.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[1]);

    it('control: with poolTurnLag 0, x runs once, as attempt 2, and end gets attempt 2', async () => {
      expect(await crashRun('addfails', buildAddFails, 0, 'xAttempt')).to.equal(2);
      expect(xRuns()).to.deep.equal(['2']);
    });

    // The failed add fails x's attempt 1 on the owner: no pool result, so neither weighty nor in
    // the inbox, and its turn (and the retry's) waits. The replay sends attempt 1 again, which
    // the pool runs (a handler run the first run never made; x#2's result in the inbox is unused).
    it('poolTurnLag 1,000: x runs once, as attempt 2 (the replay does not run x’s handler again, as attempt 1)', async () => {
      expect(await crashRun('addfails', buildAddFails, 1_000, 'xAttempt')).to.equal(2);
      expect(xRuns()).to.deep.equal(['2']);
    });
  });
});
