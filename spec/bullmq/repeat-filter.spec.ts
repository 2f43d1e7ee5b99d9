import { expect } from 'chai';
import fc from 'fast-check';
import { RepeatFilter } from '../../lib/bullmq/repeat-filter.js';

// What an owner publishes (emissions, outputs) is marked `<publisher>.<n>`; ioredis resends the
// unanswered tail of a connection's commands, in order, after a drop. The client's filter must
// hand on each message once, in order, whatever was resent.
describe('RepeatFilter (messages an owner published twice)', () => {
  it('for any run of messages with any resent runs of them, hands on each once and in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }), fc.constantFrom('k3x9', 'a.b', ''), (n, drops, publisher) => {
        // The wire: 1..n, and at each drop after message k, the messages from j..k again (j <= k).
        const wire: number[] = [];
        const at = new Map(drops.map(([k, back]) => [(k % n) + 1, back]));
        for (let i = 1; i <= n; i++) {
          wire.push(i);
          const back = at.get(i);
          if (back !== undefined) for (let j = Math.max(1, i - (back % 5)); j <= i; j++) wire.push(j);
        }
        const filter = new RepeatFilter();
        expect(wire.filter((i) => !filter.repeated(`${publisher}.${i}`))).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
      }),
    );
  });

  it('a new publisher (the next owner) starts afresh; a message without a mark is never dropped', () => {
    const filter = new RepeatFilter();
    expect(['a.1', 'a.2', 'b.1', 'b.2', 'b.2'].map((q) => filter.repeated(q))).to.deep.equal([false, false, false, false, true]);
    expect([undefined, undefined, 7].map((q) => filter.repeated(q))).to.deep.equal([false, false, false]);
  });
});
