import { expect } from 'chai';
import { bufferCount, debounceTime, delay, scan, map, throwError, mergeMap, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Flow, Routine, ErrorStrategy, type Payload } from '../../lib/index.js';
import { marbleJob } from '../../lib/testing/index.js';

function newScheduler(): TestScheduler {
  return new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
}

class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ n: number }>('trigger', (d, ctx) => {
      for (let i = 1; i <= d.n; i++) ctx.emit('out', { i });
    });
  }
}

class Collect extends Routine {
  readonly got: unknown[] = [];
  constructor() {
    super();
    this.defineSlot('in', (d) => {
      this.got.push(d);
    });
  }
}

function pipeline(op: Routine, n: number, scheduler?: TestScheduler): { flow: Flow; sink: Collect } {
  const flow = new Flow(scheduler ? { scheduler } : {});
  const sink = new Collect();
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(op, 'op');
  flow.addRoutine(sink, 'sink');
  flow.connect('src', 'out', 'op', 'input');
  flow.connect('op', 'output', 'sink', 'in');
  return { flow, sink };
}

describe('Routine.fromOperator', () => {
  it('wraps non-object outputs as { value } and flushes a bufferCount remainder before settling', async () => {
    const { flow, sink } = pipeline(Routine.fromOperator(bufferCount(3)), 7);
    const state = await flow.execute('src', { n: 7 });
    expect(state.status).to.equal('completed');
    expect(sink.got).to.deep.equal([
      { value: [{ i: 1 }, { i: 2 }, { i: 3 }] },
      { value: [{ i: 4 }, { i: 5 }, { i: 6 }] },
      { value: [{ i: 7 }] },
    ]);
  });

  it('passes plain-object outputs through as payloads', async () => {
    const op = Routine.fromOperator(scan((acc: Payload, p: Payload) => ({ sum: (acc.sum as number) + (p.i as number) }), { sum: 0 }));
    const { flow, sink } = pipeline(op, 4);
    await flow.execute('src', { n: 4 });
    expect(sink.got).to.deep.equal([{ sum: 1 }, { sum: 3 }, { sum: 6 }, { sum: 10 }]);
  });

  it('keeps operator state per job: two concurrent jobs never mix buffers', async () => {
    const { flow, sink } = pipeline(Routine.fromOperator(bufferCount(2)), 0);
    await Promise.all([flow.execute('src', { n: 3 }), flow.execute('src', { n: 3 })]);
    const batches = sink.got.map((p) => ((p as { value: Payload[] }).value).map((x) => x.i));
    expect(batches).to.have.deep.members([[1, 2], [3], [1, 2], [3]]);
  });

  it('honours custom slot and event names', async () => {
    const op = Routine.fromOperator(map((p: Payload) => ({ twice: (p.i as number) * 2 })), { slot: 'x', event: 'y' });
    const flow = new Flow();
    const sink = new Collect();
    flow.addRoutine(new Source(), 'src');
    flow.addRoutine(op, 'op');
    flow.addRoutine(sink, 'sink');
    flow.connect('src', 'out', 'op', 'x');
    flow.connect('op', 'y', 'sink', 'in');
    await flow.execute('src', { n: 2 });
    expect(sink.got).to.deep.equal([{ twice: 2 }, { twice: 4 }]);
  });

  it('debounceTime: the last value flushes when the job has no other work (virtual time)', () => {
    const ts = newScheduler();
    ts.run(({ expectObservable }) => {
      const { flow } = pipeline(Routine.fromOperator(debounceTime(50)), 3);
      const m = marbleJob(flow, { entry: 'src', params: { n: 3 } });
      expectObservable(m.output('op', 'output')).toBe('(a|)', { a: { i: 3 } });
    });
  });

  it('debounceTime in an open job fed over time emits after the quiet period', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(Routine.fromOperator(debounceTime(5)), 'op');
      const m = marbleJob(flow, { inputs: { 'op.input': cold<Payload>('a-b--------c---|', { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } }) } });
      expectObservable(m.output('op', 'output')).toBe('-------b-------(c|)', { b: { v: 2 }, c: { v: 3 } });
    });
  });

  it('delay holds the job open until its values are out', () => {
    const ts = newScheduler();
    ts.run(({ expectObservable }) => {
      const { flow } = pipeline(Routine.fromOperator(delay(20)), 2);
      const m = marbleJob(flow, { entry: 'src', params: { n: 2 } });
      expectObservable(m.output('op', 'output')).toBe('20ms (ab|)', { a: { i: 1 }, b: { i: 2 } });
      expectObservable(m.status$).toBe('(pr) 16ms (c|)', { p: 'pending', r: 'running', c: 'completed' });
    });
  });

  it('an operator error goes through the routine error policy', async () => {
    const failing = () => Routine.fromOperator(mergeMap((p: Payload) => ((p.i as number) === 2 ? throwError(() => new RangeError('two')) : of(p))));
    const stop = pipeline(failing(), 3);
    const failed = await stop.flow.execute('src', { n: 3 });
    expect(failed.status).to.equal('failed');
    expect(failed.error).to.deep.include({ name: 'RangeError', message: 'two', routineId: 'op' });

    const op = failing();
    op.setAsOptional(ErrorStrategy.CONTINUE);
    const cont = pipeline(op, 3);
    const ok = await cont.flow.execute('src', { n: 3 });
    expect(ok.status).to.equal('completed');
    // the failed payload's activation is recorded; the next payload gets a fresh operator
    expect(ok.getRoutineState('op')).to.deep.include({ status: 'completed', errors: 1, activations: 3 });
    expect(ok.getExecutionHistory('op').filter((r) => r.eventName === 'error').map((r) => r.data.errorName)).to.deep.equal(['RangeError']);
    expect(cont.sink.got).to.deep.equal([{ i: 1 }, { i: 3 }]);
  });
});
