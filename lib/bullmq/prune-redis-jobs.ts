import { createHash } from 'node:crypto';
import { SerializationError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import { isPrunable, type ResolvedPruneOptions } from '../persistence/prune-options.js';
import type { RedisClient } from './lua-script.js';
import { jobKeys } from './redis-keys.js';
import { storeCall } from './store-call.js';
import { LOAD, PRUNE_ONE } from './store-scripts.js';

/**
 * @internal What {@link pruneRedisJobs} needs of its RedisJobStore.
 *
 * @example
 * ```ts
 * const source: PruneSource = { client, prefix: 'rlx', ids: ['order-17'], parse: (id, text, journal) => store.parseStored(id, text, journal) };
 * ```
 */
export interface PruneSource {
  readonly client: RedisClient;
  readonly prefix: string;
  readonly ids: readonly string[];
  /** A stored snapshot text with its journal applied. @throws {SerializationError} for a corrupt one. */
  parse(jobId: string, text: string, journal: readonly string[]): JobState;
}

/**
 * @internal RedisJobStore's `prune` over the stored jobs `ids`: deletes each job `options`
 * selects whose lease nobody holds; resolves with how many it deleted.
 *
 * Each job is read (its snapshot and journal), judged, and deleted by PRUNE_ONE only if what is
 * stored is still exactly what was judged (a digest of the snapshot and journal texts): a job
 * another process saved or journaled meanwhile (a failed job resumed, say) is kept, as
 * FileJobStore reads a job again under its lease before deleting it. Corrupt jobs are kept
 * (their status is unknown). A failure on one job does not stop the others; the first one is
 * rethrown at the end, as FileJobStore does.
 *
 * @throws {StoreError} when a job could not be read or deleted.
 * @example
 * ```ts
 * const deleted = await pruneRedisJobs({ client, prefix: 'rlx', ids: await store.list(), parse }, resolved);
 * ```
 */
export async function pruneRedisJobs(source: PruneSource, options: ResolvedPruneOptions): Promise<number> {
  const { client, prefix } = source;
  let deleted = 0;
  let failure: { error: unknown } | undefined;
  for (const jobId of source.ids) {
    const keys = jobKeys(prefix, jobId);
    try {
      const [text, journal] = await storeCall(jobId, keys.state, 'prune', () => LOAD.run(client, [keys.state, keys.journal, keys.meta], []) as Promise<[string | null, string[], string]>);
      if (typeof text !== 'string' || !selected(source, jobId, text, journal, options)) continue;
      const digest = storedDigest(text, journal);
      const done = await storeCall(jobId, keys.state, 'prune', () => PRUNE_ONE.run(client, [keys.state, keys.journal, keys.meta, keys.control, keys.inbox], [digest]));
      if (done === 1) deleted++;
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
  return deleted;
}

function selected(source: PruneSource, jobId: string, text: string, journal: readonly string[], options: ResolvedPruneOptions): boolean {
  try {
    return isPrunable(source.parse(jobId, text, journal), options, Date.now());
  } catch (error) {
    if (error instanceof SerializationError) return false; // a corrupt one is kept, as on disk
    throw error;
  }
}

/**
 * @internal The digest PRUNE_ONE compares: SHA-1 of the snapshot text and the journal entries,
 * joined by newlines (JSON texts hold none, so the joining is one-to-one).
 *
 * @example
 * ```ts
 * storedDigest('{"format":"routilux.job",...}', []); // 'a94a8fe5cc...'
 * ```
 */
export function storedDigest(text: string, journal: readonly string[]): string {
  const hash = createHash('sha1').update(text);
  for (const entry of journal) hash.update('\n').update(entry);
  return hash.digest('hex');
}
