import { expect } from 'chai';
import { ConfigurationError, Flow, JobState, Routine, registerRoutine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler, until } from '../helpers/routines.js';

/** Batches `value`s by 3 with the append + resetSlot pattern; the flush emits the tail. */
class Batch3 extends Routine {
  constructor() {
    super();
    this.defineEvent('batch');
    this.defineSlot(
      'in',
      (data, ctx) => {
        const values = data.value as unknown[];
        if (values.length === 3) {
          ctx.emit('batch', { items: values });
          ctx.resetSlot();
        }
      },
      { mergeStrategy: 'append' },
    );
    this.defineFlush((ctx: ExecutionContext) => {
      const tail = ctx.jobState.slotData[`${this.id}.in`]?.value as unknown[] | undefined;
      if (tail !== undefined && tail.length > 0) ctx.emit('batch', { items: tail });
    });
  }
}
registerRoutine('Batch3ForFlushSpec', Batch3);

function batchFlow(scheduler?: ReturnType<typeof newTestScheduler>) {
  const flow = new Flow({ flowId: 'flush', ...(scheduler ? { scheduler } : {}) });
  const got: unknown[][] = [];
  flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx) => { for (const v of d.values as number[]) ctx.emit('out', { value: v }); } }), 'src');
  flow.addRoutine(new Batch3(), 'batch');
  flow.addRoutine(makeRoutine({ in: (d: Payload) => void got.push(d.items as unknown[]) }, []), 'sink');
  flow.connect('src', 'out', 'batch', 'in');
  flow.connect('batch', 'batch', 'sink', 'in');
  return { flow, got };
}

// Issue 15, point 8: the append + resetSlot aggregator strands no tail.
describe('Routine.defineFlush', () => {
  it('flushes the partial batch before the job settles: 8 values give [0,1,2] [3,4,5] [6,7]', async () => {
    const { flow, got } = batchFlow();
    const state = await flow.execute('src', { values: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(state.status).to.equal('completed');
    expect(got).to.deep.equal([[0, 1, 2], [3, 4, 5], [6, 7]]);
    expect(state.flushDue).to.deep.equal([]);
  });

  it('runs once per idle point for routines activated since their last flush; a flush that emits restarts work', async () => {
    const order: string[] = [];
    const flow = new Flow();
    const a = new Routine();
    a.defineEvent('out');
    a.defineSlot('trigger', () => void order.push('a'));
    a.defineFlush((ctx) => { order.push('flush a'); if (ctx.attempt === 1 && !order.includes('b')) ctx.emit('out', {}); });
    const b = new Routine();
    b.defineSlot('in', () => void order.push('b'));
    b.defineFlush(() => void order.push('flush b'));
    flow.addRoutine(a, 'a');
    flow.addRoutine(b, 'b');
    flow.connect('a', 'out', 'b', 'in');
    await flow.execute('a', {});
    expect(order).to.deep.equal(['a', 'flush a', 'b', 'flush b']);
  });

  it('a routine not activated in the job is not flushed, and a flush merges nothing into slot data', async () => {
    const { flow, got } = batchFlow();
    const state = await flow.execute('src', { values: [] });
    expect(got).to.deep.equal([]);
    expect(Object.keys(state.slotData)).to.deep.equal(['src.trigger']);
  });

  it('is marble-exact in virtual time', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, got } = batchFlow(scheduler);
      const job = flow.start('src', { values: [1, 2, 3, 4] });
      flush();
      expect(got).to.deep.equal([[1, 2, 3], [4]]);
      expect(job.state.status).to.equal('completed');
    });
  });

  it('a due flush survives a pause and a restore from JSON in a fresh flow', async () => {
    const { flow } = batchFlow();
    const job = flow.open({ jobId: 'f1' });
    job.send('batch', 'in', { value: 1 });
    job.send('batch', 'in', { value: 2 });
    // Both taken before the pause (a fixed 5 ms wait was too short on a loaded machine).
    await until(() => job.state.getRoutineState('batch')?.activations === 2, 10_000, 'both values taken');
    await job.pause('save');
    const saved = JSON.stringify(job.state);
    expect(JSON.parse(saved).flushDue).to.deep.equal(['batch']);
    await job.cancel();
    const other = batchFlow();
    const again = other.flow.resume(JobState.fromJSON(saved));
    again.close();
    expect((await again.wait()).status).to.equal('completed');
    expect(other.got).to.deep.equal([[1, 2]]);
  });

  it('refuses a non-function and the reserved slot name', () => {
    expect(() => new Routine().defineFlush(42 as never)).to.throw(ConfigurationError);
    expect(() => new Routine().defineSlot('$flush')).to.throw(ConfigurationError, 'reserved');
  });
});

// Issue 15, point 5: ctx.pause from inside a handler.
describe('ctx.pause', () => {
  it('pauses the job from its handler; the handler runs on; resume goes on from there', async () => {
    const flow = new Flow();
    const seen: string[] = [];
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { void ctx.pause('ask a human', { q: 1 }); seen.push('after pause'); ctx.emit('out', {}); } }), 'a');
    flow.addRoutine(makeRoutine({ in: () => void seen.push('b') }, []), 'b');
    flow.connect('a', 'out', 'b', 'in');
    const job = flow.start('a', {});
    const paused = await job.wait();
    expect(paused.status).to.equal('paused');
    expect(paused.pausePoints.at(-1)).to.deep.include({ reason: 'ask a human', checkpoint: { q: 1 } });
    expect(job.state.pendingTasks).to.have.length(1); // the emit after the pause, parked
    expect(job.state.pausePoints.at(-1)!.pendingCount).to.equal(1);
    expect(seen).to.deep.equal(['after pause']);
    job.resume();
    expect((await job.wait()).status).to.equal('completed');
    expect(seen).to.deep.equal(['after pause', 'b']);
  });

  it('outside a job (Slot.receive) rejects with ConfigurationError', async () => {
    let error: unknown;
    const r = makeRoutine({ in: (_d: Payload, ctx) => void ctx.pause().catch((e: unknown) => (error = e)) }, []);
    r.getSlot('in')!.receive({});
    await until(() => error !== undefined, 10_000, 'ctx.pause() to reject');
    expect(error).to.be.instanceOf(ConfigurationError);
  });
});
