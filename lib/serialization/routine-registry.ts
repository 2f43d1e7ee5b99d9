import type { Routine } from '../model/routine.js';
import { ConfigurationError } from '../errors/errors.js';
import { mergeStrategies, type MergeFunction } from '../model/merge.js';

/**
 * A constructor of a routine that takes no arguments, as the registry needs to rebuild it.
 *
 * @example
 * ```ts
 * const ctor: RoutineConstructor = Parser; new ctor();
 * ```
 */
export type RoutineConstructor = new () => Routine;

/**
 * Maps type names to routine classes, so a flow can be rebuilt from JSON.
 * A per-call registry can be passed to `Flow.fromJSON`; the global one is the default.
 *
 * @example
 * ```ts
 * const registry = new RoutineRegistry();
 * registry.register('Parser', Parser);
 * Flow.fromJSON(json, { registry });
 * ```
 */
export class RoutineRegistry {
  private readonly byName = new Map<string, RoutineConstructor>();
  private readonly byCtor = new Map<RoutineConstructor, string>();

  /** Registers `ctor` under `name`; re-registering a name replaces it. */
  register(name: string, ctor: RoutineConstructor): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new ConfigurationError(`registerRoutine: the name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (typeof ctor !== 'function') {
      throw new ConfigurationError(`registerRoutine('${name}'): expected a routine class, got ${typeof ctor}`);
    }
    const previous = this.byName.get(name);
    if (previous) this.byCtor.delete(previous);
    this.byName.set(name, ctor);
    this.byCtor.set(ctor, name);
  }

  /** The class registered under `name`, if any. */
  get(name: string): RoutineConstructor | undefined {
    return this.byName.get(name);
  }

  /** The name `ctor` was registered under, if any (exact class, not a superclass). */
  nameOf(ctor: Function): string | undefined {
    return this.byCtor.get(ctor as RoutineConstructor);
  }

  /** Every registered name. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/**
 * The global routine registry used by `toJSON`/`fromJSON` unless another is given.
 *
 * @example
 * ```ts
 * defaultRegistry.get('Parser'); // the class registered with registerRoutine('Parser', Parser)
 * ```
 */
export const defaultRegistry = new RoutineRegistry();

/**
 * Registers a routine class under a type name in the global registry.
 *
 * @example
 * ```ts
 * registerRoutine('Parser', Parser);
 * ```
 */
export function registerRoutine(name: string, ctor: RoutineConstructor): void {
  defaultRegistry.register(name, ctor);
}

/**
 * Class decorator form of {@link registerRoutine}.
 *
 * @example
 * ```ts
 * @routineType('Parser')
 * class Parser extends Routine {}
 * ```
 */
export function routineType(name: string): ClassDecorator {
  return (target) => {
    registerRoutine(name, target as unknown as RoutineConstructor);
  };
}

/**
 * Registers a named custom merge strategy; slots may then use `mergeStrategy: name`,
 * and an inline function registered here serializes under its name.
 *
 * @example
 * ```ts
 * registerMergeStrategy('sum', (prev, inc) => ({ total: ((prev.total as number) ?? 0) + (inc.value as number) }));
 * routine.defineSlot('in', handler, { mergeStrategy: 'sum' });
 * ```
 */
export function registerMergeStrategy(name: string, fn: MergeFunction): void {
  if (typeof name !== 'string' || name.length === 0 || name === 'override' || name === 'append') {
    throw new ConfigurationError(`registerMergeStrategy: name must be a non-empty string other than 'override' and 'append', got ${JSON.stringify(name)}`);
  }
  if (typeof fn !== 'function') {
    throw new ConfigurationError(`registerMergeStrategy('${name}'): expected a function (previous, incoming) => payload, got ${typeof fn}`);
  }
  mergeStrategies.set(name, fn);
}
