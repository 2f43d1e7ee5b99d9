import { expect } from 'chai';
import { AsyncResource } from 'node:async_hooks';
import { Subject } from 'rxjs';
import { Flow, Routine, type Payload } from '../../lib/index.js';
import { installNodeAsyncContext } from '../../lib/node/index.js';

/**
 * Node's enterer is one function that writes to the async resource its last `enterer()` call
 * found (a closure per loop made V8 drop the activation path's optimized code at every GC).
 * A loop of another flow can run inside an activation, from another async scope: afterwards the
 * outer loop must enter its next activations on its own resource again, or what their
 * handlers start (a promise) belongs to the activation before.
 */
describe('the async context after another flow ran its loop inside an activation', () => {
  before(() => installNodeAsyncContext()); // what loading routilux in Node does

  it("an emit after a promise goes to its own job, after a nested loop in another scope", async () => {
    const release = new Subject<void>();
    const b = new Flow();
    const waiter = new Routine();
    waiter.defineSlot('trigger', () => release.asObservable()); // in flight until released
    b.addRoutine(waiter, 'w');
    const bJob = b.start('w', {});
    await new Promise((resolve) => setImmediate(resolve)); // its activation is running

    class Source extends Routine {
      constructor() {
        super();
        this.defineEvent('out', ['job']);
        this.defineSlot<{ kind: string; id: string }>('trigger', (d) => {
          // Completing the observable settles flow b's activation now, and b's dispatcher runs
          // its loop right here, inside this activation but in another async scope.
          if (d.kind === 'nest') return void new AsyncResource('nested').runInAsyncScope(() => release.complete());
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
    // Both queued before the loop runs: one loop activates the nesting one, then the emitting one.
    const first = a.start('src', { kind: 'nest', id: '1' });
    const second = a.start('src', { kind: 'emit', id: '2' });
    const [s1, s2, sb] = await Promise.all([first.wait(), second.wait(), bJob.wait()]);
    expect([s1.status, s2.status, sb.status]).to.deep.equal(['completed', 'completed', 'completed']);
    expect(seen).to.deep.equal([{ job: '2', in: second.jobId }]);
  });
});
