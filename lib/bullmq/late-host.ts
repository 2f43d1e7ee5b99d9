import type { SchedulerLike } from 'rxjs';
import type { Payload } from '../core/payload.js';
import type { ContextHost } from '../model/context-host.js';
import type { Drain } from '../model/drain.js';
import type { Event } from '../model/event.js';
import type { ExecutionContext } from '../model/execution-context.js';
import type { OperatorLog } from '../model/operator-log.js';
import type { Routine } from '../model/routine.js';
import type { Slot } from '../model/slot.js';
import type { JobState } from '../state/job-state.js';
import type { JobRuntime } from '../runtime/job-runtime.js';

/**
 * @internal The port of an activation's context once the activation has ended, for a job that
 * tells late work apart ({@link LateHost.track}; a worker's owned job). It does what the job does, and
 * counts each write in `job.lateWrites` first: an emit from a timer the handler left, shared
 * data set after an await it did not return. Such work is no activation's, so nothing that
 * replays activations (a worker rebuilding a job from its inbox) can make it again; whoever
 * relies on replay looks at the count. Writes of running activations never come here.
 *
 * @example
 * ```ts
 * LateHost.track(job);
 * const before = job.lateWrites;
 * // ... later: job.lateWrites !== before when an ended activation wrote since
 * ```
 */
export class LateHost implements ContextHost {
  /**
   * From now on, what an activation of `job` writes after it ended is counted in
   * `job.lateWrites` (its contexts switch to this host when they end). Call it before any
   * activation of the job ends. Here, not in the runtime, so that in-process apps do not bundle it.
   */
  static track(job: JobRuntime): void {
    job.lateHost ??= new LateHost(job);
  }

  private constructor(private readonly job: JobRuntime) {}

  get id(): string {
    return this.job.id;
  }
  get flow(): ExecutionContext['flow'] {
    return this.job.flow;
  }
  get scheduler(): SchedulerLike {
    return this.job.scheduler;
  }
  get accepting(): boolean {
    return this.job.accepting;
  }

  emitFrom(event: Event, data: Payload, cause?: number): void {
    this.job.lateWrites++;
    this.job.emitFrom(event, data, cause);
  }
  setSharedData(key: string, value: unknown): void {
    this.job.lateWrites++;
    this.job.setSharedData(key, value);
  }
  updateRoutineState(routine: Routine, patch: Record<string, unknown>): void {
    this.job.lateWrites++;
    this.job.updateRoutineState(routine, patch);
  }
  resetSlot(slot: Slot): void {
    this.job.lateWrites++;
    this.job.resetSlot(slot);
  }
  deferEvent(event: Event, data: Payload): void {
    this.job.lateWrites++;
    this.job.deferEvent(event, data);
  }
  sendOutput(routine: Routine, outputType: string, data: Payload): void {
    this.job.lateWrites++;
    this.job.sendOutput(routine, outputType, data);
  }
  pause(reason: string, checkpoint: Payload): Promise<JobState> {
    this.job.lateWrites++;
    return this.job.pause(reason, checkpoint);
  }
  operatorChanged(): void {
    this.job.operatorChanged(); // (counted there: an operator's every output is late work)
  }
  addDrain(drain: Drain): void {
    this.job.lateWrites++;
    this.job.addDrain(drain);
  }
  releaseDrain(drain: Drain): void {
    this.job.lateWrites++;
    this.job.releaseDrain(drain);
  }
  streamFailed(slot: Slot, error: unknown): void {
    this.job.streamFailed(slot, error); // (counted there)
  }

  getSharedData(key: string): unknown {
    return this.job.getSharedData(key);
  }
  hasSharedData(key: string): boolean {
    return this.job.hasSharedData(key);
  }
  snapshot(): JobState {
    return this.job.snapshot();
  }
  now(): number {
    return this.job.now();
  }
  abortSignal(): AbortSignal {
    return this.job.abortSignal();
  }
  operatorLog(routine: Routine, limit: number, fresh: boolean): OperatorLog {
    return this.job.operatorLog(routine, limit, fresh);
  }
}
