import { StoreError } from '../errors/errors.js';

/** The StoreErrors of writes refused by a lease epoch (kept apart from every other StoreError). */
const FENCED = new WeakSet<object>();

/**
 * @internal The StoreError of a write refused because the job's lease changed hands: a former
 * holder must stop running the job, not retry.
 *
 * @example
 * ```ts
 * throw fenced(`job 'a' was taken over`, 'a', 'rlx:job:{a}:state');
 * ```
 */
export function fenced(message: string, jobId: string, key: string): StoreError {
  const error = new StoreError(message, { jobId, file: key });
  FENCED.add(error);
  return error;
}

/**
 * Whether `error` is a write a {@link RedisJobStore} refused because the job's lease was taken
 * over by another holder (so this process no longer owns the job).
 *
 * @example
 * ```ts
 * flow.checkpointErrors$.subscribe(({ jobId, error }) => { if (isFencedWrite(error)) stopLocalCopy(jobId); });
 * ```
 */
export function isFencedWrite(error: unknown): boolean {
  return typeof error === 'object' && error !== null && FENCED.has(error);
}
