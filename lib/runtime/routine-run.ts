import type { Routine } from '../model/routine.js';
import type { Slot } from '../model/slot.js';
import type { Payload } from '../core/payload.js';
import type { MergeCell } from '../model/merge.js';
import type { RoutineState, RoutineStatus } from '../core/records.js';
import { PerfTotals } from './perf-totals.js';

/**
 * @internal One routine's mutable state inside one job. Snapshots read it through
 * {@link RoutineRun.view}, which is rebuilt only when the run changed since the last snapshot.
 * It is also the routine's {@link PerfTotals} in the job's tracker (one object per routine per
 * job, not two: see `ExecutionTracker.adopt`).
 */
export class RoutineRun extends PerfTotals {
  status: RoutineStatus = 'idle';
  activations = 0;
  errors = 0;
  error: { name: string; message: string } | undefined = undefined;
  user: Record<string, unknown> | undefined = undefined;
  /** Listed in the job's dirty list since the last snapshot. */
  dirty = false;
  /** Activations of this routine in flight in this job. */
  inFlight = 0;
  /** Activated since its last flush (only for a routine with a flush handler). */
  flushDue = false;

  constructor(readonly routine: Routine) {
    super();
  }

  /** The routine's figures in the job's tracker: this run itself. */
  get totals(): PerfTotals {
    return this;
  }

  view(): RoutineState {
    // No spread without user keys: every job's snapshot makes one view per routine.
    const view: Record<string, unknown> =
      this.user === undefined ? { status: this.status, activations: this.activations, errors: this.errors } : { ...this.user, status: this.status, activations: this.activations, errors: this.errors };
    if (this.error !== undefined) view.error = Object.freeze({ ...this.error });
    return Object.freeze(view) as RoutineState;
  }

  /** Restores from a snapshot's routine state (resume). */
  restore(state: RoutineState): void {
    const { status, activations, errors, error, ...user } = state;
    this.status = status === 'running' || status === 'retrying' ? 'idle' : status;
    this.activations = activations ?? 0;
    this.errors = errors ?? 0;
    this.error = error as { name: string; message: string } | undefined;
    this.user = Object.keys(user).length > 0 ? { ...user } : undefined;
  }
}

/** @internal A slot's merged data in one job, plus its place in the dirty list. */
export class SlotCell implements MergeCell {
  data: Payload | undefined = undefined;
  scratch: unknown = undefined;
  dirty = false;
  constructor(readonly slot: Slot) {}
}

/**
 * @internal A new {@link SlotCell}: a plain literal (SlotCell has only fields, so no prototype
 * is needed), made at every slot's first payload in every job.
 *
 * @example
 * ```ts
 * job.cells.set(slot, newSlotCell(slot));
 * ```
 */
export function newSlotCell(slot: Slot): SlotCell {
  return { slot, data: undefined, scratch: undefined, dirty: false };
}

/** @internal A routine shows `running` while any activation of it is in flight, else its latest outcome. */
export function setOutcome(run: RoutineRun, outcome: RoutineStatus): void {
  run.status = run.inFlight > 0 ? 'running' : outcome;
}
