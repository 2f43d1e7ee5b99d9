import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { Flow, Batcher, Debouncer, Throttler, ConfigurationError, type Payload } from '../../lib/index.js';
import { marbleJob } from '../../lib/testing/index.js';

function newScheduler(): TestScheduler {
  return new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
}

const v = (n: number): Payload => ({ data: n });

describe('Batcher (marble)', () => {
  it('size: emits full batches, then the remainder before the job settles', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(new Batcher({ size: 2 }), 'b');
      const m = marbleJob(flow, { inputs: { 'b.input': cold('a-b-c|', { a: v(1), b: v(2), c: v(3) }) } });
      expectObservable(m.output('b', 'output')).toBe('--x--(y|)', { x: { items: [1, 2], count: 2 }, y: { items: [3], count: 1 } });
    });
  });

  it('windowMs: emits what arrived when the window closes; empty windows emit nothing', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(new Batcher({ windowMs: 10 }), 'b');
      const m = marbleJob(flow, { inputs: { 'b.input': cold('a-b 30ms c---|', { a: v(1), b: v(2), c: v(3) }) } });
      expectObservable(m.output('b', 'output')).toBe('10ms x 26ms (y|)', { x: { items: [1, 2], count: 2 }, y: { items: [3], count: 1 } });
    });
  });

  it('size and windowMs: whichever comes first', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(new Batcher({ size: 2, windowMs: 10 }), 'b');
      const m = marbleJob(flow, { inputs: { 'b.input': cold('ab-c 20ms |', { a: v(1), b: v(2), c: v(3) }) } });
      expectObservable(m.output('b', 'output')).toBe('-x 9ms y 12ms |', { x: { items: [1, 2], count: 2 }, y: { items: [3], count: 1 } });
    });
  });

  it('starts a flow through its trigger slot and rejects bad config at setConfig', async () => {
    const flow = new Flow();
    flow.addRoutine(new Batcher({ size: 5 }), 'b');
    const job = flow.start('b', { data: 'only' });
    const state = await job.wait();
    expect(state.status).to.equal('completed');
    expect(state.getExecutionHistory('b').filter((r) => r.eventName === 'output').map((r) => r.data)).to.deep.equal([{ items: ['only'], count: 1 }]);
    expect(() => new Batcher({ size: 0 })).to.throw(ConfigurationError, /size/);
    expect(() => new Batcher().setConfig({ windowMs: -1 })).to.throw(ConfigurationError, /windowMs/);
  });
});

describe('Debouncer (marble)', () => {
  it('emits the last payload after dueTime of quiet', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(new Debouncer({ dueTime: 5 }), 'd');
      const m = marbleJob(flow, { inputs: { 'd.input': cold('ab 10ms c 10ms |', { a: v(1), b: v(2), c: v(3) }) } });
      expectObservable(m.output('d', 'output')).toBe('------b 10ms c 5ms |', { b: v(2), c: v(3) }); // b at 1+5, c at 12+5
    });
  });

  it('rejects a non-positive dueTime', () => {
    expect(() => new Debouncer({ dueTime: 0 })).to.throw(ConfigurationError, /dueTime/);
  });
});

describe('Throttler (marble)', () => {
  it('emits the first payload of each window', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(new Throttler({ duration: 5 }), 't');
      const m = marbleJob(flow, { inputs: { 't.input': cold('ab-c--de|', { a: v(1), b: v(2), c: v(3), d: v(4), e: v(5) }) } });
      expectObservable(m.output('t', 'output')).toBe('a-----d-|', { a: v(1), d: v(4) });
    });
  });

  it('round-trips through flow JSON with its config', () => {
    const flow = new Flow({ flowId: 'timed' });
    flow.addRoutine(new Throttler({ duration: 7 }), 't');
    flow.addRoutine(new Batcher({ size: 3 }), 'b');
    flow.addRoutine(new Debouncer({ dueTime: 9 }), 'd');
    flow.connect('t', 'output', 'b', 'input');
    flow.connect('b', 'output', 'd', 'input');
    const copy = Flow.fromJSON(JSON.stringify(flow));
    expect(copy.getRoutine('t')).to.be.instanceOf(Throttler);
    expect(copy.getRoutine('b')!.config()).to.deep.equal({ size: 3 });
    expect(copy.getRoutine('d')!.getConfig('dueTime')).to.equal(9);
    expect(copy.toJSON()).to.deep.equal(flow.toJSON());
  });
});
