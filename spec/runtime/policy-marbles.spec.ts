import { expect } from 'chai';
import { bufferCount, filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Flow, Routine, registerActivationPolicy, type Payload, type SlotOptions } from '../../lib/index.js';
import { marbleJob } from '../../lib/testing/index.js';

// Issue 19: joins, batches, windows and custom policies fire at exact frames of the flow's
// scheduler, so marble tests see them. Inputs are fed with job.input (marbleJob), so a job
// stays open until its inputs complete: only then is it idle.

function newScheduler(): TestScheduler {
  return new TestScheduler((a, b) => void expect(a).to.deep.equal(b));
}

const v = (n: number): Payload => ({ v: n });

/** A routine `p` whose slot `in` has `options` and emits `{ values }` of the batch it gets. */
function batching(flow: Flow, options: SlotOptions): void {
  const r = new Routine();
  r.defineEvent('out');
  r.defineSlot('in', (data, ctx) => ctx.emit('out', { values: (data.items as Payload[]).map((p) => p.v) }), options);
  flow.addRoutine(r, 'p');
}

/** A routine `j` joining `left` and `right` in `mode`, emitting `{ l, r }` of each fire. */
function joining(flow: Flow, mode: 'zip' | 'latest'): void {
  const r = new Routine();
  r.defineEvent('out');
  r.defineJoin('pair', ['left', 'right'], (data, ctx) => ctx.emit('out', { l: (data.left as Payload).v, r: (data.right as Payload).v }), { mode });
  flow.addRoutine(r, 'j');
}

describe('activation policies (marble)', () => {
  it('zip join: fires once both sides have an unconsumed payload, pairing them oldest first', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      joining(flow, 'zip');
      const m = marbleJob(flow, {
        inputs: { 'j.left': cold('ab---c|', { a: v(1), b: v(2), c: v(3) }), 'j.right': cold('---x----y--z|', { x: v(10), y: v(20), z: v(30) }) },
      });
      // 1 waits for x (frame 3); 2 for y (8); 3 for z (11).
      expectObservable(m.output('j', 'out')).toBe('---a----b--c|', { a: { l: 1, r: 10 }, b: { l: 2, r: 20 }, c: { l: 3, r: 30 } });
    });
  });

  it('a zip join left waiting: the job completes with a join-incomplete record at the frame it runs out of work', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      joining(flow, 'zip');
      const m = marbleJob(flow, { inputs: { 'j.left': cold('ab|', { a: v(1), b: v(2) }), 'j.right': cold('-x---|', { x: v(10) }) } });
      const records = m.emissions$.pipe(filter((e) => e.kind !== 'emit'), map((e) => ({ kind: e.kind, data: e.data })));
      const waiting = { join: 'pair', mode: 'zip', waiting: { left: [v(2)], right: [] }, missing: ['right'] };
      expectObservable(records).toBe('-----(w|)', { w: { kind: 'join-incomplete', data: waiting } });
      expectObservable(m.output('j', 'out')).toBe('-a---|', { a: { l: 1, r: 10 } });
    });
  });

  it('latest join: once both sides were heard, every arrival fires with the latest of each', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      joining(flow, 'latest');
      const m = marbleJob(flow, { inputs: { 'j.left': cold('a---b|', { a: v(1), b: v(2) }), 'j.right': cold('--x---y|', { x: v(10), y: v(20) }) } });
      expectObservable(m.output('j', 'out')).toBe('--a-b-c|', { a: { l: 1, r: 10 }, b: { l: 2, r: 10 }, c: { l: 2, r: 20 } });
    });
  });

  it('batch by size: a full batch fires at the arrival that fills it; the remainder when the job runs out of work', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      batching(flow, { batch: { size: 2 } });
      const m = marbleJob(flow, { inputs: { 'p.in': cold('abcde|', { a: v(1), b: v(2), c: v(3), d: v(4), e: v(5) }) } });
      expectObservable(m.output('p', 'out')).toBe('-x-y-(z|)', { x: { values: [1, 2] }, y: { values: [3, 4] }, z: { values: [5] } });
    });
  });

  it('batch by maxWait: a batch fires maxWait after its first item', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      batching(flow, { batch: { size: 10, maxWait: 5 } });
      const m = marbleJob(flow, { inputs: { 'p.in': cold('ab 10ms c 10ms |', { a: v(1), b: v(2), c: v(3) }) } });
      // [1, 2] at 0 + 5; 3 arrives at 12 and opens the next batch: 12 + 5.
      expectObservable(m.output('p', 'out')).toBe('-----x 11ms y 5ms |', { x: { values: [1, 2] }, y: { values: [3] } });
    });
  });

  it('batch at idle: what a batch holds fires when the job has no other work, and a pending timer does not hold the job', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      batching(flow, { batch: { maxWait: 1000 } });
      const m = marbleJob(flow, { inputs: { 'p.in': cold('ab|', { a: v(1), b: v(2) }) } });
      expectObservable(m.output('p', 'out')).toBe('--(x|)', { x: { values: [1, 2] } });
      expectObservable(m.status$).toBe('r-(c|)', { r: 'running', c: 'completed' });
    });
  });

  it('a batch behind an operator routine fires its remainder once, after the operator handed over its own', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(Routine.fromOperator(bufferCount(2)), 'pairs');
      batching(flow, { batch: { size: 10 } });
      flow.connect('pairs', 'output', 'p', 'in', { value: 'v' });
      const m = marbleJob(flow, { inputs: { 'pairs.input': cold('abcde|', { a: v(1), b: v(2), c: v(3), d: v(4), e: v(5) }) } });
      // bufferCount's tail [5] reaches the batch when the job runs out of work; the batch then fires once.
      expectObservable(m.output('p', 'out')).toBe('-----(x|)', { x: { values: [[v(1), v(2)], [v(3), v(4)], [v(5)]] } });
    });
  });

  it('a batch behind a routine with a flush handler fires its remainder once, after the flush emitted', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      const tail = new Routine();
      tail.defineEvent('out');
      tail.defineSlot('in', (d, ctx) => ctx.emit('out', d));
      tail.defineFlush((ctx) => ctx.emit('out', { v: 'end' }));
      flow.addRoutine(tail, 'tail');
      batching(flow, { batch: { size: 10 } });
      flow.connect('tail', 'out', 'p', 'in');
      const m = marbleJob(flow, { inputs: { 'tail.in': cold('ab|', { a: v(1), b: v(2) }) } });
      expectObservable(m.output('p', 'out')).toBe('--(x|)', { x: { values: [1, 2, 'end'] } });
    });
  });

  it('window: one activation per non-empty window; windows follow each other while payloads keep coming', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      batching(flow, { window: 10 });
      // a at 0 opens [0, 10); b (13) and c (17) fall in [10, 20); [20, 30) stays empty and ends the run;
      // d (45) opens [45, 55), which closes early, when the input completes at 50.
      const m = marbleJob(flow, { inputs: { 'p.in': cold('a 12ms b 3ms c 27ms d 4ms |', { a: v(1), b: v(2), c: v(3), d: v(4) }) } });
      expectObservable(m.output('p', 'out')).toBe('10ms x 9ms y 29ms (z|)', { x: { values: [1] }, y: { values: [2, 3] }, z: { values: [4] } });
    });
  });

  it('window across pauses: time the job spends paused does not count', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      batching(flow, { window: 10 });
      // a opens a window at 0 with 10 ms to go; the job is paused from 4 to 40 (6 ms left), so
      // the window closes at 46 and holds b, which arrived (parked) during the pause.
      const m = marbleJob(flow, { inputs: { 'p.in': cold('a 19ms b 39ms |', { a: v(1), b: v(2) }) } });
      ts.schedule(() => void m.job.pause('look'), 4);
      ts.schedule(() => void m.job.resume(), 40);
      expectObservable(m.output('p', 'out')).toBe('46ms x 13ms |', { x: { values: [1, 2] } });
      expectObservable(m.status$).toBe('r---p 35ms r 19ms (c|)', { r: 'running', p: 'paused', c: 'completed' });
    });
  });

  it('batch maxWait across pauses: the batch fires maxWait of running time after its first item', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      batching(flow, { batch: { maxWait: 8 } });
      const m = marbleJob(flow, { inputs: { 'p.in': cold('a 29ms |', { a: v(1) }) } });
      ts.schedule(() => void m.job.pause('look'), 3); // 5 ms left
      ts.schedule(() => void m.job.resume(), 20);
      expectObservable(m.output('p', 'out')).toBe('25ms x 4ms |', { x: { values: [1] } });
    });
  });

  it('custom policy: fires what the registered function decides, with its state kept per job', () => {
    registerActivationPolicy('spec.sumTo10', (state, incoming) => {
      const sum = ((state.sum as number | undefined) ?? 0) + (incoming.v as number);
      return sum >= 10 ? { state: {}, fire: { sum } } : { state: { sum } };
    });
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      const r = new Routine();
      r.defineEvent('out');
      r.defineSlot('in', (data, ctx) => ctx.emit('out', data), { activation: 'spec.sumTo10' });
      flow.addRoutine(r, 'c');
      const m = marbleJob(flow, { inputs: { 'c.in': cold('a-b-c-d-e|', { a: v(3), b: v(4), c: v(5), d: v(1), e: v(9) }) } });
      expectObservable(m.output('c', 'out')).toBe('----x---y|', { x: { sum: 12 }, y: { sum: 10 } });
    });
  });
});
