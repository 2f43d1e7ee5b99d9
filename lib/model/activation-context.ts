import type { SchedulerLike } from 'rxjs';
import type { JobState } from '../state/job-state.js';
import { ConfigurationError } from '../errors/errors.js';
import { EMPTY_PAYLOAD, type Payload } from '../core/payload.js';
import type { ContextHost } from './context-host.js';
import type { Event } from './event.js';
import type { ExecutionContext } from './execution-context.js';
import type { Slot } from './slot.js';

/**
 * @internal The context of one activation. Allocated per activation; everything else is lazy.
 *
 * @example
 * ```ts
 * const ctx = new ActivationContext(host, slot, 1);
 * runInContext(ctx, handler, routine, data, ctx);
 * ```
 */
export class ActivationContext implements ExecutionContext {
  private controller?: AbortController;
  /** Set when the activation was let go (its job was cancelled or failed): its emits are dropped. */
  silenced = false;

  constructor(
    readonly host: ContextHost,
    readonly slot: Slot,
    readonly attempt: number,
    /** The activation's number in its job. */
    readonly seq: number,
  ) {}

  get flow(): ExecutionContext['flow'] {
    return this.host.flow;
  }
  get jobId(): string {
    return this.host.id;
  }
  get routineId(): string {
    return this.slot.routine.id;
  }
  get slotName(): string {
    return this.slot.name;
  }
  get activationId(): string {
    return `${this.host.id}/${this.seq}`;
  }
  get jobState(): JobState {
    return this.host.snapshot();
  }
  get scheduler(): SchedulerLike {
    return this.host.scheduler;
  }

  get signal(): AbortSignal {
    // Created on first use: most handlers never look, and an AbortController is not free.
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const jobSignal = this.host.abortSignal();
      if (jobSignal.aborted) this.controller.abort(jobSignal.reason);
      else jobSignal.addEventListener('abort', () => this.controller!.abort(jobSignal.reason), { once: true });
    }
    return this.controller.signal;
  }

  /** @internal Aborts this activation only (activation timeout). */
  abort(reason: unknown): void {
    if (this.controller === undefined) {
      this.controller = new AbortController();
    }
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  emit(eventName: string, data?: Payload): void {
    this.emitEvent(this.slot.routine._requireEvent(eventName), data ?? EMPTY_PAYLOAD);
  }

  /** @internal */
  emitEvent(event: Event, data: Payload): void {
    if (this.silenced) event._publish(data);
    else this.host.emitFrom(event, data, this.seq);
  }

  setSharedData(key: string, value: unknown): void {
    this.host.setSharedData(key, value);
  }

  getSharedData<V = unknown>(key: string, defaultValue?: V): V {
    return (this.host.hasSharedData(key) ? this.host.getSharedData(key) : defaultValue) as V;
  }

  updateRoutineState(patch: Record<string, unknown>): void {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ConfigurationError(`updateRoutineState on routine '${this.routineId}': expected a plain object patch`);
    }
    this.host.updateRoutineState(this.slot.routine, patch);
  }

  resetSlot(): void {
    this.host.resetSlot(this.slot);
  }

  now(): number {
    return this.host.now();
  }

  pause(reason = '', checkpoint: Payload = EMPTY_PAYLOAD): Promise<JobState> {
    return this.host.pause(reason, checkpoint);
  }
}
