import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { JobState } from '../state/job-state.js';
import { ConfigurationError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { MergeCell } from './merge.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { Event } from './event.js';
import type { Slot } from './slot.js';
import type { Routine } from './routine.js';

/**
 * What a handler knows about the activation it runs in. Passed as the second handler
 * argument, and returned by `routine.getExecutionContext()` during the activation.
 *
 * @example
 * ```ts
 * routine.defineSlot('in', async (data, ctx) => {
 *   const res = await fetch(url, { signal: ctx.signal });
 *   ctx.emit('out', { status: res.status, attempt: ctx.attempt });
 * });
 * ```
 */
export interface ExecutionContext {
  readonly flow: Flow;
  readonly jobId: string;
  readonly routineId: string;
  readonly slotName: string;
  /** The latest snapshot of the job's state. */
  readonly jobState: JobState;
  /** 1 on the first try, 2 on the first retry, ... */
  readonly attempt: number;
  /** Aborted when the job is cancelled, fails or times out, or this activation times out. */
  readonly signal: AbortSignal;
  emit(eventName: string, data?: Payload): void;
  setSharedData(key: string, value: unknown): void;
  getSharedData<V = unknown>(key: string, defaultValue?: V): V;
  /** Merged into `jobState.routineStates[routineId]`. */
  updateRoutineState(patch: Record<string, unknown>): void;
  /** Clears this slot's merged data in this job (the aggregator pattern). */
  resetSlot(): void;
  /** The flow scheduler's clock (virtual time in marble tests); `Date.now()` outside a flow. */
  now(): number;
}

/** @internal What a context needs from the job it runs in (a real job, or none for `Slot.receive`). */
export interface ContextHost {
  readonly id: string;
  readonly flow: Flow;
  /** The scheduler all time of this job goes through. */
  readonly scheduler: SchedulerLike;
  emitFrom(event: Event, data: Payload): void;
  setSharedData(key: string, value: unknown): void;
  getSharedData(key: string): unknown;
  hasSharedData(key: string): boolean;
  updateRoutineState(routine: Routine, patch: Record<string, unknown>): void;
  resetSlot(slot: Slot): void;
  snapshot(): JobState;
  now(): number;
  abortSignal(): AbortSignal;
  deferEvent(event: Event, data: Payload): void;
  sendOutput(routine: Routine, outputType: string, data: Payload): void;
}

/** @internal The context of one activation. Allocated per activation; everything else is lazy. */
export class ActivationContext implements ExecutionContext {
  private controller?: AbortController;
  /** Set when the activation was let go (its job was cancelled or failed): its emits are dropped. */
  silenced = false;

  constructor(
    readonly host: ContextHost,
    readonly slot: Slot,
    readonly attempt: number,
  ) {}

  get flow(): Flow {
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
  get jobState(): JobState {
    return this.host.snapshot();
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
    const event = this.slot.routine._requireEvent(eventName);
    const payload = data ?? EMPTY_PAYLOAD;
    if (this.silenced) event._publish(payload);
    else this.host.emitFrom(event, payload);
  }

  /** @internal */
  emitEvent(event: Event, data: Payload): void {
    if (this.silenced) event._publish(data);
    else this.host.emitFrom(event, data);
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
}

/**
 * @internal The host of `Slot.receive`: no flow, no job. Emits only reach `asObservable()`;
 * slot and shared data live here so a routine can be unit-tested message by message.
 */
export class DetachedHost implements ContextHost {
  readonly id = '';
  readonly scheduler: SchedulerLike = asyncScheduler;
  readonly slotData = new Map<Slot, MergeCell>();
  private readonly shared = new Map<string, unknown>();
  private readonly controller = new AbortController();

  constructor(private readonly routine: Routine) {}

  get flow(): Flow {
    throw new ConfigurationError(`routine '${this.routine.id}' runs outside a flow (Slot.receive): ctx.flow is not available`);
  }
  emitFrom(event: Event, data: Payload): void {
    event._publish(data);
  }
  setSharedData(key: string, value: unknown): void {
    this.shared.set(key, value);
  }
  getSharedData(key: string): unknown {
    return this.shared.get(key);
  }
  hasSharedData(key: string): boolean {
    return this.shared.has(key);
  }
  updateRoutineState(): void {
    // No job state outside a flow; nothing to record.
  }
  resetSlot(slot: Slot): void {
    this.slotData.delete(slot);
  }
  snapshot(): JobState {
    throw new ConfigurationError(`routine '${this.routine.id}' runs outside a job (Slot.receive): ctx.jobState is not available`);
  }
  abortSignal(): AbortSignal {
    return this.controller.signal;
  }
  now(): number {
    return Date.now();
  }
  deferEvent(event: Event): void {
    throw new ConfigurationError(`emitDeferredEvent('${event.name}') on routine '${this.routine.id}': only possible inside a job activation`);
  }
  sendOutput(routine: Routine, outputType: string): void {
    throw new ConfigurationError(`sendOutput('${outputType}') on routine '${routine.id}': only possible inside a job activation`);
  }
}
