import { expect } from 'chai';
import { Flow, MemoryJobStore, Routine, registerRoutine, type Payload } from '../../lib/index.js';
import { until } from '../helpers/routines.js';

const deliveries: Array<{ flow: Flow; i: number }> = [];
const slowRuns: number[] = [];

/** Emits {i} for 1..n. */
class CpSource extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ n: number }>('trigger', (d) => {
      for (let i = 1; i <= d.n; i++) this.emit('out', { i });
    });
  }
}
registerRoutine('Review.CpSource', CpSource);

/** Async: waits 20 ms, then emits what it got. */
class CpSlow extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('in', async (d, ctx) => {
      slowRuns.push(d.i as number);
      await new Promise((r) => setTimeout(r, 20));
      ctx.emit('out', d);
    });
  }
}
registerRoutine('Review.CpSlow', CpSlow);

class CpSink extends Routine {
  constructor() {
    super();
    this.defineSlot('in', (d: Payload, ctx) => void deliveries.push({ flow: ctx.flow, i: d.i as number }));
  }
}
registerRoutine('Review.CpSink', CpSink);

function build(store: MemoryJobStore): Flow {
  const flow = new Flow({ flowId: 'review-cp', store, checkpoint: 'on-pause' });
  flow.addRoutine(new CpSource(), 'src');
  flow.addRoutine(new CpSlow(), 'slow');
  flow.addRoutine(new CpSink(), 'sink');
  flow.connect('src', 'out', 'slow', 'in');
  flow.connect('slow', 'out', 'sink', 'in');
  return flow;
}

describe("checkpoint 'on-pause' and the human-in-the-loop resume", () => {
  /**
   * Issue 5: "`on-pause` at every pause and settle"; "`flow.resume(state)` accepts a JobState from JSON in a freshly
   * built process ...: paused jobs continue exactly". DESIGN §2: `pause(...)` "resolves once in-flight work has settled".
   * The checkpoint of a paused job must be the quiescent paused state (what `pause()` resolves with): the activation
   * that was in flight at the pause call finished and its emission was queued. If the store keeps the snapshot from
   * the instant of the pause call, a resume from the store re-runs that finished activation (a duplicate) although
   * the process never crashed.
   */
  it('FAILS: the stored paused state equals what pause() resolved with; resume from the store runs each activation exactly once', async () => {
    deliveries.length = 0;
    slowRuns.length = 0;
    const store = new MemoryJobStore();
    const flow = build(store);
    const job = flow.start('src', { n: 3 }, { jobId: 'cp-1' });
    await until(() => slowRuns.includes(1), 10_000, 'slow(1) in flight'); // not a fixed 5 ms: a loaded machine is slower
    const paused = await job.pause('human review');
    await flow.checkpointsFlushed();
    expect(paused.runningTasks).to.deep.equal([]);
    const stored = (await store.load('cp-1'))!;
    expect(stored.status).to.equal('paused');
    expect(stored.runningTasks.map((t) => t.data)).to.deep.equal(paused.runningTasks.map((t) => t.data));
    expect(stored.pendingTasks.map((t) => [t.routineId, t.data])).to.deep.equal(paused.pendingTasks.map((t) => [t.routineId, t.data]));

    // "a freshly built process": a new flow resumes from the store
    const copy = build(new MemoryJobStore());
    const final = await copy.resume(stored).wait();
    expect(final.status).to.equal('completed');
    expect(deliveries.map((d) => d.i).sort()).to.deep.equal([1, 2, 3]);
    // no crash happened: the activation that finished before the pause settled must not run again
    expect(slowRuns.slice().sort()).to.deep.equal([1, 2, 3]);
  });
});
