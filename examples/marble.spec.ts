/**
 * A marble-tested flow: copy this spec into your project as a starting point.
 * (`npm test` runs it; it uses only the public entry points.)
 *
 * The flow: `fetch` takes 10 frames per request (it returns a `timer`, so it runs in virtual
 * time), retries a failure after 5 frames, and `format` turns results into lines. Three jobs
 * share the flow's two workers.
 */
import { expect } from 'chai';
import { timer, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Flow, Routine, ErrorHandler, type Payload } from 'routilux';
import { marbleJob } from 'routilux/testing';

class Fetch extends Routine {
  constructor(private readonly failFirst: Set<number>) {
    super();
    this.defineEvent('out', ['id', 'body']);
    this.defineSlot<{ id: number }>('trigger', ({ id }, ctx) =>
      timer(10).pipe(
        map(() => {
          if (this.failFirst.has(id) && ctx.attempt === 1) throw new Error(`flaky ${id}`);
          ctx.emit('out', { id, body: `item ${id}` });
        }),
      ),
    );
    this.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 5, maxRetries: 2 }));
  }
}

class Format extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['line']);
    this.defineSlot<{ id: number; body: string }>('in', ({ id, body }, ctx) => ctx.emit('out', { line: `#${id}: ${body}` }));
  }
}

function buildFlow(scheduler: TestScheduler, failFirst: number[] = []): Flow {
  const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 2 });
  flow.addRoutine(new Fetch(new Set(failFirst)), 'fetch');
  flow.addRoutine(new Format(), 'format');
  flow.connect('fetch', 'out', 'format', 'in');
  return flow;
}

describe('example: marble-testing a flow', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('one request: output after 10 frames, then the job completes', () => {
    testScheduler.run(({ expectObservable }) => {
      const m = marbleJob(buildFlow(testScheduler), { entry: 'fetch', params: { id: 1 } });
      expectObservable(m.output('format', 'out')).toBe('10ms (a|)', { a: { line: '#1: item 1' } });
      expectObservable(m.status$).toBe('(pr) 6ms (c|)', { p: 'pending', r: 'running', c: 'completed' });
    });
  });

  it('a flaky request is retried after 5 frames', () => {
    testScheduler.run(({ expectObservable }) => {
      const m = marbleJob(buildFlow(testScheduler, [1]), { entry: 'fetch', params: { id: 1 } });
      // attempt 1: frames 0-10 (fails), wait 5, attempt 2: frames 15-25
      expectObservable(m.output('format', 'out')).toBe('25ms (a|)', { a: { line: '#1: item 1' } });
    });
  });

  it('three jobs share two workers: the third starts when a worker frees up', () => {
    testScheduler.run(({ expectObservable }) => {
      const flow = buildFlow(testScheduler);
      const jobs = [1, 2, 3].map((id) => marbleJob(flow, { entry: 'fetch', params: { id } }));
      const line = (id: number): Payload => ({ line: `#${id}: item ${id}` });
      expectObservable(jobs[0].output('format', 'out')).toBe('10ms (a|)', { a: line(1) });
      expectObservable(jobs[1].output('format', 'out')).toBe('10ms (a|)', { a: line(2) });
      expectObservable(jobs[2].output('format', 'out')).toBe('20ms (a|)', { a: line(3) });
    });
  });
});
