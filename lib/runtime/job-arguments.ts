import { ConfigurationError, describeValue } from '../errors/errors.js';

/**
 * @internal Refuses a job timeout that is not a positive finite number of ms (at most
 * `Number.MAX_SAFE_INTEGER`): the check a local job's start makes, shared with the runners that
 * start jobs elsewhere, so a bad timeout is refused where it is given, not on a worker later.
 *
 * @throws {ConfigurationError} naming the value.
 * @example
 * ```ts
 * checkJobTimeout(options.timeout); // undefined or 30_000 pass; Infinity, 0, '5' throw
 * ```
 */
export function checkJobTimeout(timeout: unknown): void {
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || timeout > Number.MAX_SAFE_INTEGER)) {
    throw new ConfigurationError(`job timeout must be a positive finite number of ms, got ${describeValue(timeout)}`);
  }
}

/**
 * @internal Refuses a pause reason that is not a string and a checkpoint that is not a plain
 * object (undefined passes: no checkpoint), for job `jobId`: a local pause and a remote one
 * refuse the same calls with the same error, before anything changes.
 *
 * @throws {ConfigurationError} naming the job and what was wrong.
 * @example
 * ```ts
 * checkPauseArgs('order-17', 'needs review', { ticket: 42 }); // passes
 * ```
 */
export function checkPauseArgs(jobId: string, reason: unknown, checkpoint: unknown): void {
  if (typeof reason !== 'string') throw new ConfigurationError(`pause job '${jobId}': the reason must be a string, got ${typeof reason}`);
  if (checkpoint !== undefined && (typeof checkpoint !== 'object' || checkpoint === null || Array.isArray(checkpoint))) {
    throw new ConfigurationError(`pause job '${jobId}': the checkpoint must be a plain object, got ${checkpoint === null ? 'null' : Array.isArray(checkpoint) ? 'an array' : typeof checkpoint}`);
  }
}

/**
 * @internal Refuses a cancel reason that is not a string (undefined passes: the default
 * reason), for job `jobId`: a local cancel and a remote one refuse the same calls, before
 * anything changes (the reason is written into the job's error).
 *
 * @throws {ConfigurationError} naming the job and the reason's type.
 * @example
 * ```ts
 * checkCancelReason('order-17', 'user left'); // passes
 * ```
 */
export function checkCancelReason(jobId: string, reason: unknown): void {
  if (reason !== undefined && typeof reason !== 'string') throw new ConfigurationError(`cancel job '${jobId}': the reason must be a string, got ${reason === null ? 'null' : typeof reason}`);
}

/**
 * @internal What `check` throws, as a rejected promise; undefined when it passes (for the
 * controls that reject rather than throw).
 *
 * @example
 * ```ts
 * return refusal(() => checkCancelReason(id, reason)) ?? send();
 * ```
 */
export function refusal(check: () => void): Promise<never> | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}
