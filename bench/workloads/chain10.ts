/**
 * chain10: entry (`trigger`) emits `{ value: i }` for i in 0..N-1 on `out`; relays R1..R9 take
 * `in` and emit `value + 1`; R10 records instead of emitting. Unit: slot activations (10·N).
 * Sequential, default options (history on, default cap). Timed from `flow.start` until
 * `await job.wait()` resolved. The same chain in plain RxJS is timed in this process too, for
 * the `x_slower_than_rx` ratio.
 *
 *   tsx bench/workloads/chain10.ts --n 100000 [--runs 3] [--rx 0 to skip the RxJS floor]
 */
import { main, numberArg, report } from '../lib/report.js';
import { Checks, MemorySampler, median, nowMs, repeat, round, gc } from '../lib/measure.js';
import { chain10Flow, Tally } from '../lib/routines.js';
import { runRxChain10 } from '../lib/rx-chain.js';

const TARGET_PER_SEC = 1_000_000;
const TARGET_X_RX = 10;

main('chain10', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 3);
  const warmupN = Math.min(n, 100_000);
  const withRx = numberArg('rx', 1) !== 0;

  // The RxJS floor at the same N, in the same process, one run right after each measured flow
  // run: the machine is shared and its speed drifts, so the ratio compares like with like.
  const rxChecks = new Checks();
  const rxMs: number[] = [];
  if (withRx) runRxChain10(warmupN);

  const timed = await repeat(
    async (_i, warmup) => {
      const size = warmup ? warmupN : n;
      const { flow, sink } = chain10Flow();
      sink.tally = new Tally(size, 10);
      const checks = new Checks();
      const sampler = new MemorySampler().start();
      const t0 = nowMs();
      const job = flow.start('entry', { n: size });
      const state = await job.wait();
      const ms = nowMs() - t0;
      sampler.stop();
      checks.equal(state.status, 'completed', 'job status');
      for (const p of sink.tally.problems('r10')) checks.that(false, p);
      checks.equal(sink.tally.outOfOrder, 0, 'r10 out-of-order arrivals (sequential is FIFO)');
      checks.equal(state.getRoutineState('r10')?.activations, size, 'r10 activations in the job state');
      checks.equal(state.getRoutineState('r1')?.activations, size, 'r1 activations in the job state');
      checks.that(state.executionHistory.length <= flow.historyLimit, 'history stays within its cap');
      const result = checks.result(ms, { historyLength: state.executionHistory.length, peakHeap: sampler.peakHeapMb, peakRss: sampler.peakRssMb });
      if (withRx && !warmup) {
        gc();
        const r = runRxChain10(n);
        rxMs.push(r.ms);
        for (const p of r.tally.problems('rx sink')) rxChecks.that(false, p);
      }
      return result;
    },
    { warmup: 1, runs },
  );

  const activations = 10 * n;
  const seconds = timed.median.ms / 1000;
  const perSec = activations / seconds;
  const nsPerActivation = (timed.median.ms * 1e6) / activations;
  const rxNs = withRx ? (median(rxMs) * 1e6) / activations : NaN;
  const xRx = nsPerActivation / rxNs;
  report({
    workload: 'chain10',
    n,
    seconds,
    per_sec: perSec,
    ok: timed.ok && rxChecks.ok,
    unit: 'slot activations (10·N)',
    ns_per_activation: round(nsPerActivation, 1),
    rx_ns_per_activation: round(rxNs, 1),
    x_slower_than_rx: round(xRx, 2),
    runs_ms: timed.results.map((r) => round(r.ms, 1)),
    history_length: timed.median.historyLength,
    sampled_peak_heap_mb: round(Math.max(...timed.results.map((r) => r.peakHeap as number)), 1),
    sampled_peak_rss_mb: round(Math.max(...timed.results.map((r) => r.peakRss as number)), 1),
    target: `>= ${TARGET_PER_SEC.toLocaleString('en-US')} activations/s and <= ${TARGET_X_RX}x slower than rx_chain10${n >= 1_000_000 ? '; peak RSS < 250 MB at N=1,000,000' : ''}`,
    meets_target: perSec >= TARGET_PER_SEC && (!withRx || xRx <= TARGET_X_RX),
    errors: [...timed.errors, ...rxChecks.errors],
  });
});
