import { describeError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { boolean, checkConfig, checkNames, configValue, describeValue, stringArray, type ConfigCheck } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { validators } from './validators.js';
import { isPlainObject } from './values.js';

/**
 * Config of {@link DataValidator}.
 *
 * @example
 * ```ts
 * const config: DataValidatorConfig = { rules: { age: ['isInt', 'isNonNegative'] }, requiredFields: ['age'] };
 * new DataValidator(config);
 * ```
 */
export type DataValidatorConfig = {
  /** Field name → validator name (or names, all must pass). Default `{}`. */
  rules?: Record<string, string | string[]>;
  /** Fields that must be present and not `undefined`. Default `[]`. */
  requiredFields?: string[];
  /** Stop at the first error. Default false. */
  strictMode?: boolean;
  /** When false, a field that is neither in `rules` nor in `requiredFields` is an error. Default true. */
  allowExtraFields?: boolean;
};

/**
 * One problem found, as listed in the `invalid` event. `rule` is the validator's name, or
 * `'required'` / `'allowExtraFields'`. (Formerly exported as `ValidationError`, a name now
 * taken by the error class of schema validation.)
 *
 * @example
 * ```ts
 * const e: DataValidationIssue = { field: 'age', rule: 'isInt', message: "field 'age' failed isInt: got string '3'" };
 * ```
 */
export type DataValidationIssue = { field: string; rule: string; message: string };

const rulesCheck: ConfigCheck = {
  test: (v) =>
    isPlainObject(v) &&
    Object.values(v).every((r) => typeof r === 'string' || (Array.isArray(r) && r.every((n) => typeof n === 'string'))),
  expected: 'an object mapping field names to a validator name or a list of names',
};

/**
 * Validates records field by field. The value is `payload.data` when present, else the
 * payload; a value that is not a plain object is validated as `{ value: it }` (so
 * `rules: { value: 'isString' }` checks a bare string). Checks, in order: `requiredFields`
 * (missing or `undefined` is an error), then each rule of a present field (a field absent and
 * not required is not checked), then, with `allowExtraFields: false`, unexpected fields.
 * `strictMode` stops at the first error. Built-in validators: `notEmpty`, `isString`, `isInt`,
 * `isFloat`, `isNumber`, `isObject`, `isArray`, `isPositive`, `isNonNegative` (see
 * `BUILTIN_VALIDATORS`); more with {@link registerValidator}. Unknown names in `rules` are a
 * ConfigurationError at `setConfig`. Emits `valid` `{ validatedData }` or `invalid`
 * `{ errors, data }` (no `output` event).
 *
 * @example
 * ```ts
 * const v = new DataValidator({ rules: { age: 'isInt' }, requiredFields: ['name'] });
 * v.getEvent('invalid')!.asObservable().subscribe((o) => console.log(o.errors));
 * v.getSlot('input')!.receive({ data: { age: 'x' } }); // missing 'name', 'age' failed isInt
 * ```
 */
export class DataValidator extends Routine {
  constructor(config?: DataValidatorConfig) {
    super();
    this.defineEvent('valid', ['validatedData']);
    this.defineEvent('invalid', ['errors', 'data']);
    defineInputSlots(this, (data) => this.validate(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { rules: rulesCheck, requiredFields: stringArray, strictMode: boolean, allowExtraFields: boolean });
    const rules = (next.rules ?? {}) as Record<string, string | string[]>;
    checkNames(this, 'rules', Object.values(rules).flat(), validators);
  }

  private validate(payload: Payload): void {
    const data = inputValue(payload);
    const record = isPlainObject(data) ? data : { value: data };
    const errors = this.check(record);
    if (errors.length === 0) this.emit('valid', { validatedData: data });
    else this.emit('invalid', { errors, data });
  }

  private check(record: Record<string, unknown>): DataValidationIssue[] {
    const rules = configValue<Record<string, string | string[]>>(this, 'rules', {});
    const required = configValue<string[]>(this, 'requiredFields', []);
    const strict = configValue(this, 'strictMode', false);
    const errors: DataValidationIssue[] = [];
    const present = (field: string): boolean => Object.prototype.hasOwnProperty.call(record, field) && record[field] !== undefined;
    // Returns true when validation must stop (strict mode and an error was just added).
    const add = (error: DataValidationIssue): boolean => {
      errors.push(error);
      return strict;
    };
    for (const field of required) {
      if (!present(field) && add({ field, rule: 'required', message: `required field '${field}' is missing` })) return errors;
    }
    for (const [field, names] of Object.entries(rules)) {
      if (!present(field)) continue;
      for (const name of typeof names === 'string' ? [names] : names) {
        const failure = runValidator(name, record[field]);
        if (failure !== undefined && add({ field, rule: name, message: `field '${field}' failed ${name}: ${failure}` })) return errors;
      }
    }
    if (!configValue(this, 'allowExtraFields', true)) {
      for (const field of Object.keys(record)) {
        if (Object.prototype.hasOwnProperty.call(rules, field) || required.includes(field)) continue;
        if (add({ field, rule: 'allowExtraFields', message: `unexpected field '${field}'` })) return errors;
      }
    }
    return errors;
  }
}

/** Why the value failed, or `undefined` when it passed. */
function runValidator(name: string, value: unknown): string | undefined {
  try {
    return validators.require(name, 'DataValidator')(value) ? undefined : `got ${describeValue(value)}`;
  } catch (error) {
    return describeError(error).message;
  }
}

registerRoutine('DataValidator', DataValidator);
