/**
 * otel_overhead: chain10 (see chain10.ts) run alternately as is and with `instrumentFlow` from
 * routilux/otel while no tracer provider is registered, which must record nothing and cost
 * nothing measurable. Unit: slot activations (10·N) of the instrumented runs. `ok` when every
 * run is correct and the instrumented median is within 10 % of the plain one
 * (`x_plain` ≤ 1.10); each pair runs back to back, in alternating order, so drift of the
 * shared machine hits both sides alike.
 *
 *   tsx bench/workloads/otel-overhead.ts --n 100000 [--runs 7]
 */
import { trace } from '@opentelemetry/api';
import { instrumentFlow } from '../../lib/otel/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, gc, median, nowMs, round } from '../lib/measure.js';
import { chain10Flow, Tally } from '../lib/routines.js';

const TOLERANCE = 0.1;

async function runChain(n: number, instrumented: boolean, checks: Checks): Promise<number> {
  const { flow, sink } = chain10Flow();
  sink.tally = new Tally(n, 10);
  const tracing = instrumented ? instrumentFlow(flow) : undefined;
  if (tracing !== undefined) checks.equal(tracing.active, false, 'instrumentation with no provider records nothing');
  gc();
  const t0 = nowMs();
  const state = await flow.start('entry', { n }).wait();
  const ms = nowMs() - t0;
  tracing?.unsubscribe();
  checks.equal(state.status, 'completed', 'job status');
  for (const p of sink.tally.problems('r10')) checks.that(false, p);
  checks.equal(state.getRoutineState('r10')?.activations, n, 'r10 activations');
  return ms;
}

main('otel_overhead', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 7);
  trace.disable(); // no provider: the case measured
  const checks = new Checks();
  const warmUntil = nowMs() + 1000;
  for (let i = 0; i < 2 || nowMs() < warmUntil; i++) {
    await runChain(Math.min(n, 50_000), i % 2 === 0, checks);
  }
  const plain: number[] = [];
  const instrumented: number[] = [];
  for (let i = 0; i < runs; i++) {
    const first = i % 2 === 0;
    const a = await runChain(n, first, checks);
    const b = await runChain(n, !first, checks);
    (first ? instrumented : plain).push(a);
    (first ? plain : instrumented).push(b);
  }
  const ratio = median(instrumented) / median(plain);
  const seconds = median(instrumented) / 1000;
  checks.that(ratio <= 1 + TOLERANCE, `instrumented median ${round(ratio, 3)}x the plain one (limit ${1 + TOLERANCE})`);
  report({
    workload: 'otel_overhead',
    n,
    seconds,
    per_sec: (10 * n) / seconds,
    ok: checks.ok,
    unit: 'slot activations (10·N), instrumented with no tracer provider',
    x_plain: round(ratio, 3),
    plain_ms: plain.map((ms) => round(ms, 1)),
    instrumented_ms: instrumented.map((ms) => round(ms, 1)),
    target: `instrumented within ${TOLERANCE * 100} % of plain chain10`,
    meets_target: ratio <= 1 + TOLERANCE,
    errors: checks.errors,
  });
});
