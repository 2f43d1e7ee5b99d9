/**
 * One crash scenario of the reviews' specs (spec/bullmq/review-*.cases.ts): a worker process
 * that kills itself once where its flow says (a marker file `died` in the run's dir remembers),
 * the job started from this process, then a second worker that takes the job over; the job must
 * complete. Each run has its own dir and key prefix, so runs can go at the same time.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import type { Job } from '../../lib/flow/job.js';
import type { JobState } from '../../lib/state/job-state.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import { until } from '../fixtures/helpers.js';
import { childScript } from '../helpers/child-script.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let runs = 0;

export interface CrashScenario {
  redis: RedisFixture;
  /** Dirs to remove after the suite (this run's is added). */
  dirs: string[];
  /** The worker script (a spec fixture run with tsx). */
  child: string;
  /** Its arguments after `<socket> <prefix> <dir>`; `die`: this worker kills itself once. */
  args(die: boolean): string[];
  /** Starts the job on `runner` (the flow built for `dir`). */
  start(dir: string, runner: BullMQRunner): Job;
  /** Called with the job as soon as it is started (a subscription, say); its return is called at the end. */
  watch?(job: Job): () => void;
  /** Called once the first worker died, before the second starts (a client's command while the job has no owner, a look at the store); awaited. */
  afterDeath?(job: Job, run: { dir: string; prefix: string }): void | Promise<void>;
  /** ms to wait after the job completed before the end (publications that trail its final status). */
  linger?: number;
}

/** What a crash run ends with: the job's final state, the run's dir, and what the workers wrote on stderr. */
export interface CrashOutcome {
  final: JobState;
  dir: string;
  stderr: string;
}

/**
 * Runs `s`: the job must complete after its first worker killed itself.
 *
 * @example
 * ```ts
 * const { final } = await crashRun({ redis, dirs, child: CHILD, args: (die) => ['1000', ...(die ? ['die'] : [])], start: (dir, runner) => build(dir).start('src', {}, { runner }) });
 * ```
 */
export async function crashRun(s: CrashScenario): Promise<CrashOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'routilux-crash-'));
  s.dirs.push(dir);
  const prefix = `crash${++runs}x${process.pid}`;
  const children = new Set<ChildProcess>();
  const stderr: string[] = [];
  const script = await childScript(s.child);
  const spawnWorker = (die: boolean): ChildProcess => {
    const child = spawn(process.execPath, [script, s.redis.server.socket, prefix, dir, ...s.args(die)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
    children.add(child);
    return child;
  };
  const runner = new BullMQRunner({ connection: s.redis.connection, prefix });
  let unwatch: (() => void) | undefined;
  try {
    const first = spawnWorker(true);
    const job = s.start(dir, runner);
    unwatch = s.watch?.(job);
    await until(() => first.exitCode !== null || first.signalCode !== null, 'the first worker killed itself', 30_000);
    expect(existsSync(join(dir, 'died')), 'it died where its flow says').to.equal(true);
    await s.afterDeath?.(job, { dir, prefix });
    spawnWorker(false);
    const final = await job.wait({ timeout: 30_000 });
    expect(final.status, JSON.stringify(final.error) + stderr.join('')).to.equal('completed');
    if (s.linger !== undefined) await new Promise((resolve) => setTimeout(resolve, s.linger));
    return { final, dir, stderr: stderr.join('') };
  } finally {
    unwatch?.();
    await runner.close();
    await Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL'))))));
  }
}
