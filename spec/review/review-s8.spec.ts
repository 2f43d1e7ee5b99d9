import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { makeState } from '../fixtures/helpers.js';

// Adversarial review of chain10-5 (issue 21 hot path): behaviour the base 0ad5f54 had.
describe('review s8: chain10-5 hot path against its base', () => {
  // ActivationContext keeps `ended` in the sign of its number. Restore admits any non-negative
  // integer as a task's seq (job-state-fields `count`), and the queue keeps such numbers
  // exactly (Float64 column). The branch stored `-seq - 1`, which past 2^53 is not
  // representable, so an ended context read a different activation number than the one it ran
  // with; it stores `-seq` now.
  it('an ended activation keeps its activationId for every seq restore admits (2^53 and beyond included)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }).map(Number).filter((n) => Number.isInteger(n)), async (seq) => {
        const flow = new Flow({ flowId: 'store-spec' });
        const r = new Routine();
        let ctx!: ExecutionContext;
        let during = '';
        r.defineSlot('in', (_d, c) => {
          ctx = c;
          during = c.activationId;
        });
        flow.addRoutine(r, 'r');
        const job = flow.restore(makeState('big', { pendingTasks: [{ routineId: 'r', slotName: 'in', data: {}, attempt: 1, enqueuedAt: 1, seq }] }));
        job.resume();
        expect((await job.wait()).status).to.equal('completed');
        expect(during).to.equal(`big/${seq}`);
        expect(ctx.activationId, 'read after the activation ended').to.equal(during);
      }),
      { numRuns: 30, examples: [[2 ** 53], [2 ** 53 + 2]] },
    );
  });

  // bb7232b: emitEvent's fast path (no schema, no rare part) called emitFrom directly and skipped
  // `checked instanceof Promise`. On the base a promise payload was waited for like an
  // asynchronous check: its value was delivered, its rejection failed the activation. On the
  // branch the Promise object itself was the payload (a rejection the emitter did not handle
  // became an unhandled rejection, and the job completed); the fast path now excludes promises.
  const promiseFlow = (payload: () => object) => {
    const flow = new Flow();
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', () => src.emit('out', payload()));
    const sink = new Routine();
    const seen: unknown[] = [];
    sink.defineSlot('in', (d) => void seen.push(d));
    flow.addRoutine(src, 'src');
    flow.addRoutine(sink, 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    return { flow, seen };
  };

  it('emit with a promise payload (no schema) delivers what it resolves to, as on the base', async () => {
    const { flow, seen } = promiseFlow(() => Promise.resolve({ v: 1 }));
    const state = await flow.execute('src', {});
    expect(state.status).to.equal('completed');
    expect(seen).to.have.length(1);
    expect(seen[0]).to.not.be.instanceOf(Promise);
    expect(seen[0]).to.deep.equal({ v: 1 });
  });

  it('emit with a rejected promise payload (no schema) fails the activation with its error, as on the base', async () => {
    const { flow, seen } = promiseFlow(() => {
      const p = Promise.reject(new Error('nope'));
      p.catch(() => undefined); // so the branch's behaviour is not an unhandled rejection in this spec
      return p;
    });
    const state = await flow.execute('src', {});
    expect(seen, 'nothing reaches the sink').to.deep.equal([]);
    expect(state.status).to.equal('failed');
    expect(state.error?.message).to.equal('nope');
  });
});
