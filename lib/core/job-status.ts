import type { JobStatus } from './records.js';

/**
 * @internal Whether `status` is terminal: completed, failed or cancelled. Compares, not a Set
 * lookup: every job asks at each status change and at each `wait()`. In core, so that every
 * layer (the runtime, routilux/bullmq, otel, the inspector, the CLI) asks the same function.
 *
 * @example
 * ```ts
 * isTerminal('failed'); // true
 * ```
 */
export function isTerminal(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * @internal Whether `status` is resting (what `wait()` waits for): terminal, or paused.
 *
 * @example
 * ```ts
 * isResting('paused'); // true
 * ```
 */
export function isResting(status: JobStatus): boolean {
  return status === 'paused' || isTerminal(status);
}
