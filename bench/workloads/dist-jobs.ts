/**
 * dist_jobs: Tier 1 throughput. N trivial routilux jobs (one activation each) started through
 * BullMQRunner and run by a worker (runWorker, concurrency 10) in this process, all awaited
 * through their Job handles (status by pub/sub). The floor, measured in the same run on the
 * same redis-server: raw BullMQ, N trivial jobs added in bulk and processed by a Worker with
 * concurrency 10, in one process. Targets: jobs/s >= 0.4x the floor's, CPU per job <= 2.5x.
 * Each line: per_sec (Tier 1 jobs/s), floor_per_sec, x_floor, cpu_us_per_job, floor_cpu_us_per_job.
 * Also measured, with no target: the protocol floor (bench/lib/protocol-floor.ts: raw BullMQ
 * plus Tier 1's own Lua calls and status message, no routilux code), which splits Tier 1's CPU
 * over raw BullMQ into the protocol's share and routilux's JavaScript's.
 *
 *   tsx bench/workloads/dist-jobs.ts --n 5000
 */
import { Queue, Worker } from 'bullmq';
import { Flow, Routine } from '../../lib/index.js';
import { BullMQRunner, runWorker } from '../../lib/bullmq/index.js';
import { cpuMs, freshPrefix, withRedis } from '../lib/dist.js';
import { protocolFloorRun } from '../lib/protocol-floor.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { main, numberArg, report } from '../lib/report.js';

const RATIO = 0.4;
const CPU_RATIO = 2.5;
const CONCURRENCY = 10;

class One extends Routine {
  constructor() {
    super();
    this.defineSlot<{ x: number }>('trigger', (data, ctx) => ctx.setSharedData('x', data.x + 1));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'dist-jobs' });
  flow.addRoutine(new One(), 'one');
  return flow;
}

main('dist_jobs', () =>
  withRedis('dist_jobs', async (server) => {
    const n = numberArg('n', 5_000);
    const runs = numberArg('runs', 3);
    // No forced GC between runs, for every phase alike: each would make the next run partly cold
    // (see repeat's `gc` option); the figures are a long-running worker's.
    const measured = { runs, gc: false };
    const connection = server.connection;

    const floor = await repeat(async (_i, warmup) => {
      const size = warmup ? Math.min(n, 1_000) : n;
      const prefix = freshPrefix('raw');
      const checks = new Checks();
      let done = 0;
      let finish!: () => void;
      const all = new Promise<void>((resolve) => (finish = resolve));
      const worker = new Worker('raw', async (job) => (job.data as { x: number }).x + 1, { connection, prefix, concurrency: CONCURRENCY });
      worker.on('completed', () => ++done === size && finish());
      const queue = new Queue('raw', { connection, prefix });
      await worker.waitUntilReady();
      const cpu = process.cpuUsage();
      const t0 = nowMs();
      for (let i = 0; i < size; i += 1_000) {
        await queue.addBulk(Array.from({ length: Math.min(1_000, size - i) }, (_, k) => ({ name: 'j', data: { x: i + k }, opts: { removeOnComplete: true } })));
      }
      await all;
      const ms = nowMs() - t0;
      const cpuPerJob = (cpuMs(cpu) * 1000) / size;
      checks.equal(done, size, 'raw jobs completed');
      await queue.close();
      await worker.close();
      return checks.result(ms, { cpuPerJob, size });
    }, measured);

    // The final snapshot a Tier 1 job of this flow writes (same shape and size), for the protocol floor.
    const local = build().start('one', { x: 1 });
    const text = JSON.stringify(await local.wait());
    const protocol = await repeat((_i, warmup) => protocolFloorRun(connection, warmup ? Math.min(n, 1_000) : n, text, CONCURRENCY), measured);

    const tier1 = await repeat(async (_i, warmup) => {
      const size = warmup ? Math.min(n, 1_000) : n;
      const prefix = freshPrefix('t1');
      const checks = new Checks();
      const worker = await runWorker(build(), { connection, prefix, concurrency: CONCURRENCY });
      const runner = new BullMQRunner({ connection, prefix });
      const flow = build();
      const cpu = process.cpuUsage();
      const t0 = nowMs();
      const jobs = [];
      for (let i = 0; i < size; i++) jobs.push(flow.start('one', { x: i }, { runner }));
      const states = await Promise.all(jobs.map((j) => j.wait()));
      const ms = nowMs() - t0;
      const cpuPerJob = (cpuMs(cpu) * 1000) / size;
      checks.equal(states.filter((s) => s.status === 'completed').length, size, 'completed jobs');
      let wrong = 0;
      states.forEach((s, i) => s.getSharedData('x') !== i + 1 && wrong++);
      checks.equal(wrong, 0, 'jobs with a wrong result');
      await runner.close();
      await worker.close();
      return checks.result(ms, { cpuPerJob, size });
    }, measured);

    const seconds = tier1.median.ms / 1000;
    const floorPerSec = n / (floor.median.ms / 1000);
    const perSec = n / seconds;
    const cpuPerJob = tier1.median.cpuPerJob as number;
    const floorCpu = floor.median.cpuPerJob as number;
    const protocolCpu = protocol.median.cpuPerJob as number;
    report({
      workload: 'dist_jobs',
      n,
      seconds,
      per_sec: perSec,
      ok: tier1.ok && floor.ok && protocol.ok,
      unit: 'Tier 1 jobs (one activation each) through BullMQRunner + runWorker, one process',
      floor_per_sec: Math.round(floorPerSec),
      x_floor: round(perSec / floorPerSec, 3),
      cpu_us_per_job: round(cpuPerJob, 1),
      floor_cpu_us_per_job: round(floorCpu, 1),
      x_floor_cpu: round(cpuPerJob / floorCpu, 3),
      protocol_floor_per_sec: Math.round(n / (protocol.median.ms / 1000)),
      protocol_floor_cpu_us_per_job: round(protocolCpu, 1),
      protocol_floor_x_floor_cpu: round(protocolCpu / floorCpu, 3),
      x_protocol_floor_cpu: round(cpuPerJob / protocolCpu, 3),
      runs_ms: tier1.results.map((r) => round(r.ms, 1)),
      floor_runs_ms: floor.results.map((r) => round(r.ms, 1)),
      target: `>= ${RATIO}x raw BullMQ jobs/s, CPU per job <= ${CPU_RATIO}x raw`,
      meets_target: perSec >= RATIO * floorPerSec && cpuPerJob <= CPU_RATIO * floorCpu,
      errors: [...floor.errors, ...protocol.errors, ...tier1.errors],
    });
  }),
);
