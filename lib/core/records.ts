import type { Payload } from './payload.js';

/**
 * The status of a job. `paused` and `failed` jobs can be resumed; `completed` and `cancelled`
 * are final.
 *
 * @example
 * ```ts
 * const done: JobStatus[] = ['completed', 'failed', 'cancelled'];
 * ```
 */
export type JobStatus = 'pending' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/**
 * The per-job status of one routine: `running` while an activation is in flight, else the
 * outcome of its latest finished activation, or `retrying` while a retry waits (`idle`: restored
 * from a snapshot, not run again yet).
 *
 * @example
 * ```ts
 * const s: RoutineStatus = job.state.getRoutineState('parse')!.status;
 * ```
 */
export type RoutineStatus =
  | 'idle'
  | 'running'
  | 'completed'
  | 'failed'
  | 'error_continued'
  | 'skipped'
  | 'retrying'
  /** its activation was in flight when the job was cancelled */
  | 'cancelled'
  /** its activation was in flight when the job failed; it runs again on resume */
  | 'interrupted';

/**
 * One routine's state in one job. `activations` counts started attempts (retries included);
 * `errors` counts attempts that threw; user keys come from `ctx.updateRoutineState`.
 *
 * @example
 * ```ts
 * const { status, activations, errors } = job.state.getRoutineState('parse')!;
 * ```
 */
export interface RoutineState {
  readonly status: RoutineStatus;
  readonly activations: number;
  readonly errors: number;
  readonly error?: { readonly name: string; readonly message: string };
  readonly [key: string]: unknown;
}

/**
 * One entry of a job's execution history: `'start'` (data = entry params), one per emit
 * (eventName = the event), `'error'` ({ slot, error, errorName, attempt }) and policy
 * outcomes `'retry'`, `'skip'`, `'stop'`, plus `'pause'`, `'resume'`, `'cancel'`, and
 * `'join-incomplete'` ({ join, mode, waiting, missing }: a join still waiting for a side when
 * the job completed, with what was waiting per slot).
 *
 * @example
 * ```ts
 * job.state.getExecutionHistory('parse').map((r) => r.eventName); // ['out', 'out']
 * ```
 */
export interface ExecutionRecord {
  readonly routineId: string;
  readonly eventName: string;
  readonly data: Payload;
  readonly timestamp: number;
}

/**
 * A queued activation, as kept in `JobState.pendingTasks`: enough to run it again in
 * another process. `data` is what the slot receives (after param mapping); `attempt` is the
 * attempt that runs next; `dueAt` is set while a retry waits for its backoff, `delayLeft`
 * while a retry is parked by a pause or failure (paused time does not count).
 *
 * @example
 * ```ts
 * job.state.pendingTasks.map((t) => `${t.routineId}.${t.slotName}#${t.attempt}`);
 * ```
 */
export interface PendingTask {
  readonly routineId: string;
  readonly slotName: string;
  readonly data: Payload;
  readonly attempt: number;
  readonly enqueuedAt: number;
  /**
   * The task's number in its job: `ctx.activationId` is `${jobId}/${seq}`, the same for every
   * attempt, resume and crash re-run of this activation. (JSON written before activation ids
   * existed has none; such a task gets its number when restored.)
   */
  readonly seq: number;
  readonly source?: { readonly routineId: string; readonly eventName: string };
  readonly dueAt?: number;
  /** While the job is paused or failed: backoff (ms) a parked retry still waits once resumed. */
  readonly delayLeft?: number;
  /**
   * For a retry or an interrupted activation: what the handler received, re-used without
   * merging again. For an activation whose activation policy fired (a join, batch, window or
   * custom policy), the payload the policy fired: it runs the handler with that, never the
   * policy again.
   */
  readonly merged?: Payload;
}

/**
 * Recorded by every pause: why, the caller's checkpoint data, when, and how many tasks were
 * queued at that moment.
 *
 * @example
 * ```ts
 * await job.pause('needs review', { step: 3 }); job.state.pausePoints.at(-1)!.checkpoint; // { step: 3 }
 * ```
 */
export interface PausePoint {
  readonly reason: string;
  readonly checkpoint: Payload;
  readonly timestamp: number;
  readonly pendingCount: number;
}

/**
 * An emit held back until the job is next resumed (`routine.emitDeferredEvent`).
 *
 * @example
 * ```ts
 * job.state.deferredEvents[0]; // { routineId: 'gate', eventName: 'approved', data: {...}, timestamp }
 * ```
 */
export interface DeferredEvent {
  readonly routineId: string;
  readonly eventName: string;
  readonly data: Payload;
  readonly timestamp: number;
}

/**
 * One output sent with `routine.sendOutput` / visible on `job.output$` and `JobState.outputLog`.
 *
 * @example
 * ```ts
 * job.output$.subscribe((o) => console.log(o.outputType, o.data));
 * ```
 */
export interface OutputRecord {
  readonly jobId: string;
  readonly routineId: string;
  readonly outputType: string;
  readonly data: Payload;
  readonly timestamp: number;
}

/**
 * What an {@link Emission} is: an `emit` of a routine's event (the only kind on
 * `flow.events$`), or a history record the scheduler wrote (`start` of a job, an `error`, the
 * policy outcomes `retry`, `skip`, `stop`, and `join-incomplete`), which `marbleJob`'s
 * `emissions$` interleaves (on a flow they are `flow.inspect$` records).
 *
 * @example
 * ```ts
 * m.emissions$.pipe(filter((e) => e.kind === 'retry')).subscribe((e) => log(e.routineId, e.data.attempt));
 * ```
 */
export type EmissionKind = 'emit' | 'start' | 'error' | 'retry' | 'skip' | 'stop' | 'join-incomplete';

/**
 * One entry of `flow.events$`: every emission (`kind: 'emit'`) and every policy outcome.
 *
 * @example
 * ```ts
 * flow.events$.subscribe((e) => console.log(e.kind, e.jobId, e.routineId, e.eventName, e.data));
 * ```
 */
export interface Emission {
  readonly kind: EmissionKind;
  readonly jobId: string;
  readonly routineId: string;
  readonly eventName: string;
  readonly data: Payload;
  readonly timestamp: number;
}

/**
 * A job's error, when it failed: the thrown error's name (e.g. `'TypeError'`,
 * `'TimeoutError'`), message and the routine whose activation failed (if any).
 *
 * @example
 * ```ts
 * if (state.status === 'failed') console.log(state.error!.name, state.error!.routineId);
 * ```
 */
export interface JobError {
  readonly name: string;
  readonly message: string;
  readonly routineId?: string;
}
