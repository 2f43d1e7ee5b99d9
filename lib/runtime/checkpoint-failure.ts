import { ConfigurationError, RoutiluxError, SerializationError, StoreError, TimeoutError, describeError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';

/**
 * @internal Marks an error a store threw synchronously from `save` instead of returning a
 * rejected promise: the store broke the JobStore contract, so retrying it is pointless.
 *
 * @example
 * ```ts
 * try { return store.save(state); } catch (error) { throw new ThrownBySave(error); }
 * ```
 */
export class ThrownBySave {
  constructor(readonly error: unknown) {}
}

/**
 * @internal Whether a failed save is worth another attempt: not when retrying cannot change
 * the outcome (the store rejected the input as bad or unserializable, or threw synchronously).
 *
 * @example
 * ```ts
 * retryable(new Error('EAGAIN')); // true
 * retryable(new SerializationError('a BigInt')); // false
 * ```
 */
export function retryable(error: unknown): boolean {
  return !(error instanceof ThrownBySave || error instanceof ConfigurationError || error instanceof SerializationError);
}

/**
 * @internal The error reported on `checkpointErrors$` for a failed save of `jobId`: a
 * RoutiluxError from the store as it is (a FileJobStore's StoreError already names job and
 * file); anything else becomes a {@link StoreError} with `jobId` set, the same message, and the
 * original as `cause` (the message is kept as it was so existing log matching still works).
 *
 * @example
 * ```ts
 * checkpointFailure('order-17', new Error('disk full')); // StoreError { jobId: 'order-17', message: 'disk full', cause }
 * ```
 */
export function checkpointFailure(jobId: string, failure: unknown): RoutiluxError {
  const error = failure instanceof ThrownBySave ? failure.error : failure;
  if (error instanceof RoutiluxError) return error;
  return new StoreError(describeError(error).message, { jobId, cause: error });
}

/**
 * @internal The failure of a save that did not settle within `ms`: a {@link StoreError} for the
 * job whose `cause` is a {@link TimeoutError}.
 *
 * @example
 * ```ts
 * hungSave('order-17', 30_000).message; // "checkpoint of job 'order-17': store.save did not settle within 30000 ms"
 * ```
 */
export function hungSave(jobId: string, ms: number): StoreError {
  const message = `checkpoint of job '${jobId}': store.save did not settle within ${ms} ms`;
  return new StoreError(message, { jobId, cause: new TimeoutError(message) });
}

/**
 * @internal The reason a failed save failed when it is that the state cannot be encoded: the
 * SerializationError `state.toJSON()` throws, naming the path of what cannot be saved. Asked
 * only when the store's error is, or was caused by, a SerializationError (so a store that is
 * merely down costs no encoding); `undefined` when the state encodes fine after all.
 *
 * @example
 * ```ts
 * encodingFailure(state, new SerializationError("job 'j' cannot be saved as JSON")); // SerializationError: job 'j': sharedData.fn: a function ...
 * ```
 */
export function encodingFailure(state: JobState, failure: unknown): SerializationError | undefined {
  if (!causedBySerialization(failure instanceof ThrownBySave ? failure.error : failure)) return undefined;
  try {
    state.toJSON();
    return undefined;
  } catch (error) {
    return error instanceof SerializationError ? error : undefined;
  }
}

function causedBySerialization(error: unknown): boolean {
  let current = error;
  // A bounded walk down the cause chain: a store may wrap the codec's error in its own.
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof SerializationError) return true;
    try {
      current = (current as { cause?: unknown }).cause;
    } catch {
      return false; // a throwing getter: not ours
    }
  }
  return false;
}
