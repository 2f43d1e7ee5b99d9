import { ConfigurationError } from '../errors/errors.js';

/**
 * A process-wide table of named functions (transformations, validators, predicates, mappers,
 * extractors). Config refers to functions by name only, so flows that use them survive
 * `toJSON`/`fromJSON`: register the same names before rebuilding the flow. Built-in names are
 * reserved, so a flow's meaning never depends on what some module registered.
 *
 * @example
 * ```ts
 * const mappers = new NamedRegistry<(value: unknown) => unknown>('mapper', 'registerMapper');
 * mappers.register('double', (v) => (v as number) * 2);
 * mappers.get('double')?.(2); // 4
 * ```
 */
export class NamedRegistry<F extends (...args: never[]) => unknown> {
  private readonly custom = new Map<string, F>();
  private readonly builtins: ReadonlyMap<string, F>;

  constructor(
    /** What the functions are, for messages (`'validator'`). */
    readonly kind: string,
    /** The public register function, for messages (`'registerValidator'`). */
    readonly registerName: string,
    builtins: Readonly<Record<string, F>> = {},
  ) {
    this.builtins = new Map(Object.entries(builtins));
  }

  /**
   * Adds or replaces a custom function. Re-registering a name keeps its original position in
   * {@link NamedRegistry.customNames}.
   */
  register(name: string, fn: F): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new ConfigurationError(`${this.registerName}: the name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (typeof fn !== 'function') {
      throw new ConfigurationError(`${this.registerName}('${name}'): expected a function, got ${typeof fn}`);
    }
    if (this.builtins.has(name)) {
      throw new ConfigurationError(`${this.registerName}('${name}'): '${name}' is a built-in ${this.kind} and cannot be replaced`);
    }
    this.custom.set(name, fn);
  }

  /** The function registered (or built in) under `name`. */
  get(name: string): F | undefined {
    return this.builtins.get(name) ?? this.custom.get(name);
  }

  /** Whether `name` is built in or registered. */
  has(name: string): boolean {
    return this.builtins.has(name) || this.custom.has(name);
  }

  /** Whether `name` is one of the built-ins. */
  isBuiltin(name: string): boolean {
    return this.builtins.has(name);
  }

  /** Custom names in registration order. */
  customNames(): string[] {
    return [...this.custom.keys()];
  }

  /** Every known name: built-ins first, then custom ones in registration order. */
  names(): string[] {
    return [...this.builtins.keys(), ...this.custom.keys()];
  }

  /** The function under `name`, or a ConfigurationError listing the known names. */
  require(name: string, where: string): F {
    const fn = this.get(name);
    if (fn === undefined) {
      throw new ConfigurationError(
        `${where}: unknown ${this.kind} '${name}'; known: ${this.names().join(', ') || '(none)'}; register custom ones with ${this.registerName}`,
      );
    }
    return fn;
  }
}
