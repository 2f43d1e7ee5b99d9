import { Subject } from 'rxjs';
import type { JobState } from '../state/job-state.js';
import type { OutputRecord } from '../core/records.js';
import { SnapshotMarks, takeSnapshot } from './snapshot-builder.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal The watching side of one job: the immutable snapshot made on demand from its
 * mutable state, and everybody it is delivered to (`state$`, `output$`, `wait()`). Kept out
 * of JobRuntime so that the work accounting reads on its own; nothing here runs per
 * activation, and a job nobody watches never creates a Subject. It is also the snapshot's
 * {@link SnapshotMarks} (what the last snapshot holds): one object per job, not two.
 */
export class JobObservers extends SnapshotMarks {
  private snapVersion = 0;
  private last: JobState | undefined = undefined;
  private emittedVersion = 0;
  private states: Subject<JobState> | undefined = undefined;
  /** The Subject behind `output$` (created on demand, completed when the job completes or is cancelled). */
  outputs: Subject<OutputRecord> | undefined = undefined;
  /** `wait()` callers: one function, or a list once there are several (most jobs have one). */
  private waiters: ((state: JobState) => void) | Array<(state: JobState) => void> | undefined = undefined;
  /** While set, a resting status does not resolve the waiters yet (see {@link JobObservers.holdWaiters}). */
  holding = false;

  constructor(private readonly job: JobRuntime) {
    super();
  }

  /** The job's state now; made again only when it changed since the last one. */
  snapshot(): JobState {
    const job = this.job;
    if (this.snapVersion !== job.version || this.last === undefined) {
      this.last = takeSnapshot(job, this.last, this);
      this.snapVersion = job.version;
    }
    return this.last;
  }

  /**
   * Keeps the waiters of the next resting status until {@link JobObservers.releaseWaiters}: a job
   * paused by its own synchronous activation is resting while that activation still runs, and
   * what it does after the pause belongs in the state they get.
   */
  holdWaiters(): void {
    this.holding = true;
  }

  /** Resolves the held waiters with the state now, if the job is still resting (else they wait on). */
  releaseWaiters(): void {
    if (!this.holding) return;
    this.holding = false;
    if (this.job.resting) this.resolveWaiters(this.snapshot());
  }

  /** Whether anybody subscribed to `state$` before the job reached a terminal status. */
  get watched(): boolean {
    return this.states !== undefined;
  }

  /** The Subject behind `state$` (created on demand, closed at a terminal status). */
  stateSubject(): Subject<JobState> {
    return (this.states ??= new Subject<JobState>());
  }

  /** A `wait()` caller, resolved at the next resting status; returns its removal. */
  addWaiter(resolve: (state: JobState) => void): () => void {
    this.wait(resolve);
    return () => this.unwait(resolve);
  }

  /** {@link JobObservers.addWaiter} without making a removal (a wait with no timeout or signal never removes itself). */
  wait(resolve: (state: JobState) => void): void {
    const w = this.waiters;
    if (w === undefined) this.waiters = resolve;
    else if (typeof w === 'function') this.waiters = [w, resolve];
    else w.push(resolve);
  }

  /** Removes a waiter added with {@link JobObservers.wait} (once, if it was added twice). */
  unwait(resolve: (state: JobState) => void): void {
    const w = this.waiters;
    if (w === resolve) this.waiters = undefined;
    else if (Array.isArray(w)) {
      const i = w.indexOf(resolve);
      if (i >= 0) w.splice(i, 1);
    }
  }

  /** End of a dispatch turn: one snapshot to `state$`, if anything changed since the last. */
  afterTurn(): void {
    if (this.states !== undefined && this.states.observed && this.emittedVersion !== this.job.version) {
      this.emittedVersion = this.job.version;
      this.states.next(this.snapshot());
    }
  }

  /** A status change: `state$` sees it at once (and completes at a terminal one); a resting one resolves the waiters. */
  statusChanged(state: JobState, resting: boolean, terminal: boolean): void {
    if (this.states !== undefined) {
      this.emittedVersion = this.job.version;
      this.states.next(state);
      if (terminal) {
        const s = this.states;
        this.states = undefined;
        s.complete();
      }
    }
    if (resting && !this.holding) this.resolveWaiters(state);
  }

  private resolveWaiters(state: JobState): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    this.waiters = undefined;
    if (typeof waiters === 'function') waiters(state);
    else for (const w of waiters) w(state);
  }
}

