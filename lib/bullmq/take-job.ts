import { TAKE } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';
import type { JobKeys } from './redis-keys.js';
import { EMPTY_LIST } from '../state/frozen-empties.js';

type Entries = Array<[string, string[]]>;

/** @internal What a worker gets when it takes a job (see TAKE), or when and by whom it was refused. */
export type Taken =
  | { granted: false; retryIn: number }
  | {
      granted: true;
      epoch: string;
      recoveries: number;
      /** The last control entry applied by a former owner ('' = none). */
      cursor: string;
      /** The snapshot (JSON text) and its journal, when the job has one. */
      text: string | null;
      journal: string[];
      /** Control entries after the cursor, and pool results a former owner's activations left. */
      control: Entries;
      inbox: ReadonlyArray<{ key: string; result: string }>;
      /** The job's meta as Redis lists it: field, value, field, value, ... (read once, in order: no object made). */
      meta: readonly string[];
    };

/**
 * @internal Takes a job for `owner` in one round trip: its lease (a new epoch when it changes
 * hands), its snapshot, its unread commands and its inbox. Refused while another owner's lease
 * runs: `retryIn` ms is when to ask again.
 *
 * @example
 * ```ts
 * const taken = await takeJob(client, keys, 'worker-1', 30_000, data.fp, flow.flowId);
 * ```
 */
export async function takeJob(client: RedisClient, k: JobKeys, owner: string, ttl: number, fp: string, flowId: string): Promise<Taken> {
  const reply = (await TAKE.run(client, [k.meta, k.state, k.journal, k.control, k.inbox], [owner, ttl, fp, flowId])) as unknown[];
  if (reply[0] === 0) return { granted: false, retryIn: Math.min(ttl, Math.max(20, Number(reply[2]) - Date.now() + 20)) };
  const [, epoch, , recoveries, cursor, text, journal, control, inbox, meta] = reply as [1, string, string, string, string, string | null, string[], Entries, Entries, string[]];
  // (The inbox of a job no pool activation answered yet, most jobs: the shared frozen empty list.)
  const results = inbox.length === 0 ? EMPTY_LIST : inbox.map(([, fields]) => ({ key: fields[fields.indexOf('k') + 1], result: fields[fields.indexOf('r') + 1] }));
  return { granted: true, epoch, recoveries: Number(recoveries), cursor, text, journal, control, inbox: results, meta };
}
