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
  /** When the operator started, or was last emptied by an output: the phase of its timers (bufferTime's windows). */
  startedAt: number | undefined = undefined;
  /** The job time of the snapshot this log was restored from (its `updatedAt`): a replay rebases onto now. */
  savedAt: number | undefined = undefined;

  constructor(public limit: number) {}

  /**
   * Whether the job must keep this log: it holds something, or its operator runs (an empty
   * running operator still has the phase of its timers, `startedAt`).
   */
  get live(): boolean {
    return this.startedAt !== undefined || this.inputs.length > 0 || this.emitted > 0 || this.overflowed;
  }

  /** The operator completed: it holds nothing and has no timers. */
  end(): void {
    this.clear();
    if (this.startedAt === undefined) return;
    this.startedAt = undefined;
    this.version++;
  }

  /** Logs one input; past the limit the log gives up (and frees what it held). */
  add(data: OperatorInput['data'], at: number): void {
    if (this.overflowed || this.limit === 0) return; // a limit of 0: nothing is kept, on purpose
    if (this.inputs.length >= this.limit) {
      this.overflowed = true;
      this.inputs = [];
    } else this.inputs.push({ data, at });
    this.version++;
  }

  /** The operator is empty again (at time `at`, when it goes on): nothing it received matters any more. */
  clear(at?: number): void {
    if (at !== undefined && at !== this.startedAt) {
      this.startedAt = at;
      this.version++;
    }
    if (this.inputs.length === 0 && this.emitted === 0 && !this.overflowed) return;
    this.inputs = [];
    this.emitted = 0;
    this.overflowed = false;
    this.version++;
  }

  /** A frozen copy for a snapshot. */
  view(): OperatorState {
    const view: OperatorState = { inputs: Object.freeze(this.inputs.slice()), emitted: this.emitted, overflowed: this.overflowed };
    if (this.startedAt !== undefined) (view as { startedAt?: number }).startedAt = this.startedAt;
    return Object.freeze(view);
  }

  /** Refills from a snapshot (a restore) taken at job time `savedAt`. */
  restore(state: OperatorState, savedAt: number): void {
    this.inputs = state.inputs.slice();
    this.emitted = state.emitted;
    this.overflowed = state.overflowed;
    this.startedAt = state.startedAt;
    this.savedAt = savedAt;
    this.version++;
  }

  /**
   * Moves the restored log into this process's clock, where now is the time it was saved at
   * (the time between does not count): `at` and `startedAt` shift by `now - savedAt`. Returns
   * the rebased start of the operator.
   */
  rebase(now: number): number {
    const shift = this.savedAt === undefined ? 0 : now - this.savedAt;
    this.savedAt = undefined;
    this.inputs = this.inputs.map(({ data, at }) => ({ data, at: at + shift }));
    // Older JSON has no start: the first input's time is the best there is.
    this.startedAt = this.startedAt !== undefined ? this.startedAt + shift : (this.inputs[0]?.at ?? now);
    this.version++;
    return this.startedAt;
  }
}
