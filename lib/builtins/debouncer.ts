import { debounceTime } from 'rxjs';
import { Routine } from '../model/routine.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { attachOperator } from '../model/operator-routine.js';
import { checkConfig, configValue } from './config-checks.js';
import { positiveNumber } from './batcher.js';

/**
 * Config of {@link Debouncer}.
 *
 * @example
 * ```ts
 * const config: DebouncerConfig = { dueTime: 250 };
 * ```
 */
export type DebouncerConfig = {
  /** ms of quiet (flow scheduler time) before the last payload is emitted. Default 100. */
  dueTime?: number;
};

/**
 * Emits the last payload received (per job) once `dueTime` ms passed without another one.
 * When the job has nothing else to do, the pending payload is emitted at once.
 *
 * @example
 * ```ts
 * flow.addRoutine(new Debouncer({ dueTime: 50 }), 'debounce');
 * ```
 */
export class Debouncer extends Routine {
  constructor(config?: DebouncerConfig) {
    super();
    attachOperator(this, (scheduler) => debounceTime(configValue(this, 'dueTime', 100), scheduler), { trigger: true, emptyAfterOutput: true });
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { dueTime: positiveNumber });
  }
}

registerRoutine('Debouncer', Debouncer);
