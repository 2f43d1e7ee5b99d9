/**
 * fanout: entry emits N values on `out`, connected to `in` of 8 sinks. Unit: sink activations
 * (8·N). Sequential, default options. Timed from `flow.start` until `await job.wait()`.
 *
 *   tsx bench/workloads/fanout.ts --n 250000
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { Entry, Tally } from '../lib/routines.js';

const SINKS = 8;
const TARGET_PER_SEC = 1_000_000;

class Sink extends Routine {
  tally = new Tally(0, 0);
  constructor() {
    super();
    this.defineSlot<{ value: number }>('in', (data) => this.tally.add(data.value));
  }
}

main('fanout', async () => {
  const n = numberArg('n', 250_000);
  const runs = numberArg('runs', 3);
  const timed = await repeat(
    async (_i, warmup) => {
      const size = warmup ? Math.min(n, 50_000) : n;
      const flow = new Flow();
      flow.addRoutine(new Entry(), 'entry');
      const sinks: Sink[] = [];
      for (let k = 0; k < SINKS; k++) {
        const sink = new Sink();
        sink.tally = new Tally(size, 0);
        sinks.push(sink);
        flow.addRoutine(sink, `sink${k}`);
        flow.connect('entry', 'out', `sink${k}`, 'in');
      }
      const checks = new Checks();
      const t0 = nowMs();
      const state = await flow.start('entry', { n: size }).wait();
      const ms = nowMs() - t0;
      checks.equal(state.status, 'completed', 'job status');
      sinks.forEach((s, k) => s.tally.problems(`sink${k}`).forEach((p) => checks.that(false, p)));
      return checks.result(ms);
    },
    { warmup: 1, runs },
  );
  const units = SINKS * n;
  reportRuns('fanout', n, units, timed, (seconds) => ({
    unit: 'sink activations (8·N)',
    ns_per_activation: round((seconds * 1e9) / units, 1),
    target: '>= 1,000,000 activations/s',
    meets_target: units / seconds >= TARGET_PER_SEC,
  }));
});
