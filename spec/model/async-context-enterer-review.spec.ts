import { expect } from 'chai';
import { AsyncResource } from 'node:async_hooks';
import { Observable, Subject } from 'rxjs';
import { Flow, Routine, type Payload } from '../../lib/index.js';
import { installNodeAsyncContext } from '../../lib/node/index.js';
import { currentContext } from '../../lib/model/current-context.js';

/**
 * Review of the per-kind enterer (lib/node/async-context.ts): an enterer is shared by every
 * resource of one kind (its prototype). When the dispatcher's loop itself runs in an
 * `AsyncResource` scope and another flow's loop runs, from another `AsyncResource` scope, at a
 * point of the loop that is not inside a handler (runActivation re-fetches only after its own
 * handler), the loop's enterer is left pointing at the other scope.
 */
describe('the async context when another loop of the same resource kind runs outside a handler', () => {
  before(() => installNodeAsyncContext()); // what loading routilux in Node does

  /** Flow b, with one activation in flight until `release` completes. */
  async function waitingFlow(): Promise<{ release: Subject<void>; job: ReturnType<Flow['start']> }> {
    const release = new Subject<void>();
    const b = new Flow();
    const waiter = new Routine();
    waiter.defineSlot('trigger', () => release.asObservable());
    b.addRoutine(waiter, 'w');
    const job = b.start('w', {});
    await new Promise((resolve) => setImmediate(resolve));
    return { release, job };
  }

  /** Flow a: a gate routine in flight (sequential: later tasks queue behind it), a source, a sink. */
  function sourceFlow(nest: () => unknown) {
    const gate = new Subject<void>();
    class Source extends Routine {
      constructor() {
        super();
        this.defineEvent('out', ['job']);
        this.defineSlot<{ kind: string; id: string }>('trigger', (d) => {
          if (d.kind === 'gate') return gate.asObservable();
          if (d.kind === 'nest') return nest() as Observable<unknown> | void;
          return Promise.resolve().then(() => this.emit('out', { job: d.id }));
        });
      }
    }
    const seen: Array<{ job: string; in: string }> = [];
    const sink = new Routine();
    sink.defineSlot('in', (data: Payload, ctx) => void seen.push({ job: (data as { job: string }).job, in: ctx.jobId }));
    const a = new Flow();
    a.addRoutine(new Source(), 'src');
    a.addRoutine(sink, 'sink');
    a.connect('src', 'out', 'sink', 'in');
    return { a, gate, seen };
  }

  it('an emit after a promise goes to its job when the loop runs in an AsyncResource and a nested loop ran in an observable the handler returned', async () => {
    const b = await waitingFlow();
    const { a, gate, seen } = sourceFlow(
      () =>
        new Observable<never>((subscriber) => {
          // Subscribed by the loop (not inside the handler): flow b's loop runs here, in another AsyncResource.
          new AsyncResource('nested').runInAsyncScope(() => b.release.complete());
          subscriber.complete();
        }),
    );
    const gateJob = a.start('src', { kind: 'gate', id: 'g' });
    await new Promise((resolve) => setImmediate(resolve)); // the gate's activation is in flight
    const first = a.start('src', { kind: 'nest', id: '1' });
    const second = a.start('src', { kind: 'emit', id: '2' });
    // Settling the gate in an AsyncResource scope runs flow a's loop here, synchronously.
    new AsyncResource('outer').runInAsyncScope(() => gate.complete());
    const states = await Promise.all([gateJob.wait(), first.wait(), second.wait(), b.job.wait()]);
    expect(states.map((s) => s.status)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
    expect(seen).to.deep.equal([{ job: '2', in: second.jobId }]);
  });

  it('an emit after a promise goes to its job when a nested loop ran from an inspect$ subscriber before the handler', async () => {
    const b = await waitingFlow();
    const { a, gate, seen } = sourceFlow(() => undefined);
    const sub = a.inspect$.subscribe((r) => {
      // activation-start of the emitting activation: flow b's loop runs before its handler, in another AsyncResource.
      if (r.type === 'activation-start' && r.routineId === 'src' && !b.release.closed && started.has(r.jobId)) {
        new AsyncResource('nested').runInAsyncScope(() => b.release.complete());
      }
    });
    const started = new Set<string>();
    const gateJob = a.start('src', { kind: 'gate', id: 'g' });
    await new Promise((resolve) => setImmediate(resolve));
    const second = a.start('src', { kind: 'emit', id: '2' });
    started.add(second.jobId);
    new AsyncResource('outer').runInAsyncScope(() => gate.complete());
    const states = await Promise.all([gateJob.wait(), second.wait(), b.job.wait()]);
    sub.unsubscribe();
    expect(states.map((s) => s.status)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(seen).to.deep.equal([{ job: '2', in: second.jobId }]);
  });

  it('the same, with the loop run from a queueMicrotask callback (an AsyncResource too)', async () => {
    const b = await waitingFlow();
    const { a, gate, seen } = sourceFlow(
      () =>
        new Observable<never>((subscriber) => {
          new AsyncResource('nested').runInAsyncScope(() => b.release.complete());
          subscriber.complete();
        }),
    );
    const gateJob = a.start('src', { kind: 'gate', id: 'g' });
    await new Promise((resolve) => setImmediate(resolve));
    const first = a.start('src', { kind: 'nest', id: '1' });
    const second = a.start('src', { kind: 'emit', id: '2' });
    queueMicrotask(() => gate.complete());
    const states = await Promise.all([gateJob.wait(), first.wait(), second.wait(), b.job.wait()]);
    expect(states.map((s) => s.status)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
    expect(seen).to.deep.equal([{ job: '2', in: second.jobId }]);
  });
  it("leaves another flow's AsyncResource with the store it captured (no activation of this loop written into it)", async () => {
    // Flow b: job 1 in flight until release1; job 2's handler keeps an AsyncResource (it captures job 2's context).
    const release1 = new Subject<void>();
    const release2 = new Subject<void>();
    let res: AsyncResource | undefined;
    const b = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
    const waiter = new Routine();
    waiter.defineSlot<{ n: number }>('trigger', (d) => {
      if (d.n === 1) return release1.asObservable();
      res = new AsyncResource('kept-by-b');
      return release2.asObservable();
    });
    b.addRoutine(waiter, 'w');
    const b1 = b.start('w', { n: 1 });
    const b2 = b.start('w', { n: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(res!.runInAsyncScope(() => currentContext()?.jobId)).to.equal(b2.jobId);
    const { a, gate, seen } = sourceFlow(
      () =>
        new Observable<never>((subscriber) => {
          res!.runInAsyncScope(() => release1.complete()); // flow b's loop runs in b's own resource
          subscriber.complete();
        }),
    );
    const gateJob = a.start('src', { kind: 'gate', id: 'g' });
    await new Promise((resolve) => setImmediate(resolve));
    const first = a.start('src', { kind: 'nest', id: '1' });
    const second = a.start('src', { kind: 'emit', id: '2' });
    new AsyncResource('outer').runInAsyncScope(() => gate.complete());
    await Promise.all([gateJob.wait(), first.wait(), second.wait(), b1.wait()]);
    const after = res!.runInAsyncScope(() => currentContext()?.jobId);
    release2.complete();
    await b2.wait();
    expect({ after, seen }).to.deep.equal({ after: b2.jobId, seen: [{ job: '2', in: second.jobId }] });
  });
});
