/**
 * many_jobs: 10,000 small jobs (a 3-routine chain each: a → b → c) started on one flow at once,
 * all awaited. Unit: jobs. Checks every job completed with its own result and the flow keeps no
 * settled job.
 *
 * Memory: after the timed runs the flow is warm; the heap is GC'd to a baseline, one more run
 * of N jobs is made and released, and the heap is GC'd again (a few times, with event-loop
 * turns between, so nothing waits on a pending turn): `heap_retained_mb` is what the flow kept
 * of those N jobs, and must be within 1 MB.
 *
 *   tsx bench/workloads/many-jobs.ts --n 10000
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, gc, heapUsedMb, nowMs, repeat, round, type RunResult } from '../lib/measure.js';
import { Relay } from '../lib/routines.js';

const TARGET_PER_SEC = 100_000;
const RETAINED_TARGET_MB = 1;

class Start extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ x: number }>('trigger', (data) => this.emit('out', { value: data.x }));
  }
}

class Collect extends Routine {
  results: Float64Array = new Float64Array(0);
  count = 0;
  constructor() {
    super();
    this.defineSlot<{ value: number }>('in', (data) => {
      this.count++;
      this.results[data.value - 1] = data.value + 1; // value arrives as x + 1
    });
  }
}

/** A full GC, then a few event-loop turns and GCs, so whatever waits for a turn has let go. */
async function settledHeapMb(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  gc();
  return heapUsedMb();
}

main('many_jobs', async () => {
  const n = numberArg('n', 10_000);
  const runs = numberArg('runs', 3);
  const flow = new Flow();
  flow.addRoutine(new Start(), 'a');
  flow.addRoutine(new Relay(), 'b');
  const c = new Collect();
  flow.addRoutine(c, 'c');
  flow.connect('a', 'out', 'b', 'in');
  flow.connect('b', 'out', 'c', 'in');
  const run = async (size: number): Promise<RunResult> => {
    c.results = new Float64Array(size);
    c.count = 0;
    const checks = new Checks();
    const t0 = nowMs();
    const jobs = [];
    for (let i = 0; i < size; i++) jobs.push(flow.start('a', { x: i }));
    const states = await Promise.all(jobs.map((j) => j.wait()));
    const ms = nowMs() - t0;
    checks.equal(states.filter((s) => s.status === 'completed').length, size, 'completed jobs');
    checks.equal(new Set(states.map((s) => s.jobId)).size, size, 'distinct job ids');
    checks.equal(c.count, size, 'results delivered');
    let wrong = 0;
    for (let i = 0; i < size; i++) if (c.results[i] !== i + 2) wrong++;
    checks.equal(wrong, 0, 'jobs with a wrong result');
    checks.equal(states[size - 1].getRoutineState('c')?.activations, 1, "last job's own c activations");
    checks.equal(flow.jobIds().length, 0, 'live jobs left on the flow');
    return checks.result(ms);
  };
  const timed = await repeat((_i, warmup) => run(warmup ? Math.min(n, 2_000) : n), { warmup: 1, runs });

  // Memory: a baseline of the warm flow, one more run of N jobs, released, and the heap again.
  c.results = new Float64Array(0);
  const baseline = await settledHeapMb();
  const memoryRun = await run(n);
  c.results = new Float64Array(0);
  const after = await settledHeapMb();
  const retained = after - baseline;
  const retainedOk = retained <= RETAINED_TARGET_MB;

  reportRuns('many_jobs', n, n, timed, (seconds) => ({
    unit: 'jobs (3 activations each)',
    us_per_job: round((seconds * 1e6) / n, 2),
    target: '>= 100,000 jobs/s; heap within 1 MB of baseline after GC',
    meets_target: n / seconds >= TARGET_PER_SEC && retainedOk,
    meets_speed_target: n / seconds >= TARGET_PER_SEC,
    heap_baseline_mb: round(baseline, 2),
    heap_after_gc_mb: round(after, 2),
    heap_retained_mb: round(retained, 3),
    meets_memory_target: retainedOk,
    ok: memoryRun.ok,
    errors: memoryRun.errors.map((e) => `memory run: ${e}`),
  }));
});
