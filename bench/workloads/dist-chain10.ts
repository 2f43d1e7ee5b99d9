/**
 * dist_chain10: Tier 2 hops. A flow whose 10 routines are chained and all placed on the
 * activation pool (`setPlacement('pool')`): every hop is an owner sending the activation to the
 * pool queue, a pool worker running it, and the owner applying its result (its emit) once.
 * One process holds the client, the owner and the pool (runWorker, pool concurrency 10).
 * Throughput: `--chains` jobs at once on a concurrent flow (activations/s). Hop latency: one job
 * alone, the time from one pool handler's start to the next's (p50 over `--hops` hops).
 * The floor, same run, same redis-server: raw BullMQ, a 10-step chain in which each step adds
 * the next job (one queue, one Worker with concurrency 10). Targets: activations/s >= 0.4x the
 * floor's, hop latency p50 <= 1.5 ms. Also measured, with no target: the protocol floor
 * (bench/lib/pool-protocol-floor.ts: raw BullMQ plus a chain's own Lua calls at their sizes, no
 * routilux code), which splits the gap to raw BullMQ into the protocol's share and routilux's.
 *
 *   tsx bench/workloads/dist-chain10.ts --chains 200
 */
import { Queue, Worker } from 'bullmq';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { BullMQRunner, runWorker } from '../../lib/bullmq/index.js';
import { freshPrefix, withRedis } from '../lib/dist.js';
import { poolProtocolFloorRun } from '../lib/pool-protocol-floor.js';
import { Checks, median, nowMs, repeat, round } from '../lib/measure.js';
import { main, numberArg, report } from '../lib/report.js';

const STEPS = 10;
const RATIO = 0.4;
const HOP_P50_MS = 1.5;

/** Marks when each pool activation starts (for the hop latency of a lone job). */
let starts: number[] = [];

class Step extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['step']);
    this.defineSlot<{ step: number }>('in', (d, ctx: ExecutionContext) => {
      starts.push(nowMs());
      ctx.emit('out', { step: d.step + 1 });
    });
    this.setPlacement('pool');
  }
}

class Entry extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['step']);
    this.defineSlot('trigger', () => this.emit('out', { step: 0 }));
  }
}

class End extends Routine {
  constructor() {
    super();
    this.defineSlot<{ step: number }>('in', (d, ctx) => ctx.setSharedData('steps', d.step));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'dist-chain10', executionStrategy: 'concurrent', maxWorkers: 100 });
  flow.addRoutine(new Entry(), 'entry');
  for (let i = 1; i <= STEPS; i++) flow.addRoutine(new Step(), `s${i}`);
  flow.addRoutine(new End(), 'end');
  flow.connect('entry', 'out', 's1', 'in');
  for (let i = 1; i < STEPS; i++) flow.connect(`s${i}`, 'out', `s${i + 1}`, 'in');
  flow.connect(`s${STEPS}`, 'out', 'end', 'in');
  return flow;
}

main('dist_chain10', () =>
  withRedis('dist_chain10', async (server) => {
    const chains = numberArg('chains', 200);
    const hops = numberArg('hops', 200);
    const runs = numberArg('runs', 3);
    // Opt-in (runWorker's poolTurnLag, default 0): `--pool-turn-lag 1000` measures it.
    const poolTurnLag = numberArg('pool-turn-lag', 0);
    // No forced GC between runs, for every phase alike: each would make the next run partly cold
    // (see repeat's `gc` option); the figures are a long-running worker's.
    const measured = { runs, gc: false };
    const connection = server.connection;

    const floor = await repeat(async (_i, warmup) => {
      const n = warmup ? Math.min(chains, 50) : chains;
      const prefix = freshPrefix('rawchain');
      const checks = new Checks();
      const queue = new Queue('chain', { connection, prefix });
      let done = 0;
      let finish!: () => void;
      const all = new Promise<void>((resolve) => (finish = resolve));
      const worker = new Worker(
        'chain',
        async (job) => {
          const step = (job.data as { step: number }).step;
          if (step < STEPS) await queue.add('s', { step: step + 1 }, { removeOnComplete: true });
          else if (++done === n) finish();
        },
        { connection, prefix, concurrency: 10 },
      );
      await worker.waitUntilReady();
      const t0 = nowMs();
      await queue.addBulk(Array.from({ length: n }, () => ({ name: 's', data: { step: 1 }, opts: { removeOnComplete: true } })));
      await all;
      const ms = nowMs() - t0;
      checks.equal(done, n, 'raw chains completed');
      await worker.close();
      await queue.close();
      return checks.result(ms, { activations: n * STEPS });
    }, measured);

    const protocol = await repeat((_i, warmup) => poolProtocolFloorRun(connection, warmup ? Math.min(chains, 50) : chains, STEPS), measured);

    const tier2 = await repeat(async (_i, warmup) => {
      const n = warmup ? Math.min(chains, 50) : chains;
      const prefix = freshPrefix('t2chain');
      const checks = new Checks();
      const worker = await runWorker(build(), { connection, prefix, concurrency: 50, pool: { concurrency: 10 }, poolTurnLag });
      const runner = new BullMQRunner({ connection, prefix });
      const flow = build();
      const t0 = nowMs();
      const states = await Promise.all(Array.from({ length: n }, () => flow.start('entry', {}, { runner }).wait()));
      const ms = nowMs() - t0;
      checks.equal(states.filter((s) => s.status === 'completed' && s.getSharedData('steps') === STEPS).length, n, 'chains completed with every step');
      // Hop latency: jobs one after another, alone in the system.
      const gaps: number[] = [];
      for (let k = 0; gaps.length < (warmup ? 20 : hops); k++) {
        starts = [];
        const s = await flow.start('entry', {}, { runner }).wait();
        checks.equal(s.getSharedData('steps'), STEPS, 'lone chain steps');
        for (let i = 1; i < starts.length; i++) gaps.push(starts[i] - starts[i - 1]);
      }
      await runner.close();
      await worker.close();
      return checks.result(ms, { activations: n * STEPS, hopP50: median(gaps), hopP90: gaps.sort((a, b) => a - b)[Math.floor(gaps.length * 0.9)] });
    }, measured);

    const seconds = tier2.median.ms / 1000;
    const perSec = (chains * STEPS) / seconds;
    const floorPerSec = (chains * STEPS) / (floor.median.ms / 1000);
    const hopP50 = tier2.median.hopP50 as number;
    report({
      workload: 'dist_chain10',
      n: chains,
      seconds,
      per_sec: perSec,
      ok: tier2.ok && floor.ok && protocol.ok,
      unit: `pool activations (${STEPS} per chain, ${chains} chains at once)`,
      pool_turn_lag_ms: poolTurnLag,
      floor_per_sec: Math.round(floorPerSec),
      x_floor: round(perSec / floorPerSec, 3),
      protocol_floor_per_sec: Math.round((chains * STEPS) / (protocol.median.ms / 1000)),
      protocol_floor_x_floor: round(floor.median.ms / protocol.median.ms, 3),
      x_protocol_floor: round(protocol.median.ms / tier2.median.ms, 3),
      hop_p50_ms: round(hopP50, 3),
      hop_p90_ms: round(tier2.median.hopP90 as number, 3),
      runs_ms: tier2.results.map((r) => round(r.ms, 1)),
      floor_runs_ms: floor.results.map((r) => round(r.ms, 1)),
      target: `>= ${RATIO}x the raw BullMQ chain's activations/s, hop latency p50 <= ${HOP_P50_MS} ms`,
      meets_target: perSec >= RATIO * floorPerSec && hopP50 <= HOP_P50_MS,
      errors: [...floor.errors, ...protocol.errors, ...tier2.errors],
    });
  }),
);
