import { ConfigurationError, describeValue } from '../errors/errors.js';
import { payloadClassNameOf, payloadClassTransformer } from '../core/payload-class-registry.js';
import { schemaCheck, type PayloadCheck } from './standard-schema.js';

/**
 * @internal What a slot does to a merged payload before its handler sees it: the schema check,
 * then the payload class. `undefined` when the slot has neither, so an activation of a plain
 * slot pays one field read for all this.
 *
 * @throws {ConfigurationError} for a schema that is not a Standard Schema or a payloadClass that
 * is not a class; when a payload arrives, the check throws a ConfigurationError (failing that
 * activation) if the class was not registered with `registerPayloadClass`: the registry is
 * where class-transformer is loaded (the core never imports it) and how a job saves and
 * revives the instances it holds.
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
  const cls = ctor as new () => object;
  const toInstance = (value: unknown): object => {
    if (value instanceof cls) return value;
    if (payloadClassNameOf(cls.prototype) === undefined) {
      throw new ConfigurationError(`${where()}: payloadClass ${cls.name || '(anonymous class)'} is not registered: call registerPayloadClass('${cls.name || 'Name'}', ${cls.name || 'TheClass'}) first (it loads class-transformer and lets jobs save and revive its instances)`);
    }
    return payloadClassTransformer().toInstance(cls, value as object);
  };
  if (check === undefined) return toInstance;
  return (value) => {
    const checked = check(value);
    return checked instanceof Promise ? checked.then(toInstance) : toInstance(checked);
  };
}
