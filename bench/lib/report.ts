import { peakRssMb, round, type repeat } from './measure.js';

/** One line of `npm run bench` output. */
export interface BenchLine {
  workload: string;
  /** The size of the workload (messages, emits, jobs...); see each workload's header. */
  n: number;
  /** Median seconds of the measured part. */
  seconds: number;
  /** Units per second (the unit is named in `unit`). */
  per_sec: number;
  /** Peak RSS of the workload's own process, warm-up included (MB). */
  peak_rss_mb?: number;
  /** Every check passed in every run (warm-up included). */
  ok: boolean;
  unit?: string;
  target?: string;
  meets_target?: boolean;
  errors?: string[];
  [extra: string]: unknown;
}

/** Prints one JSON line on stdout (bench/run.ts collects them). Peak RSS is read last. */
export function report(line: BenchLine): void {
  const { workload, n, seconds, per_sec, peak_rss_mb, ok, errors, ...extra } = line;
  const out: BenchLine = {
    workload,
    n,
    seconds: round(seconds, 6),
    per_sec: Math.round(per_sec),
    peak_rss_mb: peak_rss_mb ?? round(peakRssMb(), 1),
    ok,
    ...extra,
  };
  if (errors !== undefined && errors.length > 0) out.errors = errors.slice(0, 10);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** What {@link repeat} returns. */
export type Timed = Awaited<ReturnType<typeof repeat>>;

/**
 * Reports a {@link repeat} result as one line: `seconds` is the median run, `per_sec` is `units`
 * per second, `runs_ms` lists the measured runs and `errors` every failed check. `fields(seconds)`
 * adds the workload's own figures; an `ok` or `errors` among them is combined with the runs'.
 *
 * @example
 * ```ts
 * reportRuns('fanout', n, 8 * n, timed, (s) => ({ unit: 'sink activations (8·N)', ns_per_activation: round((s * 1e9) / (8 * n), 1) }));
 * ```
 */
export function reportRuns(workload: string, n: number, units: number, timed: Timed, fields: (seconds: number) => Partial<BenchLine> = () => ({}), runsDigits = 1): void {
  const seconds = timed.median.ms / 1000;
  const { ok = true, errors = [], ...own } = fields(seconds);
  report({
    workload,
    n,
    seconds,
    per_sec: units / seconds,
    ok: timed.ok && ok,
    ...own,
    runs_ms: timed.results.map((r) => round(r.ms, runsDigits)),
    errors: [...timed.errors, ...errors],
  });
}

/** Reads `--name value` from the command line (numbers accept `_` and `e` notation: 1e6, 100_000). */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) return fallback;
  const value = Number(process.argv[i + 1].replace(/_/g, ''));
  if (!Number.isFinite(value)) throw new Error(`--${name} expects a number, got ${process.argv[i + 1]}`);
  return value;
}

/** Runs a workload's main and turns a crash into an `ok: false` line plus a non-zero exit. */
export function main(workload: string, body: () => Promise<void>): void {
  body().catch((error: unknown) => {
    process.stderr.write(`${workload}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    report({ workload, n: 0, seconds: 0, per_sec: 0, ok: false, errors: [String(error)] });
    process.exitCode = 1;
  });
}
