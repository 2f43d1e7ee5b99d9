/**
 * fifo_floor: chain10's messages through a bare FIFO with no library (bench/lib/fifo-chain.ts),
 * run like chain10 (a warm-up of at least 1 s, then the measured runs, GC before each), in its
 * own process. Its peak RSS is the least any FIFO implementation of chain10 can have under the
 * same node flags: chain10 queues all N messages at once, so N payloads stay alive through
 * every hop. bench/run.ts puts chain10's peak RSS at the same N next to it.
 *
 *   tsx bench/workloads/fifo-floor.ts --n 1000000
 */
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, repeat, round } from '../lib/measure.js';
import { runFifoChain10 } from '../lib/fifo-chain.js';

main('fifo_floor', async () => {
  const n = numberArg('n', 1_000_000);
  const runs = numberArg('runs', 3);
  const warmupN = Math.min(n, 100_000);
  const timed = await repeat(
    async (_i, warmup) => {
      const checks = new Checks();
      const r = runFifoChain10(warmup ? warmupN : n);
      for (const p of r.tally.problems('fifo sink')) checks.that(false, p);
      checks.equal(r.tally.outOfOrder, 0, 'out-of-order arrivals');
      return checks.result(r.ms);
    },
    { warmup: 1, runs },
  );
  reportRuns('fifo_floor', n, 10 * n, timed, (seconds) => ({
    unit: 'hops (10·N), no library',
    ns_per_activation: round((seconds * 1e9) / (10 * n), 1),
  }));
});
