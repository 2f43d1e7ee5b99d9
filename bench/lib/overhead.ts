import { Checks, gc, median, nowMs, round } from './measure.js';
import { chain10Flow, Tally } from './routines.js';
import type { Flow } from '../../lib/index.js';

/**
 * One variant of chain10 for {@link interleave}: a flow made once by `make` (chain10Flow, or
 * the validation bench's chain with slot schemas) and reused by every call, with `prepare`
 * applied before each job (instrumentation, an inspect$ subscription...) and its cleanup after
 * the job settled. Each call runs one job of `n` messages and returns the wall-clock ms from
 * `flow.start` until `job.wait()` resolved and the CPU ms this process spent meanwhile,
 * checking the result into `checks`.
 *
 * One flow per variant, as chain10 does (bench/workloads/chain10.ts): a new flow per run, after
 * the forced GC, made V8 drop and redo the optimized code of the previous run's flow, a cost
 * that varied from run to run and widened the spread of the per-round ratios.
 *
 * @example
 * ```ts
 * const instrumented = chain10Variant((flow) => instrumentFlow(flow).unsubscribe);
 * const timing = await instrumented(checks, 100_000);
 * ```
 */
export function chain10Variant(
  prepare?: (flow: Flow, checks: Checks) => (() => void) | void,
  make: () => { flow: Flow; sink: { tally: Tally } } = chain10Flow,
): (checks: Checks, n: number) => Promise<Timing> {
  let built: { flow: Flow; sink: { tally: Tally } } | undefined;
  return async (checks, n) => {
    const { flow, sink } = (built ??= make());
    sink.tally = new Tally(n, 10);
    const cleanup = prepare?.(flow, checks);
    gc();
    const c0 = process.cpuUsage();
    const t0 = nowMs();
    const state = await flow.start('entry', { n }).wait();
    const ms = nowMs() - t0;
    const cpu = process.cpuUsage(c0);
    cleanup?.();
    checks.equal(state.status, 'completed', 'job status');
    for (const p of sink.tally.problems('r10')) checks.that(false, p);
    checks.equal(state.getRoutineState('r10')?.activations, n, 'r10 activations');
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
}

/** Wall-clock and CPU ms (this process's user + system time) of one run. */
export interface Timing {
  ms: number;
  cpuMs: number;
}

/** How one variant compares with the plain run (variant 0). */
export interface Overhead {
  /**
   * The median over rounds of (variant CPU ms / plain CPU ms of the same round). CPU time,
   * because on a shared machine wall time also counts the time other processes held the
   * cores; the per-round ratio, because what drifts between rounds cancels.
   */
  xPlain: number;
  /**
   * The standard error of {@link Overhead.xPlain}: 1.253 · sd / √rounds of the per-round
   * ratios, so a reader can tell a 3 % target from the noise. With a new flow per run the
   * per-round ratios spread by 13–28 % (sd) and 21 rounds left an error of 3.5–6 %; with one
   * flow per variant, about 1 %.
   */
  seXPlain: number;
  /** The same ratio of wall-clock times. */
  xPlainWall: number;
  /** median(variant) / median(plain) of the CPU times, over all rounds. */
  xMedians: number;
  /** min(variant) / min(plain) of the CPU times: what the least disturbed runs say. */
  xMin: number;
  ms: number[];
  cpuMs: number[];
}

/**
 * Runs `variants.length` variants of a workload interleaved, on a shared machine whose speed
 * drifts: a warm-up of at least 1 s over all of them, then `rounds` rounds, each running every
 * variant once, the order rotated from round to round (so no variant always runs first after
 * the GC or last in a slow stretch). Returns the plain variant's (index 0) times and each other
 * variant's {@link Overhead}.
 *
 * @example
 * ```ts
 * const { plain, overheads } = await interleave([chain10Variant(), chain10Variant(instrument)], 15, 100_000, checks);
 * ```
 */
export async function interleave(
  variants: Array<(checks: Checks, n: number) => Promise<Timing>>,
  rounds: number,
  n: number,
  checks: Checks,
): Promise<{ plain: { ms: number[]; cpuMs: number[] }; overheads: Overhead[] }> {
  const warmN = Math.min(n, 50_000);
  const warmUntil = nowMs() + 1000;
  for (let i = 0; i < 2 || nowMs() < warmUntil; i++) for (const v of variants) await v(checks, warmN);
  const runs: Timing[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = (r + k) % variants.length;
      runs[v].push(await variants[v](checks, n));
    }
  }
  const plain = runs[0];
  const cpu = (ts: Timing[]): number[] => ts.map((t) => t.cpuMs);
  const overheads = runs.slice(1).map((own) => ({
    xPlain: round(median(own.map((t, r) => t.cpuMs / plain[r].cpuMs)), 3),
    seXPlain: round(standardErrorOfMedian(own.map((t, r) => t.cpuMs / plain[r].cpuMs)), 3),
    xPlainWall: round(median(own.map((t, r) => t.ms / plain[r].ms)), 3),
    xMedians: round(median(cpu(own)) / median(cpu(plain)), 3),
    xMin: round(Math.min(...cpu(own)) / Math.min(...cpu(plain)), 3),
    ms: own.map((t) => round(t.ms, 1)),
    cpuMs: own.map((t) => round(t.cpuMs, 1)),
  }));
  return { plain: { ms: plain.map((t) => round(t.ms, 1)), cpuMs: cpu(plain).map((t) => round(t, 1)) }, overheads };
}

/** 1.253 · sd / √n: the large-sample standard error of the median of `xs` (normal spread). */
function standardErrorOfMedian(xs: number[]): number {
  if (xs.length < 2) return NaN;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return (1.253 * sd) / Math.sqrt(xs.length);
}
