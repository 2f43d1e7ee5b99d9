import { deepStrictEqual } from 'node:assert';
import { TestScheduler } from 'rxjs/testing';

/**
 * A TestScheduler whose assertion is `node:assert`'s `deepStrictEqual` unless you pass your
 * own (e.g. chai's `expect(a).to.deep.equal(b)`).
 *
 * @example
 * ```ts
 * const testScheduler = createTestScheduler();
 * testScheduler.run(({ cold, expectObservable }) => { ... });
 * ```
 */
export function createTestScheduler(assertDeepEqual: (actual: unknown, expected: unknown) => void = (a, e) => deepStrictEqual(a, e)): TestScheduler {
  return new TestScheduler(assertDeepEqual);
}
