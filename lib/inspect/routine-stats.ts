import type { InspectRecord } from '../core/inspect-records.js';

/** One routine's figures. @example `stats.snapshot().find((s) => s.routineId === 'price')?.p95Ms` */
export interface RoutineFigures {
  readonly routineId: string;
  /** Attempts that ended (retries included). */
  readonly activations: number;
  /** Attempts that failed, whatever the error policy did next. */
  readonly failures: number;
  readonly meanMs: number;
  /** The 95th percentile (nearest rank) of the newest `sampleSize` durations. */
  readonly p95Ms: number;
  /** Attempts running now. */
  readonly running: number;
}

/**
 * Per-routine activations, failures, mean and p95 duration, from `flow.inspect$` records
 * (`activation-start` / `activation-end`, all jobs). The mean covers every attempt; the p95
 * the newest `sampleSize` (default 1,024), so memory stays bounded however long it watches.
 *
 * @example
 * ```ts
 * const stats = new RoutineStats();
 * flow.inspect$.subscribe((r) => stats.record(r));
 * stats.snapshot(); // [{ routineId: 'price', activations: 200, failures: 3, meanMs: 1.2, p95Ms: 4, running: 0 }]
 * ```
 */
export class RoutineStats {
  private readonly routines = new Map<string, { count: number; failures: number; totalMs: number; samples: number[]; next: number; running: number }>();
  /** Bumped by every record that changed a figure (a page polls cheaply). */
  version = 0;

  constructor(private readonly sampleSize = 1024) {}

  record(r: InspectRecord): void {
    if (r.type !== 'activation-start' && r.type !== 'activation-end') return;
    let s = this.routines.get(r.routineId);
    if (s === undefined) this.routines.set(r.routineId, (s = { count: 0, failures: 0, totalMs: 0, samples: [], next: 0, running: 0 }));
    this.version++;
    if (r.type === 'activation-start') {
      s.running++;
      return;
    }
    s.running = Math.max(0, s.running - 1);
    s.count++;
    if (r.outcome === 'failed') s.failures++;
    s.totalMs += r.durationMs;
    if (s.samples.length < this.sampleSize) s.samples.push(r.durationMs);
    else s.samples[s.next] = r.durationMs;
    s.next = (s.next + 1) % this.sampleSize;
  }

  snapshot(): RoutineFigures[] {
    return [...this.routines].map(([routineId, s]) => ({
      routineId,
      activations: s.count,
      failures: s.failures,
      meanMs: s.count === 0 ? 0 : s.totalMs / s.count,
      p95Ms: percentile(s.samples, 0.95),
      running: s.running,
    }));
  }
}

/** Nearest-rank percentile (0 for no samples). @example `percentile([1, 2, 3, 4], 0.5) // 2` */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
