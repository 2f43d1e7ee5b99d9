import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { DataTransformer } from '../../lib/builtins/data-transformer.js';
import { BUILTIN_TRANSFORMATIONS, registerTransformation } from '../../lib/builtins/transformations.js';
import { runOne } from './helpers.js';

const transform = (names: string[], data: unknown) => runOne(new DataTransformer({ transformations: names }), { data });

registerTransformation('specDouble', (v) => (v as number) * 2);
registerTransformation('specExplode', () => {
  throw new Error('nope');
});

describe('DataTransformer', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('DataTransformer')).to.equal(DataTransformer);
    const t = new DataTransformer();
    expect(t.getSlot('trigger')).to.not.equal(undefined);
    expect(t.getEvent('output')!.outputParams).to.deep.equal(['transformedData', 'transformationsApplied', 'errors']);
  });

  it('passes the value through without transformations', () => {
    expect(runOne(new DataTransformer(), { data: 'x' })).to.deep.equal({ transformedData: 'x', transformationsApplied: [], errors: [] });
  });

  it('applies transformations in order', () => {
    expect(transform(['stripWhitespace', 'uppercase'], '  hello ')).to.deep.equal({
      transformedData: 'HELLO',
      transformationsApplied: ['stripWhitespace', 'uppercase'],
      errors: [],
    });
  });

  describe('built-ins', () => {
    it('lowercase, uppercase and stripWhitespace change strings, also inside objects and arrays', () => {
      expect(transform(['lowercase'], 'HeLLo').transformedData).to.equal('hello');
      expect(transform(['uppercase'], { a: 'x', b: ['y', 1], c: null }).transformedData).to.deep.equal({ a: 'X', b: ['Y', 1], c: null });
      expect(transform(['stripWhitespace'], { name: ' Ada ' }).transformedData).to.deep.equal({ name: 'Ada' });
      expect(transform(['lowercase'], 42).transformedData).to.equal(42);
    });

    it('toString writes objects as JSON text and other values with String()', () => {
      expect(transform(['toString'], { a: 1 }).transformedData).to.equal('{"a":1}');
      expect(transform(['toString'], [1, 'x']).transformedData).to.equal('[1,"x"]');
      expect(transform(['toString'], 3.5).transformedData).to.equal('3.5');
      expect(transform(['toString'], true).transformedData).to.equal('true');
      expect(transform(['toString'], null).transformedData).to.equal('null');
      expect(transform(['toString'], 'same').transformedData).to.equal('same');
    });

    it('toInt and toFloat convert numbers and numeric strings', () => {
      expect(transform(['toInt'], '42').transformedData).to.equal(42);
      expect(transform(['toInt'], 3.9).transformedData).to.equal(3);
      expect(transform(['toInt'], ' -3.9 ').transformedData).to.equal(-3);
      expect(transform(['toFloat'], '3.25').transformedData).to.equal(3.25);
      expect(transform(['toFloat'], 7).transformedData).to.equal(7);
    });

    it('toInt and toFloat report what they cannot convert and keep the value', () => {
      const out = transform(['toInt'], 'abc');
      expect(out).to.deep.equal({
        transformedData: 'abc',
        transformationsApplied: [],
        errors: [{ transformation: 'toInt', message: "cannot convert string 'abc' to an integer" }],
      });
      expect(transform(['toFloat'], true).errors).to.deep.equal([{ transformation: 'toFloat', message: 'cannot convert boolean to a number' }]);
      expect(transform(['toFloat'], '').errors).to.have.length(1);
      expect(transform(['toInt'], { a: 1 }).errors).to.have.length(1);
    });

    it('removeNone drops null and undefined fields, nested too, keeping array positions', () => {
      const out = transform(['removeNone'], { a: 1, b: null, c: undefined, d: { e: null, f: 2 }, g: [null, { h: null }] });
      expect(out.transformedData).to.deep.equal({ a: 1, d: { f: 2 }, g: [null, {}] });
      expect(transform(['removeNone'], 'text').transformedData).to.equal('text');
    });

    it('does not mutate the input', () => {
      const input = Object.freeze({ a: ' x ', b: null });
      expect(transform(['stripWhitespace', 'removeNone'], input).transformedData).to.deep.equal({ a: 'x' });
      expect(input).to.deep.equal({ a: ' x ', b: null });
    });

    it('reports a cycle as an error instead of recursing forever', () => {
      const a: Record<string, unknown> = { s: 'x' };
      a.self = a;
      expect(transform(['uppercase'], a).errors).to.deep.equal([{ transformation: 'uppercase', message: 'the value contains itself (a cycle)' }]);
    });

    it('exposes the built-in table', () => {
      expect(Object.keys(BUILTIN_TRANSFORMATIONS)).to.deep.equal(['lowercase', 'uppercase', 'stripWhitespace', 'toString', 'toInt', 'toFloat', 'removeNone']);
    });
  });

  describe('registered transformations', () => {
    it('are used by name and keep running after a failing step', () => {
      const out = transform(['specDouble', 'specExplode', 'specDouble'], 3);
      expect(out).to.deep.equal({
        transformedData: 12,
        transformationsApplied: ['specDouble', 'specDouble'],
        errors: [{ transformation: 'specExplode', message: 'nope' }],
      });
    });

    it('are stored as names only, so config is plain JSON', () => {
      const t = new DataTransformer({ transformations: ['specDouble'] });
      expect(JSON.parse(JSON.stringify(t.config()))).to.deep.equal({ transformations: ['specDouble'] });
    });

    it('cannot replace a built-in', () => {
      expect(() => registerTransformation('lowercase', (v) => v)).to.throw(ConfigurationError, /built-in/);
      expect(() => registerTransformation('x', 1 as never)).to.throw(ConfigurationError);
    });
  });

  describe('config', () => {
    it('rejects unknown names and wrong types at setConfig', () => {
      const t = new DataTransformer();
      expect(() => t.setConfig({ transformations: ['lowercase', 'nope'] })).to.throw(ConfigurationError, /unknown transformation 'nope'/);
      expect(() => t.setConfig({ transformations: 'lowercase' })).to.throw(ConfigurationError, /array of strings/);
      expect(() => t.setConfig({ transformations: [() => 1] })).to.throw(ConfigurationError, /transformations/);
      expect(t.config()).to.deep.equal({});
    });
  });
});
