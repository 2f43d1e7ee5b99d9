/**
 * emit_in_flow: one handler, inside a running job, emits 2,000,000 times on an event with
 * nothing connected; history is recorded with its default cap (10,000). Per-emit µs is the
 * handler's loop; RSS and heap growth are measured from just before the job to just after the
 * loop (and what is still held after the job and a GC). Python: 15.2 µs per emit, +181 MB for
 * 200k emits.
 *
 *   tsx bench/workloads/emit-in-flow.ts --n 2000000
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, gc, heapUsedMb, nowMs, repeat, rssMb, round } from '../lib/measure.js';

const TARGET_US = 1;

class Emitter extends Routine {
  loopMs = 0;
  rssAfterLoop = 0;
  heapAfterLoop = 0;
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ n: number }>('trigger', (data) => {
      const t0 = nowMs();
      for (let i = 0; i < data.n; i++) this.emit('out', { value: i });
      this.loopMs = nowMs() - t0;
      this.rssAfterLoop = rssMb();
      this.heapAfterLoop = heapUsedMb();
    });
  }
}

main('emit_in_flow', async () => {
  const n = numberArg('n', 2_000_000);
  const runs = numberArg('runs', 3);
  const timed = await repeat(
    async (_i, warmup) => {
      const size = warmup ? Math.min(n, 200_000) : n;
      const flow = new Flow();
      const routine = new Emitter();
      flow.addRoutine(routine, 'emitter');
      const checks = new Checks();
      gc();
      const rss0 = rssMb();
      const heap0 = heapUsedMb();
      const t0 = nowMs();
      const state = await flow.start('emitter', { n: size }).wait();
      const jobMs = nowMs() - t0;
      gc();
      checks.equal(state.status, 'completed', 'job status');
      checks.equal(routine.stats().emits, size, 'emits counted in stats');
      checks.equal(state.executionHistory.length, Math.min(size + 1, flow.historyLimit), 'history length (capped)');
      const lastRecord = state.executionHistory[state.executionHistory.length - 1];
      checks.equal((lastRecord?.data as { value?: number } | undefined)?.value, size - 1, 'newest history entry is the last emit');
      return checks.result(routine.loopMs, {
        jobMs,
        rssGrowth: routine.rssAfterLoop - rss0,
        heapGrowth: routine.heapAfterLoop - heap0,
        rssRetained: rssMb() - rss0,
        heapRetained: heapUsedMb() - heap0,
      });
    },
    { warmup: 1, runs },
  );
  const m = timed.median;
  const us = (m.ms * 1e3) / n;
  reportRuns('emit_in_flow', n, n, timed, () => ({
    unit: 'emits (inside a job, nothing connected, history on)',
    per_emit_us: round(us, 4),
    job_ms: round(m.jobMs as number, 1),
    rss_growth_mb: round(Math.max(...timed.results.map((r) => r.rssGrowth as number)), 1),
    heap_growth_mb: round(Math.max(...timed.results.map((r) => r.heapGrowth as number)), 1),
    heap_retained_after_job_mb: round(m.heapRetained as number, 1),
    target: `< ${TARGET_US} µs per emit`,
    meets_target: us < TARGET_US,
  }));
});
