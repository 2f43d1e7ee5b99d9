import type { Payload } from './payload.js';

/**
 * One payload an operator routine received, with the scheduler time it arrived at.
 *
 * @example
 * ```ts
 * const input: OperatorInput = { data: { value: 3 }, at: 1_700_000_000_000 };
 * ```
 */
export interface OperatorInput {
  readonly data: Payload;
  readonly at: number;
}

/**
 * What a job keeps of one operator routine (`Routine.fromOperator`, `attachOperator`): the
 * payloads its operator received since the operator was last empty, and how many outputs it
 * emitted from them. A restore replays the inputs into a fresh operator and suppresses the
 * outputs already emitted. `overflowed`: more inputs than the routine's `replayLimit` arrived,
 * so the state was not kept and the job cannot be restored.
 *
 * @example
 * ```ts
 * state.operators['batch']; // { inputs: [{ data: { value: 6 }, at }, { data: { value: 7 }, at }], emitted: 0, overflowed: false }
 * ```
 */
export interface OperatorState {
  readonly inputs: readonly OperatorInput[];
  readonly emitted: number;
  readonly overflowed: boolean;
  /**
   * Scheduler time the operator started at, or was last emptied by an output at: where the
   * phase of its own timers comes from (a `bufferTime` window). Absent in older JSON.
   */
  readonly startedAt?: number;
}
