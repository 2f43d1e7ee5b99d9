import { expect } from 'chai';
import { createTestScheduler } from '../../lib/testing/index.js';

// createTestScheduler's default assertion is deep strict equality without node:assert (issue
// 16: routilux/testing runs in browsers too), failing as test runners expect.
describe('createTestScheduler', () => {
  it('passes equal marbles and fails unequal ones with an AssertionError carrying actual, expected and a diff', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => expectObservable(cold('a-b|', { a: { n: 1 }, b: [new Date(0)] })).toBe('a-b|', { a: { n: 1 }, b: [new Date(0)] }));
    let failure: (Error & { actual?: unknown; expected?: unknown; showDiff?: boolean }) | undefined;
    try {
      createTestScheduler().run(({ cold, expectObservable }) => expectObservable(cold('a|', { a: 0 })).toBe('a|', { a: -0 }));
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure?.name).to.equal('AssertionError');
    expect(failure?.showDiff).to.equal(true);
    expect(failure?.message).to.match(/^Expected values to be strictly deep-equal/);
    expect((failure?.actual as Array<{ notification: { value: unknown } }>)[0].notification.value).to.equal(0);
    expect(Object.is((failure?.expected as Array<{ notification: { value: unknown } }>)[0].notification.value, -0)).to.equal(true);
  });

  it('takes the assertion of your test framework instead', () => {
    const calls: unknown[] = [];
    createTestScheduler((actual, expected) => void calls.push([actual, expected])).run(({ cold, expectObservable }) => expectObservable(cold('a|')).toBe('b|'));
    expect(calls).to.have.length(1);
  });
});
