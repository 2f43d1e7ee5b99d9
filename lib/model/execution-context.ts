import type { SchedulerLike } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { JobState } from '../state/job-state.js';
import type { Payload } from '../core/payload.js';
import type { AnyPorts, EmitArgs, PortMap } from './typed-ports.js';

/**
 * What a handler knows about the activation it runs in. Passed as the second handler
 * argument, and returned by `routine.getExecutionContext()` during the activation.
 *
 * `flow` is the one place where the model refers to the façade above it, and only as a type:
 * it is the sanctioned back-reference of the layering (see README "Architecture").
 * `E` is the event map of the routine (`Routine<S, E>`): in a typed routine `ctx.emit` accepts
 * only its events, each with its payload type.
 *
 * @example
 * ```ts
 * routine.defineSlot('in', async (data, ctx) => {
 *   const res = await fetch(url, { signal: ctx.signal });
 *   ctx.emit('out', { status: res.status, attempt: ctx.attempt });
 * });
 * ```
 */
export interface ExecutionContext<E extends PortMap<E> = AnyPorts> {
  readonly flow: Flow;
  readonly jobId: string;
  readonly routineId: string;
  readonly slotName: string;
  /** The latest snapshot of the job's state. */
  readonly jobState: JobState;
  /** 1 on the first try, 2 on the first retry, ... */
  readonly attempt: number;
  /**
   * `${jobId}/${seq}`: the same for every attempt of this activation, after a resume, in another
   * process, and when it runs again after a crash; an idempotency key for side effects.
   */
  readonly activationId: string;
  /** Aborted when the job is cancelled, fails or times out, or this activation times out. */
  readonly signal: AbortSignal;
  /**
   * The flow's scheduler, carrying this activation: work scheduled on it (e.g.
   * `timer(10, ctx.scheduler)`) runs attributed to this job, so `this.emit` inside it reaches
   * the job in virtual time too. In real time any scheduler works (the context follows async
   * work by itself).
   */
  readonly scheduler: SchedulerLike;
  /**
   * Emits on an event of this routine for this job (non-blocking). In a typed routine the name
   * must be one of its events and `data` that event's payload type; in an untyped one any name
   * and any object (the same arguments as `routine.emit`: {@link EmitArgs}).
   * @throws {ConfigurationError} for an event the routine does not have.
   * @throws {ValidationError} when the event has a schema and `data` fails it.
   */
  emit<K extends keyof E & string>(eventName: K, ...data: EmitArgs<E, K>): void;
  setSharedData(key: string, value: unknown): void;
  getSharedData<V = unknown>(key: string, defaultValue?: V): V;
  /** Merged into `jobState.routineStates[routineId]`. */
  updateRoutineState(patch: Record<string, unknown>): void;
  /** Clears this slot's merged data in this job (the aggregator pattern). */
  resetSlot(): void;
  /**
   * Pauses this job from inside its handler (like `job.pause`): nothing more is dispatched;
   * resolves once the job's other activations have settled. The handler itself runs on.
   */
  pause(reason?: string, checkpoint?: Payload): Promise<JobState>;
  /** The flow scheduler's clock (virtual time in marble tests); `Date.now()` outside a flow. */
  now(): number;
}
