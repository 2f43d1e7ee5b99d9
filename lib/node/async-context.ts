import { AsyncLocalStorage } from 'node:async_hooks';
import { setAsyncContextStorage } from '../model/async-context-storage.js';

/**
 * Installs a Node `AsyncLocalStorage` as the store that carries the running activation across
 * `await`s and timers, so `this.emit` after an `await` in a handler knows its job. Loading
 * `routilux/node` (or `routilux` in Node, which loads it) does this once; call it again only
 * after replacing the store with {@link setAsyncContextStorage}.
 *
 * @example
 * ```ts
 * import { installNodeAsyncContext } from 'routilux/node';
 * installNodeAsyncContext();
 * ```
 */
export function installNodeAsyncContext(): void {
  setAsyncContextStorage(new AsyncLocalStorage<unknown>());
}
