import { ConfigurationError, quoteValue } from '../errors/errors.js';
import { isUnsafeKey } from '../core/own-property.js';
import type { Routine } from './routine.js';
import type { Slot, SlotHandler } from './slot.js';
import { LatestCell, ZipCell } from './join-cells.js';
import type { PolicyCell } from './policy-cell.js';

/**
 * How a join fires: `'zip'` once every listed slot has an unconsumed payload, with the oldest
 * of each (each payload is used once); `'latest'` on every arrival once every slot has been
 * heard from, with the latest of each.
 *
 * @example
 * ```ts
 * routine.defineJoin('pair', ['left', 'right'], handler, { mode: 'latest' satisfies JoinMode });
 * ```
 */
export type JoinMode = 'zip' | 'latest';

/**
 * Options of {@link Routine.defineJoin}.
 *
 * @example
 * ```ts
 * const options: JoinOptions = { mode: 'zip' };
 * ```
 */
export interface JoinOptions {
  mode?: JoinMode;
}

/**
 * A join of a routine: slots that feed one handler together instead of having handlers of
 * their own. Per job, each listed slot's payloads (after its merge strategy) wait in the job's
 * state until the join fires (see {@link JoinMode}); the handler gets `{ [slot]: payload }`.
 *
 * @example
 * ```ts
 * const join = routine.getJoin('pair')!; join.slotNames; // ['left', 'right']
 * ```
 */
export class Join {
  private currentMode: JoinMode;
  /** The listed slots' names, in order. */
  readonly slotNames: readonly string[];

  /** @internal The handler the join's slots run when it fires. */
  readonly _handler: SlotHandler;

  // `handler` is a plain parameter (not a parameter property) so that stripping internals from
  // the published types leaves a clean constructor signature.
  constructor(
    readonly name: string,
    readonly routine: Routine,
    readonly slots: readonly Slot[],
    mode: JoinMode,
    handler: SlotHandler,
  ) {
    this._handler = handler;
    this.currentMode = mode;
    this.slotNames = Object.freeze(slots.map((s) => s.name));
  }

  /** `'zip'` or `'latest'`. */
  get mode(): JoinMode {
    return this.currentMode;
  }

  /** @internal The kind of its state in `JobState.policies`. */
  get kind(): JoinMode {
    return this.currentMode;
  }

  /** @internal Its key in `JobState.policies`. */
  get key(): string {
    return `${this.routine.id}.${this.name}`;
  }

  /**
   * Replaces the mode (used by `Flow.fromJSON`, where the JSON's mode wins).
   *
   * @throws {ConfigurationError} when `mode` is neither `'zip'` nor `'latest'`.
   * @example
   * ```ts
   * join.setMode('latest');
   * ```
   */
  setMode(mode: JoinMode): void {
    this.currentMode = checkMode(`routine '${this.routine.id}' join '${this.name}'`, mode);
  }

  /** @internal A job's cell of this join. */
  newCell(): PolicyCell {
    return this.currentMode === 'zip' ? new ZipCell(this) : new LatestCell(this);
  }
}

/**
 * @internal Checks `defineJoin`'s arguments (not the slots themselves, which the routine checks).
 *
 * @throws {ConfigurationError} naming the routine and join.
 * @example
 * ```ts
 * const mode = checkJoin('r', 'pair', ['left', 'right'], handler, {});
 * ```
 */
export function checkJoin(routineId: string, name: unknown, slots: unknown, handler: unknown, options: unknown): JoinMode {
  if (typeof name !== 'string' || name.length === 0 || isUnsafeKey(name)) {
    throw new ConfigurationError(`routine '${routineId}': a join name must be a non-empty string other than '__proto__', got ${quoteValue(name)}`);
  }
  const where = `routine '${routineId}' join '${name}'`;
  if (!Array.isArray(slots) || slots.length < 2) throw new ConfigurationError(`${where}: expected an array of at least two slot names, got ${quoteValue(slots)}`);
  if (new Set(slots).size !== slots.length) throw new ConfigurationError(`${where}: a slot is listed twice in ${quoteValue(slots)}`);
  if (typeof handler !== 'function') throw new ConfigurationError(`${where}: the handler must be a function, got ${typeof handler}`);
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new ConfigurationError(`${where}: options must be an object { mode? }`);
  return checkMode(where, (options as JoinOptions | undefined)?.mode ?? 'zip');
}

function checkMode(where: string, mode: unknown): JoinMode {
  if (mode !== 'zip' && mode !== 'latest') throw new ConfigurationError(`${where}: option 'mode' must be 'zip' or 'latest', got ${quoteValue(mode)}`);
  return mode;
}

