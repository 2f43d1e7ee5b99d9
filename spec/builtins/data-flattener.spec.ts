import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { DataFlattener, flatten } from '../../lib/builtins/data-flattener.js';
import { runOne } from './helpers.js';

describe('DataFlattener', () => {
  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('DataFlattener')).to.equal(DataFlattener);
    const f = new DataFlattener();
    expect(f.getSlot('trigger')).to.not.equal(undefined);
    expect(f.getEvent('output')!.outputParams).to.deep.equal(['flattened', 'originalType', 'depth']);
  });

  it('flattens nested objects and arrays into path keys', () => {
    const out = runOne(new DataFlattener(), { data: { a: { b: 1, c: [2, { d: 3 }] } } });
    expect(out).to.deep.equal({ flattened: { 'a.b': 1, 'a.c.0': 2, 'a.c.1.d': 3 }, originalType: 'object', depth: 4 });
  });

  it('uses the configured separator', () => {
    const out = runOne(new DataFlattener({ separator: '/' }), { data: { a: { b: [1] } } });
    expect(out.flattened).to.deep.equal({ 'a/b/0': 1 });
  });

  it('flattens a top-level array with index keys', () => {
    const out = runOne(new DataFlattener(), { data: [{ x: 1 }, 2] });
    expect(out).to.deep.equal({ flattened: { '0.x': 1, '1': 2 }, originalType: 'array', depth: 2 });
  });

  it('keeps arrays whole with preserveLists false', () => {
    const out = runOne(new DataFlattener({ preserveLists: false }), { data: { a: { b: 1, c: [2, { d: 3 }] } } });
    expect(out.flattened).to.deep.equal({ 'a.b': 1, 'a.c': [2, { d: 3 }] });
    expect(out.depth).to.equal(2);
    const top = runOne(new DataFlattener({ preserveLists: false }), { data: [1, 2] });
    expect(top).to.deep.equal({ flattened: { value: [1, 2] }, originalType: 'array', depth: 0 });
  });

  it('keeps containers at maxDepth whole', () => {
    const out = runOne(new DataFlattener({ maxDepth: 2 }), { data: { a: { b: { c: { d: 1 } } }, x: 1 } });
    expect(out.flattened).to.deep.equal({ 'a.b': { c: { d: 1 } }, x: 1 });
    expect(out.depth).to.equal(2);
    const one = runOne(new DataFlattener({ maxDepth: 1 }), { data: { a: { b: 1 } } });
    expect(one.flattened).to.deep.equal({ a: { b: 1 } });
  });

  it('keeps empty containers as values', () => {
    const out = runOne(new DataFlattener(), { data: { a: {}, b: [], c: { d: null } } });
    expect(out.flattened).to.deep.equal({ a: {}, b: [], 'c.d': null });
  });

  it('handles empty and non-container input', () => {
    expect(runOne(new DataFlattener(), { data: {} })).to.deep.equal({ flattened: {}, originalType: 'object', depth: 0 });
    expect(runOne(new DataFlattener(), { data: 'text' })).to.deep.equal({ flattened: { value: 'text' }, originalType: 'string', depth: 0 });
    expect(runOne(new DataFlattener(), { data: null })).to.deep.equal({ flattened: { value: null }, originalType: 'null', depth: 0 });
    expect(runOne(new DataFlattener(), {})).to.deep.equal({ flattened: {}, originalType: 'object', depth: 0 });
  });

  it('flattens the whole payload when it has no data key', () => {
    expect(runOne(new DataFlattener(), { user: { id: 1 } }).flattened).to.deep.equal({ 'user.id': 1 });
  });

  it('writes a cycle as [Circular] where it repeats', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    a.list = [a];
    expect(runOne(new DataFlattener(), { data: a }).flattened).to.deep.equal({ n: 1, self: '[Circular]', 'list.0': '[Circular]' });
  });

  it('treats dates and class instances as values', () => {
    const at = new Date(0);
    class Point {
      constructor(readonly x: number) {}
    }
    const p = new Point(1);
    const out = flatten({ at, p }, { separator: '.', preserveLists: true, maxDepth: 100 });
    expect(out.flattened.at).to.equal(at);
    expect(out.flattened.p).to.equal(p);
  });

  it('rejects bad config at setConfig', () => {
    const f = new DataFlattener();
    expect(() => f.setConfig({ separator: 1 })).to.throw(ConfigurationError, /separator/);
    expect(() => f.setConfig({ preserveLists: 'yes' })).to.throw(ConfigurationError, /preserveLists/);
    expect(() => f.setConfig({ maxDepth: 0 })).to.throw(ConfigurationError, /maxDepth.*positive integer/);
    expect(() => f.setConfig({ maxDepth: 2.5 })).to.throw(ConfigurationError, /maxDepth/);
    expect(f.config()).to.deep.equal({});
  });
});
