import { isResting } from '../core/job-status.js';
import type { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import { diffJobStates, isEmptyEntry } from '../state/job-journal.js';
import { journalEntryToJSON } from '../state/job-journal-json.js';
import type { JobRuntime } from './job-runtime.js';
import { ThrownBySave } from './checkpoint-failure.js';

/** The last snapshot of a job that reached the store (saved, or journaled onto a saved one). */
interface Base {
  readonly job: JobRuntime;
  state: JobState;
  /** Journal entries written since the last full save. */
  entries: number;
}

/**
 * @internal One checkpoint write, decided when the attempt starts: `run` performs it (an append
 * of the diff, a full save, or nothing when the job did not change since the last write), and
 * `landed` records that it reached the store.
 *
 * @example
 * ```ts
 * const write = journal.plan(store, id, job, job.snapshot());
 * await write.run(); write.landed();
 * ```
 */
export interface CheckpointWrite {
  run(): Promise<void>;
  landed(): void;
}

/**
 * @internal The write-ahead journal side of the checkpointer (policy `'always'` with a store that
 * has `appendJournal`): after a dispatch turn the checkpoint is the diff between the last snapshot
 * that reached the store and the current one, as one journal entry; a full `save` (which
 * compacts the journal) when there is no such snapshot yet (the first write of a job runtime,
 * or after any failed write), when the job rests (paused, completed, failed, cancelled) or its
 * status changed since that snapshot, and after every `compactEvery` entries. A failed write forgets the base, so the next attempt is a
 * full save: nothing a failed append carried is lost.
 *
 * @example
 * ```ts
 * const journal = new CheckpointJournal(true, 200);
 * const write = journal.plan(store, job.id, job, job.snapshot());
 * ```
 */
export class CheckpointJournal {
  private readonly bases = new Map<string, Base>();
  /** Ids whose next write is a full save, whatever changed (see {@link saveInFull}). */
  private readonly full = new Set<string>();

  constructor(
    private readonly enabled: boolean,
    private readonly compactEvery: number,
  ) {}

  /** The write that checkpoints `state` of `job` (registered under `id`) into `store`. */
  plan(store: JobStore, id: string, job: JobRuntime, state: JobState): CheckpointWrite {
    const base = this.bases.get(id);
    const journal = this.enabled && typeof store.appendJournal === 'function';
    // A status change is a full save too: a store may announce status changes from its saves
    // (RedisJobStore publishes them to remote clients), and a journal entry announces nothing.
    if (journal && base !== undefined && base.job === job && !isResting(state.status) && base.state.status === state.status && base.entries < this.compactEvery && !this.full.has(id)) {
      return {
        run: () => {
          const entry = diffJobStates(base.state, state);
          if (isEmptyEntry(entry)) return Promise.resolve();
          const json = journalEntryToJSON(entry); // a SerializationError here is the job's, not the store's
          return call(() => store.appendJournal!(id, json));
        },
        landed: () => {
          base.state = state;
          base.entries++;
        },
      };
    }
    this.bases.delete(id);
    this.full.delete(id);
    return {
      run: () => call(() => store.save(state)),
      landed: () => {
        if (journal && !isResting(state.status)) this.bases.set(id, { job, state, entries: 0 });
      },
    };
  }

  /**
   * The next write of `id` planned is a full save, even after a write in flight lands (which
   * sets a new base): a store that announces saves has something to announce (see OwnerWriter).
   */
  saveInFull(id: string): void {
    this.full.add(id);
  }

  /** A write of `id` failed, or its outcome is unknown: the next one is a full save. */
  forget(id: string): void {
    this.bases.delete(id);
  }
}

/** Calls the store, marking a synchronous throw (a broken store contract: not retried). */
function call(write: () => Promise<void>): Promise<void> {
  try {
    return write();
  } catch (error) {
    throw new ThrownBySave(error);
  }
}
