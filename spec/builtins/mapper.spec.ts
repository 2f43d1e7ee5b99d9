import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { Mapper, registerMapper } from '../../lib/builtins/mapper.js';
import { runOne } from './helpers.js';

registerMapper('specFullName', (v) => {
  const p = v as { first: string; last: string };
  return { name: `${p.first} ${p.last}` };
});
registerMapper('specLength', (v) => String(v).length);

describe('Mapper', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('Mapper')).to.equal(Mapper);
    const m = new Mapper();
    expect(m.getSlot('trigger')).to.not.equal(undefined);
    expect(m.getEvent('output')).to.not.equal(undefined);
  });

  it('applies a registered transform', () => {
    expect(runOne(new Mapper({ transform: 'specFullName' }), { first: 'Ada', last: 'Lovelace' })).to.deep.equal({ name: 'Ada Lovelace' });
  });

  it('wraps a non-object result as { value }', () => {
    expect(runOne(new Mapper({ transform: 'specLength' }), { data: 'abcd' })).to.deep.equal({ value: 4 });
  });

  it('picks the listed fields that are present', () => {
    expect(runOne(new Mapper({ pick: ['id', 'name', 'missing'] }), { id: 1, name: 'n', secret: 's' })).to.deep.equal({ id: 1, name: 'n' });
    expect(runOne(new Mapper({ pick: ['a'] }), { data: { a: undefined, b: 1 } })).to.deep.equal({ a: undefined });
    expect(runOne(new Mapper({ pick: ['a'] }), { data: 'text' })).to.deep.equal({});
    expect(runOne(new Mapper({ pick: [] }), { a: 1 })).to.deep.equal({});
  });

  it('passes the value through when neither is set', () => {
    expect(runOne(new Mapper(), { a: 1 })).to.deep.equal({ a: 1 });
    expect(runOne(new Mapper(), { data: [1] })).to.deep.equal({ value: [1] });
  });

  it('works the same on the trigger slot', () => {
    expect(runOne(new Mapper({ pick: ['x'] }), { x: 1, y: 2 }, { slot: 'trigger' })).to.deep.equal({ x: 1 });
  });

  it('rejects bad config at setConfig', () => {
    const m = new Mapper();
    expect(() => m.setConfig({ transform: 'noSuchMapper' })).to.throw(ConfigurationError, /unknown mapper 'noSuchMapper'/);
    expect(() => m.setConfig({ transform: (v: unknown) => v })).to.throw(ConfigurationError, /transform/);
    expect(() => m.setConfig({ pick: 'id' })).to.throw(ConfigurationError, /pick/);
    expect(() => m.setConfig({ transform: 'specLength', pick: ['a'] })).to.throw(ConfigurationError, /either/);
    expect(m.config()).to.deep.equal({});
  });

  it('switches between transform and pick by clearing the other', () => {
    const m = new Mapper({ transform: 'specLength' });
    m.setConfig({ transform: undefined, pick: ['a'] });
    expect(runOne(m, { a: 1, b: 2 })).to.deep.equal({ a: 1 });
  });

  it('rejects a bad registration', () => {
    expect(() => registerMapper('', (v) => v)).to.throw(ConfigurationError);
    expect(() => registerMapper('specBad', null as never)).to.throw(ConfigurationError, /function/);
  });
});
