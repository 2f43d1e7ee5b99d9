import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import { WorkLedger } from '../../lib/runtime/work-ledger.js';
import { NO_ITEMS, NO_SHARED } from '../../lib/runtime/no-items.js';
import { makeRoutine } from '../helpers/routines.js';

/**
 * A job's rarely written fields (shared data, outputs, pause points, deferred events, error,
 * operators, flushes, policies, dirty lists, idle waiters, controller, timeout, inspect causes,
 * run and cell indexes) and its work ledger's rarely written parts are kept in one object made
 * at the first write (issue 21, many_jobs: every live job's fields are copied by each scavenge
 * it lives through). Unwritten, they read as one frozen default shared by every job: these
 * specs pin that a plain job makes neither object, and that one job's writes never show in
 * another job through the shared defaults.
 */
describe("a job's rarely written fields (made at the first write)", () => {
  function runtimeOf(job: { _runtime?: unknown }): JobRuntime {
    return (job as unknown as { _runtime: JobRuntime })._runtime;
  }
  function extrasOf(o: object): unknown {
    return (o as unknown as { extras: unknown }).extras;
  }

  class Chain extends Routine {
    constructor() {
      super();
      this.defineEvent('out', ['value']);
      this.defineSlot<{ x: number }>('trigger', (data) => this.emit('out', { value: data.x }));
    }
  }

  it('a plain job that starts, runs three routines and completes makes neither its extras nor its ledger extras', async () => {
    const flow = new Flow();
    flow.addRoutine(new Chain(), 'a');
    flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => ctx.emit('out', d) }), 'b');
    flow.addRoutine(makeRoutine({ in: () => undefined }, []), 'c');
    flow.connect('a', 'out', 'b', 'in');
    flow.connect('b', 'out', 'c', 'in');
    const job = flow.start('a', { x: 1 });
    const rt = runtimeOf(job);
    const state = await job.wait();
    expect(state.status).to.equal('completed');
    expect(state.routineStates.c.activations).to.equal(1);
    expect(extrasOf(rt), 'job extras').to.equal(undefined);
    expect(extrasOf(rt.work), 'ledger extras').to.equal(undefined);
    // What it keeps while it lives: 45 own fields and 11 in the ledger before the extras (now 28 and 5).
    expect(Object.keys(rt), 'own fields of a plain job').to.include('extras').and.to.have.length.at.most(30);
    expect(Object.keys(rt.work), 'own fields of its ledger').to.include('extras').and.to.have.length.at.most(5);
    expect(rt.shared).to.equal(NO_SHARED);
    expect(rt.outputLog).to.equal(NO_ITEMS);
    expect(rt.timeout).to.equal(undefined);
    expect(rt.deadline).to.equal(undefined);
  });

  it("one job's writes of every rarely written field never show in another job (property)", async () => {
    type Write = 'shared' | 'output' | 'defer' | 'pause' | 'timeout' | 'signal';
    const write: fc.Arbitrary<Write> = fc.constantFrom('shared', 'output', 'defer', 'pause', 'timeout', 'signal');
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(write, { minLength: 1, maxLength: 6 }), async (writes) => {
        class Writer extends Routine {
          constructor() {
            super();
            this.defineEvent('out');
            this.defineSlot('trigger', async (_d: Payload, ctx: ExecutionContext) => {
              if (writes.includes('shared')) ctx.setSharedData('k', 1);
              if (writes.includes('output')) this.sendOutput('o', { v: 1 });
              if (writes.includes('defer')) this.emitDeferredEvent('out', { v: 2 });
              if (writes.includes('signal')) void ctx.signal;
              if (writes.includes('pause')) await ctx.pause('p', { at: 1 });
            });
          }
        }
        const flow = new Flow();
        flow.addRoutine(new Writer(), 'w');
        flow.addRoutine(makeRoutine({ trigger: () => undefined }, []), 'plain');
        const busy = flow.start('w', {}, writes.includes('timeout') ? { timeout: 60_000 } : undefined);
        const first = await busy.wait();
        const plain = flow.start('plain');
        const rt = runtimeOf(plain);
        const state = await plain.wait();
        // The writing job sees its own writes...
        if (writes.includes('shared')) expect(first.sharedData).to.deep.equal({ k: 1 });
        if (writes.includes('output')) expect(first.outputLog).to.have.length(1);
        if (writes.includes('pause')) expect(first.status).to.equal('paused');
        if (writes.includes('timeout')) expect(runtimeOf(busy).timeout).to.equal(60_000);
        // ...and the plain job none of them, and makes no extras.
        expect(state.status).to.equal('completed');
        expect(state.sharedData).to.deep.equal({});
        expect(state.outputLog).to.deep.equal([]);
        expect(state.deferredEvents).to.deep.equal([]);
        expect(state.pausePoints).to.deep.equal([]);
        expect(state.error).to.equal(undefined);
        expect(state.timeout).to.equal(undefined);
        expect(extrasOf(rt)).to.equal(undefined);
        expect(rt.controller).to.equal(undefined);
        if (first.status === 'paused') await busy.cancel('done');
      }),
      { numRuns: 30 },
    );
  });

  it('a ledger reads its unwritten parts as empty and keeps what is written to one ledger in that ledger', () => {
    const a = new WorkLedger();
    const b = new WorkLedger();
    expect(a.openHold).to.equal(false);
    expect(a.parked).to.equal(NO_ITEMS);
    expect(a.interrupted).to.equal(NO_ITEMS);
    expect(a.failedTask).to.equal(undefined);
    expect([a.inflightCount, a.waitingCount, a.drainCount]).to.deep.equal([0, 0, 0]);
    expect(extrasOf(a), 'reads make nothing').to.equal(undefined);
    a.openHold = true;
    a.interrupted = [];
    expect(a.openHold).to.equal(true);
    expect(b.openHold, 'the other ledger').to.equal(false);
    expect(b.interrupted).to.equal(NO_ITEMS);
    expect(extrasOf(b)).to.equal(undefined);
  });
});
