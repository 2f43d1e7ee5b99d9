import type { SchedulerLike } from 'rxjs';
import type { JobState } from '../state/job-state.js';
import type { Payload } from '../core/payload.js';
import type { Drain } from './drain.js';
import type { OperatorLog } from './operator-log.js';
import type { Event } from './event.js';
import type { ExecutionContext } from './execution-context.js';
import type { Routine } from './routine.js';
import type { Slot } from './slot.js';

/**
 * @internal The port through which the model reaches a job: what an activation's context (and
 * an operator routine) needs from the job it runs in. The runtime's job implements it; so does
 * the detached host of `Slot.receive`, which has no job at all. The model never sees more of
 * the engine than this.
 *
 * @example
 * ```ts
 * const ctx = new ActivationContext(host, slot, 1); // host: a ContextHost
 * ```
 */
export interface ContextHost {
  readonly id: string;
  readonly flow: ExecutionContext['flow'];
  /** The scheduler all time of this job goes through (carrying activation contexts). */
  readonly scheduler: SchedulerLike;
  /** An emit of `event`; `cause` is the number of the activation that made it, when there is one. */
  emitFrom(event: Event, data: Payload, cause?: number): void;
  setSharedData(key: string, value: unknown): void;
  /** Whether the job still takes work (not completed or cancelled); absent: it always does. */
  readonly accepting?: boolean;
  getSharedData(key: string): unknown;
  hasSharedData(key: string): boolean;
  updateRoutineState(routine: Routine, patch: Record<string, unknown>): void;
  resetSlot(slot: Slot): void;
  snapshot(): JobState;
  now(): number;
  abortSignal(): AbortSignal;
  deferEvent(event: Event, data: Payload): void;
  sendOutput(routine: Routine, outputType: string, data: Payload): void;
  /** Pauses the job (`ctx.pause`). */
  pause(reason: string, checkpoint: Payload): Promise<JobState>;
  /**
   * The job's log of `routine`'s operator (see OperatorLog): a new empty one when `fresh`,
   * else the one a restore refilled (or a new one).
   */
  operatorLog(routine: Routine, limit: number, fresh: boolean): OperatorLog;
  /** An operator log changed: the next snapshot carries it. */
  operatorChanged(): void;
  /** Keeps the job from settling until `releaseDrain` (operator routines). */
  addDrain(drain: Drain): void;
  /** The drain completed or failed: the job may settle once idle. */
  releaseDrain(drain: Drain): void;
  /** A stream feeding `slot` failed outside any activation: the routine's error policy decides. */
  streamFailed(slot: Slot, error: unknown): void;
  /**
   * The host an activation's context uses once the activation has ended, when this host tells
   * such late writes apart (a timer's emit after its handler returned): see LateHost. Most
   * hosts have none, and a context keeps its host.
   */
  readonly lateHost?: ContextHost;
}
