/**
 * rx_chain10: the chain10 graph as plain RxJS (Subject → map → Subject, ten hops, the last
 * recording), the floor the library is compared against. Unit: map calls (10·N).
 *
 *   tsx bench/workloads/rx-chain10.ts --n 100000
 */
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, repeat, round } from '../lib/measure.js';
import { runRxChain10 } from '../lib/rx-chain.js';

main('rx_chain10', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 3);
  const timed = await repeat(
    async () => {
      const checks = new Checks();
      const r = runRxChain10(n);
      for (const p of r.tally.problems('rx sink')) checks.that(false, p);
      return checks.result(r.ms);
    },
    { warmup: 1, runs },
  );
  reportRuns('rx_chain10', n, 10 * n, timed, (seconds) => ({
    unit: 'map calls (10·N)',
    ns_per_activation: round((seconds * 1e9) / (10 * n), 1),
  }));
});
