import type { Queue } from 'bullmq';
import { JobStateError } from '../errors/errors.js';
import { storeErrorOf } from '../persistence/store-error-of.js';
import { UNREGISTER } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';
import { jobKeys } from './redis-keys.js';

/** The errors made by {@link startNotQueued}: a start known not to have been queued. */
const marked = new WeakSet<Error>();

/**
 * @internal The failure of a start its `BullMQRunner` was closed before queueing: certainly not
 * queued (unlike a start whose add was on its way), so its handle fails with it instead of
 * telling waiters that the job may be running elsewhere. `freed`: whether its id was given back.
 *
 * @example
 * ```ts
 * throw startNotQueued('order-17', 'rlx', true); // a JobStateError that isStartNotQueued() recognizes
 * ```
 */
export function startNotQueued(jobId: string, prefix: string, freed: boolean): JobStateError {
  const error = new JobStateError(
    `job '${jobId}' was not queued: its BullMQRunner (prefix '${prefix}') was closed first; ` +
      (freed ? 'its id is free again' : `its id may still be registered (free it with runner.store.delete('${jobId}'))`),
  );
  marked.add(error);
  return error;
}

/**
 * @internal Whether `error` is a {@link startNotQueued} failure.
 *
 * @example
 * ```ts
 * if (isStartNotQueued(error)) view.local(failed); // not "may or may not have been queued"
 * ```
 */
export function isStartNotQueued(error: unknown): boolean {
  return error instanceof Error && marked.has(error);
}

/**
 * @internal Gives back the id a start registered (with `token`) and never queued, and resolves
 * with that start's failure (saying whether the id is free again: not when Redis could not be
 * asked, or the id is no longer this start's).
 *
 * @example
 * ```ts
 * throw await giveBackId(client, 'rlx', 'order-17', token); // the runner was closed before the add
 * ```
 */
export async function giveBackId(client: RedisClient, prefix: string, jobId: string, token: string): Promise<JobStateError> {
  return startNotQueued(jobId, prefix, await unregister(client, prefix, jobId, token));
}

/** UNREGISTER of the claim `token` made: whether the id is free (false too when Redis could not be asked). */
function unregister(client: RedisClient, prefix: string, jobId: string, token: string): Promise<boolean> {
  const k = jobKeys(prefix, jobId);
  return UNREGISTER.run(client, [k.state, k.meta, k.control], [token]).then((n) => n === 1, () => false);
}

/**
 * @internal What a start whose BullMQ add failed rejects with: a StoreError naming the job. When
 * Redis answered the add with an error (refused under OOM or on a replica) and no BullMQ job of
 * that id exists, nothing was queued and nothing will run it: the id its start registered
 * (with `token`) is given back, as a refused registration claims none, instead of staying taken
 * for good with no job behind it. Any other failure (a connection given up: the add may yet
 * land) keeps the claim.
 *
 * @example
 * ```ts
 * await adder.add(queue, 'start', data, opts).catch((e) => addFailed(client, queue, 'rlx', 'order-17', token, 'order-17.1', e));
 * ```
 */
export async function addFailed(client: RedisClient, queue: Queue, prefix: string, jobId: string, token: string, bullId: string, error: unknown): Promise<never> {
  const refused = (error as Error)?.name === 'ReplyError' && (await queue.getJob(bullId).then((job) => job === undefined, () => false));
  const freed = refused && (await unregister(client, prefix, jobId, token));
  throw storeErrorOf(error, `BullMQRunner: cannot queue job '${jobId}' (${freed ? 'its id is free again' : 'its id stays registered'})`, { jobId, file: jobKeys(prefix, jobId).meta });
}
