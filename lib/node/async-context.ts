import { AsyncLocalStorage, AsyncResource, executionAsyncResource } from 'node:async_hooks';
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
  /**
   * One enterer per kind of async resource (an Immediate for a dispatch turn, a promise for a
   * settle...), each writing to the resource of that kind its last `enterer()` call found.
   * A new closure per loop, over that loop's resource, let V8 inline it with the resource as a
   * constant, and the next full GC after the resource died threw that optimized code away
   * ("weak objects"): at every GC between two jobs, `activate` and `runActivation` ran
   * unoptimized again. One function for all kinds had the opposite cost: its store saw every
   * kind's shape, and chain10 ran 7-14 % slower. One per kind sees one shape and lives as long
   * as the storage.
   *
   * Sharing is safe only for kinds of which two resources can never be current one inside the
   * other (an Immediate, a Timeout, a promise, a tick: the event loop starts each). An
   * `AsyncResource` (a `runInAsyncScope`, an `EventEmitterAsyncResource`, a `queueMicrotask`
   * callback) can be entered from inside another of its kind at any point of a loop, so its
   * loops get an enterer of their own, as before.
   */
  private readonly enterers = new Map<object | null, Enterer>();

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
    if (resource instanceof AsyncResource) {
      return (value) => {
        resource[key] = value;
      };
    }
    const kind = Object.getPrototypeOf(resource) as object | null;
    let enterer = this.enterers.get(kind);
    if (enterer === undefined) this.enterers.set(kind, (enterer = new Enterer(key)));
    enterer.resource = resource;
    return enterer.enter;
  }
}

/** Enters values on the resource it was last pointed at, under the storage's own key. */
class Enterer {
  resource: Record<symbol, unknown> = {};
  readonly enter: (value: unknown) => void;

  constructor(key: symbol) {
    this.enter = (value) => {
      this.resource[key] = value;
    };
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
