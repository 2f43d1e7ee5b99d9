import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { mergeStrategies } from '../../lib/model/merge.js';
import { Routine } from '../../lib/model/routine.js';
import { AGGREGATOR_MERGE, Aggregator } from '../../lib/builtins/aggregator.js';
import { collect } from './helpers.js';

describe('Aggregator', () => {
  it('is registered, with a registered merge strategy on input and trigger', () => {
    expect(defaultRegistry.get('Aggregator')).to.equal(Aggregator);
    expect(mergeStrategies.has(AGGREGATOR_MERGE)).to.equal(true);
    const agg = new Aggregator();
    expect(agg.getSlot('input')!.mergeStrategy).to.equal('Aggregator.collect');
    expect(agg.getSlot('trigger')!.mergeStrategy).to.equal('Aggregator.collect');
    expect(agg.getEvent('output')!.outputParams).to.deep.equal(['items', 'count']);
  });

  it('emits once when expectedCount values have arrived, then starts over', () => {
    const agg = new Aggregator({ expectedCount: 3 });
    const out = collect(agg);
    const slot = agg.getSlot('input')!;
    slot.receive({ data: 'a' });
    slot.receive({ data: 'b' });
    expect(out).to.deep.equal([]);
    slot.receive({ data: 'c' });
    expect(out).to.deep.equal([{ items: ['a', 'b', 'c'], count: 3 }]);
    slot.receive({ data: 'd' });
    slot.receive({ data: 'e' });
    slot.receive({ data: 'f' });
    expect(out).to.deep.equal([
      { items: ['a', 'b', 'c'], count: 3 },
      { items: ['d', 'e', 'f'], count: 3 },
    ]);
  });

  it('collects whole payloads that have no data key', () => {
    const agg = new Aggregator({ expectedCount: 2 });
    const out = collect(agg);
    agg.getSlot('input')!.receive({ x: 1 });
    agg.getSlot('input')!.receive({});
    expect(out).to.deep.equal([{ items: [{ x: 1 }, {}], count: 2 }]);
  });

  it('emits at once with expectedCount 1', () => {
    const agg = new Aggregator({ expectedCount: 1 });
    const out = collect(agg);
    agg.getSlot('trigger')!.receive({ data: null });
    expect(out).to.deep.equal([{ items: [null], count: 1 }]);
  });

  it('keeps nothing in the routine: the collection is the slot data of the merge strategy', () => {
    const merge = mergeStrategies.get(AGGREGATOR_MERGE)!;
    const first = merge({}, { data: 1 });
    expect(first).to.deep.equal({ items: [1] });
    const second = merge(first, { data: 2 });
    expect(second).to.deep.equal({ items: [1, 2] });
    expect(first).to.deep.equal({ items: [1] });
    expect(merge({ items: Object.freeze([1]) }, { data: 2 })).to.deep.equal({ items: [1, 2] });
    const agg = new Aggregator({ expectedCount: 2 });
    const base = new Set(Object.keys(new Routine())); // what every routine has; Aggregator adds nothing
    const fields = Object.keys(agg).filter((k) => !base.has(k));
    expect(fields).to.deep.equal([]);
  });

  it('fails the activation when expectedCount is not configured', () => {
    expect(() => new Aggregator().getSlot('input')!.receive({ data: 1 })).to.throw(ConfigurationError, /expectedCount/);
  });

  it('rejects a bad expectedCount at setConfig', () => {
    const agg = new Aggregator();
    for (const bad of [0, -2, 1.5, '3', null]) expect(() => agg.setConfig({ expectedCount: bad })).to.throw(ConfigurationError, /expectedCount/);
    expect(agg.config()).to.deep.equal({});
  });
});
