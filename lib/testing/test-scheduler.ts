import { TestScheduler } from 'rxjs/testing';
import { deepEqual } from '../core/deep-equal.js';

/**
 * A TestScheduler whose assertion is deep strict equality (Node's `assert.deepStrictEqual`
 * rule, without `node:assert`, so it runs in browsers too) unless you pass your own (e.g.
 * chai's `expect(a).to.deep.equal(b)`). A mismatch throws an `AssertionError` carrying
 * `actual`, `expected` and `showDiff`, which mocha and most runners print as a diff.
 *
 * @example
 * ```ts
 * const testScheduler = createTestScheduler();
 * testScheduler.run(({ cold, expectObservable }) => { ... });
 * ```
 */
export function createTestScheduler(assertDeepEqual: (actual: unknown, expected: unknown) => void = assertDeepStrictEqual): TestScheduler {
  return new TestScheduler(assertDeepEqual);
}

function assertDeepStrictEqual(actual: unknown, expected: unknown): void {
  if (deepEqual(actual, expected)) return;
  const error = new Error(`Expected values to be strictly deep-equal:\n${show(actual)}\n\nshould equal\n\n${show(expected)}`);
  error.name = 'AssertionError';
  Object.assign(error, { actual, expected, showDiff: true, operator: 'deepStrictEqual' });
  throw error;
}

/** Marble frames are JSON-shaped (frame, notification); anything else is shown as well as it can. */
function show(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
