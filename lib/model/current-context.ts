import { AsyncLocalStorage } from 'node:async_hooks';
import type { ActivationContext } from './activation-context.js';

/**
 * Which activation is running, so `routine.emit()` needs no job argument.
 *
 * Two layers: a plain variable for the synchronous part of a handler (the hot path: one
 * read), and an AsyncLocalStorage for what runs after an `await` or in a timer the handler
 * started, where the variable is long gone. Both are set together around every handler.
 */
let current: ActivationContext | undefined;
const storage = new AsyncLocalStorage<ActivationContext | undefined>();

/**
 * The context of the activation this code runs in, if any.
 * @internal
 */
export function currentContext(): ActivationContext | undefined {
  return current !== undefined ? current : storage.getStore();
}

/**
 * Calls `fn.call(self, a, b)` with `ctx` as the current context (sync and async).
 * @internal
 */
export function runInContext<A, B, R>(
  ctx: ActivationContext | undefined,
  fn: (this: unknown, a: A, b: B) => R,
  self: unknown,
  a: A,
  b: B,
): R {
  const previous = current;
  const previousStore = storage.getStore();
  current = ctx;
  // enterWith (not run): same scoping here since we restore right after, without run()'s
  // closure and rest-args allocation per activation. Promises and timers created by the
  // handler capture `ctx` when they are created.
  storage.enterWith(ctx);
  try {
    return fn.call(self, a, b);
  } finally {
    current = previous;
    storage.enterWith(previousStore);
  }
}

/**
 * Runs `fn` outside any activation (dispatch turns), so stray async context never leaks into them.
 * @internal
 */
export function runDetached<R>(fn: () => R): R {
  const previous = current;
  current = undefined;
  try {
    return storage.run(undefined, fn);
  } finally {
    current = previous;
  }
}
