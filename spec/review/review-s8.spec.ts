import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { makeState } from '../fixtures/helpers.js';

// Adversarial review of chain10-5 (issue 21 hot path): behaviour the base 0ad5f54 had.
describe('review s8: chain10-5 hot path against its base', () => {
  // ActivationContext now keeps `ended` in the sign of its number, as `-seq - 1`. Restore admits
  // any non-negative integer as a task's seq (job-state-fields `count`), and the queue keeps
  // such numbers exactly (Float64 column). Past 2^53 `-seq - 1` is not representable, so an
  // ended context reads a different activation number than the one it ran with.
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
});
