/**
 * io_concurrent: entry emits 100 values to one slot whose handler waits 10 ms
 * (`await new Promise(r => setTimeout(r, 10))`); concurrent strategy with `--workers` workers
 * (run.ts runs 10 and 1). Ideal: 100 values × 10 ms / workers. Elapsed is from `flow.start`
 * until `await job.wait()` resolved; `completion_lag_ms` is the time between the last handler
 * finishing and `wait()` resolving (Python needed polling: 345 ms).
 *
 *   tsx bench/workloads/io-concurrent.ts --workers 10
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { Entry } from '../lib/routines.js';

const MESSAGES = 100;
const WAIT_MS = 10;
const TOLERANCE = 0.15;

class SlowIO extends Routine {
  inFlight = 0;
  maxInFlight = 0;
  finished = 0;
  lastFinishedAt = 0;
  readonly seen = new Set<number>();
  constructor() {
    super();
    this.defineSlot<{ value: number }>('in', async (data) => {
      this.inFlight++;
      if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
      this.seen.add(data.value);
      this.inFlight--;
      this.finished++;
      this.lastFinishedAt = nowMs();
    });
  }
}

main('io_concurrent', async () => {
  const workers = numberArg('workers', 10);
  const runs = numberArg('runs', 3);
  const ideal = (MESSAGES * WAIT_MS) / workers;
  const timed = await repeat(
    async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: workers });
      flow.addRoutine(new Entry(), 'entry');
      const io = new SlowIO();
      flow.addRoutine(io, 'io');
      flow.connect('entry', 'out', 'io', 'in');
      const checks = new Checks();
      const t0 = nowMs();
      const state = await flow.start('entry', { n: MESSAGES }).wait();
      const t1 = nowMs();
      checks.equal(state.status, 'completed', 'job status');
      checks.equal(io.finished, MESSAGES, 'handlers finished');
      checks.equal(io.seen.size, MESSAGES, 'distinct values handled');
      checks.that(io.maxInFlight <= workers, `at most ${workers} handlers at once (saw ${io.maxInFlight})`);
      checks.equal(io.maxInFlight, Math.min(workers, MESSAGES), 'handlers in flight at the peak');
      return checks.result(t1 - t0, { lag: t1 - io.lastFinishedAt, maxInFlight: io.maxInFlight });
    },
    { warmup: 1, runs },
  );
  const ms = timed.median.ms;
  report({
    workload: 'io_concurrent',
    n: MESSAGES,
    seconds: ms / 1000,
    per_sec: MESSAGES / (ms / 1000),
    ok: timed.ok,
    unit: 'handlers (10 ms each)',
    max_workers: workers,
    elapsed_ms: round(ms, 1),
    ideal_ms: ideal,
    x_ideal: round(ms / ideal, 3),
    completion_lag_ms: round(timed.median.lag as number, 3),
    max_in_flight: timed.median.maxInFlight,
    runs_ms: timed.results.map((r) => round(r.ms, 1)),
    target: `within 15% of ideal (<= ${round(ideal * (1 + TOLERANCE), 1)} ms)`,
    meets_target: ms <= ideal * (1 + TOLERANCE),
    errors: timed.errors,
  });
});
