import { Observable, Subject, observable as observableKey, type Observer, type Subscribable } from 'rxjs';
import { ConfigurationError, JobStateError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { JobState } from '../state/job-state.js';
import type { OutputRecord } from '../core/records.js';
import type { ExecutionTracker } from '../runtime/execution-tracker.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import type { FlowEngine } from './flow-engine.js';
import { JobFailedStreamError } from './job-failed-stream-error.js';
import { waitForRest, type WaitOptions } from './wait-for-rest.js';

export type { WaitOptions } from './wait-for-rest.js';

export { JobFailedStreamError } from './job-failed-stream-error.js';
import { Task } from '../runtime/task.js';
import { cancelJob, pauseJob, resumeJob } from '../runtime/job-control.js';

/**
 * One execution of a flow: its state, its control (pause, resume, cancel), its inputs and its
 * outputs. Returned by `flow.start`, `flow.open` and `flow.resume`. Everything is per job:
 * other jobs of the flow are never affected.
 *
 * @example
 * ```ts
 * const job = flow.start('source', { n: 3 });
 * job.state$.subscribe((s) => console.log(s.status));
 * const final = await job.wait(); // completed | failed | cancelled | paused
 * ```
 */
export class Job {
  /** @internal Made by the flow, one per job (see `FlowEngine.handle`). */
  constructor(
    /** @internal */ readonly _runtime: JobRuntime,
    private readonly engine: FlowEngine,
  ) {}

  get jobId(): string {
    return this._runtime.id;
  }

  /** The latest snapshot. */
  get state(): JobState {
    return this._runtime.snapshot();
  }

  /**
   * The current snapshot, then one per change (at most one per dispatch turn, and one per
   * status change); completes at `completed`, `failed` or `cancelled`.
   */
  get state$(): Observable<JobState> {
    const rt = this._runtime;
    return new Observable<JobState>((subscriber) => {
      subscriber.next(rt.snapshot());
      if (rt.terminal) {
        subscriber.complete();
        return;
      }
      return rt.observers.stateSubject().subscribe(subscriber);
    });
  }

  /** Outputs sent with `sendOutput` from now on (the past ones are in `state.outputLog`); completes when the job completes or is cancelled. */
  get output$(): Observable<OutputRecord> {
    const rt = this._runtime;
    return new Observable<OutputRecord>((subscriber) => {
      if (rt.status === 'completed' || rt.status === 'cancelled') {
        subscriber.complete();
        return;
      }
      return (rt.observers.outputs ??= new Subject<OutputRecord>()).subscribe(subscriber);
    });
  }

  /** Execution tracking for this job. */
  get tracker(): ExecutionTracker {
    return this._runtime.tracker;
  }

  /**
   * Resolves at the next resting status (`completed`, `failed`, `cancelled`, `paused`), at once
   * if the job is resting now. With `timeout`, rejects with {@link TimeoutError} after that many
   * ms of scheduler time and leaves the job running.
   *
   * @example
   * ```ts
   * const state = await job.wait({ timeout: 1000 });
   * ```
   */
  wait(options: WaitOptions = {}): Promise<JobState> {
    return waitForRest(this._runtime, options);
  }

  /**
   * Stops dispatching this job's tasks at once and marks it `paused`; running activations
   * finish and what they emit is queued. Resolves once they have settled (from inside one of
   * this job's handlers: once the others have). Rejects with {@link JobStateError} unless the
   * job is pending or running.
   *
   * @example
   * ```ts
   * const paused = await job.pause('needs review', { ticket: 42 });
   * paused.pendingTasks.length;
   * ```
   */
  pause(reason = '', checkpoint: Payload = EMPTY_PAYLOAD): Promise<JobState> {
    return pauseJob(this._runtime, reason, checkpoint);
  }

  /**
   * Resumes a paused or failed job: its queued tasks run in their original order (a failed
   * job's failed activation first), then its deferred events are emitted. The status is
   * `running` when this returns. Throws {@link JobStateError} in any other status.
   *
   * @example
   * ```ts
   * job.resume(); await job.wait();
   * ```
   */
  resume(): Job {
    resumeJob(this._runtime);
    return this;
  }

  /**
   * Drops the queue, aborts running activations' signals and settles `cancelled`. Rejects with
   * {@link JobStateError} if the job already settled.
   *
   * @example
   * ```ts
   * await job.cancel('user left');
   * ```
   */
  cancel(reason?: string): Promise<JobState> {
    return cancelJob(this._runtime, reason);
  }

  /**
   * Queues an activation of `routineId.slotName` with `data` in this job.
   *
   * @example
   * ```ts
   * job.send('parser', 'in', { line: 'hello' });
   * ```
   */
  send(routineId: string, slotName: string, data: Payload): void {
    const rt = this._runtime;
    const slot = this.engine.graph.require(routineId)._requireSlot(slotName);
    if (!rt.accepting) throw new JobStateError(`cannot send to job '${rt.id}': it is ${rt.status}`);
    checkPayload(data, `send('${routineId}', '${slotName}')`);
    rt.queue(new Task(rt, slot, data ?? EMPTY_PAYLOAD, 1, rt.clock.now(), undefined));
    rt.dispatcher.request();
    rt.mark();
  }

  /**
   * An Observer feeding `routineId.slotName`: `source$.subscribe(job.input('parse', 'in'))`.
   * The job stays open until the source completes; a source error goes through the slot
   * routine's error policy.
   *
   * @example
   * ```ts
   * from([{ line: 'a' }, { line: 'b' }]).subscribe(job.input('parse', 'in'));
   * ```
   */
  input(routineId: string, slotName: string): Observer<Payload> {
    const rt = this._runtime;
    const slot = this.engine.graph.require(routineId)._requireSlot(slotName);
    if (!rt.accepting) throw new JobStateError(`cannot open an input of job '${rt.id}': it is ${rt.status}`);
    const work = rt.work;
    work.holds++;
    let open = true;
    const release = (): void => {
      if (!open) return;
      open = false;
      if (work.holds > 0) work.holds--;
      rt.dispatcher.later(() => rt.settleIfIdle());
    };
    return {
      next: (data) => {
        if (!open || !rt.accepting) return;
        if (!isPlainPayload(data)) {
          rt.streamFailed(slot, new ConfigurationError(`input('${routineId}', '${slotName}'): a payload must be a plain object, got ${describeType(data)}`));
          return;
        }
        rt.queue(new Task(rt, slot, data ?? EMPTY_PAYLOAD, 1, rt.clock.now(), undefined));
        rt.dispatcher.request();
        rt.mark();
      },
      error: (error: unknown) => {
        if (!open) return;
        release();
        rt.streamFailed(slot, error);
      },
      complete: release,
    };
  }

  /**
   * For `flow.open()` jobs: no more input; the job settles once its work is done.
   *
   * @example
   * ```ts
   * const job = flow.open(); job.send('a', 'in', {}); job.close(); await job.wait();
   * ```
   */
  close(): void {
    const rt = this._runtime;
    const work = rt.work;
    if (!work.openHold) return;
    work.openHold = false;
    if (work.holds > 0) work.holds--;
    rt.dispatcher.later(() => rt.settleIfIdle());
  }

  /**
   * Payloads of one event in this job only; completes when the job completes or is
   * cancelled, errors with {@link JobFailedStreamError} if it fails.
   *
   * @example
   * ```ts
   * const values = await lastValueFrom(job.observe('sink', 'out').pipe(toArray()));
   * ```
   */
  observe(routineId: string, eventName: string): Observable<Payload> {
    const rt = this._runtime;
    this.engine.graph.require(routineId)._requireEvent(eventName);
    return new Observable<Payload>((subscriber) => {
      const end = (state: JobState): void => {
        if (state.status === 'failed') subscriber.error(new JobFailedStreamError(state));
        else subscriber.complete();
      };
      if (rt.terminal) {
        end(rt.snapshot());
        return;
      }
      const events = this.engine.emissions$.subscribe((e) => {
        if (e.kind === 'emit' && e.jobId === rt.id && e.routineId === routineId && e.eventName === eventName) subscriber.next(e.data);
      });
      const status = rt.observers.stateSubject().subscribe({ complete: () => end(rt.snapshot()) });
      return () => {
        events.unsubscribe();
        status.unsubscribe();
      };
    });
  }
}

function isPlainPayload(data: unknown): data is Payload {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function describeType(data: unknown): string {
  return data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data;
}

/** The same rule as `flow.start`'s params: payloads are plain objects. */
function checkPayload(data: unknown, where: string): void {
  if (!isPlainPayload(data)) throw new ConfigurationError(`${where}: a payload must be a plain object, got ${describeType(data)}`);
}

// The type of the interop below, so `from(job)` type-checks as an Observable of snapshots.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Job {
  [Symbol.observable](): Subscribable<JobState>;
}

// `Symbol.observable` interop: `from(job)` is `job.state$` (see the same in model/event.ts).
(Job.prototype as unknown as Record<string | symbol, unknown>)[observableKey] = function (this: Job): Observable<JobState> {
  return this.state$;
};
