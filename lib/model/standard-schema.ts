import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError, ValidationError, describeValue, type ValidationIssue } from '../errors/errors.js';

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
    const result = validate(value);
    // A schema is asynchronous when its validate returns a promise: only then is the check.
    if (typeof (result as { then?: unknown }).then === 'function') {
      return Promise.resolve(result).then((settled) => outcome(settled, where));
    }
    return outcome(result as StandardSchemaV1.Result<unknown>, where);
  };
}

function standardProps(schema: unknown): StandardSchemaV1.Props | undefined {
  if ((typeof schema !== 'object' && typeof schema !== 'function') || schema === null) return undefined;
  const props = (schema as Partial<StandardSchemaV1>)['~standard'];
  if (typeof props !== 'object' || props === null || props.version !== 1 || typeof props.validate !== 'function') return undefined;
  return props;
}

function outcome(result: StandardSchemaV1.Result<unknown>, where: () => string): object {
  if (result.issues) {
    const issues = result.issues.map(toIssue);
    const listed = issues.slice(0, MAX_LISTED).map((i) => (i.path === undefined || i.path.length === 0 ? i.message : `${formatPath(i.path)}: ${i.message}`));
    const more = issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more` : '';
    throw new ValidationError(`${where()}: invalid payload: ${listed.join('; ')}${more}`, issues);
  }
  const value = result.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${where()}: the schema's output must be an object (a payload), got ${describeValue(value)}`);
  }
  return value;
}

function toIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const message = String(issue.message);
  if (issue.path === undefined) return { message };
  return { message, path: issue.path.map((segment) => (typeof segment === 'object' && segment !== null ? segment.key : segment)) };
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
