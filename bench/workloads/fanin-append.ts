/**
 * fanin_append: `kick` emits once to 8 sources; each emits N values into one aggregator slot
 * with merge strategy `append`; the handler checks the accumulated length (it never resets, so
 * activation k sees k values). Unit: aggregator activations (8·N). Sequential.
 *
 * Append hands every activation fresh frozen arrays (no shared live list), so activation k
 * copies k values: the work grows with N². `per_sec_at_quarter_n` shows that trend.
 *
 *   tsx bench/workloads/fanin-append.ts --n 2500
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';

const SOURCES = 8;
const TARGET_PER_SEC = 1_000_000;

class Kick extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ n: number }>('trigger', (data) => this.emit('out', { n: data.n }));
  }
}

class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ n: number }>('in', (data) => {
      for (let i = 0; i < data.n; i++) this.emit('out', { value: i });
    });
  }
}

class Aggregator extends Routine {
  activations = 0;
  badLength = 0;
  lastSum = 0;
  constructor() {
    super();
    this.defineSlot<{ value: readonly number[] }>(
      'in',
      (data) => {
        this.activations++;
        if (data.value.length !== this.activations) this.badLength++;
      },
      { mergeStrategy: 'append' },
    );
  }
}

async function once(n: number): Promise<{ ms: number; checks: Checks }> {
  const flow = new Flow();
  flow.addRoutine(new Kick(), 'kick');
  const agg = new Aggregator();
  flow.addRoutine(agg, 'agg');
  for (let k = 0; k < SOURCES; k++) {
    flow.addRoutine(new Source(), `src${k}`);
    flow.connect('kick', 'out', `src${k}`, 'in');
    flow.connect(`src${k}`, 'out', 'agg', 'in');
  }
  const checks = new Checks();
  const t0 = nowMs();
  const state = await flow.start('kick', { n }).wait();
  const ms = nowMs() - t0;
  checks.equal(state.status, 'completed', 'job status');
  checks.equal(agg.activations, SOURCES * n, 'aggregator activations');
  checks.equal(agg.badLength, 0, 'activations that saw a wrong accumulated length');
  const values = (state.slotData['agg.in']?.value ?? []) as readonly number[];
  checks.equal(values.length, SOURCES * n, 'accumulated values in the final slot data');
  let sum = 0;
  for (const v of values) sum += v;
  checks.equal(sum, (SOURCES * n * (n - 1)) / 2, 'sum of the accumulated values');
  return { ms, checks };
}

main('fanin_append', async () => {
  const n = numberArg('n', 2_500);
  const runs = numberArg('runs', 3);
  const timed = await repeat(
    async (_i, warmup) => {
      const r = await once(warmup ? Math.max(1, n >> 2) : n);
      return r.checks.result(r.ms);
    },
    { warmup: 1, runs },
  );
  const quarter = await once(Math.max(1, n >> 2));
  const units = SOURCES * n;
  const seconds = timed.median.ms / 1000;
  report({
    workload: 'fanin_append',
    n,
    seconds,
    per_sec: units / seconds,
    ok: timed.ok && quarter.checks.ok,
    unit: 'aggregator activations (8·N)',
    ns_per_activation: round((seconds * 1e9) / units, 1),
    per_sec_at_quarter_n: Math.round((SOURCES * Math.max(1, n >> 2)) / (quarter.ms / 1000)),
    runs_ms: timed.results.map((r) => round(r.ms, 1)),
    target: '>= 1,000,000 activations/s',
    meets_target: units / seconds >= TARGET_PER_SEC,
    errors: [...timed.errors, ...quarter.checks.errors],
  });
});
