/**
 * dist_io_scaling: N jobs whose one activation waits 10 ms (I/O), run by 1, 2, 4 and 8 worker
 * processes (each owns one job at a time), started through BullMQRunner from this process.
 * After a warm-up round (30 jobs per process: a fresh process runs its first jobs cold), the
 * elapsed time from the first start until every job's wait() resolved; speedup = elapsed with one
 * process / elapsed with P. Targets: 2, 4, 8 processes >= 1.8x, 3.4x, 5.6x of one. On a
 * 2-core machine this shows no serial bottleneck (a queue, a lock, a poll) between the
 * processes, not CPU scaling: the handlers wait, they do not compute.
 *
 *   tsx bench/workloads/dist-io-scaling.ts --n 200
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { buildIoFlow, IO_MS } from '../lib/io-flow.js';
import { freshPrefix, withRedis } from '../lib/dist.js';
import { Checks, nowMs, round } from '../lib/measure.js';
import { main, numberArg, report } from '../lib/report.js';

const TARGETS: Record<number, number> = { 2: 1.8, 4: 3.4, 8: 5.6 };
const CHILD = fileURLToPath(new URL('../lib/io-worker.js', import.meta.url));
// Compiled (npm run bench): plain node; from source (tsx): through tsx.
const fromSource = import.meta.url.endsWith('.ts');

function spawnWorker(socket: string, prefix: string): Promise<ChildProcess> {
  const args = fromSource ? ['--import', 'tsx', CHILD.replace(/\.js$/, '.ts')] : [CHILD];
  const child = spawn(process.execPath, [...args, socket, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) resolve(child);
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

main('dist_io_scaling', () =>
  withRedis('dist_io_scaling', async (server) => {
    const n = numberArg('n', 200);
    const checks = new Checks();
    const elapsed: Record<number, number> = {};
    for (const processes of [1, 2, 4, 8]) {
      const prefix = freshPrefix('io');
      const children = await Promise.all(Array.from({ length: processes }, () => spawnWorker(server.socket, prefix)));
      const runner = new BullMQRunner({ connection: server.connection, prefix });
      try {
        const flow = buildIoFlow();
        // Warm-up: every process's first jobs run cold (JIT); the measured run starts warm.
        await Promise.all(Array.from({ length: 30 * processes }, (_, x) => flow.start('io', { x }, { runner }).wait()));
        const t0 = nowMs();
        const states = await Promise.all(Array.from({ length: n }, (_, x) => flow.start('io', { x }, { runner }).wait()));
        elapsed[processes] = nowMs() - t0;
        checks.equal(states.filter((s, x) => s.status === 'completed' && s.getSharedData('x') === x).length, n, `jobs completed with ${processes} processes`);
      } finally {
        await runner.close();
        await Promise.all(children.map(stop));
      }
    }
    const speedup = (p: number): number => elapsed[1] / elapsed[p];
    report({
      workload: 'dist_io_scaling',
      n,
      seconds: elapsed[8] / 1000,
      per_sec: n / (elapsed[8] / 1000),
      ok: checks.ok,
      unit: `jobs of one ${IO_MS} ms activation, 8 worker processes (per_sec); elapsed per process count below`,
      elapsed_ms: Object.fromEntries(Object.entries(elapsed).map(([p, ms]) => [p, round(ms, 1)])),
      ideal_ms_one_process: n * IO_MS,
      speedup: { 2: round(speedup(2), 2), 4: round(speedup(4), 2), 8: round(speedup(8), 2) },
      target: '2, 4, 8 processes >= 1.8x, 3.4x, 5.6x of one (no serial bottleneck; not CPU scaling on two cores)',
      meets_target: [2, 4, 8].every((p) => speedup(p) >= TARGETS[p]),
      errors: checks.errors,
    });
  }),
);
