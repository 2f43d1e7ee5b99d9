import { ConfigurationError, TimeoutError, describeValue } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import type { JobRuntime } from '../runtime/job-runtime.js';

/**
 * Options of {@link Job.wait}.
 *
 * @example
 * ```ts
 * await job.wait({ timeout: 5_000 } satisfies WaitOptions);
 * ```
 */
export interface WaitOptions {
  /** ms of scheduler time; then the promise rejects with TimeoutError (the job keeps running). */
  timeout?: number;
  /** Aborting it rejects the wait with the signal's reason (the job keeps running). */
  signal?: AbortSignal;
}

/**
 * @internal `job.wait`: resolves at the job's next resting status, at once if it rests now;
 * rejects on `timeout` (scheduler time) or when `signal` aborts, leaving the job running.
 *
 * @throws {ConfigurationError} (as a rejection) for a bad timeout or signal.
 * @example
 * ```ts
 * const state = await waitForRest(job, { timeout: 1000 });
 * ```
 */
export function waitForRest(rt: JobRuntime, options: WaitOptions | undefined): Promise<JobState> {
  const refused = waitOptionsError(rt.id, options);
  if (refused !== undefined) return Promise.reject(refused);
  const timeout = options?.timeout;
  const signal = options?.signal;
  if (rt.resting && !rt.observers.holding) return Promise.resolve(rt.snapshot());
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (timeout === undefined && signal === undefined) {
    // The common wait (every job of a flow awaited at once): nothing to remove later, so no
    // closure at all; the executor is one function, told its job through `waiting`.
    waiting = rt;
    const promise = new Promise<JobState>(addWaiter);
    waiting = undefined;
    return promise;
  }
  return new Promise<JobState>((resolve, reject) => {
    let timer: { unsubscribe(): void } | undefined;
    const onAbort = (): void => {
      done();
      reject(signal!.reason);
    };
    const done = (): void => {
      remove();
      timer?.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    };
    const remove = rt.observers.addWaiter((state) => {
      done();
      resolve(state);
    });
    if (timeout !== undefined) {
      timer = rt.clock.schedule(() => {
        done();
        reject(new TimeoutError(`job '${rt.id}' did not reach a resting status within ${timeout} ms (it is ${rt.status})`));
      }, timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The job whose `wait()` is constructing its promise (see waitForRest). */
let waiting: JobRuntime | undefined;

function addWaiter(resolve: (state: JobState) => void): void {
  waiting!.observers.wait(resolve);
}

/**
 * @internal Why `wait(options)` of job `jobId` is refused (a timeout that is not a non-negative
 * number, a signal that is not an AbortSignal), or undefined: a local job's wait and a remote
 * one's (routilux/bullmq) refuse the same calls the same way.
 *
 * @example
 * ```ts
 * waitOptionsError('order-17', { timeout: -1 }); // ConfigurationError: ... wait timeout must be ...
 * ```
 */
export function waitOptionsError(jobId: string, options: WaitOptions | undefined): ConfigurationError | undefined {
  const timeout = options?.timeout;
  const signal = options?.signal;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    return new ConfigurationError(`job '${jobId}': wait timeout must be a non-negative number of ms, got ${describeValue(timeout)}`);
  }
  if (signal !== undefined && !isAbortSignal(signal)) return new ConfigurationError(`job '${jobId}': wait signal must be an AbortSignal, got ${describeValue(signal)}`);
  return undefined;
}

/**
 * @internal Whether `value` is an AbortSignal (duck-typed: signals from another realm count).
 *
 * @example
 * ```ts
 * isAbortSignal(new AbortController().signal); // true
 * ```
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function';
}
