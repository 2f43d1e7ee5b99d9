/**
 * Issue 17, Tier 2: a pool activation that ran twice (its pool worker died after writing its
 * result, before BullMQ recorded the completion) leaves two results under one key in the job's
 * inbox. The owner that was alive applied the first one to arrive, and the turns after it were
 * built on it; a new owner reading the inbox must apply that same one, not the later one.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { PoolResults } from '../../lib/bullmq/pool-results.js';

describe('routilux/bullmq: PoolResults', () => {
  it('keeps the first result delivered under a key (the inbox order: what a live owner applied)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a/1#1', 'a/2#1', 'a/3#1'), fc.string()), { minLength: 1, maxLength: 20 }), (entries) => {
        const results = new PoolResults();
        for (const [key, raw] of entries) results.deliver(key, raw);
        for (const key of new Set(entries.map(([k]) => k))) {
          expect(results.take(key), key).to.equal(entries.find(([k]) => k === key)![1]);
          expect(results.take(key), 'taken once').to.equal(undefined);
        }
      }),
    );
  });

  it('hands a result to the activation waiting for it, once', async () => {
    const results = new PoolResults();
    const waiting = results.wait('a/1#1');
    results.deliver('a/1#1', 'first');
    results.deliver('a/1#1', 'second'); // (a second run's result: kept aside, as the first is applied)
    expect(await waiting).to.equal('first');
  });
});
