/**
 * otel_overhead: chain10 (see chain10.ts) run as is and with `instrumentFlow` from
 * routilux/otel while no tracer provider is registered, which must record nothing and cost
 * nothing measurable. Unit: slot activations (10·N) of the instrumented runs. The runs are
 * interleaved (bench/lib/overhead.ts: rounds of both, the order alternating), and the figure
 * is the median over rounds of instrumented / plain CPU time of the same round (`x_plain`:
 * CPU time, since wall time on a shared machine counts other processes too; per round, so
 * drift hits both sides alike); `x_plain_wall`, `x_medians` and `x_min` are the same
 * comparison by other estimators. Target (issue 21): `x_plain` < 1.03.
 *
 *   tsx bench/workloads/otel-overhead.ts --n 100000 [--runs 15]
 */
import { trace } from '@opentelemetry/api';
import { instrumentFlow } from '../../lib/otel/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, median } from '../lib/measure.js';
import { chain10Variant, interleave } from '../lib/overhead.js';

const TOLERANCE = 0.03;

main('otel_overhead', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 15);
  trace.disable(); // no provider: the case measured
  const checks = new Checks();
  const { plain, overheads } = await interleave(
    [
      chain10Variant(),
      chain10Variant((flow, c) => {
        const tracing = instrumentFlow(flow);
        c.equal(tracing.active, false, 'instrumentation with no provider records nothing');
        return () => tracing.unsubscribe();
      }),
    ],
    runs,
    n,
    checks,
  );
  const [instrumented] = overheads;
  const seconds = median(instrumented.ms) / 1000;
  report({
    workload: 'otel_overhead',
    n,
    seconds,
    per_sec: (10 * n) / seconds,
    ok: checks.ok,
    unit: 'slot activations (10·N), instrumented with no tracer provider',
    rounds: runs,
    x_plain: instrumented.xPlain,
    se_x_plain: instrumented.seXPlain,
    x_plain_wall: instrumented.xPlainWall,
    x_medians: instrumented.xMedians,
    x_min: instrumented.xMin,
    plain_ms: plain.ms,
    plain_cpu_ms: plain.cpuMs,
    instrumented_ms: instrumented.ms,
    instrumented_cpu_ms: instrumented.cpuMs,
    target: `instrumented < ${TOLERANCE * 100} % over plain chain10 (median over interleaved rounds of the ratio)`,
    meets_target: instrumented.xPlain < 1 + TOLERANCE,
    errors: checks.errors,
  });
});
