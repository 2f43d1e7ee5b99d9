/**
 * batch_100: `entry` emits N values `{ value: i }` into a slot with `{ batch: { size: 100 } }`;
 * its handler gets `{ items }` of 100 (the last batch, the remainder, when the job runs out of
 * work) and records every item. Unit: input payloads (N): every one is an activation that goes
 * through the batch's per-job state; N / 100 of them fire the handler. Sequential, default
 * options. Timed from `flow.start` until `await job.wait()`.
 *
 *   tsx bench/workloads/batch-100.ts --n 1000000
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { Entry, Tally } from '../lib/routines.js';

const TARGET_PER_SEC = 1_000_000;
const SIZE = 100;

class Batched extends Routine {
  tally = new Tally(0, 0);
  batches = 0;
  oversized = 0;
  constructor() {
    super();
    this.defineSlot<{ value: number }>(
      'in',
      (data) => {
        const items = data.items;
        this.batches++;
        if (items.length > SIZE) this.oversized++;
        for (let i = 0; i < items.length; i++) this.tally.add(items[i].value);
      },
      { batch: { size: SIZE } },
    );
  }
}

main('batch_100', async () => {
  const n = numberArg('n', 1_000_000);
  const runs = numberArg('runs', 3);
  const timed = await repeat(
    async (_i, warmup) => {
      const size = warmup ? Math.min(n, 100_000) : n;
      const flow = new Flow();
      flow.addRoutine(new Entry(), 'entry');
      const batched = new Batched();
      batched.tally = new Tally(size, 0);
      flow.addRoutine(batched, 'batch');
      flow.connect('entry', 'out', 'batch', 'in');
      const checks = new Checks();
      const t0 = nowMs();
      const state = await flow.start('entry', { n: size }).wait();
      const ms = nowMs() - t0;
      checks.equal(state.status, 'completed', 'job status');
      checks.equal(batched.batches, Math.ceil(size / SIZE), 'handler calls');
      checks.equal(batched.oversized, 0, 'batches over the size');
      batched.tally.problems('batch').forEach((p) => checks.that(false, p));
      return checks.result(ms);
    },
    { warmup: 1, runs },
  );
  reportRuns('batch_100', n, n, timed, (seconds) => ({
    unit: 'input payloads (N) through a batch of 100',
    ns_per_input: round((seconds * 1e9) / n, 1),
    target: '>= 1,000,000 input payloads/s',
    meets_target: n / seconds >= TARGET_PER_SEC,
  }));
});
