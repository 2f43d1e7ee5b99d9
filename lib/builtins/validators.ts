import { NamedRegistry } from './named-registry.js';
import { isPlainObject } from './values.js';

/**
 * A named field check used by `DataValidator`: true when the value is acceptable. Throwing
 * counts as a failure, with the error's message.
 *
 * @example
 * ```ts
 * const isEmail: Validator = (v) => typeof v === 'string' && /^[^@\s]+@[^@\s]+$/.test(v);
 * ```
 */
export type Validator = (value: unknown) => boolean;

const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/**
 * The built-in validators, by name. Booleans never pass a numeric check, and since JavaScript
 * has one number type, `isFloat` accepts any finite number (`1.0` is `1`):
 * - `notEmpty`: not `null`/`undefined`, not a string of only whitespace, not `[]`, not `{}`;
 * - `isString`, `isArray`, `isObject` (a plain object: not `null`, not an array);
 * - `isInt`: an integer number; `isFloat`: a finite number; `isNumber`: any number but `NaN`;
 * - `isPositive`: a number > 0; `isNonNegative`: a number >= 0.
 *
 * @example
 * ```ts
 * BUILTIN_VALIDATORS.isInt(true); // false
 * BUILTIN_VALIDATORS.notEmpty('  '); // false
 * ```
 */
export const BUILTIN_VALIDATORS: Readonly<Record<string, Validator>> = Object.freeze({
  notEmpty: (v: unknown) => {
    if (v === null || v === undefined) return false;
    if (typeof v === 'string') return v.trim() !== '';
    if (Array.isArray(v)) return v.length > 0;
    if (isPlainObject(v)) return Object.keys(v).length > 0;
    return true;
  },
  isString: (v: unknown) => typeof v === 'string',
  isInt: (v: unknown) => Number.isInteger(v),
  isFloat: (v: unknown) => typeof v === 'number' && Number.isFinite(v),
  isNumber: (v: unknown) => isNumber(v),
  isObject: (v: unknown) => isPlainObject(v),
  isArray: (v: unknown) => Array.isArray(v),
  isPositive: (v: unknown) => isNumber(v) && v > 0,
  isNonNegative: (v: unknown) => isNumber(v) && v >= 0,
});

/**
 * @internal Built-in and registered validators.
 *
 * @example
 * ```ts
 * validators.get('isInt')?.(3); // true
 * ```
 */
export const validators = new NamedRegistry<Validator>('validator', 'registerValidator', BUILTIN_VALIDATORS);

/**
 * Registers a validator usable by name in `DataValidator`'s `rules`. Config stores only the
 * name, so register it before configuring the routine or rebuilding a flow with
 * `Flow.fromJSON`. Built-in names cannot be replaced.
 *
 * @example
 * ```ts
 * registerValidator('isEmail', (v) => typeof v === 'string' && v.includes('@'));
 * new DataValidator({ rules: { email: 'isEmail' }, requiredFields: ['email'] });
 * ```
 */
export function registerValidator(name: string, fn: Validator): void {
  validators.register(name, fn);
}
