import { isTerminal } from '../core/job-status.js';
import type { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import type { SnapshotTagger } from '../runtime/snapshot-tagger.js';
import { fenced } from './fenced-error.js';
import type { RedisJobStore } from './redis-job-store.js';
import type { JobKeys } from './redis-keys.js';

/** @internal What the writer asks of the ownership it writes for. */
export interface WriterOwner {
  /** `released`: let go with its final snapshot; `gone`: lost or handed over; else owned here. */
  ownership(): 'owned' | 'released' | 'gone';
  /** The cursor and the epoch a write carries now, and the job's incarnation a save keeps ('' = none yet). */
  write(): { cursor: string; epoch: string; inc?: string };
  /** The pauses settled by an answer published so far (see OwnerCommands.answered). */
  answered(): number;
  /** The release a settled job's save may do, when nothing is in flight or unread here. */
  release(): { owner: string; seen: string } | undefined;
  /** The save let the job go. */
  releasedBySave(): void;
}

/**
 * @internal The store an owner's Checkpointer writes to: every save and journal entry fenced by
 * the ownership's epoch and carrying its control cursor; a paused job's quiescent snapshot published again (a
 * client's `pause()` resolves on it); a settled job's save letting the job go in the same step
 * when nothing is unread. Once let go, later writes are dropped; once lost, refused.
 *
 * @example
 * ```ts
 * const checkpointer = new Checkpointer(ownerWriter(store, jobId, keys, owner), 'always');
 * ```
 */
export function ownerWriter(store: RedisJobStore, jobId: string, keys: JobKeys, owner: WriterOwner): JobStore {
  return new OwnerWriter(store, jobId, keys, owner);
}

/** The writer itself: one object per ownership (methods, not a closure each). */
class OwnerWriter implements JobStore, SnapshotTagger {
  private last: JobState | undefined = undefined;
  /** The cursor (and epoch) as of the snapshot the next write carries (see snapshotTaken). */
  private tag: { cursor: string; epoch: string; inc?: string } | undefined = undefined;
  /** The owner's answers published before the last save that landed started: that save's status publication follows them. */
  private announced = 0;

  constructor(
    private readonly store: RedisJobStore,
    private readonly jobId: string,
    /** The job's keys (made once per ownership, not once per save). */
    private readonly keys: JobKeys,
    private readonly owner: WriterOwner,
  ) {}

  save(state: JobState): Promise<void> {
    const owner = this.owner;
    const gate = this.gate();
    if (gate !== undefined) return gate;
    // Judged against the last save that landed (the Checkpointer writes one at a time): if the
    // save that would have announced the settled pause is given up, the next one announces it.
    const last = this.last;
    const settled = state.status === 'paused' && state.runningTasks.length === 0 && last?.status === 'paused' && last.runningTasks.length > 0;
    // A client's view shows the state a pause's answer carried until a status comes: the first
    // save after an answer publishes its status even when the stored one is the same (a resume
    // applied with the pause leaves it running, and nothing else would tell the client).
    const answered = owner.answered();
    const release = isTerminal(state.status) ? owner.release() : undefined;
    const { cursor, epoch, inc } = this.taken();
    return this.store.saveWith(state, { cursor, epoch, publish: settled || answered > this.announced, release, keys: this.keys, inc }).then((r) => {
      this.last = state;
      this.announced = Math.max(this.announced, answered);
      if (r.released) owner.releasedBySave();
    });
  }

  // A turn's checkpoint as a journal entry (the Checkpointer's journal: a resting status or a
  // status change is always a full save above, so every status publication still comes from SAVE).
  appendJournal(id: string, entry: unknown): Promise<void> {
    return this.gate() ?? this.store.appendJournal(id, entry, this.taken());
  }

  /**
   * The Checkpointer snapshotted the job: its write, a microtask later, carries the cursor of
   * now. Read then, it named a command applied in between (the resume of a [pause, resume]
   * batch), whose effect the state lacks: a next owner would never apply it after a crash.
   */
  snapshotTaken(): void {
    this.tag = this.owner.write();
  }

  /** The tag of the snapshot being written (one write at a time: the Checkpointer's), or of now. */
  private taken(): { cursor: string; epoch: string; inc?: string } {
    const tag = this.tag ?? this.owner.write();
    this.tag = undefined;
    return tag;
  }

  /** What a write does once the job is not owned here: nothing after its final snapshot (released), refused when lost or handed over. */
  private gate(): Promise<void> | undefined {
    const ownership = this.owner.ownership();
    if (ownership === 'released') return Promise.resolve();
    if (ownership === 'gone') return Promise.reject(fenced(`job '${this.jobId}' is no longer owned here`, this.jobId, this.keys.state));
    return undefined;
  }

  load(id: string): Promise<JobState | undefined> {
    return this.store.load(id);
  }

  list(): Promise<string[]> {
    return this.store.list();
  }

  delete(id: string): Promise<void> {
    return this.store.delete(id);
  }
}
