import type { SchedulerLike } from 'rxjs';
import { TimeoutError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import { waitOptionsError } from '../flow/wait-for-rest.js';
import type { WaitOptions } from '../flow/job.js';
import type { RemoteView } from './remote-view.js';

/**
 * @internal A remote job's `wait()`: resolves at the next resting status its view receives (at
 * once when resting now), with the local `wait()`'s checks and refusals: a timeout that is not
 * a non-negative number and a signal that is not an AbortSignal are refused before anything is
 * registered, an aborted signal rejects with its reason, a timeout (on the flow's scheduler)
 * with a {@link TimeoutError}.
 *
 * @example
 * ```ts
 * const state = await waitForView(view, flow.scheduler, 'order-17', { timeout: 5_000 });
 * ```
 */
export function waitForView(view: RemoteView, scheduler: SchedulerLike, id: string, options: WaitOptions): Promise<JobState> {
  const refused = waitOptionsError(id, options);
  if (refused !== undefined) return Promise.reject(refused);
  const { timeout, signal } = options;
  if (view.resting) return Promise.resolve(view.current);
  if (view.lostError !== undefined) return Promise.reject(view.lostError); // its runner closed: no status will come
  // No timeout, no signal: nothing removes the waiter, so no closures to undo it (the common case).
  if (timeout === undefined && signal === undefined) return new Promise((resolve, reject) => view.waitFor(resolve, reject));
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const done = (): void => {
      remove();
      timer?.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => (done(), reject(signal!.reason));
    const remove = view.addWaiter(
      (state) => (done(), resolve(state)),
      (error) => (done(), reject(error)),
    );
    const timer = timeout === undefined ? undefined : scheduler.schedule(() => (done(), reject(new TimeoutError(`job '${id}' did not reach a resting status within ${timeout} ms (it is ${view.status})`))), timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
