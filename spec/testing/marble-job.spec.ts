import { expect } from 'chai';
import { timer, map, catchError, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigurationError, Flow, Routine, type Payload } from '../../lib/index.js';
import { marbleJob, createTestScheduler } from '../../lib/testing/index.js';

class Double extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ v: number }>('in', (d, ctx) => ctx.emit('out', { v: d.v * 2 }));
  }
}

/** Takes `ms` of virtual time per message, then emits. */
class Slow extends Routine {
  constructor(ms: number) {
    super();
    this.defineEvent('out');
    this.defineSlot<{ v: number }>('in', (d, ctx) => timer(ms).pipe(map(() => ctx.emit('out', { v: d.v }))));
  }
}

function newScheduler(): TestScheduler {
  return new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
}

describe('routilux/testing marbleJob', () => {
  it('feeds marble inputs into an open job and records outputs at their frames', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      flow.addRoutine(new Double(), 'double');
      const m = marbleJob(flow, { inputs: { 'double.in': cold<Payload>('a-b--c|', { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } }) } });
      expectObservable(m.output('double', 'out')).toBe('a-b--c|', { a: { v: 2 }, b: { v: 4 }, c: { v: 6 } });
      expectObservable(m.status$).toBe('r-----(c|)', { r: 'running', c: 'completed' });
    });
  });

  it('runs a started job whose handlers take virtual time, sequentially', () => {
    const ts = newScheduler();
    ts.run(({ expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      class Src extends Routine {
        constructor() {
          super();
          this.defineEvent('out');
          this.defineSlot('trigger', (_d, ctx) => {
            for (let v = 1; v <= 3; v++) ctx.emit('out', { v });
          });
        }
      }
      flow.addRoutine(new Src(), 'src');
      flow.addRoutine(new Slow(10), 'slow');
      flow.connect('src', 'out', 'slow', 'in');
      const m = marbleJob(flow, { entry: 'src' });
      // one worker: each activation takes 10 frames, one after another
      expectObservable(m.output('slow', 'out')).toBe('10ms a 9ms b 9ms (c|)', { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } });
    });
  });

  it('reports a failed job as an error of its output streams', () => {
    const ts = newScheduler();
    ts.run(({ expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      class Boom extends Routine {
        constructor() {
          super();
          this.defineEvent('out');
          this.defineSlot('trigger', () => timer(5).pipe(map(() => { throw new TypeError('bad'); })));
        }
      }
      flow.addRoutine(new Boom(), 'boom');
      const m = marbleJob(flow, { entry: 'boom', jobId: 'j1' });
      expectObservable(m.status$).toBe('(pr)-(f|)', { p: 'pending', r: 'running', f: 'failed' });
      const ended = m.output('boom', 'out').pipe(catchError((e: Error) => of({ error: e.name, message: e.message })));
      expectObservable(ended).toBe('-----(e|)', { e: { error: 'JobFailedStreamError', message: "job 'j1' failed: TypeError: bad" } });
    });
  });

  it('createTestScheduler asserts with deepStrictEqual by default', () => {
    const ts = createTestScheduler();
    expect(() => ts.run(({ cold, expectObservable }) => expectObservable(cold('a|')).toBe('b|'))).to.throw();
  });

  // Issue 16: the recording starts before the job does, so its start record is kept.
  it('records the job start record on emissions$, at frame 0', () => {
    const ts = newScheduler();
    ts.run(({ expectObservable }) => {
      const flow = new Flow({ scheduler: ts });
      const r = new Routine();
      r.defineSlot('trigger', () => {});
      flow.addRoutine(r, 'r');
      const m = marbleJob(flow, { entry: 'r', params: { n: 1 }, jobId: 'mj' });
      expectObservable(m.emissions$).toBe('(s|)', { s: { kind: 'start', jobId: 'mj', routineId: 'r', eventName: 'start', data: { n: 1 }, timestamp: 0 } });
    });
  });

  it('an unknown entry throws and leaves nothing subscribed', () => {
    const flow = new Flow();
    expect(() => marbleJob(flow, { entry: 'nope' })).to.throw(ConfigurationError);
    expect(flow._emissionsObserved()).to.equal(false);
  });
});
