/**
 * Timing and memory helpers shared by the workloads. Every workload runs in its own process
 * (see bench/run.ts), so process-wide figures such as peak RSS belong to one workload.
 */

/** Wall-clock milliseconds (monotonic). */
export function nowMs(): number {
  return performance.now();
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a full GC when the process was started with --expose-gc (bench/run.ts does that). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
}

/** Resident set size now, in MB. */
export function rssMb(): number {
  return process.memoryUsage.rss() / (1024 * 1024);
}

/** V8 heap in use now, in MB. */
export function heapUsedMb(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

/** Peak resident set size of this process so far (the kernel's maxrss), in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Rounds to `digits` decimals (for readable JSON). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** What one measured run returns: elapsed ms plus whatever the workload wants to keep. */
export interface RunResult {
  ms: number;
  ok: boolean;
  errors: string[];
  [extra: string]: unknown;
}

/**
 * Runs at least `warmup` unmeasured runs, and more (up to 20) until `minWarmupMs` have passed,
 * then `runs` measured ones (GC before each), and returns the measured results plus the run
 * whose time is the median. Every run (warm-up included) must be correct for the figure to
 * count. The time floor is there because on this VM a process started right after a CPU burst
 * (the runner's tsc) or an idle spell ran up to 2x slower for its first second.
 *
 * `gc: false` leaves out the forced full GCs, for workloads whose runs are short and whose work
 * is mostly long-lived library code (BullMQ, ioredis): after two forced full GCs such a run
 * starts partly cold again, the way a worker that runs for hours never is. Measured on
 * dist_chain10 (2026-12-01, same build, one process each): raw BullMQ's chain ran 7,350-8,230
 * activations/s with the GCs and 15,270-17,510 without; routilux's Tier 2 3,130-3,450 and
 * 4,760-5,020. A larger young generation (`--min-semi-space-size=16`) did not undo it, so it is
 * not the young generation's size that the GC reset.
 */
export async function repeat(
  run: (index: number, warmup: boolean) => Promise<RunResult>,
  options: { warmup?: number; runs?: number; minWarmupMs?: number; gc?: boolean } = {},
): Promise<{ results: RunResult[]; median: RunResult; ok: boolean; errors: string[] }> {
  const collect = options.gc ?? true;
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 3;
  const warmUntil = nowMs() + (options.minWarmupMs ?? 1000);
  const errors: string[] = [];
  for (let i = 0; i < warmup || (i < 20 && nowMs() < warmUntil); i++) {
    if (collect) gc();
    const r = await run(i, true);
    if (!r.ok) errors.push(...r.errors.map((e) => `warm-up ${i}: ${e}`));
  }
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    if (collect) gc();
    const r = await run(i, false);
    if (!r.ok) errors.push(...r.errors.map((e) => `run ${i}: ${e}`));
    results.push(r);
  }
  const m = median(results.map((r) => r.ms));
  const med = results.reduce((best, r) => (Math.abs(r.ms - m) < Math.abs(best.ms - m) ? r : best), results[0]);
  return { results, median: med, ok: errors.length === 0, errors };
}

/** Collects failed checks; a workload reports `ok: checks.ok` so a figure is never for a broken run. */
export class Checks {
  readonly errors: string[] = [];

  /** Records `message` unless `condition` holds. */
  that(condition: boolean, message: string): void {
    if (!condition) this.errors.push(message);
  }

  /** Records a mismatch unless `actual === expected`. */
  equal(actual: unknown, expected: unknown, what: string): void {
    if (actual !== expected) this.errors.push(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** The run result for `repeat`. */
  result(ms: number, extra: Record<string, unknown> = {}): RunResult {
    return { ...extra, ms, ok: this.ok, errors: this.errors.slice(0, 10) };
  }
}

/**
 * Samples RSS and V8 heap every `intervalMs` while started (it needs the event loop, which the
 * flow's dispatcher yields to every few ms). For where the memory goes; `peakRssMb()` is the
 * authoritative peak.
 */
export class MemorySampler {
  peakRssMb = 0;
  peakHeapMb = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  start(intervalMs = 5): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  stop(): this {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this;
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.peakRssMb = Math.max(this.peakRssMb, m.rss / (1024 * 1024));
    this.peakHeapMb = Math.max(this.peakHeapMb, m.heapUsed / (1024 * 1024));
  }
}
