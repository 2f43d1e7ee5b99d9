import { RoutiluxError, SerializationError, StoreError } from '../errors/errors.js';
import { storeErrorOf } from '../persistence/store-error-of.js';

/**
 * @internal Runs one Redis operation of a RedisJobStore; anything it throws or rejects with but
 * a RoutiluxError becomes a StoreError naming the job and the key.
 *
 * @throws {StoreError} (rejects) when the operation fails.
 * @example
 * ```ts
 * const reply = await storeCall('order-17', keys.state, 'load', () => LOAD.run(client, [keys.state, keys.journal, keys.meta], []));
 * ```
 */
export function storeCall<T>(jobId: string | undefined, key: string, what: string, op: () => Promise<T>): Promise<T> {
  return storeSend(jobId, key, what, op, same);
}

const same = <T>(reply: T): T => reply;

/**
 * @internal {@link storeCall} and then `then` on its reply, as one promise over the
 * operation's (no async wrappers: every owner's checkpoint goes through here). What `then`
 * throws is passed on as it is, not wrapped.
 *
 * @throws {StoreError} (rejects) when the operation fails; whatever `then` throws.
 * @example
 * ```ts
 * const seq = await storeSend('order-17', keys.state, 'save', () => SAVE.run(client, keys5, args), (reply) => Number(reply[1]));
 * ```
 */
export function storeSend<T, R>(jobId: string | undefined, key: string, what: string, op: () => Promise<T>, then: (reply: T) => R): Promise<R> {
  let pending: Promise<T>;
  try {
    pending = op();
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.then(then, (error: unknown) => {
    const subject = jobId === undefined ? 'jobs' : `job '${jobId}'`;
    throw storeErrorOf(error, `RedisJobStore: cannot ${what} ${subject}`, { ...(jobId === undefined ? {} : { jobId }), file: key });
  });
}

/**
 * @internal What loading job `jobId` from `file` (its snapshot key) rejects with when its stored
 * text could not be read back: the codec's SerializationError names no job ('job JSON: malformed
 * JSON'), so a snapshot cut or edited by hand is named here; anything else as {@link storeCall}.
 *
 * @example
 * ```ts
 * throw loadError(error, 'order-17', 'rlx:job:{order-17}:state'); // SerializationError: RedisJobStore: cannot load job 'order-17' (...): job JSON: ...
 * ```
 */
export function loadError(error: unknown, jobId: string, file: string): RoutiluxError {
  const what = `RedisJobStore: cannot load job '${jobId}'`;
  if (error instanceof SerializationError) return new SerializationError(`${what} (${file}): ${error.message}`, { cause: error });
  return storeErrorOf(error, what, { jobId, file });
}

/**
 * @internal The rejection handler of a `BullMQRunner` call for job `jobId` that Redis failed
 * (refused under OOM or on a replica, a dropped connection): callers branch on one class, as with
 * the store, so it throws a StoreError naming the job and `key`, with the Redis error as its
 * `cause` (a RoutiluxError, such as a closed runner's, passes as it is).
 *
 * @throws {StoreError} always (or the RoutiluxError it was given).
 * @example
 * ```ts
 * await CONTROL.run(client, keys3, args).catch(clientError('order-17', keys.control, "send 'pause' to"));
 * ```
 */
export function clientError(jobId: string, key: string, what: string): (error: unknown) => never {
  return (error: unknown) => {
    throw storeErrorOf(error, `BullMQRunner: cannot ${what} job '${jobId}'`, { jobId, file: key });
  };
}

/**
 * @internal A journal entry of job `jobId` as the JSON text RedisJobStore appends to `key`. An
 * entry JSON cannot carry (a BigInt, a cycle) or drops altogether (`undefined`, a function) is
 * refused here, as MemoryJobStore refuses the former: appended, it would make the job unloadable.
 *
 * @throws {StoreError} naming the job and the key, the JSON error (if any) as its cause.
 * @example
 * ```ts
 * journalText('order-17', { format: 'routilux.journal', version: 1, jobId: 'order-17', fields: {} }, keys.journal); // '{"format":...}'
 * ```
 */
export function journalText(jobId: string, entry: unknown, key: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(entry);
  } catch (error) {
    throw storeErrorOf(error, `RedisJobStore: cannot journal job '${jobId}': the entry is not JSON-safe`, { jobId, file: key });
  }
  if (typeof text !== 'string') throw new StoreError(`RedisJobStore: cannot journal job '${jobId}': the entry has no JSON form (got ${typeof entry})`, { jobId, file: key });
  return text;
}
