import { runDetached } from '../model/current-context.js';

/**
 * @internal The outcome of one pool activation on its owner, as the engine waits for it: a
 * thenable whose callbacks are called at once, in the same synchronous step as {@link
 * PoolOutcome.end}, not in a later microtask as a Promise's are.
 *
 * Why: the owner applies a pool result's effects (emits, shared data, ...) and then the engine
 * ends the activation. With a Promise between the two, microtasks queued before the
 * activation's end run in between: a checkpoint write landing then (its reply read in the same
 * chunk as the result's, one connection) snapshots the next write with the result's effects in
 * the job and the activation still running. A new owner restoring that snapshot runs the
 * activation again, takes its result from the inbox and applies it a second time. Ended here,
 * with the effects applied just before, no snapshot can fall between them: a snapshot either
 * lacks the effects (the activation is listed, and its replay applies them once) or shows the
 * activation ended. (A replay's activation, its result from the inbox, ends the same way; and a
 * pause among the effects, which rests the job, checkpoints only at the end: see holdCheckpoints.)
 *
 * The callbacks run outside any activation's async context (as a Promise's callbacks
 * registered by the dispatcher do): the end of an activation runs the engine's bookkeeping and
 * the job's observers, which must not see the ended activation as current.
 *
 * @example
 * ```ts
 * const outcome = new PoolOutcome();
 * outcome.then(() => settle(OK), (error) => settle(error)); // the engine, when the executor returns it
 * outcome.end(undefined); // the result applied: settle(OK) runs now
 * ```
 */
export class PoolOutcome implements PromiseLike<void> {
  /** undefined while pending; then `{ failure }` (failed with `failure.error`) or `{}` (succeeded). */
  private result: { failure?: { error: unknown } } | undefined = undefined;
  private listeners: Array<() => void> = [];

  /** Ends the activation now: succeeded (`failure` undefined) or failed with `failure.error`. Once. */
  end(failure: { error: unknown } | undefined): void {
    if (this.result !== undefined) return;
    this.result = { failure };
    const listeners = this.listeners;
    this.listeners = [];
    runDetached(() => listeners.forEach((call) => call()));
  }

  /** Like a Promise's `then`, except that `onOk` or `onError` is called synchronously by {@link PoolOutcome.end} (or now, if ended). */
  then<A = void, B = never>(onOk?: ((value: void) => A | PromiseLike<A>) | null, onError?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return new Promise<A | B>((resolve, reject) => {
      const call = (): void => {
        const failure = this.result!.failure;
        try {
          if (failure === undefined) resolve(onOk ? onOk() : (undefined as A));
          else if (onError) resolve(onError(failure.error));
          else reject(failure.error);
        } catch (error) {
          reject(error);
        }
      };
      if (this.result === undefined) this.listeners.push(call);
      else runDetached(call);
    });
  }
}
