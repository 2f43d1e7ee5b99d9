import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { DataValidator } from '../../lib/builtins/data-validator.js';
import { BUILTIN_VALIDATORS, registerValidator } from '../../lib/builtins/validators.js';
import { collect } from './helpers.js';
import type { Payload } from '../../lib/core/payload.js';

registerValidator('specIsEmail', (v) => typeof v === 'string' && /^[^@\s]+@[^@\s]+$/.test(v));
registerValidator('specThrows', () => {
  throw new Error('validator broke');
});

function validate(config: Record<string, unknown>, payload: Payload): { valid: Payload[]; invalid: Payload[] } {
  const v = new DataValidator();
  v.setConfig(config);
  const valid = collect(v, 'valid');
  const invalid = collect(v, 'invalid');
  v.getSlot('input')!.receive(payload);
  return { valid, invalid };
}

describe('DataValidator', () => {
  it('is registered, has input and trigger, and emits valid/invalid instead of output', () => {
    expect(defaultRegistry.get('DataValidator')).to.equal(DataValidator);
    const v = new DataValidator();
    expect(v.getSlot('trigger')).to.not.equal(undefined);
    expect(v.getEvent('output')).to.equal(undefined);
    expect(v.getEvent('valid')!.outputParams).to.deep.equal(['validatedData']);
    expect(v.getEvent('invalid')!.outputParams).to.deep.equal(['errors', 'data']);
  });

  it('emits valid with the data when every rule passes', () => {
    const { valid, invalid } = validate({ rules: { name: 'isString', age: 'isInt' } }, { data: { name: 'Ada', age: 36 } });
    expect(valid).to.deep.equal([{ validatedData: { name: 'Ada', age: 36 } }]);
    expect(invalid).to.deep.equal([]);
  });

  it('emits invalid with one error per failed rule', () => {
    const { valid, invalid } = validate({ rules: { name: 'isString', age: 'isInt' } }, { data: { name: 7, age: '36' } });
    expect(valid).to.deep.equal([]);
    expect(invalid).to.deep.equal([
      {
        errors: [
          { field: 'name', rule: 'isString', message: "field 'name' failed isString: got number 7" },
          { field: 'age', rule: 'isInt', message: "field 'age' failed isInt: got string '36'" },
        ],
        data: { name: 7, age: '36' },
      },
    ]);
  });

  it('checks required fields (missing or undefined)', () => {
    const { invalid } = validate({ requiredFields: ['a', 'b', 'c'] }, { data: { a: 0, b: undefined } });
    const errors = invalid[0]!.errors as Array<{ field: string; rule: string }>;
    expect(errors.map((e) => [e.field, e.rule])).to.deep.equal([
      ['b', 'required'],
      ['c', 'required'],
    ]);
  });

  it('skips rules of absent optional fields', () => {
    expect(validate({ rules: { nick: 'notEmpty' } }, { data: {} }).valid).to.have.length(1);
  });

  it('applies every validator of a list', () => {
    const { invalid } = validate({ rules: { age: ['isInt', 'isPositive'] } }, { data: { age: -2 } });
    expect((invalid[0]!.errors as Array<{ rule: string }>).map((e) => e.rule)).to.deep.equal(['isPositive']);
  });

  it('stops at the first error in strictMode', () => {
    const config = { rules: { a: 'isString', b: 'isString' }, requiredFields: ['c'], strictMode: true };
    const { invalid } = validate(config, { data: { a: 1, b: 2 } });
    expect(invalid[0]!.errors).to.have.length(1);
    expect((invalid[0]!.errors as Array<{ field: string }>)[0]!.field).to.equal('c');
  });

  it('reports unexpected fields when allowExtraFields is false', () => {
    const config = { rules: { a: 'isInt' }, requiredFields: ['b'], allowExtraFields: false };
    expect(validate(config, { data: { a: 1, b: 2 } }).valid).to.have.length(1);
    const { invalid } = validate(config, { data: { a: 1, b: 2, extra: 3 } });
    expect(invalid[0]!.errors).to.deep.equal([{ field: 'extra', rule: 'allowExtraFields', message: "unexpected field 'extra'" }]);
    expect(validate({ allowExtraFields: false }, { data: { toString: 1 } }).invalid).to.have.length(1);
  });

  it('validates a non-object value as { value }', () => {
    expect(validate({ rules: { value: 'isString' } }, { data: 'hi' }).valid).to.deep.equal([{ validatedData: 'hi' }]);
    const { invalid } = validate({ rules: { value: 'isString' } }, { data: 5 });
    expect(invalid[0]!.data).to.equal(5);
    expect(validate({ requiredFields: ['name'] }, { data: [1] }).invalid).to.have.length(1);
  });

  it('validates the whole payload when it has no data key, and accepts empty input without rules', () => {
    expect(validate({ rules: { id: 'isInt' } }, { id: 1 }).valid).to.deep.equal([{ validatedData: { id: 1 } }]);
    expect(validate({}, {}).valid).to.deep.equal([{ validatedData: {} }]);
  });

  it('works the same on the trigger slot', () => {
    const v = new DataValidator({ rules: { a: 'isInt' } });
    const invalid = collect(v, 'invalid');
    v.getSlot('trigger')!.receive({ a: 'x' });
    expect(invalid).to.have.length(1);
  });

  describe('built-in validators', () => {
    const cases: Array<[string, unknown[], unknown[]]> = [
      ['notEmpty', ['a', 0, false, [1], { a: 1 }], [null, undefined, '', '   ', [], {}]],
      ['isString', ['', 'x'], [1, null, ['x']]],
      ['isInt', [0, -3, 1e3], [1.5, '1', true, NaN, null]],
      ['isFloat', [1.5, 2, -0.1], [NaN, Infinity, '1.5', false]],
      ['isNumber', [1, 1.5, -Infinity], [NaN, '1', true, null]],
      ['isObject', [{}, { a: 1 }], [[], null, 'x', new Date()]],
      ['isArray', [[], [1]], [{}, 'abc', null]],
      ['isPositive', [1, 0.1], [0, -1, '5', true, NaN]],
      ['isNonNegative', [0, 5], [-1, '0', false, NaN]],
    ];
    for (const [name, passes, fails] of cases) {
      it(`${name} accepts ${passes.length} and rejects ${fails.length} sample values`, () => {
        for (const v of passes) expect(BUILTIN_VALIDATORS[name]!(v), `${name}(${String(v)})`).to.equal(true);
        for (const v of fails) expect(BUILTIN_VALIDATORS[name]!(v), `${name}(${String(v)})`).to.equal(false);
        expect(validate({ rules: { f: name } }, { data: { f: passes[0] } }).valid).to.have.length(1);
        expect(validate({ rules: { f: name } }, { data: { f: fails[0] } }).invalid).to.have.length(fails[0] === undefined ? 0 : 1);
      });
    }
  });

  describe('registered validators', () => {
    it('are used by name', () => {
      expect(validate({ rules: { email: 'specIsEmail' } }, { data: { email: 'a@b.c' } }).valid).to.have.length(1);
      expect(validate({ rules: { email: 'specIsEmail' } }, { data: { email: 'nope' } }).invalid).to.have.length(1);
    });

    it('count a throw as a failure with its message', () => {
      const { invalid } = validate({ rules: { x: 'specThrows' } }, { data: { x: 1 } });
      expect(invalid[0]!.errors).to.deep.equal([{ field: 'x', rule: 'specThrows', message: "field 'x' failed specThrows: validator broke" }]);
    });

    it('cannot replace a built-in', () => {
      expect(() => registerValidator('isInt', () => true)).to.throw(ConfigurationError, /built-in validator/);
    });
  });

  describe('config', () => {
    it('rejects bad values at setConfig', () => {
      const v = new DataValidator();
      expect(() => v.setConfig({ rules: { a: 'isWhatever' } })).to.throw(ConfigurationError, /unknown validator 'isWhatever'/);
      expect(() => v.setConfig({ rules: { a: ['isInt', 'nope'] } })).to.throw(ConfigurationError, /'nope'/);
      expect(() => v.setConfig({ rules: { a: (x: unknown) => !!x } })).to.throw(ConfigurationError, /rules/);
      expect(() => v.setConfig({ rules: ['isInt'] })).to.throw(ConfigurationError, /rules/);
      expect(() => v.setConfig({ requiredFields: 'a' })).to.throw(ConfigurationError, /requiredFields/);
      expect(() => v.setConfig({ strictMode: 1 })).to.throw(ConfigurationError, /strictMode/);
      expect(() => v.setConfig({ allowExtraFields: 'no' })).to.throw(ConfigurationError, /allowExtraFields/);
      expect(v.config()).to.deep.equal({});
    });
  });
});
