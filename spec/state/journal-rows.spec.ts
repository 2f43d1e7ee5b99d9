import { expect } from 'chai';
import fc from 'fast-check';
import { SerializationError } from '../../lib/index.js';
import { fromRows, toRows } from '../../lib/state/journal-rows.js';

describe('journal rows (job journal version 2)', () => {
  it('for any list of JSON items, rows give back the same items, key order included', () => {
    const record = fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor'), fc.jsonValue(), { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(fc.oneof(record, fc.jsonValue()), { maxLength: 30 }), (items) => {
        const back = fromRows(JSON.parse(JSON.stringify(toRows(items))), 'x');
        expect(JSON.stringify(back)).to.equal(JSON.stringify(items));
        back.forEach((item, i) => {
          if (typeof item === 'object' && item !== null && !Array.isArray(item)) expect(Object.keys(item)).to.deep.equal(Object.keys(items[i] as object));
        });
      }),
    );
  });

  it('tells apart key lists that join to the same text: {} and { "": x }, ["a\\u0000", "b"] and ["a", "\\u0000b"]', () => {
    const items = [{}, { '': [] }, { 'a\u0000': 1, b: 2 }, { a: 1, '\u0000b': 2 }];
    expect(toRows(items).shapes).to.have.length(4);
    expect(fromRows(JSON.parse(JSON.stringify(toRows(items))), 'x')).to.deep.equal(items);
  });

  it('writes each shape once', () => {
    const rows = toRows([{ a: 1, b: 2 }, { a: 3, b: 4 }, { b: 5, a: 6 }, 7]);
    expect(rows).to.deep.equal({ shapes: [['a', 'b'], ['b', 'a']], values: [[0, 1, 2], [0, 3, 4], [1, 5, 6], [-1, 7]] });
  });

  it('refuses malformed rows with a SerializationError naming the path', () => {
    expect(() => fromRows({ shapes: [['a']], values: [[1, 2]] }, 'executionHistory')).to.throw(SerializationError, /executionHistory: row 0 does not fit shape 1/);
    expect(() => fromRows({ shapes: [['a']], values: [[0]] }, 'p')).to.throw(SerializationError, /row 0/);
    expect(() => fromRows({ shapes: [[1]], values: [] }, 'p')).to.throw(SerializationError, /shape 0/);
    expect(() => fromRows([], 'p')).to.throw(SerializationError, /rows must be/);
  });
});
