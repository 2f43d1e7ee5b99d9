import { ConfigurationError } from '../errors/errors.js';
import type { Routine } from '../model/routine.js';
import { typeName } from './values.js';

/**
 * Config checks shared by the built-ins' `validateConfig`. A key set to `undefined` counts as
 * unset (its default applies), so callers can clear a key with `setConfig({ key: undefined })`.
 */

/**
 * A test on a config value, with the phrase that describes what it accepts.
 *
 * @example
 * ```ts
 * const percent: ConfigCheck = { test: (v) => typeof v === 'number' && v >= 0 && v <= 100, expected: 'a number in [0, 100]' };
 * ```
 */
export interface ConfigCheck {
  readonly test: (value: unknown) => boolean;
  readonly expected: string;
}

/**
 * Throws the one message shape every built-in uses for bad config: the routine, the key,
 * what was expected and what was given.
 *
 * @example
 * ```ts
 * configError(this, 'maxLength', 'a positive integer', -1); // ConfigurationError: TextClipper 'clip': config 'maxLength' must be a positive integer, got number -1
 * ```
 */
export function configError(routine: Routine, key: string, expected: string, got: unknown): never {
  throw new ConfigurationError(`${routineLabel(routine)}: config '${key}' must be ${expected}, got ${describeValue(got)}`);
}

/**
 * Throws when `names` holds names `registry` does not know, listing them and the known ones.
 *
 * @example
 * ```ts
 * checkNames(this, 'transformations', ['nope'], transformations);
 * // ConfigurationError: DataTransformer 'dt': config 'transformations' names unknown transformation 'nope'; known: ...
 * ```
 */
export function checkNames(
  routine: Routine,
  key: string,
  names: readonly string[],
  registry: { readonly kind: string; readonly registerName: string; has(name: string): boolean; names(): string[] },
): void {
  const unknown = names.filter((name) => !registry.has(name));
  if (unknown.length === 0) return;
  throw new ConfigurationError(
    `${routineLabel(routine)}: config '${key}' names unknown ${registry.kind}${unknown.length > 1 ? 's' : ''} ` +
      `${unknown.map((n) => `'${n}'`).join(', ')}; known: ${registry.names().join(', ') || '(none)'}; ` +
      `register others with ${registry.registerName}`,
  );
}

/**
 * `ClassName 'id'`, the prefix of every built-in error message.
 *
 * @example
 * ```ts
 * routineLabel(new TextClipper()); // "TextClipper 'TextClipper_1'"
 * ```
 */
export function routineLabel(routine: Routine): string {
  return `${routine.constructor.name} '${routine.id}'`;
}

/**
 * Checks every listed key that is set (not `undefined`) in `config`.
 *
 * @example
 * ```ts
 * checkConfig(this, next, { maxLength: positiveInteger, preserveTracebacks: boolean });
 * ```
 */
export function checkConfig(
  routine: Routine,
  config: Readonly<Record<string, unknown>>,
  checks: Readonly<Record<string, ConfigCheck>>,
): void {
  for (const key of Object.keys(checks)) {
    const value = config[key];
    if (value !== undefined && !checks[key]!.test(value)) configError(routine, key, checks[key]!.expected, value);
  }
}

/**
 * A config value, or `defaultValue` when the key is unset or `undefined`.
 *
 * @example
 * ```ts
 * const max = configValue(this, 'maxLength', 1000);
 * ```
 */
export function configValue<V>(routine: Routine, key: string, defaultValue: V): V {
  return routine.getConfig<V | undefined>(key) ?? defaultValue;
}

/** Accepts `true` and `false`. @example `checkConfig(this, next, { strictMode: boolean })` */
export const boolean: ConfigCheck = { test: (v) => typeof v === 'boolean', expected: 'a boolean' };

/** Accepts any string. @example `checkConfig(this, next, { indent: string })` */
export const string: ConfigCheck = { test: (v) => typeof v === 'string', expected: 'a string' };

/** Accepts strings with at least one character. @example `checkConfig(this, next, { field: nonEmptyString })` */
export const nonEmptyString: ConfigCheck = {
  test: (v) => typeof v === 'string' && v.length > 0,
  expected: 'a non-empty string',
};

/** Accepts integers >= 1. @example `checkConfig(this, next, { maxDepth: positiveInteger })` */
export const positiveInteger: ConfigCheck = {
  test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1,
  expected: 'a positive integer',
};

/** Accepts arrays of strings. @example `checkConfig(this, next, { pick: stringArray })` */
export const stringArray: ConfigCheck = {
  test: (v) => Array.isArray(v) && v.every((item) => typeof item === 'string'),
  expected: 'an array of strings',
};

/**
 * Accepts exactly one of `values`.
 *
 * @example
 * ```ts
 * checkConfig(this, next, { format: oneOf('xml', 'markdown') });
 * ```
 */
export function oneOf(...values: readonly string[]): ConfigCheck {
  return { test: (v) => typeof v === 'string' && values.includes(v), expected: `one of ${values.map((v) => `'${v}'`).join(', ')}` };
}

/**
 * `string 'abc'`, `number 3`, `array`, `object`: enough to see what went wrong without
 * dumping a large value into the message.
 *
 * @example
 * ```ts
 * describeValue('x'); // "string 'x'"
 * ```
 */
export function describeValue(value: unknown): string {
  const type = typeName(value);
  if (typeof value === 'string') return `string '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${type} ${String(value)}`;
  return type;
}
