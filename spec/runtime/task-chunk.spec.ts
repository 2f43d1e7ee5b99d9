import { expect } from 'chai';
import fc from 'fast-check';
import { CHUNK, Chunk } from '../../lib/runtime/task-chunk.js';

// The queue stores attempts, enqueue times and sequence numbers narrow (1 + 4 + 4 bytes per
// task, issue 21's memory target) and widens a chunk's column when a value does not fit:
// whatever is written reads back exactly.
describe('Chunk (the task queue’s narrow columns)', () => {
  const attempt = fc.oneof(fc.integer({ min: -127, max: 127 }), fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }));
  const time = fc.oneof(
    fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }), // wall-clock ms, close together
    fc.integer({ min: 0, max: 5000 }), // virtual time
    fc.double({ noNaN: false }), // any scheduler's now(): fractions, -0, NaN, infinities
  );
  const seq = fc.oneof(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }));

  it('reads back every attempt, enqueue time and sequence number exactly as written, in any mix', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(attempt, time, seq), { minLength: 1, maxLength: 200 }), (entries) => {
        const c = new Chunk();
        entries.forEach(([a, t, s], i) => {
          c.setAttempt(i, a);
          c.setEnqueuedAt(i, t);
          c.setSeq(i, s);
        });
        entries.forEach(([a, t, s], i) => {
          expect(c.attempt(i)).to.equal(a);
          expect(Object.is(c.enqueuedAt(i), t), `time ${t} read back as ${c.enqueuedAt(i)}`).to.equal(true);
          expect(c.seq(i)).to.equal(s);
        });
      }),
    );
  });

  it('after reset a widened chunk is narrow again and starts a new time base', () => {
    const c = new Chunk();
    c.setSeq(0, 2 ** 40);
    c.setEnqueuedAt(0, 0.5);
    c.setAttempt(0, 1000);
    c.reset();
    c.setEnqueuedAt(0, 1_700_000_000_000);
    c.setEnqueuedAt(CHUNK - 1, 1_700_000_000_007);
    c.setSeq(0, 3);
    c.setAttempt(0, -2);
    expect([c.enqueuedAt(0), c.enqueuedAt(CHUNK - 1), c.seq(0), c.attempt(0)]).to.deep.equal([1_700_000_000_000, 1_700_000_000_007, 3, -2]);
  });
});
