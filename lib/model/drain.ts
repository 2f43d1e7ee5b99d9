import type { Routine } from './routine.js';

/**
 * @internal Something that keeps a job from settling until it completes: an operator
 * routine's per-job operator, whose output may still emit after its input completed.
 *
 * @example
 * ```ts
 * host.addDrain({ inputCompleted: false, completeInput() {}, stop() {} });
 * ```
 */
export interface Drain {
  /** The routine whose operator this is: drains complete upstream first. */
  readonly routine: Routine;
  /** Completes the input: no more payloads; the output may still emit, then completes. */
  completeInput(): void;
  readonly inputCompleted: boolean;
  /** Stops everything at once (cancel/fail). */
  stop(): void;
}
