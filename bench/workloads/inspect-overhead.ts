/**
 * inspect_overhead: chain10 (see chain10.ts) run plain, with `flow.inspect$` taken but never
 * subscribed, and with `flow.inspect$` subscribed and unsubscribed again before the job starts.
 * Neither may cost anything measurable: the engine builds inspect records only while somebody
 * watches. Unit: slot activations (10·N) of the unobserved runs. The three are interleaved
 * (bench/lib/overhead.ts: rounds of all three, the order rotating); each figure is the median
 * over rounds of that variant's CPU time / the plain one's in the same round (`x_plain_*`; CPU
 * time, since wall time on a shared machine counts other processes too), with the same ratio
 * of wall times, and the ratios of medians and of minimums alongside. Target (issue 21): each < 1.03.
 *
 * `se_x_plain_*` is the standard error of that median (bench/lib/overhead.ts): about 1 % over
 * 21 rounds since each variant keeps one flow (with a new flow per run it was 3.5–6 %).
 *
 *   tsx bench/workloads/inspect-overhead.ts --n 100000 [--runs 15]
 */
import type { InspectRecord } from '../../lib/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, median } from '../lib/measure.js';
import { chain10Variant, interleave } from '../lib/overhead.js';

const TOLERANCE = 0.03;

main('inspect_overhead', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 15);
  const checks = new Checks();
  const { plain, overheads } = await interleave(
    [
      chain10Variant(),
      // inspect$ exists (taken, kept) but nobody subscribes.
      chain10Variant((flow, c) => {
        const inspect$ = flow.inspect$;
        c.that(typeof inspect$.subscribe === 'function', 'flow.inspect$ is an observable');
      }),
      // Observed once, then let go before the job: nothing may stay switched on.
      chain10Variant((flow, c) => {
        const seen: InspectRecord[] = [];
        flow.inspect$.subscribe((r) => seen.push(r)).unsubscribe();
        return () => c.equal(seen.length, 0, 'records after unsubscribing');
      }),
    ],
    runs,
    n,
    checks,
  );
  const [unobserved, unsubscribed] = overheads;
  const seconds = median(unobserved.ms) / 1000;
  const meets = unobserved.xPlain < 1 + TOLERANCE && unsubscribed.xPlain < 1 + TOLERANCE;
  report({
    workload: 'inspect_overhead',
    n,
    seconds,
    per_sec: (10 * n) / seconds,
    ok: checks.ok,
    unit: 'slot activations (10·N), flow.inspect$ unobserved',
    rounds: runs,
    x_plain_unobserved: unobserved.xPlain,
    x_plain_unsubscribed: unsubscribed.xPlain,
    se_x_plain_unobserved: unobserved.seXPlain,
    se_x_plain_unsubscribed: unsubscribed.seXPlain,
    x_plain_wall_unobserved: unobserved.xPlainWall,
    x_plain_wall_unsubscribed: unsubscribed.xPlainWall,
    x_medians_unobserved: unobserved.xMedians,
    x_medians_unsubscribed: unsubscribed.xMedians,
    x_min_unobserved: unobserved.xMin,
    x_min_unsubscribed: unsubscribed.xMin,
    plain_ms: plain.ms,
    plain_cpu_ms: plain.cpuMs,
    unobserved_ms: unobserved.ms,
    unsubscribed_ms: unsubscribed.ms,
    unobserved_cpu_ms: unobserved.cpuMs,
    unsubscribed_cpu_ms: unsubscribed.cpuMs,
    target: `inspect$ unobserved, and observed then unsubscribed, each < ${TOLERANCE * 100} % over plain chain10 (median over interleaved rounds of the ratio)`,
    meets_target: meets,
    errors: checks.errors,
  });
});
