import { plainToInstance } from 'class-transformer';
import { ConfigurationError, describeValue } from '../errors/errors.js';
import { schemaCheck, type PayloadCheck } from './standard-schema.js';

/**
 * @internal What a slot does to a merged payload before its handler sees it: the schema check,
 * then the payload class. `undefined` when the slot has neither, so an activation of a plain
 * slot pays one field read for all this.
 *
 * @throws {ConfigurationError} for a schema that is not a Standard Schema or a payloadClass that
 * is not a class.
 * @example
 * ```ts
 * slot._admit = slotAdmission({ schema: OrderSchema, payloadClass: Order }, () => `routine '${routine.id}' slot 'in'`);
 * ```
 */
export function slotAdmission(options: { schema?: unknown; payloadClass?: unknown }, where: () => string): PayloadCheck | undefined {
  const check = options.schema === undefined ? undefined : schemaCheck(options.schema, where);
  const ctor = options.payloadClass;
  if (ctor === undefined) return check;
  if (typeof ctor !== 'function' || typeof (ctor as { prototype?: unknown }).prototype !== 'object') {
    throw new ConfigurationError(`${where()}: payloadClass must be a class, got ${describeValue(ctor)}`);
  }
  const toInstance = (value: unknown): object =>
    value instanceof ctor ? value : (plainToInstance(ctor as new () => object, value as object) as object);
  if (check === undefined) return toInstance;
  return (value) => {
    const checked = check(value);
    return checked instanceof Promise ? checked.then(toInstance) : toInstance(checked);
  };
}
