import { expect } from 'chai';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { deepEqual } from '../../lib/core/deep-equal.js';

// deepEqual replaces node:util's isDeepStrictEqual in code that runs in browsers (issue 16):
// it must decide exactly as Node does.
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 3,
});

describe('deepEqual (deep strict equality without node:util)', () => {
  it('agrees with util.isDeepStrictEqual on structurally equal values (fast-check)', () => {
    fc.assert(
      fc.property(fc.clone(anything, 2), ([a, b]) => {
        expect(deepEqual(a, b)).to.equal(isDeepStrictEqual(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with util.isDeepStrictEqual on unrelated values (fast-check)', () => {
    fc.assert(
      fc.property(anything, anything, (a, b) => {
        expect(deepEqual(a, b)).to.equal(isDeepStrictEqual(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees after one change deep inside (fast-check)', () => {
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 3 })),
    })).node;
    fc.assert(
      fc.property(tree, fc.anything(), fc.nat(), (value, replacement, pick) => {
        const copy = structuredClone(value);
        const holders: Array<Record<string, unknown> | unknown[]> = [];
        const walk = (v: unknown) => {
          if (typeof v === 'object' && v !== null) {
            holders.push(v as Record<string, unknown>);
            Object.values(v).forEach(walk);
          }
        };
        walk(copy);
        const holder = holders[pick % Math.max(holders.length, 1)];
        const keys = holder === undefined ? [] : Object.keys(holder);
        if (keys.length > 0) (holder as Record<string, unknown>)[keys[pick % keys.length]] = replacement;
        expect(deepEqual(value, copy)).to.equal(isDeepStrictEqual(value, copy));
      }),
      { numRuns: 300 },
    );
  });

  it('decides the cases that matter for payload classes as Node does', () => {
    class Money {
      amount = 1;
    }
    const cases: Array<[unknown, unknown]> = [
      [0, -0],
      [NaN, NaN],
      [[1, , 3], [1, undefined, 3]], // eslint-disable-line no-sparse-arrays
      [new Money(), { amount: 1 }],
      [new Money(), Object.assign(new Money(), { amount: 1 })],
      [new Date(1), new Date(1)],
      [new Date(NaN), new Date(NaN)],
      [/a/g, /a/i],
      [new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']])],
      [new Set([{ a: 1 }, { a: 2 }]), new Set([{ a: 2 }, { a: 1 }])],
      [new Set([{ a: 1 }, { a: 1 }]), new Set([{ a: 1 }, { a: 2 }])],
      [new Float64Array([0]), new Float64Array([-0])],
      [new Uint8Array([1, 2]), new Uint8Array([1, 2])],
      [Object.create(null), {}],
      [{ [Symbol.for('s')]: 1 }, { [Symbol.for('s')]: 1 }],
      [new Error('x'), new Error('y')],
      [Object(1n), Object(1n)],
    ];
    cases.forEach(([a, b], i) => expect(deepEqual(a, b), `case ${i}`).to.equal(isDeepStrictEqual(a, b)));
  });

  it('compares cycles without looping', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    const b: Record<string, unknown> = { n: 1 };
    b.self = b;
    expect(deepEqual(a, b)).to.equal(true);
    const c: Record<string, unknown> = { n: 2 };
    c.self = c;
    expect(deepEqual(a, c)).to.equal(false);
  });
});
