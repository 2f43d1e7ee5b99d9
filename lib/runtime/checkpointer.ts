import { Subject, type Observable } from 'rxjs';
import type { JobStore } from '../state/job-store.js';
import type { JobState } from '../state/job-state.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * A checkpoint that failed to save.
 *
 * @example
 * ```ts
 * flow.checkpointErrors$.subscribe(({ jobId, error }) => log.warn(jobId, error));
 * ```
 */
export interface CheckpointError {
  readonly jobId: string;
  readonly error: unknown;
}

/**
 * @internal Saves snapshots to the flow's store by policy, with at most one write in flight per
 * job: a save asked for while one is running is coalesced into one more save of the newest
 * snapshot when it finishes, so a burst of turns never queues a write per turn.
 */
export class Checkpointer {
  private readonly writing = new Map<JobRuntime, boolean>(); // value: another save wanted
  private readonly errors = new Subject<CheckpointError>();
  private readonly idle: Array<() => void> = [];
  readonly errors$: Observable<CheckpointError> = this.errors.asObservable();

  constructor(
    private readonly store: JobStore | undefined,
    private readonly policy: 'never' | 'on-pause' | 'always',
  ) {}

  /** A dispatch turn changed `job` (statusChange=false) or its status changed to a resting one. */
  notify(job: JobRuntime, statusChange: boolean): void {
    if (this.store === undefined || this.policy === 'never') return;
    if (this.policy === 'on-pause' && !statusChange) return;
    this.save(job);
  }

  /** Resolves once no checkpoint is being written (for orderly shutdown and tests). */
  flushed(): Promise<void> {
    if (this.writing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private save(job: JobRuntime): void {
    if (this.writing.has(job)) {
      this.writing.set(job, true);
      return;
    }
    this.writing.set(job, false);
    const state: JobState = job.snapshot();
    // Through a promise so a store that throws synchronously is reported like one that
    // rejects, instead of escaping into the dispatcher.
    const store = this.store!;
    Promise.resolve()
      .then(() => store.save(state))
      .then(
      () => this.done(job),
      (error: unknown) => {
        this.errors.next({ jobId: job.id, error });
        this.done(job);
      },
    );
  }

  private done(job: JobRuntime): void {
    const again = this.writing.get(job);
    this.writing.delete(job);
    if (again) this.save(job);
    else if (this.writing.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
