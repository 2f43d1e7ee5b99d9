import type { OperatorInput, OperatorState } from '../core/operator-state.js';

/**
 * @internal The mutable log behind an {@link OperatorState}: what one job's operator received
 * since it was last empty. Kept by the job (the host), read by its snapshots, refilled by a
 * restore; `version` tells the snapshot when it changed.
 *
 * @example
 * ```ts
 * const log = new OperatorLog(10_000); log.add({ value: 1 }, now);
 * ```
 */
export class OperatorLog {
  inputs: OperatorInput[] = [];
  emitted = 0;
  overflowed = false;
  version = 0;

  constructor(public limit: number) {}

  /** Logs one input; past the limit the log gives up (and frees what it held). */
  add(data: OperatorInput['data'], at: number): void {
    if (this.overflowed || this.limit === 0) return; // a limit of 0: nothing is kept, on purpose
    if (this.inputs.length >= this.limit) {
      this.overflowed = true;
      this.inputs = [];
    } else this.inputs.push({ data, at });
    this.version++;
  }

  /** The operator is empty again: nothing it received matters any more. */
  clear(): void {
    if (this.inputs.length === 0 && this.emitted === 0 && !this.overflowed) return;
    this.inputs = [];
    this.emitted = 0;
    this.overflowed = false;
    this.version++;
  }

  /** A frozen copy for a snapshot. */
  view(): OperatorState {
    return Object.freeze({ inputs: Object.freeze(this.inputs.slice()), emitted: this.emitted, overflowed: this.overflowed });
  }

  /** Refills from a snapshot (a restore). */
  restore(state: OperatorState): void {
    this.inputs = state.inputs.slice();
    this.emitted = state.emitted;
    this.overflowed = state.overflowed;
    this.version++;
  }
}
