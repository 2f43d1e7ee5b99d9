import { AsyncLocalStorage, executionAsyncResource } from 'node:async_hooks';
import { setAsyncContextStorage } from '../model/async-context-storage.js';

/**
 * Node's `AsyncLocalStorage` with an `enterer` for the dispatcher's loop (see
 * `AsyncContextStorage.enterer`). Where the storage keeps its value on the current async
 * resource under its own `kResourceStore` symbol (Node 16-22, and later without
 * `--experimental-async-context-frame`), `enterWith` is "look up the current resource, store the
 * value on it"; within one synchronous execution the resource does not change, so the loop
 * looks it up once and each activation costs one property write instead of a lookup. Any
 * other implementation gets no enterer, and the loop uses `enterWith`.
 *
 * @example
 * ```ts
 * setAsyncContextStorage(new NodeAsyncContextStorage()); // what installNodeAsyncContext does
 * ```
 */
export class NodeAsyncContextStorage extends AsyncLocalStorage<unknown> {
  /** The async resource of the synchronous stretch that last called {@link enterer}. */
  private resource: Record<symbol, unknown> = {};
  private key: symbol = Symbol('unset');

  /**
   * The one function {@link enterer} hands out, for every loop: it writes to the resource
   * the last `enterer()` call found. A new closure per loop (over that loop's resource) made
   * V8 inline it into the activation path with the resource as a constant, and the next full
   * GC after the resource died threw that optimized code away ("weak objects"): at every GC
   * between two jobs, `activate` and `runActivation` were deoptimized.
   */
  private readonly enter = (value: unknown): void => {
    this.resource[this.key] = value;
  };

  enterer(): ((value: unknown) => void) | undefined {
    const key = (this as unknown as { kResourceStore?: unknown }).kResourceStore;
    if (typeof key !== 'symbol') return undefined;
    // enterWith enables the storage's hook if it was not; the probe checks that the value lands
    // where this relies on it landing.
    const before = this.getStore();
    const probe = {};
    this.enterWith(probe);
    const resource = executionAsyncResource() as Record<symbol, unknown>;
    const fits = resource[key] === probe;
    this.enterWith(before);
    if (!fits) return undefined;
    this.resource = resource;
    this.key = key;
    return this.enter;
  }
}

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
  setAsyncContextStorage(new NodeAsyncContextStorage());
}
