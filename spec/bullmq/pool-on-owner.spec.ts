/**
 * Issue 17, Tier 2, a pool activation on its owner (runOnPool, PoolResults). First: the owner's
 * send of a pool activation fails (a Redis hiccup, a closing
 * queue). The activation fails on the owner (its error policy decides), its turn is saved at
 * once (no pool result will ever remake it: `weighty`), and the result waiter it left is let
 * go without an unhandled rejection when the ownership ends.
 */
import { expect } from 'chai';
import type { Queue } from 'bullmq';
import type { BulkAdder } from '../../lib/bullmq/bulk-adder.js';
import { PoolResults, poolExecutor } from '../../lib/bullmq/pool-results.js';
import type { RedisClient } from '../../lib/bullmq/lua-script.js';
import type { ActivationContext } from '../../lib/model/activation-context.js';

describe('routilux/bullmq: a pool activation whose send fails', () => {
  it('fails on the owner, counts as weighty, and its waiter is let go quietly when the ownership ends', async () => {
    const results = new PoolResults();
    const adder = { add: () => Promise.reject(new Error('redis went away')) } as unknown as BulkAdder;
    const run = poolExecutor({ resultsOf: () => results, queue: {} as Queue, adder, client: {} as RedisClient, abortChannel: 'abort' });
    const ctx = { activationId: 'job-1/3', attempt: 1, jobId: 'job-1', seq: 3, routineId: 'r', slotName: 'in', silenced: false, onTimeout: () => undefined, host: { abortSignal: () => new AbortController().signal } } as unknown as ActivationContext;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const error = await (run(ctx, {}) as Promise<void>).then(() => undefined, (e: unknown) => e);
      expect(String((error as Error)?.message)).to.equal('redis went away');
      expect(results.weighty, 'its turn is saved at once').to.equal(1);
      results.dispose(); // the ownership ends: waiters are rejected
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('routilux/bullmq: the pool activations a job counts as applied but not ended', () => {
  it('keeps only those not ended, with or without a lag reading the count (no growth over a long job)', () => {
    const results = new PoolResults();
    const finishing = (): number => (results as unknown as { finishing: Set<unknown> }).finishing.size;
    let last = { ended: false };
    for (let i = 0; i < 1_000; i++) {
      last.ended = true; // the previous one ended before this one's result was applied
      last = { ended: false };
      results.noteApplied(last as unknown as ActivationContext);
      expect(finishing()).to.equal(1);
    }
    expect(results.applied).to.equal(1);
    last.ended = true;
    expect(results.applied).to.equal(0);
  });
});
