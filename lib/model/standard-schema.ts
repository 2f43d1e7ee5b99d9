import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError, ValidationError, describeError, describeValue, type ValidationIssue } from '../errors/errors.js';

/**
 * @internal A compiled schema: returns the schema's output for a valid payload, throws a
 * {@link ValidationError} for an invalid one, and returns a promise of either when the schema
 * is asynchronous.
 *
 * @example
 * ```ts
 * const checked = check(payload);
 * if (checked instanceof Promise) checked.then(deliver, fail); else deliver(checked);
 * ```
 */
export type PayloadCheck = (value: unknown) => object | Promise<object>;

/** At most this many issues are spelled out in a message (all of them are in `issues`). */
const MAX_LISTED = 10;

/**
 * @internal Compiles a Standard Schema (zod, valibot, arktype, … — anything with a
 * `~standard` property of version 1) into a {@link PayloadCheck}. `where()` starts every
 * message (`routine 'orders' slot 'in'`): a function, since a routine's id changes when it is
 * added to a flow.
 *
 * @throws {ConfigurationError} when `schema` is not a Standard Schema.
 * @example
 * ```ts
 * const check = schemaCheck(z.object({ amount: z.number() }), () => "routine 'orders' slot 'in'");
 * check({ amount: 'ten' }); // throws ValidationError: ... invalid payload: amount: Expected number, received string
 * ```
 */
export function schemaCheck(schema: unknown, where: () => string): PayloadCheck {
  const standard = standardProps(schema);
  if (standard === undefined) {
    throw new ConfigurationError(`${where()}: schema must be a Standard Schema (zod, valibot, arktype, …: an object with a '~standard' property of version 1), got ${describeValue(schema)}`);
  }
  const validate = standard.validate;
  return (value) => {
    const result: unknown = validate(value);
    // A schema is asynchronous when its validate returns a promise: only then is the check.
    if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
      return Promise.resolve(result).then((settled) => outcome(settled, where));
    }
    return outcome(result, where);
  };
}

function standardProps(schema: unknown): StandardSchemaV1.Props | undefined {
  if ((typeof schema !== 'object' && typeof schema !== 'function') || schema === null) return undefined;
  try {
    const props = (schema as Partial<StandardSchemaV1>)['~standard'];
    if (typeof props !== 'object' || props === null || props.version !== 1 || typeof props.validate !== 'function') return undefined;
    return props;
  } catch {
    return undefined; // reading it threw (a throwing getter, a revoked proxy): not a usable schema
  }
}

/** At most this many characters of one issue's message and path are spelled out (the full text is in `issues`): some schemas quote the value they rejected, which may be huge. */
const MAX_ISSUE_TEXT = 200;

function outcome(result: unknown, where: () => string): object {
  // Standard Schema promises `{ value }` or `{ issues }`; anything else is the schema's bug, said
  // so naming the port, never a TypeError from in here.
  if (typeof result !== 'object' || result === null) throw malformed(where, `a result of ${describeValue(result)}`);
  const { issues: raw, value } = result as { issues?: unknown; value?: unknown };
  if (raw !== undefined && raw !== null && raw !== false) {
    if (!Array.isArray(raw)) throw malformed(where, `issues that are ${describeValue(raw)}, not an array`);
    const issues = raw.map((issue, i) => toIssue(issue, i, where));
    const listed = issues.slice(0, MAX_LISTED).map((i) => (i.path === undefined || i.path.length === 0 ? clip(i.message) : `${clip(formatPath(i.path))}: ${clip(i.message)}`));
    const more = issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more` : '';
    throw new ValidationError(`${where()}: invalid payload: ${listed.join('; ') || '(the schema reported no issue)'}${more}`, issues);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${where()}: the schema's output must be an object (a payload), got ${describeValue(value)}`);
  }
  return value;
}

function toIssue(raw: unknown, index: number, where: () => string): ValidationIssue {
  if (typeof raw !== 'object' || raw === null) throw malformed(where, `issue ${index} that is ${describeValue(raw)}`);
  const issue = raw as { message?: unknown; path?: unknown };
  const message = describeError({ message: issue.message }).message;
  if (issue.path === undefined) return { message };
  if (!Array.isArray(issue.path)) throw malformed(where, `issue ${index} whose path is ${describeValue(issue.path)}, not an array`);
  const path = issue.path.map((segment: unknown): PropertyKey => {
    const key = typeof segment === 'object' && segment !== null ? (segment as { key?: unknown }).key : segment;
    if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'symbol') throw malformed(where, `issue ${index} whose path holds ${describeValue(key)}, not a property key`);
    return key;
  });
  return { message, path };
}

function malformed(where: () => string, what: string): ConfigurationError {
  return new ConfigurationError(`${where()}: the schema's validate returned ${what} (a Standard Schema result is { value } or { issues: [{ message, path? }] })`);
}

function clip(text: string): string {
  return text.length > MAX_ISSUE_TEXT ? `${text.slice(0, MAX_ISSUE_TEXT)}…` : text;
}

/**
 * A path as one would write it in code: `items[0].price`, `['a b']`, `[Symbol(id)]`.
 *
 * @internal
 * @example
 * ```ts
 * formatPath(['items', 0, 'price']); // 'items[0].price'
 * ```
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${String(key)}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}
