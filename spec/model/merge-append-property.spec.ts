import { expect } from 'chai';
import fc from 'fast-check';
import { compileMerge, type MergeCell } from '../../lib/model/merge.js';
import type { Payload } from '../../lib/core/payload.js';

/**
 * Append's contract as a pure function of the previous data and the incoming payload: each
 * incoming key gets the previous value as a list (an array as is, another value as a one-item
 * list, nothing as an empty one) plus the incoming value; other keys keep their values.
 */
function reference(previous: Payload | undefined, incoming: Payload): Payload {
  const out: Payload = {};
  const define = (key: string, value: unknown): void => {
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  };
  if (previous !== undefined) for (const key in previous) define(key, previous[key]);
  for (const key in incoming) {
    const has = previous !== undefined && Object.prototype.hasOwnProperty.call(previous, key);
    const before = has ? previous[key] : undefined;
    define(key, [...(has ? (Array.isArray(before) ? before : [before]) : []), incoming[key]]);
  }
  return out;
}

/** Own enumerable entries in enumeration order, '__proto__' included, arrays copied. */
function entries(value: Payload): Array<[string, unknown]> {
  return Object.keys(value).map((key) => [key, Object.getOwnPropertyDescriptor(value, key)!.value]);
}

function payload(pairs: Array<[string, unknown]>): Payload {
  const out: Payload = {};
  for (const [key, value] of pairs) Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  return out;
}

const key = fc.constantFrom('a', 'b', 'value', '1', '__proto__', 'constructor');
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('receive' as const), pairs: fc.array(fc.tuple(key, value), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
  // Data set from outside (a resume restores slot data; another strategy produced it).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), pairs: fc.array(fc.tuple(key, value), { maxLength: 3 }) }) },
);

describe('append merge (property)', () => {
  it('for every sequence of payloads, resets and restores: the same data as the pure definition, frozen, and what was handed out never changes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const append = compileMerge('append', 'property');
        const cell: MergeCell = { data: undefined, scratch: undefined };
        const handedOut: Array<{ array: unknown[]; copy: unknown[] }> = [];
        for (const s of steps) {
          if (s.kind === 'reset') {
            cell.data = undefined;
            continue;
          }
          if (s.kind === 'restore') {
            cell.data = payload(s.pairs);
            continue;
          }
          const incoming = payload(s.pairs);
          const expected = reference(cell.data, incoming);
          const merged = append(cell.data, incoming, cell);
          expect(entries(merged)).to.deep.equal(entries(expected));
          expect(Object.isFrozen(merged)).to.equal(true);
          for (const name of Object.keys(incoming)) {
            const array = Object.getOwnPropertyDescriptor(merged, name)!.value as unknown[];
            expect(Object.isFrozen(array)).to.equal(true);
            handedOut.push({ array, copy: [...array] });
          }
          cell.data = merged;
        }
        for (const { array, copy } of handedOut) expect(array).to.deep.equal(copy);
      }),
      { numRuns: 300 },
    );
  });
});
