import { Observable, Subject, observable as observableKey, type Observer, type Subscribable } from 'rxjs';
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
import type { Slot } from '../model/slot.js';
import type { Event } from '../model/event.js';
import { isPort, portRoutineId } from './typed-wiring.js';
import { openInput, sendToSlot } from './job-input.js';
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
      if (rt.terminal) {
        subscriber.next(rt.snapshot());
        subscriber.complete();
        return;
      }
      // Subscribed to the changes before the current snapshot goes out (as a BehaviorSubject
      // does): a change the subscriber makes on that first snapshot (a cancel) reaches it too.
      const changes = rt.observers.stateSubject().subscribe(subscriber);
      subscriber.next(rt.snapshot());
      return changes;
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
  wait(options?: WaitOptions): Promise<JobState> {
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
   * `running` when this returns.
   *
   * @throws {JobStateError} in any other status, and for a failed job whose id a new job of the
   * flow took meanwhile (that job keeps it).
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
   * Queues an activation of a slot with `data` in this job: by handle (typed: `data` must be
   * the slot's payload type) or by ids (`data` any object, interface-typed values included).
   *
   * @throws {JobStateError} when the job takes no more input; {@link ConfigurationError} for an
   * unknown routine or slot, a handle of a routine not in this flow, or data that is not a plain object.
   * @example
   * ```ts
   * job.send(parser.slot('in'), { line: 'hello' });
   * job.send('parser', 'in', { line: 'hello' });
   * ```
   */
  send<T extends object>(slot: Slot<T>, data: NoInfer<T>): void;
  send(routineId: string, slotName: string, data: object): void;
  send(first: string | Slot<any>, second: unknown, third?: object): void {
    const [slot, where] = this.slotOf(first, second, 'send');
    sendToSlot(this._runtime, slot, isPort(first) ? second : third, where);
  }

  /**
   * An Observer feeding a slot, by handle (typed) or by ids:
   * `source$.subscribe(job.input(parser.slot('in')))`. The job stays open until the source
   * completes; a source error goes through the slot routine's error policy.
   *
   * @throws {JobStateError} when the job takes no more input; {@link ConfigurationError} for an
   * unknown routine or slot, or a handle of a routine not in this flow.
   * @example
   * ```ts
   * from([{ line: 'a' }, { line: 'b' }]).subscribe(job.input('parse', 'in'));
   * ```
   */
  input<T extends object>(slot: Slot<T>): Observer<T>;
  input(routineId: string, slotName: string): Observer<object>;
  input(first: string | Slot<any>, slotName?: string): Observer<any> {
    const [slot, where] = this.slotOf(first, slotName, 'input');
    return openInput(this._runtime, slot, where);
  }

  /** The slot a `send`/`input` names (a handle, or a routine id and slot name), and how messages name it. */
  private slotOf(first: string | Slot<any>, second: unknown, verb: string): [Slot, string] {
    const graph = this.engine.graph;
    const routineId = isPort(first) ? portRoutineId(graph, first, verb) : first;
    const slotName = isPort(first) ? first.name : (second as string);
    return [graph.require(routineId)._requireSlot(slotName), `${verb}('${routineId}', '${slotName}')`];
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
    rt.releaseHold();
  }

  /**
   * Payloads of one event in this job only, by handle (typed) or by ids; completes when the job
   * completes or is cancelled, errors with {@link JobFailedStreamError} if it fails.
   *
   * @throws {ConfigurationError} for an unknown routine or event, or a handle of a routine not in this flow.
   * @example
   * ```ts
   * const values = await lastValueFrom(job.observe(sink.event('out')).pipe(toArray()));
   * job.observe('sink', 'out').subscribe(console.log);
   * ```
   */
  observe<T extends object>(event: Event<T>): Observable<T>;
  observe(routineId: string, eventName: string): Observable<Payload>;
  observe(first: string | Event<any>, second?: string): Observable<any> {
    const rt = this._runtime;
    const graph = this.engine.graph;
    const routineId = isPort(first) ? portRoutineId(graph, first, 'observe') : first;
    const eventName = isPort(first) ? first.name : (second as string);
    graph.require(routineId)._requireEvent(eventName);
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

// The type of the interop below, so `from(job)` type-checks as an Observable of snapshots.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Job {
  [Symbol.observable](): Subscribable<JobState>;
}

// `Symbol.observable` interop: `from(job)` is `job.state$` (see the same in model/event.ts).
(Job.prototype as unknown as Record<string | symbol, unknown>)[observableKey] = function (this: Job): Observable<JobState> {
  return this.state$;
};
