import { ConfigurationError, quoteValue } from '../errors/errors.js';

/**
 * What carries the running activation across `await`s and timers, so that `this.emit` there
 * still knows its job: the shape of Node's `AsyncLocalStorage` (which fits as it is), or any
 * store with the same semantics (Deno, Bun, a TC39 `AsyncContext` adapter providing `run`).
 *
 * The core entry (`routilux` in a browser) has none: there `this.emit` knows its job in the
 * synchronous part of a handler, in observables the handler returns (while they run
 * synchronously or on `ctx.scheduler`) and in work scheduled on `ctx.scheduler`, but not after
 * an `await` or in a plain `setTimeout` — use `ctx.emit` there. Node's `routilux` (and
 * `routilux/node`) installs an `AsyncLocalStorage` when it loads.
 *
 * @example
 * ```ts
 * import { AsyncLocalStorage } from 'node:async_hooks';
 * setAsyncContextStorage(new AsyncLocalStorage()); // what routilux/node does when it loads
 * ```
 */
export interface AsyncContextStorage {
  /** The value of the async context this code runs in (`undefined` outside any). */
  getStore(): unknown;
  /** Runs `fn` with `value` as the current value, for it and for what it schedules. */
  run<R>(value: unknown, fn: () => R): R;
  /** Optional fast path: makes `value` current for the rest of this synchronous execution. */
  enterWith?(value: unknown): void;
  /**
   * Optional faster path for many enters in one synchronous stretch (the dispatcher's loop,
   * one per activation): returns a function that does what `enterWith` does, valid only until
   * the synchronous execution that called `enterer` ends, or `undefined` when the store has
   * none (then `enterWith` is used).
   */
  enterer?(): ((value: unknown) => void) | undefined;
}

/** No async propagation: the synchronous part is carried by a plain variable (current-context.ts). */
const NONE: AsyncContextStorage = {
  getStore: () => undefined,
  run: <R>(_value: unknown, fn: () => R): R => fn(),
};

/**
 * @internal The storage in force (read directly, a live binding, on every emit outside the
 * synchronous part of a handler).
 *
 * @example
 * ```ts
 * const ctx = contextStorage.getStore(); // the activation an awaited continuation belongs to
 * ```
 */
export let contextStorage: AsyncContextStorage = NONE;

/**
 * Installs the store that carries activations across `await`s and timers, or removes it with
 * `undefined`. Call it once at start-up, before jobs run: activations already in flight keep
 * the store they started with only for their synchronous part.
 *
 * @throws {ConfigurationError} if `storage` is neither `undefined` nor an object with
 * `getStore` and `run` methods (and, if present, `enterWith` and `enterer` methods).
 * @example
 * ```ts
 * import { AsyncLocalStorage } from 'node:async_hooks';
 * setAsyncContextStorage(new AsyncLocalStorage());
 * ```
 */
export function setAsyncContextStorage(storage: AsyncContextStorage | undefined): void {
  if (storage === undefined) {
    contextStorage = NONE;
    return;
  }
  const s = storage as Partial<Record<keyof AsyncContextStorage, unknown>> | null;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.getStore === 'function' &&
    typeof s.run === 'function' &&
    (s.enterWith === undefined || typeof s.enterWith === 'function') &&
    (s.enterer === undefined || typeof s.enterer === 'function');
  if (!ok) throw new ConfigurationError(`setAsyncContextStorage: expected an AsyncLocalStorage-like object (getStore and run methods) or undefined, got ${quoteValue(storage)}`);
  contextStorage = storage;
}
