import { expect } from 'chai';
import fc from 'fast-check';
import { toDisplay } from '../../lib/inspect/display-value.js';

describe('toDisplay (what the inspector shows of a payload)', () => {
  it('marks what JSON cannot carry, keeps classes and cuts at the limits', () => {
    class Order {
      constructor(readonly id = 7) {}
    }
    const cycle: Record<string, unknown> = { name: 'c' };
    cycle.self = cycle;
    expect(
      toDisplay({
        u: undefined,
        n: 10n,
        nan: NaN,
        neg: -0,
        at: new Date(0),
        re: /a+/g,
        map: new Map([['k', 1]]),
        set: new Set([1, 2, 3]),
        bytes: new Uint8Array([1, 2]),
        order: new Order(),
        fn: function named() {},
        err: new TypeError('bad'),
        cycle,
      }),
    ).to.deep.equal({
      u: { $type: 'undefined' },
      n: { $type: 'bigint', value: '10' },
      nan: { $type: 'number', value: 'NaN' },
      neg: { $type: 'number', value: '-0' },
      at: { $type: 'Date', value: '1970-01-01T00:00:00.000Z' },
      re: { $type: 'RegExp', value: '/a+/g' },
      map: { $type: 'Map', size: 1, entries: [['k', 1]] },
      set: { $type: 'Set', size: 3, values: [1, 2, 3] },
      bytes: { $type: 'Uint8Array', length: 2, values: [1, 2] },
      order: { $class: 'Order', id: 7 },
      fn: { $type: 'function', name: 'named' },
      err: { $type: 'Error', name: 'TypeError', message: 'bad' },
      cycle: { name: 'c', self: { $type: 'circular' } },
    });
    expect(toDisplay([1, 2, 3, 4], { items: 2 })).to.deep.equal([1, 2, { $type: 'more', count: 2 }]);
    expect(toDisplay(new Set([1, 2, 3]), { items: 1 })).to.deep.equal({ $type: 'Set', size: 3, values: [1, { $type: 'more', count: 2 }] });
    expect(toDisplay({ a: { b: { c: 1 } } }, { depth: 2 })).to.deep.equal({ a: { b: { $type: 'truncated' } } });
    expect(toDisplay('x'.repeat(10), { string: 4 })).to.equal('xxxx… (10 characters)');
    const proto = JSON.parse('{"__proto__":1}') as object; // an own key of that name, as JSON.parse makes it
    expect(Object.keys(toDisplay(proto) as object)).to.deep.equal(['__proto__']);
  });

  it('never throws, even on a throwing getter or a revoked proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const hostile = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
    expect((toDisplay({ proxy }) as { proxy: object }).proxy).to.deep.include({ $type: 'unreadable' });
    expect(toDisplay([1, , 3])).to.deep.equal([1, { $type: 'empty' }, 3]); // eslint-disable-line no-sparse-arrays
    expect(toDisplay(hostile)).to.deep.equal({ boom: { $type: 'unreadable', message: 'no' } });
  });

  it('property: the result of any value is plain JSON (survives a JSON round trip unchanged)', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        const shown = toDisplay(value);
        expect(JSON.parse(JSON.stringify(shown))).to.deep.equal(shown);
      }),
      { numRuns: 300 },
    );
  });

  it('property: JSON data within the limits is shown as it is', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4, noUnicodeString: false }).map((v) => JSON.parse(JSON.stringify(v)) as unknown), (value) => {
        expect(toDisplay(value)).to.deep.equal(value);
      }),
      { numRuns: 300 },
    );
  });
});
