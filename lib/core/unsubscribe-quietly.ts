import type { Unsubscribable } from 'rxjs';

/**
 * @internal Unsubscribes `sub`, dropping what a teardown throws. RxJS throws an
 * `UnsubscriptionError` from `unsubscribe()` when a teardown of the subscribed observable throws
 * (and, if nobody unsubscribed first, out of the `complete()` or `error()` call of the code that
 * produced the values: a timer callback, an event handler, where it reaches the event loop).
 * The engine unsubscribes a handler's or an operator's observable once its outcome is known:
 * a cleanup that fails there has no say in that outcome, and it must neither stop the engine's
 * bookkeeping halfway (a job that never settles, a worker never given back) nor crash the
 * process. Unsubscribing first, from the completion callback, also keeps the producer's own
 * `complete()` from throwing (the subscription is closed by then).
 *
 * @example
 * ```ts
 * unsubscribeQuietly(activation.sub); // even if the handler's observable's teardown throws
 * ```
 */
export function unsubscribeQuietly(sub: Unsubscribable | undefined): void {
  if (sub === undefined) return;
  try {
    sub.unsubscribe();
  } catch {
    // The outcome is known; a failing cleanup is dropped (see above).
  }
}
