import { bufferCount, bufferTime, filter, map, pipe, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { attachOperator } from '../model/operator-routine.js';
import { checkConfig, configValue, positiveInteger, type ConfigCheck } from './config-checks.js';
import { inputValue } from './input.js';

/**
 * Config of {@link Batcher}. With neither key set, batches are of `size` 10.
 *
 * @example
 * ```ts
 * const config: BatcherConfig = { size: 100, windowMs: 50 };
 * ```
 */
export type BatcherConfig = {
  /** Emit when this many values arrived (integer >= 1). */
  size?: number;
  /** Emit what arrived when this many ms (flow scheduler time) have passed since the window opened. */
  windowMs?: number;
};

/**
 * Accepts finite numbers > 0.
 *
 * @example
 * ```ts
 * checkConfig(this, next, { windowMs: positiveNumber });
 * ```
 */
export const positiveNumber: ConfigCheck = { test: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, expected: 'a positive number' };

/**
 * Collects values per job and emits `{ items, count }` on `output` when a batch is full
 * (`size`) or its time window closes (`windowMs`, on the flow's scheduler), whichever comes
 * first; empty windows emit nothing. The remainder flushes before the job settles. Items are
 * `payload.data` when present, else the payload.
 *
 * @example
 * ```ts
 * flow.addRoutine(new Batcher({ size: 3 }), 'batch');
 * // inputs 1..7 -> { items: [1,2,3], count: 3 }, { items: [4,5,6], count: 3 }, { items: [7], count: 1 }
 * ```
 */
export class Batcher extends Routine {
  constructor(config?: BatcherConfig) {
    super();
    attachOperator(this, (scheduler) => this.operator(scheduler), { slot: 'input', event: 'output', trigger: true, emptyAfterOutput: true });
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { size: positiveInteger, windowMs: positiveNumber });
  }

  private operator(scheduler: SchedulerLike): OperatorFunction<Payload, Payload> {
    const windowMs = configValue<number | undefined>(this, 'windowMs', undefined);
    const size = configValue<number | undefined>(this, 'size', windowMs === undefined ? 10 : undefined);
    const batches: OperatorFunction<unknown, unknown[]> =
      windowMs === undefined ? bufferCount(size!) : size === undefined ? bufferTime(windowMs, scheduler) : bufferTime(windowMs, null, size, scheduler);
    return pipe(
      map(inputValue),
      batches,
      filter((items) => items.length > 0),
      map((items) => ({ items, count: items.length })),
    );
  }
}

registerRoutine('Batcher', Batcher);
