/**
 * typecheck: how much a large typed flow costs the compiler. Generates a flow of N typed routines
 * (bench/typecheck/generate.ts: a chain wired by handles with renaming mappings, each routine
 * also fanned into an audit routine, typed start/send/input/observe), compiles it with
 * `tsc --extendedDiagnostics` against the built declarations (dist/, strict, skipLibCheck), and
 * reports the check time and instantiation count, next to a program that only imports the
 * library (`baseline_*`). `ok`: the flow compiles without errors and the same flow with one wrong
 * mapping has exactly one error (the types are really checked). Unit: routines checked per second.
 *
 * `seconds` is the least check time of `--runs` compiles (the machine is shared).
 *
 *   tsx bench/typecheck/typecheck.ts --n 200 [--runs 3]     (builds dist/ first when it is missing)
 */
import { main, numberArg, report } from '../lib/report.js';
import { round } from '../lib/measure.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { measureTypecheck, repoRoot } from './measure.js';

const BUDGET_INSTANTIATIONS = 500_000;
const BUDGET_CHECK_SECONDS = 2;

main('typecheck', async () => {
  const n = numberArg('n', 200);
  const runs = numberArg('runs', 3);
  const root = repoRoot();
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const { flow, baseline, mistake } = measureTypecheck(n, { runs, root });
  const errors = [...flow.errors];
  if (mistake.errors.length !== 1) errors.push(`the flow with one wrong mapping has ${mistake.errors.length} errors, expected 1`);
  report({
    workload: 'typecheck',
    n,
    seconds: flow.checkSeconds,
    per_sec: n / Math.max(flow.checkSeconds, 0.001),
    ok: errors.length === 0,
    unit: 'typed routines checked (tsc check time)',
    instantiations: flow.instantiations,
    types: flow.types,
    check_time_s: flow.checkSeconds,
    total_time_s: flow.totalSeconds,
    memory_mb: round(flow.memoryKb / 1024, 1),
    runs,
    baseline_instantiations: baseline.instantiations,
    baseline_check_time_s: baseline.checkSeconds,
    flow_instantiations: flow.instantiations - baseline.instantiations,
    mistake_errors: mistake.errors.length,
    target: `< ${BUDGET_INSTANTIATIONS} instantiations and < ${BUDGET_CHECK_SECONDS} s check time`,
    meets_target: flow.instantiations < BUDGET_INSTANTIATIONS && flow.checkSeconds < BUDGET_CHECK_SECONDS,
    errors,
  });
});
