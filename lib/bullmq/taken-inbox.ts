import type { JobState } from '../state/job-state.js';
import { PoolResults } from './pool-results.js';

/** @internal What a take read of the job's pool results: its inbox and its meta (field, value, ...). */
export interface TakenInbox {
  readonly inbox: ReadonlyArray<{ key: string; result: string }>;
  readonly meta: readonly string[];
}

/**
 * @internal The pool results a new owner starts with (undefined: none, and incarnation 0, most
 * jobs). A running or paused job's inbox holds the results its last owner's activations left: a
 * replay takes them, under the job's incarnation (meta `inc`, which every result key carries). A
 * failed job's are stale: a resume runs its failed and interrupted activations again under their
 * ids, as in-process, and a result of the run that failed (even one written after the job was
 * let go, by an activation that ignored its abort) must not be taken, nor its BullMQ pool job,
 * maybe still running, be the one a new send finds. So none is delivered, and the owner starts
 * one incarnation up (its checkpoints keep it in the meta; see also OwnedJob's resume of its own
 * failed job). `early`: the results published to this owner between the take and now (written
 * after the take read the inbox), which are kept, after the inbox's.
 *
 * @example
 * ```ts
 * const pool = takenInbox(loaded, taken, published); // PoolResults | undefined
 * ```
 */
export function takenInbox(state: JobState | undefined, taken: TakenInbox, early: PoolResults | undefined): PoolResults | undefined {
  let incarnation = 0;
  for (let i = 0; i + 1 < taken.meta.length; i += 2) if (taken.meta[i] === 'inc') incarnation = Number(taken.meta[i + 1]);
  const failed = state?.status === 'failed';
  if (failed) incarnation++;
  if (taken.inbox.length === 0 && incarnation === 0) return early; // (a failed job is one up: never here)
  const results = new PoolResults();
  results.setIncarnation(incarnation);
  // (Results keeps only this incarnation's: one of a run that failed is never taken, nor counted by a replay.)
  if (!failed) for (const { key, result } of taken.inbox) results.deliver(key, result);
  // Then those published since, which were written after: the first result under a key is the
  // inbox's (a second one is a re-run's, and the last owner applied the first).
  early?.handReadyTo(results);
  return results;
}
