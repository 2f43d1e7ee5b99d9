/**
 * join_pairs: `entry` emits N pairs, `{ value: i }` on `left` then on `right`, into a routine
 * whose two slots feed a zip join (`defineJoin('pair', ['left', 'right'], ...)`); the join's
 * handler records each pair, checking both sides carry the same `i` (zip pairs oldest first).
 * Unit: input payloads (2·N): every one is an activation that goes through the join's per-job
 * state; N of them fire the handler. Sequential, default options. Timed from `flow.start` until
 * `await job.wait()`.
 *
 * With `--blocks`, all N lefts are emitted before the N rights: the join holds N payloads.
 *
 *   tsx bench/workloads/join-pairs.ts --n 500000 [--blocks]
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { Tally } from '../lib/routines.js';

const TARGET_PER_SEC = 1_000_000;

class Pairs extends Routine {
  constructor(blocks: boolean) {
    super();
    this.defineEvent('left', ['value']);
    this.defineEvent('right', ['value']);
    this.defineSlot<{ n: number }>('trigger', (data) => {
      if (blocks) {
        for (let i = 0; i < data.n; i++) this.emit('left', { value: i });
        for (let i = 0; i < data.n; i++) this.emit('right', { value: i });
        return;
      }
      for (let i = 0; i < data.n; i++) {
        this.emit('left', { value: i });
        this.emit('right', { value: i });
      }
    });
  }
}

class Joined extends Routine {
  tally = new Tally(0, 0);
  mismatched = 0;
  constructor() {
    super();
    this.defineJoin('pair', ['left', 'right'], (data) => {
      const left = (data.left as { value: number }).value;
      if ((data.right as { value: number }).value !== left) this.mismatched++;
      this.tally.add(left);
    });
  }
}

main('join_pairs', async () => {
  const n = numberArg('n', 500_000);
  const runs = numberArg('runs', 3);
  const blocks = process.argv.includes('--blocks');
  const timed = await repeat(
    async (_i, warmup) => {
      const size = warmup ? Math.min(n, 50_000) : n;
      const flow = new Flow();
      flow.addRoutine(new Pairs(blocks), 'entry');
      const joined = new Joined();
      joined.tally = new Tally(size, 0);
      flow.addRoutine(joined, 'join');
      flow.connect('entry', 'left', 'join', 'left');
      flow.connect('entry', 'right', 'join', 'right');
      const checks = new Checks();
      const t0 = nowMs();
      const state = await flow.start('entry', { n: size }).wait();
      const ms = nowMs() - t0;
      checks.equal(state.status, 'completed', 'job status');
      checks.equal(joined.mismatched, 0, 'pairs whose sides differ');
      checks.equal(state.executionHistory.filter((h) => h.eventName === 'join-incomplete').length, 0, 'join-incomplete records');
      joined.tally.problems('join').forEach((p) => checks.that(false, p));
      return checks.result(ms);
    },
    { warmup: 1, runs },
  );
  const units = 2 * n;
  reportRuns('join_pairs', n, units, timed, (seconds) => ({
    unit: 'input payloads (2·N) through a 2-slot zip join',
    ...(blocks ? { order: 'all lefts, then all rights' } : { order: 'left, right, left, ...' }),
    ns_per_input: round((seconds * 1e9) / units, 1),
    target: '>= 1,000,000 input payloads/s',
    meets_target: units / seconds >= TARGET_PER_SEC,
  }));
});
