import type { CliIO } from './cli-io.js';

/**
 * What every command gets: where to read and write, and where to leave its exit code.
 *
 * @example
 * ```ts
 * const ctx: CliContext = { io: nodeIO(), exitCode: 0 };
 * ```
 */
export interface CliContext {
  readonly io: CliIO;
  /** 0 unless the command sets it (see `routilux --help` for the codes). */
  exitCode: number;
}

/** Collects a repeatable option's values (`--require a --require b`). @example `program.option('--require <module>', 'a module', collect, [])` */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
