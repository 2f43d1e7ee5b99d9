import { unsubscribeQuietly } from '../core/unsubscribe-quietly.js';
import { EMPTY, Observable, from, observable as observableKey, type ObservableInput, type Subscription } from 'rxjs';
import type { ActivationContext } from '../model/activation-context.js';
import { runActivation, runInContext } from '../model/current-context.js';
import type { PayloadCheck } from '../model/standard-schema.js';
import type { SlotHandler } from '../model/slot.js';
import type { Payload } from '../core/payload.js';

/**
 * @internal Runs a handler on a payload that its slot admits first (schema, payload class).
 * A synchronous admission runs the handler right away and returns what it returned; an
 * invalid payload throws (the activation fails before the handler ran). An asynchronous one
 * returns an Observable that runs the handler once the payload is admitted and then follows
 * what the handler returned, so the activation ends when both have settled; unsubscribing
 * (a cancel, an activation timeout) before the admission settles means the handler never runs.
 *
 * @example
 * ```ts
 * result = runAdmitted(ctx, slot._admit, merged, slot._handler, routine);
 * ```
 */
export function runAdmitted(ctx: ActivationContext, admit: PayloadCheck, merged: Payload, handler: SlotHandler | undefined, self: unknown): unknown {
  const admitted = admit(merged);
  // Called from the dispatch loop like an unchecked activation, so it enters the context the
  // same cheap way (runActivation); the asynchronous case below runs later, outside the loop.
  if (!(admitted instanceof Promise)) return handler === undefined ? undefined : runActivation(ctx, handler, self, admitted as Payload, ctx);
  return new Observable<unknown>((subscriber) => {
    let closed = false;
    let inner: Subscription | undefined;
    admitted.then(
      (value) => {
        if (closed) return;
        try {
          const result = handler === undefined ? undefined : runInContext(ctx, handler, self, value as Payload, ctx);
          inner = runInContext(ctx, subscribeResult, undefined, result, subscriber);
        } catch (error) {
          subscriber.error(error);
        }
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      closed = true;
      unsubscribeQuietly(inner);
    };
  });
}

function subscribeResult(result: unknown, subscriber: { error(e: unknown): void; complete(): void }): Subscription {
  const source = isAsyncResult(result) ? from(result as ObservableInput<unknown>) : EMPTY;
  return source.subscribe({ error: (e: unknown) => subscriber.error(e), complete: () => subscriber.complete() });
}

/**
 * @internal What a handler may return that the activation waits for: a thenable, an RxJS
 * Observable, or an interop observable (RxJS's `observable` key).
 *
 * @example
 * ```ts
 * isAsyncResult(Promise.resolve()); // true
 * ```
 */
export function isAsyncResult(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const v = value as Record<string | symbol, unknown>;
  return typeof v.then === 'function' || typeof v.subscribe === 'function' || typeof v[observableKey] === 'function';
}
