import { expect } from 'chai';
import { AsyncResource } from 'node:async_hooks';
import { Observable, Subject } from 'rxjs';
import { Flow, Routine, type Payload } from '../../lib/index.js';
import { installNodeAsyncContext } from '../../lib/node/index.js';
import { currentContext } from '../../lib/model/current-context.js';

/**
 * Node's enterer (lib/node/async-context.ts) is shared by every resource of a kind the event
 * loop starts (a closure per loop made V8 drop the activation path's optimized code at every
 * GC). Another flow's loop can run inside a loop of this one, from another async scope: inside
 * a handler, in an observable the handler returned, in an inspect$ subscriber. Afterwards the
 * outer loop must enter its next activations on its own resource again, or what their handlers
 * start (a promise) belongs to another activation, or to none. The first case was found while
 * making the change, the others by its review (loops in an AsyncResource scope share nothing).
 */
describe('the async context when another flow ran its loop inside a loop of this one', () => {
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

  /** An observable that, subscribed by the loop (not inside the handler), runs flow b's loop in another AsyncResource. */
  function releasingIn(release: Subject<void>, scope = new AsyncResource('nested')): Observable<never> {
    return new Observable<never>((subscriber) => {
      scope.runInAsyncScope(() => release.complete());
      subscriber.complete();
    });
  }

  it('an emit after a promise goes to its own job, after a nested loop inside the handler before it', async () => {
    const b = await waitingFlow();
    // Completing the observable settles flow b's activation now, and b's dispatcher runs its
    // loop right here, inside this activation but in another async scope.
    const { a, seen } = sourceFlow(() => void new AsyncResource('nested').runInAsyncScope(() => b.release.complete()));
    // Both queued before the loop runs: one loop activates the nesting one, then the emitting one.
    const first = a.start('src', { kind: 'nest', id: '1' });
    const second = a.start('src', { kind: 'emit', id: '2' });
    const states = await Promise.all([first.wait(), second.wait(), b.job.wait()]);
    expect(states.map((s) => s.status)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(seen).to.deep.equal([{ job: '2', in: second.jobId }]);
  });

  it('an emit after a promise goes to its job when the loop runs in an AsyncResource and a nested loop ran in an observable the handler returned', async () => {
    const b = await waitingFlow();
    const { a, gate, seen } = sourceFlow(() => releasingIn(b.release));
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
    const { a, gate, seen } = sourceFlow(() => releasingIn(b.release));
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
    const { a, gate, seen } = sourceFlow(() => releasingIn(release1, res)); // flow b's loop runs in b's own resource
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
