import { describeValue } from '../errors/errors.js';

/**
 * One thing wrong in a flow JSON: where (`routines[2].slots.in.mergeStrategy`) and what.
 *
 * @example
 * ```ts
 * const p: FlowProblem = { path: 'connections[0].eventName', message: "routine 'intake' has no event 'lines'; its events: line" };
 * ```
 */
export interface FlowProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * @internal Collects problems instead of stopping at the first, with the shape checks a flow
 * JSON needs (each records a problem and returns `undefined` when the value is wrong).
 *
 * @example
 * ```ts
 * const problems = new ProblemList();
 * const id = problems.string('routines[0].id', raw.id);
 * ```
 */
export class ProblemList {
  readonly list: FlowProblem[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** Runs `fn`; a throw becomes a problem at `path` (its message without the library's own prefix). */
  attempt<T>(path: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.add(path, message.replace(/^flow JSON: [^:]*: /, ''));
      return undefined;
    }
  }

  object(path: string, value: unknown): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.add(path, `expected an object, got ${describeValue(value)}`);
    return undefined;
  }

  array(path: string, value: unknown): unknown[] | undefined {
    if (Array.isArray(value)) return value;
    this.add(path, `expected an array, got ${describeValue(value)}`);
    return undefined;
  }

  string(path: string, value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    this.add(path, `expected a string, got ${describeValue(value)}`);
    return undefined;
  }

  number(path: string, value: unknown): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.add(path, `expected a number, got ${describeValue(value)}`);
    return undefined;
  }

  oneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T | undefined {
    if (options.includes(value as T)) return value as T;
    this.add(path, `expected one of ${options.map((o) => `'${o}'`).join(', ')}, got ${describeValue(value)}`);
    return undefined;
  }
}
