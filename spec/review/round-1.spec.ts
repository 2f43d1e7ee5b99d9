import { expect } from 'chai';
import fc from 'fast-check';
import { delay } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { attachOperator, Batcher, Debouncer, Flow, JobState, Routine, SerializationError, Throttler, type Job, type Payload } from '../../lib/index.js';
import { fromRows, toRows } from '../../lib/state/journal-rows.js';

// Review round 1 of issue 18 (typed flows, Standard Schema validation, payload classes) and of
// "Timed operators resume exactly" + journal entries version 2: each spec here failed on main.

describe('review round 1', () => {
  describe('journal rows (version 2 entries)', () => {
    it('key lists that join to the same text stay two shapes: [] and [""], ["a\\u0000b"] and ["a", "b"]', () => {
      // On main both lists below were written with one shape, so reading them back threw
      // (`row 1 does not fit shape 0`): an entry that was written could not be loaded. The
      // first pair is the counterexample fast-check found in journal-rows.spec.ts (flaky on main).
      for (const items of [[{}, { '': {} }], [{ '': 1 }, {}], [{ 'a\u0000b': 1 }, { a: 1, b: 2 }], [{ a: 1, b: 2 }, { 'a\u0000b': 1 }]]) {
        const back = fromRows(JSON.parse(JSON.stringify(toRows(items))), 'executionHistory');
        expect(back).to.deep.equal(items);
      }
    });

    it('for any items with any keys, rows give them back', () => {
      const key = fc.oneof(fc.constantFrom('', 'a', 'b', '\u0000', 'a\u0000b', '__proto__'), fc.string({ maxLength: 3 }));
      const item = fc.dictionary(key, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      fc.assert(
        fc.property(fc.array(item, { maxLength: 12 }), (items) => {
          const back = fromRows(JSON.parse(JSON.stringify(toRows(items))), 'x');
          expect(JSON.stringify(back)).to.equal(JSON.stringify(items));
        }),
        { numRuns: 300 },
      );
    });

    it('a shape that lists a key twice, or a hole among the rows, is a SerializationError, never a silent drop', () => {
      // On main the duplicate gave { a: 2 } (the 1 was lost) and the hole an item list with a hole.
      expect(() => fromRows({ shapes: [['a', 'a']], values: [[0, 1, 2]] }, 'executionHistory')).to.throw(SerializationError, /executionHistory: shape 0 lists a key twice/);
      // eslint-disable-next-line no-sparse-arrays
      expect(() => fromRows({ shapes: [['a']], values: [[0, 1], , [0, 2]] }, 'p')).to.throw(SerializationError, /row 1 is not/);
      // eslint-disable-next-line no-sparse-arrays
      expect(() => fromRows({ shapes: [, ['a']], values: [[1, 2]] }, 'p')).to.throw(SerializationError, /shape 0 is not a list of keys/);
      // `__proto__` as a key stays an own key (no prototype change).
      const [item] = fromRows(JSON.parse('{"shapes":[["__proto__"]],"values":[[0,{"polluted":true}]]}'), 'p') as Array<Record<string, unknown>>;
      expect(Object.getPrototypeOf(item)).to.equal(Object.prototype);
      expect(Object.keys(item)).to.deep.equal(['__proto__']);
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    });
  });
});
