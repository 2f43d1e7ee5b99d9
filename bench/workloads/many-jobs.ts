/**
 * many_jobs: 10,000 small jobs (a 3-routine chain each: a → b → c) started on one flow at once,
 * all awaited. Unit: jobs. Checks every job completed with its own result and the flow keeps no
 * settled job.
 *
 *   tsx bench/workloads/many-jobs.ts --n 10000
 */
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, reportRuns } from '../lib/report.js';
import { Checks, nowMs, repeat, round } from '../lib/measure.js';
import { Relay } from '../lib/routines.js';

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
  const timed = await repeat(
    async (_i, warmup) => {
      const size = warmup ? Math.min(n, 2_000) : n;
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
    },
    { warmup: 1, runs },
  );
  reportRuns('many_jobs', n, n, timed, (seconds) => ({
    unit: 'jobs (3 activations each)',
    us_per_job: round((seconds * 1e6) / n, 2),
  }));
});
