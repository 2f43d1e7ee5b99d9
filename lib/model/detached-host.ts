import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { JobState } from '../state/job-state.js';
import { ConfigurationError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { ContextHost } from './context-host.js';
import type { Event } from './event.js';
import type { ExecutionContext } from './execution-context.js';
import type { MergeCell } from './merge.js';
import type { Routine } from './routine.js';
import type { Slot } from './slot.js';
import { OperatorLog } from './operator-log.js';
import type { PolicyCell, PolicyDef } from './policy-cell.js';

/**
 * @internal The host of `Slot.receive`: no flow, no job. Emits only reach `asObservable()`;
 * slot and shared data live here so a routine can be unit-tested message by message.
 *
 * @example
 * ```ts
 * const ctx = new ActivationContext(new DetachedHost(routine), slot, 1);
 * ```
 */
export class DetachedHost implements ContextHost {
  readonly id = 'receive';
  /** Payloads received so far: the number of each `Slot.receive` activation. */
  received = 0;
  readonly scheduler: SchedulerLike = asyncScheduler;
  readonly slotData = new Map<Slot, MergeCell>();
  private readonly shared = new Map<string, unknown>();
  private readonly policies = new Map<PolicyDef, PolicyCell>();
  private readonly controller = new AbortController();

  constructor(private readonly routine: Routine) {}

  get flow(): ExecutionContext['flow'] {
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
  /** The state of an activation policy outside any job (see Slot.receive). */
  policyCell(def: PolicyDef): PolicyCell {
    let cell = this.policies.get(def);
    if (cell === undefined) this.policies.set(def, (cell = def.newCell()));
    return cell;
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
  pause(): Promise<JobState> {
    return Promise.reject(new ConfigurationError(`routine '${this.routine.id}' runs outside a job (Slot.receive): ctx.pause is not available`));
  }
  operatorLog(_routine: Routine, limit: number): OperatorLog {
    return new OperatorLog(limit); // nothing outside a job is ever restored
  }
  operatorChanged(): void {}
  addDrain(): void {
    // No job to keep open: an operator used through Slot.receive just runs.
  }
  releaseDrain(): void {}
  streamFailed(): void {
    // No job whose policy could apply; the operator's next payload starts a fresh instance.
  }
}
