import type { JobState } from '../state/job-state.js';
import { INCARNATE } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';
import { PoolResults } from './pool-results.js';
import type { JobKeys } from './redis-keys.js';

/** @internal What a take read of the job's pool results: its inbox and its meta (field, value, ...). */
export interface TakenInbox {
  readonly inbox: ReadonlyArray<{ key: string; result: string }>;
  readonly meta: readonly string[];
}

/**
 * @internal The pool results a new owner starts with (undefined: none, and incarnation 0, most
 * jobs). A running or paused job's inbox holds the results its last owner's activations left:
 * a replay takes them. A failed job's is stale: a resume runs its failed and interrupted
 * activations again under their ids, as in-process, and a result of the run that failed (one
 * even written after the job was let go, by an activation that ignored its abort) must not be
 * taken, nor its BullMQ pool job be the one a new send finds. So the inbox is dropped and the
 * job's incarnation, which every result key carries, goes up (INCARNATE). 'lost': the epoch is
 * no longer the job's.
 *
 * @example
 * ```ts
 * const pool = await takenInbox(client, keys, epoch, loaded, taken);
 * if (pool === 'lost') return 'lost';
 * ```
 */
export async function takenInbox(client: RedisClient, keys: JobKeys, epoch: string, state: JobState | undefined, taken: TakenInbox): Promise<PoolResults | undefined | 'lost'> {
  if (state?.status === 'failed') {
    const incarnation = Number(await INCARNATE.run(client, [keys.meta, keys.inbox], [epoch]));
    if (incarnation < 0) return 'lost';
    const results = new PoolResults();
    results.incarnation = incarnation;
    return results;
  }
  let incarnation = 0;
  for (let i = 0; i + 1 < taken.meta.length; i += 2) if (taken.meta[i] === 'inc') incarnation = Number(taken.meta[i + 1]);
  if (taken.inbox.length === 0 && incarnation === 0) return undefined;
  const results = new PoolResults();
  results.incarnation = incarnation;
  for (const { key, result } of taken.inbox) results.deliver(key, result);
  return results;
}
