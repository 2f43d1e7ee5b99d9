/**
 * Issue 17, crash: worker processes (forked, lockDuration 2000, stalledInterval 1000) are
 * SIGKILLed while they own running jobs, at least 10 times; one also kills itself between a
 * side effect and the end of its activation. Every job still completes with the result of an
 * uninterrupted run, nothing queued is lost, and what ran twice is only what was in flight
 * at a kill (the same activation, with the same activationId). Job ids with `:` and
 * integer-like ids on purpose. Each item also goes through a pool routine (Tier 2), whose
 * results are applied once per activation id (the counts would show a double application).
 * Run by spec/bullmq/crashes.spec.ts, at the same time as the reviews' crash runs (all of them
 * mostly wait for BullMQ's stall recovery).
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import type { JobState } from '../../lib/state/job-state.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import type { Concurrently } from '../helpers/concurrently.js';
import { sleep, until } from '../fixtures/helpers.js';
import { buildCrashFlow } from '../fixtures/bullmq-crash-flow.js';
import { childScript } from '../helpers/child-script.js';

const CHILD = fileURLToPath(new URL('../fixtures/bullmq-worker-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const JOBS = ['crash:a:1', '42', '7'];
const ITEMS = 80;
const MS = 40;
const KILLS = 10;
const DIE_AT = { jobId: 'crash:a:1', i: 70 };

interface Record {
  jobId: string;
  i: number;
  activationId: string;
  pid: number;
}

/** What the soak ends with: each job's final state, the activations' records, and the kills. */
interface Soak {
  finals: JobState[];
  all: Record[];
  pooled: Record[];
  kills: number;
  died: boolean;
  stderr: string;
}

/** Registers the kill soak in the suite of spec/bullmq/crashes.spec.ts (its run starts with the others'). */
export function crashSoak(redis: RedisFixture, runs: Concurrently, dirs: string[]): void {
  const children = new Set<ChildProcess>();
  const stderr: string[] = [];
  const prefix = `crash${process.pid}`;
  // The workers are stopped before the redis-server (a graceful close, else SIGKILL).
  redis.atStop(() => Promise.all([...children].map((c) => stop(c))));

  function spawnWorker(script: string, dir: string): ChildProcess {
    const child = spawn(process.execPath, [script, redis.server.socket, prefix, dir, String(MS), DIE_AT.jobId, String(DIE_AT.i)], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  }

  function records(dir: string, name = 'records.log'): Record[] {
    const file = join(dir, name);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [jobId, i, activationId, pid] = line.split('\t');
        return { jobId, i: Number(i), activationId, pid: Number(pid) };
      });
  }

  async function soak(): Promise<Soak> {
    const dir = mkdtempSync(join(tmpdir(), 'routilux-bullmq-crash-'));
    dirs.push(dir);
    const script = await childScript(CHILD);
    spawnWorker(script, dir);
    spawnWorker(script, dir);
    const runner = new BullMQRunner({ connection: redis.connection, prefix });
    try {
      const flow = buildCrashFlow(dir, MS);
      const jobs = JOBS.map((jobId) => flow.start('src', { n: ITEMS }, { runner, jobId }));
      let kills = 0;
      while (kills < KILLS) {
        const mark = records(dir).length;
        // Wait for owners to make progress; then kill every live worker that did (each owns a running job).
        await until(() => records(dir).slice(mark).some((r) => [...children].some((c) => c.pid === r.pid)), 'progress after a kill', 30_000);
        await sleep(150);
        const owners = new Set(records(dir).slice(mark).map((r) => r.pid));
        for (const child of [...children]) {
          if (!owners.has(child.pid!) || jobs.every((j) => j.state.status === 'completed')) continue;
          child.kill('SIGKILL');
          kills++;
          spawnWorker(script, dir);
        }
        expect(jobs.some((j) => j.state.status !== 'completed'), `jobs still running at kill ${kills}`).to.equal(true);
      }
      const finals = await Promise.all(jobs.map((j) => j.wait({ timeout: 60_000 })));
      return { finals, all: records(dir), pooled: records(dir, 'pool.log'), kills, died: existsSync(join(dir, 'died')), stderr: stderr.join('') };
    } finally {
      await runner.close();
    }
  }

  describe('crash: worker processes SIGKILLed while they own jobs', function () {
    this.timeout(120_000);
    const run = runs.add(soak);

    it(`${KILLS}+ kills of owners mid-job: every job completes as uninterrupted, nothing lost, only in-flight work repeated`, async () => {
      const { finals, all, pooled, kills, died: diedMarker, stderr: errors } = await run();
      for (const [k, final] of finals.entries()) {
        const jobId = JOBS[k];
        expect(final.status, jobId).to.equal('completed');
        expect(final.getSharedData('count'), `${jobId}: every item counted once`).to.equal(ITEMS);
        expect(final.getSharedData('sum')).to.equal((ITEMS * (ITEMS - 1)) / 2);
        const mine = all.filter((r) => r.jobId === jobId);
        expect(new Set(mine.map((r) => r.i)).size, `${jobId}: nothing lost`).to.equal(ITEMS);
        const byItem = new Map<number, Record[]>();
        for (const r of mine) byItem.set(r.i, [...(byItem.get(r.i) ?? []), r]);
        const repeated = [...byItem.values()].filter((rs) => rs.length > 1);
        for (const rs of repeated) expect(new Set(rs.map((r) => r.activationId)).size, `item ${rs[0].i} re-ran as the same activation`).to.equal(1);
        // A kill can repeat the activation in flight plus at most the last unsaved turn (one activation here).
        const interrupted = new Set(mine.map((r) => r.pid)).size;
        expect(repeated.length, `${jobId}: repeated ${repeated.map((rs) => rs[0].i)}`).to.be.at.most(2 * interrupted);
      }
      // Tier 2: every item went through the pool; a pool activation ran again only when a kill hit it.
      for (const jobId of JOBS) {
        const mine = pooled.filter((r) => r.jobId === jobId);
        expect(new Set(mine.map((r) => r.i)).size, `${jobId}: every item through the pool`).to.equal(ITEMS);
        const byKey = new Map<number, Set<string>>();
        for (const r of mine) byKey.set(r.i, (byKey.get(r.i) ?? new Set()).add(r.activationId));
        expect([...byKey.values()].every((ids) => ids.size === 1), 'a re-run pool activation keeps its activationId').to.equal(true);
        expect(mine.length - ITEMS, `${jobId}: pool re-runs`).to.be.at.most(2 * (kills + 1));
      }
      expect(kills).to.be.at.least(KILLS);
      expect(diedMarker, 'a worker died between a side effect and the end of its activation').to.equal(true);
      const died = all.filter((r) => r.jobId === DIE_AT.jobId && r.i === DIE_AT.i);
      expect(died.length, 'that activation ran again').to.be.at.least(2);
      expect(new Set(died.map((r) => r.activationId)).size).to.equal(1);
      expect(errors.match(/Error(?!: connect)/g) ?? [], errors).to.deep.equal([]);
    });
  });
}

/** SIGTERM (a graceful close), SIGKILL after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
