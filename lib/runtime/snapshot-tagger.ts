import type { JobState } from '../state/job-state.js';

/**
 * @internal A store that tags each write with something it knows of the job besides its state
 * (routilux/bullmq's owner: the control cursor, the last command the state reflects). The
 * Checkpointer snapshots a job at once but starts the write a microtask later, when more may
 * have happened to the job (a command applied): it tells such a store the moment it snapshots,
 * so the tag is that of the state written.
 *
 * @example
 * ```ts
 * class TaggingStore extends MemoryJobStore implements SnapshotTagger {
 *   snapshotTaken(jobId: string, state: JobState): void { this.tags.set(jobId, currentCursor()); }
 * }
 * ```
 */
export interface SnapshotTagger {
  /** Called by the Checkpointer right after it snapshotted `state`, before its write starts. */
  snapshotTaken(jobId: string, state: JobState): void;
}
