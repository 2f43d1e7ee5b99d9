import { expect } from 'chai';
import { ConfigurationError, RoutiluxError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { Splitter } from '../../lib/builtins/splitter.js';
import { run } from './helpers.js';

describe('Splitter', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('Splitter')).to.equal(Splitter);
    const s = new Splitter();
    expect(s.getSlot('trigger')).to.not.equal(undefined);
    expect(s.getEvent('output')!.outputParams).to.deep.equal(['item', 'index', 'total']);
  });

  it("splits the 'items' field by default", () => {
    expect(run(new Splitter(), { items: ['a', { b: 1 }] })).to.deep.equal([
      { item: 'a', index: 0, total: 2 },
      { item: { b: 1 }, index: 1, total: 2 },
    ]);
  });

  it('splits payload.data when it is an array, or its field', () => {
    expect(run(new Splitter(), { data: [1, 2, 3] }).map((p) => p.item)).to.deep.equal([1, 2, 3]);
    expect(run(new Splitter(), { data: { items: [true] } })).to.deep.equal([{ item: true, index: 0, total: 1 }]);
  });

  it('uses the configured field', () => {
    expect(run(new Splitter({ field: 'rows' }), { rows: ['r'], items: ['i'] })).to.deep.equal([{ item: 'r', index: 0, total: 1 }]);
  });

  it('emits nothing for an empty array', () => {
    expect(run(new Splitter(), { items: [] })).to.deep.equal([]);
  });

  it('works the same on the trigger slot', () => {
    expect(run(new Splitter(), { items: [7] }, { slot: 'trigger' })).to.deep.equal([{ item: 7, index: 0, total: 1 }]);
  });

  it('fails with a clear error when there is no array', () => {
    expect(() => run(new Splitter(), { items: 'abc' })).to.throw(RoutiluxError, /field 'items' is string 'abc'/);
    expect(() => run(new Splitter(), {})).to.throw(RoutiluxError, /field 'items' is undefined/);
    expect(() => run(new Splitter(), { data: 5 })).to.throw(RoutiluxError, /got number 5/);
  });

  it('rejects a bad field at setConfig', () => {
    expect(() => new Splitter().setConfig({ field: '' })).to.throw(ConfigurationError, /field/);
    expect(() => new Splitter().setConfig({ field: ['a'] })).to.throw(ConfigurationError, /field/);
  });
});
