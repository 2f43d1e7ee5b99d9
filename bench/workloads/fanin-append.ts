/**
 * fanin_append: `kick` emits once to 8 sources; each emits N values into one aggregator slot
 * with merge strategy `append`; the handler checks the accumulated length (it never resets, so
 * activation k sees k values). Unit: aggregator activations (8·N). Sequential.
 *
 * Append hands every activation fresh frozen arrays (no shared live list), so activation k
 * copies k values: the work grows with N². `per_sec_at_quarter_n` shows that trend, and
 * `copy_floor_*` is that copying alone with no library (bench/lib/append-floor.ts), measured
 * in the same process right after: the best any implementation of the contract can do.
 *
 * With `--batch B` (reported as `fanin_append_batched`) the aggregator is the
 * usual batching pattern instead: it calls `ctx.resetSlot()` after every B values, so each
 * activation copies at most B values and the cost per activation stays flat.
 *
 *   tsx bench/workloads/fanin-append.ts --n 2500 [--batch 100]
 */
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, gc, median, nowMs, repeat, round } from '../lib/measure.js';
import { runAppendFloor } from '../lib/append-floor.js';

const SOURCES = 8;
/**
 * The targets (issue 21 re-set them): the contract makes `append` without resets O(N²), so it is
 * held to the copying alone (at most 1.1x the copy floor); the usual batching pattern to a rate.
 */
const MAX_X_COPY_FLOOR = 1.1;
const BATCHED_TARGET_PER_SEC = 2_000_000;

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

/** Checks the accumulated length on every activation; with a batch size, resets after each full batch. */
class Aggregator extends Routine {
  activations = 0;
  badLength = 0;
  /** Sum of the values of the batches handed over (batched mode). */
  batchedSum = 0;
  constructor(batch: number) {
    super();
    this.defineSlot<{ value: readonly number[] }>(
      'in',
      (data, ctx: ExecutionContext) => {
        this.activations++;
        const expected = batch === 0 ? this.activations : ((this.activations - 1) % batch) + 1;
        if (data.value.length !== expected) this.badLength++;
        if (batch !== 0 && expected === batch) {
          for (const v of data.value) this.batchedSum += v;
          ctx.resetSlot();
        }
      },
      { mergeStrategy: 'append' },
    );
  }
}

async function once(n: number, batch: number): Promise<{ ms: number; checks: Checks }> {
  const flow = new Flow();
  flow.addRoutine(new Kick(), 'kick');
  const agg = new Aggregator(batch);
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
  const left = batch === 0 ? SOURCES * n : (SOURCES * n) % batch;
  checks.equal(values.length, left, 'accumulated values in the final slot data');
  let sum = agg.batchedSum;
  for (const v of values) sum += v;
  checks.equal(sum, (SOURCES * n * (n - 1)) / 2, 'sum of the accumulated values');
  return { ms, checks };
}

main('fanin_append', async () => {
  const n = numberArg('n', 2_500);
  const runs = numberArg('runs', 3);
  const batch = numberArg('batch', 0);
  const timed = await repeat(
    async (_i, warmup) => {
      const r = await once(warmup ? Math.max(1, n >> 2) : n, batch);
      return r.checks.result(r.ms);
    },
    { warmup: 1, runs },
  );
  const quarter = await once(Math.max(1, n >> 2), batch);
  const units = SOURCES * n;
  const seconds = timed.median.ms / 1000;
  const perSec = units / seconds;
  // The contract's own cost, no library: a fresh frozen copy of everything so far per arrival.
  const floorMs: number[] = [];
  let floorBad = 0;
  if (batch === 0) {
    runAppendFloor(units);
    for (let i = 0; i < 3; i++) {
      gc();
      const f = runAppendFloor(units);
      floorMs.push(f.ms);
      floorBad += f.badLength;
    }
  }
  const floor = batch === 0 ? median(floorMs) : NaN;
  report({
    workload: batch === 0 ? 'fanin_append' : 'fanin_append_batched',
    n,
    seconds,
    per_sec: perSec,
    ok: timed.ok && quarter.checks.ok && floorBad === 0,
    unit: 'aggregator activations (8·N)',
    ...(batch === 0 ? {} : { reset_every: batch }),
    ns_per_activation: round((seconds * 1e9) / units, 1),
    per_sec_at_quarter_n: Math.round((SOURCES * Math.max(1, n >> 2)) / (quarter.ms / 1000)),
    runs_ms: timed.results.map((r) => round(r.ms, 1)),
    ...(batch === 0
      ? { copy_floor_ms: round(floor, 1), copy_floor_per_sec: Math.round(units / (floor / 1000)), x_of_copy_floor: round(timed.median.ms / floor, 2) }
      : {}),
    ...(batch === 0
      ? { target: `<= ${MAX_X_COPY_FLOOR}x the copy floor`, meets_target: timed.median.ms / floor <= MAX_X_COPY_FLOOR }
      : { target: '>= 2,000,000 activations/s', meets_target: perSec >= BATCHED_TARGET_PER_SEC }),
    errors: [...timed.errors, ...quarter.checks.errors, ...(floorBad > 0 ? [`copy floor: ${floorBad} wrong lengths`] : [])],
  });
});
