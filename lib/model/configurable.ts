import { ConfigurationError } from '../errors/errors.js';

/**
 * A routine's config: plain data set with `setConfig` (validated by the subclass), read with
 * `getConfig`. The base of {@link Routine}, kept apart so each file holds one concept.
 *
 * @example
 * ```ts
 * class Threshold extends Routine {
 *   protected override validateConfig(next: Readonly<Record<string, unknown>>) {
 *     if (typeof next.limit !== 'number') throw new ConfigurationError(`routine '${this.id}': limit must be a number`);
 *   }
 * }
 * ```
 */
export abstract class Configurable {
  private _config: Record<string, unknown> = {};

  /** The id error messages name. */
  abstract get id(): string;

  /**
   * Shallow-merges `values` into the config, after {@link Routine.validateConfig} accepted
   * the result; a rejected config leaves the old one in place.
   *
   * @example
   * ```ts
   * routine.setConfig({ threshold: 10 });
   * ```
   */
  setConfig(values: Record<string, unknown>): void {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new ConfigurationError(`routine '${this.id}': setConfig expects a plain object`);
    }
    const next = { ...this._config, ...values };
    this.validateConfig(next);
    const previous = this._config;
    this._config = next;
    try {
      this.configChanged(next);
    } catch (error) {
      // A refused config changes nothing: the old one stays in force.
      this._config = previous;
      throw error;
    }
  }

  /**
   * A config value, or `defaultValue` when the key is not set.
   *
   * @example
   * ```ts
   * const threshold = this.getConfig<number>('threshold', 10);
   * ```
   */
  getConfig<V = unknown>(key: string, defaultValue?: V): V {
    return (Object.prototype.hasOwnProperty.call(this._config, key) ? this._config[key] : defaultValue) as V;
  }

  /** A copy of the whole config. @example `const c = routine.config(); c.x = 1; // routine unchanged` */
  config(): Record<string, unknown> {
    return { ...this._config };
  }

  /**
   * Override to reject bad config at `setConfig` time: throw a {@link ConfigurationError}
   * naming the key. Receives the merged config that would be applied.
   *
   * @example
   * ```ts
   * protected override validateConfig(next: Readonly<Record<string, unknown>>) {
   *   if (typeof next.size !== 'number') throw new ConfigurationError(`routine '${this.id}': size must be a number`);
   * }
   * ```
   */
  protected validateConfig(_next: Readonly<Record<string, unknown>>): void {}

  /**
   * Override to react to an accepted config (e.g. define one event per configured route).
   *
   * @example
   * ```ts
   * protected override configChanged(config: Readonly<Record<string, unknown>>) { this.rebuildRoutes(config); }
   * ```
   */
  protected configChanged(_config: Readonly<Record<string, unknown>>): void {}
}
