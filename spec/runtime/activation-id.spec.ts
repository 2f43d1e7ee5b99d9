import { expect } from 'chai';
import { ErrorHandler, Flow, JobState, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler, until } from '../helpers/routines.js';

// Issue 15, point 4: ctx.activationId is `${jobId}/${seq}`, the same for every attempt of one
// activation, across pause/resume, and when a restored job runs it again in another flow.
describe('ctx.activationId', () => {
  it('is `${jobId}/${seq}`, distinct per activation of a job, kept as PendingTask.seq', async () => {
    const flow = new Flow();
    const ids: string[] = [];
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { ids.push(ctx.activationId); ctx.emit('out', {}); ctx.emit('out', {}); } }), 'src');
    flow.addRoutine(makeRoutine({ in: (_d: Payload, ctx) => void ids.push(ctx.activationId) }, []), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const state = await flow.execute('src', {}, { jobId: 'a1' });
    expect(ids).to.deep.equal(['a1/1', 'a1/2', 'a1/3']);
    expect(state.activationSeq).to.equal(3);
  });

  it('is the same for every retry of an activation', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 5 }) });
      const seen: Array<[string, number]> = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { seen.push([ctx.activationId, ctx.attempt]); if (ctx.attempt < 3) throw new Error('again'); } }), 'r');
      flow.start('r', {}, { jobId: 'rt' });
      flush();
      expect(seen).to.deep.equal([['rt/1', 1], ['rt/1', 2], ['rt/1', 3]]);
    });
  });

  it('is the same when a job restored from JSON in a fresh flow runs an interrupted activation again, and new ones never reuse a number', async () => {
    const build = (log: string[], hang: boolean) => {
      const flow = new Flow({ flowId: 'aid' });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { log.push(ctx.activationId); ctx.emit('out', { n: 1 }); ctx.emit('out', { n: 2 }); } }), 'src');
      flow.addRoutine(makeRoutine({ in: (_d: Payload, ctx: ExecutionContext) => { log.push(ctx.activationId); return hang ? new Promise(() => {}) : undefined; } }, []), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      return flow;
    };
    const first: string[] = [];
    const job = build(first, true).start('src', {}, { jobId: 'crash' });
    // Until the sink's first activation is in flight (a fixed 5 ms wait was too short on a loaded machine).
    await until(() => first.length === 2, 10_000, "the sink's first activation to start");
    const snapshot = JSON.stringify(job.state); // "the crash": sink's first activation in flight, the second queued
    expect(first).to.deep.equal(['crash/1', 'crash/2']);
    const again: string[] = [];
    const flow2 = build(again, false);
    const resumed = flow2.resume(JobState.fromJSON(snapshot));
    await resumed.wait();
    expect(again).to.deep.equal(['crash/2', 'crash/3']);
    await job.cancel();
  });

  it('outside a flow (Slot.receive) numbers the received payloads', () => {
    const ids: string[] = [];
    const r = makeRoutine({ in: (_d: Payload, ctx) => void ids.push(ctx.activationId) }, []);
    r.getSlot('in')!.receive({});
    r.getSlot('in')!.receive({});
    expect(ids).to.deep.equal(['receive/1', 'receive/2']);
  });
});

// Issue 15, point 9: a pause point's pendingCount equals its snapshot's pendingTasks.length.
describe('PausePoint.pendingCount', () => {
  it('counts what the paused snapshot lists, including emits of activations still running at the pause', async () => {
    const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { ctx.emit('out', { k: 'slow' }); ctx.emit('out', { k: 'a' }); } }), 'src');
    flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => (d.k === 'slow' ? gate.then(() => { ctx.emit('out', {}); ctx.emit('out', {}); ctx.emit('out', {}); }) : new Promise(() => {})) }), 'mid');
    flow.addRoutine(makeRoutine({ in: () => {} }, []), 'sink');
    flow.connect('src', 'out', 'mid', 'in');
    flow.connect('mid', 'out', 'sink', 'in');
    const job = flow.start('src', {});
    // Both mid activations running at the pause, then the slow one's three emits arrive after it
    // (conditions, not fixed 5 ms waits, which a loaded machine outlasts).
    await until(() => job.state.runningTasks.filter((t) => t.routineId === 'mid').length === 2, 10_000, 'both mid activations running');
    void job.pause('hold');
    release();
    await until(() => job.state.pendingTasks.length === 3, 10_000, 'the three emits of the slow activation parked');
    const state = job.state;
    expect(state.status).to.equal('paused');
    expect(state.pendingTasks).to.have.length(3);
    expect(state.pausePoints.at(-1)!.pendingCount).to.equal(state.pendingTasks.length);
    await job.cancel();
  });
});
