import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { Filter } from '../../lib/builtins/filter.js';
import { registerPredicate } from '../../lib/builtins/condition.js';
import { collect } from './helpers.js';

registerPredicate('specHasTag', (v) => Array.isArray((v as { tags?: unknown }).tags));

function send(filter: Filter, ...payloads: Array<Record<string, unknown>>) {
  const passed = collect(filter, 'output');
  const rejected = collect(filter, 'rejected');
  for (const p of payloads) filter.getSlot('input')!.receive(p);
  return { passed, rejected };
}

describe('Filter', () => {
  it('is registered and has input, trigger, output and rejected', () => {
    expect(defaultRegistry.get('Filter')).to.equal(Filter);
    const f = new Filter();
    expect(f.getSlot('trigger')).to.not.equal(undefined);
    expect(f.eventList().map((e) => e.name)).to.deep.equal(['output', 'rejected']);
  });

  it('passes matching payloads through unchanged', () => {
    const a = { score: 0.9, id: 1 };
    const { passed, rejected } = send(new Filter({ when: { score: { $gte: 0.5 } } }), a, { score: 0.1, id: 2 });
    expect(passed).to.deep.equal([{ score: 0.9, id: 1 }]);
    expect(passed[0]).to.equal(a);
    expect(rejected).to.deep.equal([{ score: 0.1, id: 2 }]);
  });

  it('tests payload.data but forwards the whole payload', () => {
    const { passed } = send(new Filter({ when: { priority: 'high' } }), { data: { priority: 'high' }, meta: 1 }, { priority: 'high' });
    expect(passed).to.deep.equal([{ data: { priority: 'high' }, meta: 1 }, { priority: 'high' }]);
  });

  it('lets everything through without when, or with {}', () => {
    expect(send(new Filter(), {}, { a: 1 }).passed).to.have.length(2);
    expect(send(new Filter({ when: {} }), { data: null }).passed).to.deep.equal([{ data: null }]);
  });

  it('uses registered predicates', () => {
    const { passed, rejected } = send(new Filter({ when: 'specHasTag' }), { tags: [] }, { tags: 'x' });
    expect(passed).to.deep.equal([{ tags: [] }]);
    expect(rejected).to.deep.equal([{ tags: 'x' }]);
  });

  it('can be reconfigured, and cleared with undefined', () => {
    const f = new Filter({ when: { a: 1 } });
    f.setConfig({ when: { a: 2 } });
    expect(send(f, { a: 1 }, { a: 2 }).passed).to.deep.equal([{ a: 2 }]);
    f.setConfig({ when: undefined });
    expect(send(f, { a: 1 }).passed).to.have.length(1);
  });

  it('works the same on the trigger slot', () => {
    const f = new Filter({ when: { ok: true } });
    const passed = collect(f);
    f.getSlot('trigger')!.receive({ ok: true });
    expect(passed).to.deep.equal([{ ok: true }]);
  });

  it('rejects bad conditions at setConfig', () => {
    const f = new Filter({ when: { a: 1 } });
    expect(() => f.setConfig({ when: { a: { $bogus: 1 } } })).to.throw(ConfigurationError, /config 'when': invalid query/);
    expect(() => f.setConfig({ when: 'unknownPredicate' })).to.throw(ConfigurationError, /unknown predicate/);
    expect(() => f.setConfig({ when: { $where: 'true' } })).to.throw(ConfigurationError, /\$where/);
    expect(() => f.setConfig({ when: 42 })).to.throw(ConfigurationError, /query object/);
    expect(() => f.setConfig({ when: [{ a: 1 }] })).to.throw(ConfigurationError, /array/);
    expect(f.config()).to.deep.equal({ when: { a: 1 } });
  });
});
