import { Subject, type Observable } from 'rxjs';
import { ConfigurationError, TimeoutError } from '../errors/errors.js';
import type { JobStore } from '../state/job-store.js';
import type { JobState } from '../state/job-state.js';
import type { JobRuntime } from './job-runtime.js';
import { checkpointFailure, encodingFailure, hungSave, retryable } from './checkpoint-failure.js';
import { failJob } from './job-control.js';
import { resolveCheckpointOptions, type CheckpointOptions, type ResolvedCheckpointOptions } from './checkpoint-options.js';
import { CheckpointJournal } from './checkpoint-journal.js';
import type { SnapshotTagger } from './snapshot-tagger.js';

/**
 * A checkpoint that failed to save: one report per failed attempt. `error` is a RoutiluxError:
 * the store's own, or a `StoreError` naming the job with what the store threw as its `cause`
 * (for a save that hung, a `TimeoutError`).
 *
 * @example
 * ```ts
 * flow.checkpointErrors$.subscribe(({ jobId, error, willRetry }) => log.warn(jobId, error, willRetry ? 'retrying' : 'gave up'));
 * ```
 */
export interface CheckpointError {
  readonly jobId: string;
  readonly error: unknown;
  /** Which attempt of this write failed (1 = the first). */
  readonly attempt: number;
  /** Whether the checkpointer tries again; `false`: this write is given up. */
  readonly willRetry: boolean;
}

/** What is being written for one job id. */
interface Writes {
  /** The newest runtime notified under this id: a write saves its snapshot at attempt time. */
  job: JobRuntime;
  /** An attempt, or the wait before a retry, is under way. */
  active: boolean;
  /** The job changed since the snapshot being written was taken. */
  wanted: boolean;
  /** Attempts of the current write so far. */
  attempt: number;
  /** Sequence number of the newest `store.save` call for this id. */
  issued: number;
  /** Attempts that timed out and whose promise has not settled yet. */
  abandoned: number;
}

interface Waiter {
  resolve(): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * @internal Saves snapshots to the flow's store by policy, at most one write in progress per
 * job: a save asked for meanwhile is coalesced into one more save of the newest snapshot.
 *
 * Failure semantics (real-time timers throughout: store I/O is real I/O, even under a
 * TestScheduler; the timers keep the process alive while a write is pending, so a process
 * that awaits its work does not exit with a final checkpoint still unwritten):
 * - An attempt that rejects, throws or does not settle within `saveTimeout` fails; each failure
 *   is reported on `errors$`. It is retried after `retryDelay` (doubling, capped) up to
 *   `maxAttempts` attempts, then that write is given up; errors retrying cannot fix (bad input,
 *   unserializable state, a store throwing synchronously) are not retried.
 * - Every attempt saves `job.snapshot()` taken at that moment, so a retry saves the newest state.
 * - A hung attempt stops blocking when its time limit passes; its outcome is ignored, except
 *   that if it succeeds after a newer attempt was started (its older snapshot may have landed
 *   on top), the newest snapshot is saved once more, so the newest state ends on top.
 * - Journal (policy 'always', a store with `appendJournal`): after a turn the write appends
 *   the diff since the last snapshot that reached the store; a full save (compaction) first,
 *   when the job rests, every `compactEvery` entries and after any failure (see checkpoint-journal.ts).
 * - `flushed()` resolves when no write is in progress (finished or given up), which every
 *   write reaches in bounded time; a hung promise no longer counts once it timed out.
 *
 * @example
 * ```ts
 * const checkpointer = new Checkpointer(store, 'always', { saveTimeout: 5_000, maxAttempts: 3 });
 * checkpointer.errors$.subscribe(({ jobId, error, willRetry }) => log.warn(jobId, error, willRetry));
 * checkpointer.notify(job, false); // after a dispatch turn changed the job
 * await checkpointer.flushed({ timeout: 10_000 });
 * ```
 */
export class Checkpointer {
  private readonly writes = new Map<string, Writes>();
  /** Ids with `active` set, counted. */
  private busy = 0;
  private seq = 0;
  private readonly errors = new Subject<CheckpointError>();
  private readonly idle = new Set<Waiter>();
  private readonly options: ResolvedCheckpointOptions;
  private readonly journal: CheckpointJournal;
  readonly errors$: Observable<CheckpointError> = this.errors.asObservable();
  private readonly written = new Subject<string>();
  /** The id of each job whose write (a snapshot or a journal entry) landed. */
  readonly written$: Observable<string> = this.written.asObservable();

  /** @throws {ConfigurationError} for a bad option, naming it. */
  constructor(
    private readonly store: JobStore | undefined,
    private readonly policy: 'never' | 'on-pause' | 'always',
    options?: CheckpointOptions,
    /** What a state that cannot be encoded does: `'fail'` the job, or only `'report'` it on `errors$`. */
    private readonly onEncodeError: 'fail' | 'report' = 'report',
    /** @internal Told each snapshot that reached the store (saved, journaled, or unchanged since). */
    private readonly onLanded?: (id: string, state: JobState) => void,
  ) {
    this.options = resolveCheckpointOptions(options);
    this.journal = new CheckpointJournal(policy === 'always' && this.options.journal, this.options.compactEvery);
  }

  /** A dispatch turn changed `job` (statusChange=false) or its status changed to a resting one. */
  notify(job: JobRuntime, statusChange: boolean): void {
    if (this.store === undefined || this.policy === 'never') return;
    if (this.policy === 'on-pause' && !statusChange) return;
    this.request(job.id, job);
  }

  /** @internal The next write of `id` is a full save, never a journal entry (see CheckpointJournal.saveInFull). */
  saveInFull(id: string): void {
    this.journal.saveInFull(id);
  }

  /**
   * Resolves once no checkpoint is being written (every write landed or was given up). With
   * `timeout` (ms), rejects with a TimeoutError naming the jobs still being written by then.
   */
  flushed(options: { timeout?: number } = {}): Promise<void> {
    const timeout = options?.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || timeout > 2_147_483_647)) {
      return Promise.reject(new ConfigurationError(`checkpointsFlushed: timeout must be a number of ms >= 0, got ${String(timeout)}`));
    }
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, timer: undefined };
      if (timeout !== undefined) {
        waiter.timer = setTimeout(() => {
          this.idle.delete(waiter);
          reject(new TimeoutError(`checkpointsFlushed: still writing after ${timeout} ms: ${this.describeBusy()}`));
        }, timeout);
      }
      this.idle.add(waiter);
    });
  }

  private describeBusy(): string {
    const ids = [...this.writes].filter(([, w]) => w.active).map(([id]) => `'${id}'`);
    return `job ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`;
  }

  /** Starts a write of the newest snapshot of `id`, or asks the one in progress for another. */
  private request(id: string, job?: JobRuntime): void {
    let w = this.writes.get(id);
    if (w === undefined) {
      if (job === undefined) return;
      w = { job, active: false, wanted: false, attempt: 0, issued: 0, abandoned: 0 };
      this.writes.set(id, w);
    } else if (job !== undefined) w.job = job;
    if (w.active) {
      w.wanted = true;
      return;
    }
    w.active = true;
    this.busy++;
    this.attempt(id, w);
  }

  private attempt(id: string, w: Writes): void {
    w.wanted = false;
    w.attempt++;
    const seq = (w.issued = ++this.seq);
    const state: JobState = w.job.snapshot();
    // (What the store tags this write with, it learns now: the write starts a microtask later.)
    (this.store as Partial<SnapshotTagger>).snapshotTaken?.(id, state);
    const write = this.journal.plan(this.store!, id, w.job, state);
    let decided = false;
    const limit = setTimeout(() => {
      if (decided) return;
      decided = true;
      w.abandoned++;
      this.failed(id, w, hungSave(id, this.options.saveTimeout));
    }, this.options.saveTimeout);
    const settle = (ok: boolean, error?: unknown): void => {
      clearTimeout(limit);
      if (decided) return this.late(id, w, seq, ok);
      decided = true;
      if (ok) write.landed();
      if (ok) this.onLanded?.(id, state);
      if (ok && this.written.observed) this.written.next(id);
      if (ok) this.next(id, w);
      else this.failed(id, w, error, state);
    };
    // Through a promise so a store that throws synchronously is reported like one that
    // rejects, instead of escaping into the dispatcher. The microtask still runs before the
    // next dispatch turn, so a store that appends synchronously has the turn on disk by then.
    Promise.resolve()
      .then(() => write.run())
      .then(
        () => settle(true),
        (error: unknown) => settle(false, error),
      );
  }

  private failed(id: string, w: Writes, error: unknown, state?: JobState): void {
    this.journal.forget(id); // what reached the store is unknown now: the next write saves in full
    const unencodable = state === undefined ? undefined : encodingFailure(state, error);
    const willRetry = unencodable === undefined && retryable(error) && w.attempt < this.options.maxAttempts;
    this.errors.next({ jobId: id, error: checkpointFailure(id, error), attempt: w.attempt, willRetry });
    // Loud, not undurable: the job fails as an activation failing under STOP would.
    if (unencodable !== undefined && this.onEncodeError === 'fail') failJob(w.job, unencodable, undefined);
    if (!willRetry) return this.next(id, w);
    const { retryDelay, maxRetryDelay } = this.options;
    const delay = Math.min(maxRetryDelay, retryDelay * 2 ** (w.attempt - 1));
    // Up to half off at random, so many jobs failing together do not retry in lockstep.
    setTimeout(() => this.attempt(id, w), delay * (1 - Math.random() / 2));
  }

  /** The current write is done (landed or given up): write again if the job changed, else rest. */
  private next(id: string, w: Writes): void {
    w.attempt = 0;
    if (w.wanted) return this.attempt(id, w);
    w.active = false;
    this.busy--;
    this.forgetIfIdle(id, w);
    if (this.busy === 0) {
      for (const waiter of this.idle) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      }
      this.idle.clear();
    }
  }

  /** A timed-out attempt settled after all. */
  private late(id: string, w: Writes, seq: number, ok: boolean): void {
    w.abandoned--;
    // Its older snapshot may have landed after a newer attempt's: put the newest back on top.
    if (ok && w.issued > seq) this.request(id);
    else this.forgetIfIdle(id, w);
  }

  private forgetIfIdle(id: string, w: Writes): void {
    if (!w.active && w.abandoned === 0 && this.writes.get(id) === w) this.writes.delete(id);
  }
}
