/**
 * emit_overhead: `routine.emit('out', { value: i })` on an event with nothing connected,
 * 2,000,000 times, outside any job (so the payload only goes to `event.asObservable()`, which
 * nobody watches). Per-emit µs, median of 3 after a warm-up.
 *
 *   tsx bench/workloads/emit-overhead.ts --n 2000000
 */
import { Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';

class Emitter extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
  }
}

main('emit_overhead', async () => {
  const n = numberArg('n', 2_000_000);
  const runs = numberArg('runs', 3);
  const routine = new Emitter();
  const timed = await repeat(
    async () => {
      const checks = new Checks();
      const before = routine.stats().emits as number;
      const t0 = nowMs();
      for (let i = 0; i < n; i++) routine.emit('out', { value: i });
      const ms = nowMs() - t0;
      checks.equal((routine.stats().emits as number) - before, n, 'emits counted in stats');
      return checks.result(ms);
    },
    { warmup: 1, runs },
  );
  reportRuns('emit_overhead', n, n, timed, (seconds) => ({
    unit: 'emits (outside a job, nothing connected)',
    per_emit_us: round((seconds * 1e6) / n, 4),
  }));
});
