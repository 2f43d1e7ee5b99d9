import type { ActivationContext } from './activation-context.js';
import { contextStorage } from './async-context-storage.js';

/**
 * Which activation is running, so `routine.emit()` needs no job argument.
 *
 * Two layers: a plain variable for the synchronous part of a handler (the hot path: one
 * read, and all a browser has), and the installed {@link AsyncContextStorage} (Node's
 * AsyncLocalStorage, installed by `routilux/node`) for what runs after an `await` or in a timer
 * the handler started, where the variable is long gone. Both are set together around every
 * handler.
 */
let current: ActivationContext | undefined;

/**
 * The context of the activation this code runs in, if any.
 * @internal
 */
export function currentContext(): ActivationContext | undefined {
  return current !== undefined ? current : (contextStorage.getStore() as ActivationContext | undefined);
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
  current = ctx;
  const storage = contextStorage;
  try {
    if (storage.enterWith === undefined) return storage.run(ctx, () => fn.call(self, a, b));
    // enterWith (not run): same scoping here since we restore right after, without run()'s
    // closure and rest-args allocation per activation. Promises and timers created by the
    // handler capture `ctx` when they are created.
    const previousStore = storage.getStore();
    storage.enterWith(ctx);
    try {
      return fn.call(self, a, b);
    } finally {
      storage.enterWith(previousStore);
    }
  } finally {
    current = previous;
  }
}

/**
 * Inside {@link runDetached} (the dispatcher's loop): how to make a value the async store for
 * the rest of the loop's synchronous execution, fetched once per loop. `null` outside one.
 */
let detachedEnter: ((value: unknown) => void) | null = null;

/**
 * Runs `fn` outside any activation (dispatch turns), so stray async context never leaks into them.
 * @internal
 */
export function runDetached<R>(fn: () => R): R {
  const previous = current;
  const previousEnter = detachedEnter;
  current = undefined;
  const storage = contextStorage;
  try {
    return storage.run(undefined, () => {
      // One fetch per loop: each activation then enters and leaves with a plain call.
      const enterer = storage.enterer?.();
      const enterWith = storage.enterWith;
      detachedEnter = enterer ?? (enterWith === undefined ? null : (value) => enterWith.call(storage, value));
      return fn();
    });
  } finally {
    current = previous;
    detachedEnter = previousEnter;
  }
}

/**
 * {@link runInContext} for an activation the dispatcher's loop runs: the loop is detached (see
 * {@link runDetached}), so the store to restore afterwards is known to be `undefined` and is
 * not read, and entering costs what the storage's `enterer` costs (an `AsyncLocalStorage`
 * otherwise pays three lookups of the current async resource per activation).
 * @internal
 */
export function runActivation<A, B, R>(ctx: ActivationContext, fn: (this: unknown, a: A, b: B) => R, self: unknown, a: A, b: B): R {
  const enter = detachedEnter;
  if (enter === null) return runInContext(ctx, fn, self, a, b);
  const previous = current;
  current = ctx;
  enter(ctx);
  try {
    return fn.call(self, a, b);
  } finally {
    enter(undefined);
    current = previous;
  }
}
