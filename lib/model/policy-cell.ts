import type { Payload } from '../core/payload.js';
import type { PolicyCellState, PolicyKind } from '../core/policy-cell-state.js';
import type { Routine } from './routine.js';

/**
 * @internal An activation policy of a routine: a join, or a slot's batch, window or custom
 * policy. It knows no job: each job (and `Slot.receive`) keeps a {@link PolicyCell} per
 * policy, made by {@link PolicyDef.newCell}.
 *
 * @example
 * ```ts
 * const cell = slot._policy!.newCell(); cell.take({ v: 1 }, 0);
 * ```
 */
export interface PolicyDef {
  readonly kind: PolicyKind;
  readonly routine: Routine;
  /** The join's name, or the slot's. */
  readonly name: string;
  /** Its key in `JobState.policies`: `${routineId}.${name}`. */
  readonly key: string;
  newCell(): PolicyCell;
}

/**
 * @internal What one job holds for one policy, and the rule deciding when it fires. `take`
 * is called with the slot's merged payload (and the slot's place in a join) and returns the
 * payload to call the handler with when the policy fires; when it throws, the cell is
 * unchanged. Snapshots read {@link PolicyCell.view}, rebuilt only after a change.
 *
 * @example
 * ```ts
 * const fire = cell.take(merged, slot._policyIndex); if (fire !== undefined) handler(fire, ctx);
 * ```
 */
export abstract class PolicyCell {
  /** Listed in the job's dirty list since the last snapshot. */
  dirty = false;
  private cached: PolicyCellState | undefined | null = null;

  constructor(readonly def: PolicyDef) {}

  /** Takes one payload; returns the fire payload when the policy fires now. */
  abstract take(payload: Payload, index: number): Payload | undefined;

  /** The plain-data state for a snapshot; `undefined` when the cell holds nothing. */
  view(): PolicyCellState | undefined {
    if (this.cached === null) this.cached = this.build();
    return this.cached;
  }

  /** Call after any change, so the next view is rebuilt. */
  changed(): void {
    this.cached = null;
  }

  /** Refills the cell from a snapshot's state (of this cell's kind, checked before). */
  abstract restore(state: PolicyCellState): void;

  /** Drops everything the cell holds (a cancelled job). */
  abstract clear(): void;

  protected abstract build(): PolicyCellState | undefined;
}
