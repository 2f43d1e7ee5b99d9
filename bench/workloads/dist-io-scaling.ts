/**
 * dist_io_scaling: N jobs whose one activation waits 10 ms (I/O), run by 1, 2, 4 and 8 worker
 * processes (each owns one job at a time), started through BullMQRunner from this process.
 * After a warm-up round (30 jobs per process: a fresh process runs its first jobs cold), the
 * elapsed time from the first start until every job's wait() resolved; speedup = elapsed with one
 * process / elapsed with P. Targets: 2, 4, 8 processes >= 1.8x, 3.4x, 5.6x of one. On a
 * 2-core machine this shows no serial bottleneck (a queue, a lock, a poll) between the
 * processes, not CPU scaling: the handlers wait, they do not compute.
 *
 * The floor, same run, same redis-server, same process counts (each right after routilux's):
 * plain BullMQ workers (concurrency 1) running the same 10 ms handler, the jobs added with
 * addBulk and their completion heard through QueueEvents. Each worker process also reports its
 * CPU time over the measured window (`worker_cpu_ms_per_job`, median over the processes): with
 * 8 processes on 2 cores the figure is bound by CPU, not by waiting, so this says how much of
 * it is the workers' own.
 *
 *   tsx bench/workloads/dist-io-scaling.ts --n 200
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { buildIoFlow, IO_MS } from '../lib/io-flow.js';
import { freshPrefix, withRedis } from '../lib/dist.js';
import { Checks, median, nowMs, round } from '../lib/measure.js';
import { main, numberArg, report } from '../lib/report.js';
import type { RedisServer } from '../../spec/helpers/redis-server.js';

const TARGETS: Record<number, number> = { 2: 1.8, 4: 3.4, 8: 5.6 };
const PROCESSES = [1, 2, 4, 8];
const WARMUP_PER_PROCESS = 30;
/** A round that takes longer than this failed (a lost job would otherwise hang the bench). */
const ROUND_LIMIT_MS = 120_000;
const CHILD = fileURLToPath(new URL('../lib/io-worker.js', import.meta.url));
// Compiled (npm run bench): plain node; from source (tsx): through tsx.
const fromSource = import.meta.url.endsWith('.ts');

/** A worker process, and its CPU time (ms, all threads) and jobs run so far, on request. */
interface IoWorker {
  readonly child: ChildProcess;
  usage(): Promise<{ cpuMs: number; jobs: number }>;
}

function spawnWorker(socket: string, prefix: string, raw: boolean): Promise<IoWorker> {
  const args = fromSource ? ['--import', 'tsx', CHILD.replace(/\.js$/, '.ts')] : [CHILD];
  const child = spawn(process.execPath, [...args, socket, prefix, ...(raw ? ['raw'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const asked: Array<(u: { cpuMs: number; jobs: number }) => void> = [];
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'ready') resolve({ child, usage: () => new Promise((r) => (asked.push(r), child.stdin!.write('cpu\n'))) });
        else if (line.startsWith('cpu ')) {
          const [, cpuMs, jobs] = line.split(' ');
          asked.shift()?.({ cpuMs: Number(cpuMs), jobs: Number(jobs) });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`io worker exited with ${code} before it was ready`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

function limited<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done after ${ROUND_LIMIT_MS} ms`)), ROUND_LIMIT_MS)));
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** Runs `count` jobs (a warm-up, then the measured batch) and resolves when all completed. */
type Batch = (count: number) => Promise<number>;

/** routilux: BullMQRunner starts, each job's wait(); resolves with the jobs that completed with their own input. */
function routiluxBatch(server: RedisServer, prefix: string): { batch: Batch; close(): Promise<void> } {
  const runner = new BullMQRunner({ connection: server.connection, prefix });
  const flow = buildIoFlow();
  return {
    batch: async (count) => {
      const states = await Promise.all(Array.from({ length: count }, (_, x) => flow.start('io', { x }, { runner }).wait()));
      return states.filter((s, x) => s.status === 'completed' && s.getSharedData('x') === x).length;
    },
    close: () => runner.close(),
  };
}

/** Plain BullMQ: addBulk, completions counted from QueueEvents (the batch's tag is each job's return value). */
async function rawBatch(server: RedisServer, prefix: string): Promise<{ batch: Batch; close(): Promise<void> }> {
  const queue = new Queue('rawio', { connection: server.connection, prefix });
  const events = new QueueEvents('rawio', { connection: server.connection, prefix });
  await events.waitUntilReady();
  let tag = 0;
  return {
    batch: (count) => {
      const mine = ++tag;
      let done = 0;
      return new Promise<number>((resolve, reject) => {
        const onCompleted = ({ returnvalue }: { returnvalue: unknown }): void => {
          if (Number(returnvalue) === mine && ++done === count) {
            events.off('completed', onCompleted);
            resolve(done);
          }
        };
        events.on('completed', onCompleted);
        queue.addBulk(Array.from({ length: count }, () => ({ name: 'io', data: { x: mine }, opts: { removeOnComplete: true } }))).catch(reject);
      });
    },
    close: async () => {
      await events.close();
      await queue.close();
    },
  };
}

interface Round {
  elapsed: number;
  /** CPU ms per job of each worker process over the measured batch. */
  cpuPerJob: number[];
}

async function round1(server: RedisServer, processes: number, n: number, raw: boolean, checks: Checks): Promise<Round> {
  const prefix = freshPrefix(raw ? 'rawio' : 'io');
  const workers = await Promise.all(Array.from({ length: processes }, () => spawnWorker(server.socket, prefix, raw)));
  const side = raw ? await rawBatch(server, prefix) : routiluxBatch(server, prefix);
  const what = `${raw ? 'raw BullMQ' : 'routilux'} with ${processes} processes`;
  try {
    // Warm-up: every process's first jobs run cold (JIT); the measured run starts warm.
    await limited(side.batch(WARMUP_PER_PROCESS * processes), `${what}, warm-up`);
    const before = await Promise.all(workers.map((w) => w.usage()));
    const t0 = nowMs();
    const completed = await limited(side.batch(n), what);
    const elapsed = nowMs() - t0;
    const after = await Promise.all(workers.map((w) => w.usage()));
    checks.equal(completed, n, `jobs completed (${what})`);
    const cpuPerJob = after.map((a, i) => (a.cpuMs - before[i].cpuMs) / Math.max(1, a.jobs - before[i].jobs));
    return { elapsed, cpuPerJob };
  } finally {
    await side.close();
    await Promise.all(workers.map((w) => stop(w.child)));
  }
}

main('dist_io_scaling', () =>
  withRedis('dist_io_scaling', async (server) => {
    const n = numberArg('n', 200);
    const checks = new Checks();
    const ours: Record<number, Round> = {};
    const floor: Record<number, Round> = {};
    for (const processes of PROCESSES) {
      ours[processes] = await round1(server, processes, n, false, checks);
      floor[processes] = await round1(server, processes, n, true, checks);
    }
    const speedups = (rounds: Record<number, Round>): Record<number, number> => Object.fromEntries([2, 4, 8].map((p) => [p, round(rounds[1].elapsed / rounds[p].elapsed, 2)]));
    const cpu = (rounds: Record<number, Round>): Record<number, number> => Object.fromEntries(PROCESSES.map((p) => [p, round(median(rounds[p].cpuPerJob), 2)]));
    const elapsed = (rounds: Record<number, Round>): Record<number, number> => Object.fromEntries(PROCESSES.map((p) => [p, round(rounds[p].elapsed, 1)]));
    const speedup = (p: number): number => ours[1].elapsed / ours[p].elapsed;
    report({
      workload: 'dist_io_scaling',
      n,
      seconds: ours[8].elapsed / 1000,
      per_sec: n / (ours[8].elapsed / 1000),
      ok: checks.ok,
      unit: `jobs of one ${IO_MS} ms activation, 8 worker processes (per_sec); elapsed per process count below`,
      elapsed_ms: elapsed(ours),
      ideal_ms_one_process: n * IO_MS,
      speedup: speedups(ours),
      worker_cpu_ms_per_job: cpu(ours),
      raw_elapsed_ms: elapsed(floor),
      raw_speedup: speedups(floor),
      raw_worker_cpu_ms_per_job: cpu(floor),
      target: '2, 4, 8 processes >= 1.8x, 3.4x, 5.6x of one (no serial bottleneck; not CPU scaling on two cores)',
      meets_target: [2, 4, 8].every((p) => speedup(p) >= TARGETS[p]),
      errors: checks.errors,
    });
  }),
);
