import { expect } from 'chai';
import { Flow, JobState, MemoryJobStore, Routine } from '../../lib/index.js';
import { until } from '../helpers/routines.js';

/**
 * A library bug found while making the suite robust on slow machines (spec/rx/through-flow's
 * unsubscribe spec waited on `runningTasks`, which never showed the activation): skipped here
 * because the fix belongs in lib/, outside that work.
 *
 * When a job is watched (`state$` or `job.observe(...)` subscribed), `activate()` in
 * lib/runtime/activation.ts calls `job.change('run')` for the job's first activation; `change()`
 * takes a snapshot at once for the watchers, and only then does `activate()` count the
 * activation (`run.activations++`, `markRun`) and add it to `work.inflight`, neither of which
 * bumps `job.version`. `JobObservers.snapshot()` caches by version, so `job.state` and every
 * checkpoint keep returning the snapshot taken before the activation started until something
 * else marks the job (an emit, the activation's end). An unwatched job takes no snapshot in
 * `change()` and is right.
 *
 * Effect: while a watched job's first activation is in flight, `job.state` lists it neither
 * as running nor as pending, and with `checkpoint: 'always'` the stored state does not either;
 * a process that crashes then leaves a state whose resume completes without ever running that
 * activation again (lost work, not at-least-once).
 */
describe('a watched job while its first activation is in flight (library bug, skipped)', () => {
  function build(store: MemoryJobStore, hang: boolean, runs: string[]): Flow {
    const flow = new Flow({ flowId: 'watched', store, checkpoint: 'always', owner: 'one-worker' });
    const r = new Routine();
    r.defineSlot('trigger', () => {
      runs.push('run');
      return hang ? new Promise<void>(() => {}) : undefined;
    });
    flow.addRoutine(r, 'r');
    return flow;
  }

  // FAILS today: runningTasks is [] and the routine state is missing while watched (both right unwatched).
  it.skip('job.state lists the in-flight activation as running, as it does for an unwatched job', async () => {
    const store = new MemoryJobStore();
    const runs: string[] = [];
    const job = build(store, true, runs).start('r', {}, { jobId: 'j' });
    job.state$.subscribe();
    await until(() => runs.length === 1, 10_000, 'the activation to start');
    expect(job.state.runningTasks.map((t) => `${t.routineId}.${t.slotName}`)).to.deep.equal(['r.trigger']);
    expect(job.state.getRoutineState('r')?.activations).to.equal(1);
    await job.cancel();
  });

  // FAILS today: the stored state lists no task, and the resumed job completes with 0 runs.
  it.skip('a crash while it is in flight loses nothing: the resumed job runs it again', async () => {
    const store = new MemoryJobStore();
    const first: string[] = [];
    const flow = build(store, true, first);
    const job = flow.start('r', {}, { jobId: 'j' });
    job.state$.subscribe();
    await until(() => first.length === 1, 10_000, 'the activation to start');
    await flow.checkpointsFlushed();
    const crashed = JSON.stringify(await store.load('j')); // the process dies here
    const again: string[] = [];
    const end = await build(new MemoryJobStore(), false, again).resume(JobState.fromJSON(crashed)).wait();
    expect(end.status).to.equal('completed');
    expect(again, 'the interrupted activation runs again').to.deep.equal(['run']);
    await job.cancel();
  });
});
