/**
 * rx_chain10: the chain10 graph as plain RxJS (Subject → map → Subject, ten hops, the last
 * recording), the floor the library is compared against. Unit: map calls (10·N).
 *
 *   tsx bench/workloads/rx-chain10.ts --n 100000
 */
import { main, numberArg, report } from '../lib/report.js';
import { Checks, gc, median, round } from '../lib/measure.js';
import { runRxChain10 } from '../lib/rx-chain.js';

main('rx_chain10', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 3);
  const checks = new Checks();
  runRxChain10(n); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const r = runRxChain10(n);
    ms.push(r.ms);
    for (const p of r.tally.problems('rx sink')) checks.that(false, p);
  }
  const seconds = median(ms) / 1000;
  report({
    workload: 'rx_chain10',
    n,
    seconds,
    per_sec: (10 * n) / seconds,
    ok: checks.ok,
    unit: 'map calls (10·N)',
    ns_per_activation: round((seconds * 1e9) / (10 * n), 1),
    runs_ms: ms.map((x) => round(x, 1)),
    errors: checks.errors,
  });
});
