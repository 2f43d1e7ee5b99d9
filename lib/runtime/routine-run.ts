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
  /** The job's next run, in the order they were made (see JobData.firstRun). */
  nextRun: RoutineRun | undefined = undefined;

  constructor(readonly routine: Routine) {
    super();
  }

  /** The routine's figures in the job's tracker: this run itself. */
  get totals(): PerfTotals {
    return this;
  }

  view(): RoutineState {
    return this.sharedView() ?? this.ownView();
  }

  /**
   * The common view (no user keys, no error, few activations): one frozen object per routine
   * shared by every job (see sharesOf); undefined for any other, making nothing.
   */
  sharedView(): RoutineState | undefined {
    if (this.user === undefined && this.error === undefined && this.errors === 0 && this.activations < COMMON_VIEW_ACTIVATIONS) return commonView(this.routine, this.status, this.activations);
    return undefined;
  }

  private ownView(): RoutineState {
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

/** Views of `{ status, activations, errors: 0 }` are shared for activations below this. */
const COMMON_VIEW_ACTIVATIONS = 16;

/**
 * Frozen snapshot parts of one routine that every job shares: they hold nothing of a job's
 * own, and a small job's snapshot would make one per routine. Per routine, never across
 * routines: one snapshot never holds the same object twice (the lossless job JSON keeps an
 * object held twice as one, which plain equal objects do not need).
 */
interface RoutineShares {
  readonly views: Map<RoutineStatus, RoutineState[]>;
  readonly totals: Array<Readonly<PerfTotals>>;
}
const shares = new WeakMap<Routine, RoutineShares>();

function sharesOf(routine: Routine): RoutineShares {
  let s = shares.get(routine);
  if (s === undefined) shares.set(routine, (s = { views: new Map(), totals: [] }));
  return s;
}

/** The shared frozen `{ status, activations, errors: 0 }` of `routine`, made at first use. */
function commonView(routine: Routine, status: RoutineStatus, activations: number): RoutineState {
  const views = sharesOf(routine).views;
  let list = views.get(status);
  if (list === undefined) views.set(status, (list = []));
  return (list[activations] ??= Object.freeze({ status, activations, errors: 0 }) as RoutineState);
}

/** Totals of this many attempts or fewer, all completed in under 1 ms (0 ms each), are shared per routine. */
const INSTANT_TOTALS = 16;

/**
 * @internal A frozen copy of a job's figures for its snapshot, when they are not shared ones
 * (see {@link sharedTotals}).
 *
 * @example
 * ```ts
 * totals[run.routine.id] = sharedTotals(run, run.routine) ?? ownTotals(run);
 * ```
 */
export function ownTotals(t: PerfTotals): Readonly<PerfTotals> {
  const { total, completed, failed, time, min, max } = t;
  return Object.freeze({ total, completed, failed, time, min, max });
}

/**
 * @internal `previous` (the last snapshot's view of these totals) when it holds the same
 * figures as `t`, else undefined: an unchanged routine keeps its object between snapshots, so
 * a journal entry leaves it out.
 *
 * @example
 * ```ts
 * totals[id] = unchangedTotals(last?.[id], run) ?? ownTotals(run);
 * ```
 */
export function unchangedTotals(previous: Readonly<PerfTotals> | undefined, t: PerfTotals): Readonly<PerfTotals> | undefined {
  if (previous === undefined) return undefined;
  const same = previous.total === t.total && previous.completed === t.completed && previous.failed === t.failed && previous.time === t.time && previous.min === t.min && previous.max === t.max;
  return same ? previous : undefined;
}

/**
 * @internal The shared frozen figures of a small job's run (a few attempts, all completed, each
 * in under a millisecond: one object per routine and count, see RoutineShares), else undefined
 * (making nothing).
 *
 * @example
 * ```ts
 * const shared = sharedTotals(run, run.routine);
 * ```
 */
export function sharedTotals(t: PerfTotals, routine: Routine | undefined): Readonly<PerfTotals> | undefined {
  const { total, completed, failed, time, min, max } = t;
  if (routine === undefined || failed !== 0 || time !== 0 || min !== 0 || max !== 0 || total !== completed || total > INSTANT_TOTALS) return undefined;
  return (sharesOf(routine).totals[total] ??= Object.freeze({ total, completed: total, failed: 0, time: 0, min: 0, max: 0 }));
}

/** @internal A slot's merged data in one job, plus its place in the dirty list. */
export class SlotCell implements MergeCell {
  data: Payload | undefined = undefined;
  scratch: unknown = undefined;
  dirty = false;
  /** The job's next cell, in the order they were made (see JobData.firstCell). */
  next: SlotCell | undefined = undefined;
  constructor(readonly slot: Slot) {}
}

/**
 * @internal A new {@link SlotCell}: a plain literal (SlotCell has only fields, so no prototype
 * is needed), made at every slot's first payload in every job.
 *
 * @example
 * ```ts
 * const cell = newSlotCell(slot); // then linked after the job's last cell (JobData.cellOf)
 * ```
 */
export function newSlotCell(slot: Slot): SlotCell {
  return { slot, data: undefined, scratch: undefined, dirty: false, next: undefined };
}

/** @internal A routine shows `running` while any activation of it is in flight, else its latest outcome. */
export function setOutcome(run: RoutineRun, outcome: RoutineStatus): void {
  run.status = run.inFlight > 0 ? 'running' : outcome;
}
