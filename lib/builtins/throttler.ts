import { throttleTime } from 'rxjs';
import { Routine } from '../model/routine.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { attachOperator } from '../model/operator-routine.js';
import { checkConfig, configValue } from './config-checks.js';
import { positiveNumber } from './batcher.js';

/**
 * Config of {@link Throttler}.
 *
 * @example
 * ```ts
 * const config: ThrottlerConfig = { duration: 1000 };
 * ```
 */
export type ThrottlerConfig = {
  /** ms window (flow scheduler time) after an emitted payload during which others are dropped. Default 100. */
  duration?: number;
};

/**
 * Emits the first payload of each `duration` window (per job) and drops the rest of the window.
 *
 * @example
 * ```ts
 * flow.addRoutine(new Throttler({ duration: 1000 }), 'throttle');
 * ```
 */
export class Throttler extends Routine {
  constructor(config?: ThrottlerConfig) {
    super();
    attachOperator(this, (scheduler) => throttleTime(configValue(this, 'duration', 100), scheduler, { leading: true, trailing: false }), {
      trigger: true,
      // Its only state is the window the last payload it let through opened: a restore replays
      // that payload at its time, so the window closes when it would have.
      lastOutputOnly: true,
    });
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { duration: positiveNumber });
  }
}

registerRoutine('Throttler', Throttler);
