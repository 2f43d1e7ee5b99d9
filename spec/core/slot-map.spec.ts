/**
 * SlotMap (lib/core/slot-map.ts), which the worker's long-lived job indexes use instead of a Map
 * (see its TSDoc: a churned Map's left hash tables kept whole jobs past the scavenges): for every
 * sequence of set, delete, get and has it answers as a Map does, iterates in the same order, and
 * holds no value it no longer maps.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { SlotMap } from '../../lib/core/slot-map.js';

type Op = { op: 'set'; key: number; value: number } | { op: 'delete'; key: number } | { op: 'get'; key: number } | { op: 'has'; key: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), value: fc.integer() }),
    fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ op: fc.constant('has' as const), key: fc.integer({ min: 0, max: 12 }) }),
  ),
  { maxLength: 200 },
);

describe('SlotMap', () => {
  it('answers every set, delete, get and has as a Map does, with the same size and iteration order (property)', () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const map = new Map<number, number>();
        const slots = new SlotMap<number, number>();
        for (const o of sequence) {
          if (o.op === 'set') {
            expect(slots.set(o.key, o.value)).to.equal(slots);
            map.set(o.key, o.value);
          } else if (o.op === 'delete') expect(slots.delete(o.key)).to.equal(map.delete(o.key));
          else if (o.op === 'get') expect(slots.get(o.key)).to.equal(map.get(o.key));
          else expect(slots.has(o.key)).to.equal(map.has(o.key));
          expect(slots.size).to.equal(map.size);
        }
        const seen: Array<[number, number]> = [];
        slots.forEach((value, key) => seen.push([key, value]));
        expect(seen).to.deep.equal([...map.entries()]);
      }),
    );
  });

  it('a deleted entry’s value is no longer held (its slot is cleared, then reused)', () => {
    const slots = new SlotMap<string, object>();
    const a = { job: 'a' };
    slots.set('a', a);
    slots.delete('a');
    expect((slots as unknown as { held: unknown[] }).held).to.deep.equal([undefined]);
    slots.set('b', { job: 'b' });
    expect((slots as unknown as { held: unknown[] }).held).to.have.length(1);
  });

  it('forEach skips entries deleted during it and visits ones added, as Map.forEach does', () => {
    const slots = new SlotMap<number, string>();
    const map = new Map<number, string>();
    for (const s of [slots, map]) [1, 2, 3].forEach((k) => s.set(k, `v${k}`));
    const visit = (s: { forEach(fn: (v: string, k: number) => void): void; delete(k: number): boolean; set(k: number, v: string): unknown }): number[] => {
      const keys: number[] = [];
      s.forEach((_v, k) => {
        keys.push(k);
        if (k === 1) {
          s.delete(2);
          s.set(4, 'v4');
        }
      });
      return keys;
    };
    expect(visit(slots)).to.deep.equal(visit(map));
  });
});
