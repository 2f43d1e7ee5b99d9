import { expect } from 'chai';
import { ConfigurationError, Join, Routine, type Payload } from '../../lib/index.js';

function collect(routine: Routine, event = 'out'): Payload[] {
  const out: Payload[] = [];
  routine.getEvent(event)!.asObservable().subscribe((p) => out.push(p));
  return out;
}

describe('Routine.defineJoin', () => {
  it('defines the listed slots, which feed the join: the handler gets { [slot]: payload }', () => {
    const r = new Routine();
    r.defineEvent('out');
    const join = r.defineJoin('pair', ['left', 'right'], (data) => r.emit('out', data));
    expect(join).to.be.instanceOf(Join);
    expect(r.getJoin('pair')).to.equal(join);
    expect(r.joinList()).to.deep.equal([join]);
    expect(join.slotNames).to.deep.equal(['left', 'right']);
    expect(join.mode).to.equal('zip');
    expect(r.slotList().map((s) => s.name)).to.deep.equal(['left', 'right']);
    expect(r.getSlot('left')!.join).to.equal(join);
    expect(r.getSlot('left')!.activationOptions()).to.equal(undefined);
  });

  it('zip outside a flow (Slot.receive): pairs the oldest unconsumed payload of each slot, each used once', () => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineJoin('pair', ['left', 'right'], (data) => r.emit('out', data));
    const out = collect(r);
    r.getSlot('left')!.receive({ n: 1 });
    r.getSlot('left')!.receive({ n: 2 });
    expect(out).to.deep.equal([]);
    r.getSlot('right')!.receive({ m: 1 });
    r.getSlot('right')!.receive({ m: 2 });
    r.getSlot('right')!.receive({ m: 3 });
    expect(out).to.deep.equal([
      { left: { n: 1 }, right: { m: 1 } },
      { left: { n: 2 }, right: { m: 2 } },
    ]);
    expect(Object.isFrozen(out[0])).to.equal(true);
  });

  it('latest outside a flow: fires on every arrival once every slot was heard from', () => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineJoin('both', ['a', 'b', 'c'], (data) => r.emit('out', data), { mode: 'latest' });
    const out = collect(r);
    r.getSlot('a')!.receive({ x: 1 });
    r.getSlot('b')!.receive({ x: 2 });
    r.getSlot('a')!.receive({ x: 3 });
    expect(out).to.deep.equal([]);
    r.getSlot('c')!.receive({ x: 4 });
    r.getSlot('b')!.receive({ x: 5 });
    expect(out).to.deep.equal([
      { a: { x: 3 }, b: { x: 2 }, c: { x: 4 } },
      { a: { x: 3 }, b: { x: 5 }, c: { x: 4 } },
    ]);
  });

  it("adopts slots defined before without a handler, keeping their merge strategy (which applies to what each holds)", () => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('left', undefined, { mergeStrategy: 'append' });
    r.defineJoin('pair', ['left', 'right'], (data) => r.emit('out', data));
    const out = collect(r);
    r.getSlot('left')!.receive({ n: 1 });
    r.getSlot('left')!.receive({ n: 2 });
    r.getSlot('right')!.receive({ m: 1 });
    expect(out).to.deep.equal([{ left: { n: [1] }, right: { m: 1 } }]);
  });

  it('calls the handler with this = the routine', () => {
    class Pairs extends Routine {
      seen: unknown[] = [];
      constructor() {
        super();
        this.defineJoin('pair', ['a', 'b'], function (this: Pairs, data) {
          this.seen.push(data);
        });
      }
    }
    const p = new Pairs();
    p.getSlot('a')!.receive({});
    p.getSlot('b')!.receive({});
    expect(p.seen).to.have.length(1);
  });

  it('rejects bad joins with a ConfigurationError naming the routine and join, changing nothing', () => {
    const r = new Routine();
    r._setId('r');
    r.defineSlot('handled', () => {});
    r.defineSlot('batched', undefined, { batch: { size: 2 } });
    r.defineJoin('taken', ['x', 'y'], () => {});
    const bad: Array<[() => unknown, RegExp]> = [
      [() => r.defineJoin('', ['a', 'b'], () => {}), /join name must be a non-empty string/],
      [() => r.defineJoin('__proto__', ['a', 'b'], () => {}), /join name/],
      [() => r.defineJoin('j', ['a'], () => {}), /join 'j': expected an array of at least two slot names/],
      [() => r.defineJoin('j', 'ab' as never, () => {}), /at least two slot names/],
      [() => r.defineJoin('j', ['a', 'a'], () => {}), /listed twice/],
      [() => r.defineJoin('j', ['a', 'b'], 'nope' as never), /handler must be a function/],
      [() => r.defineJoin('j', ['a', 'b'], () => {}, { mode: 'all' as never }), /option 'mode' must be 'zip' or 'latest', got "all"/],
      [() => r.defineJoin('taken', ['a', 'b'], () => {}), /already has a join named 'taken'/],
      [() => r.defineJoin('handled', ['a', 'b'], () => {}), /already has a slot named 'handled'/],
      [() => r.defineJoin('j', ['a', 'handled'], () => {}), /slot 'handled' has a handler of its own/],
      [() => r.defineJoin('j', ['a', 'batched'], () => {}), /slot 'batched' has a policy of its own/],
      [() => r.defineJoin('j', ['a', 'x'], () => {}), /slot 'x' already feeds join 'taken'/],
      [() => r.defineJoin('j', ['a', '$flush'], () => {}), /reserved for the flush handler/],
      [() => r.defineJoin('j', ['j', 'b'], () => {}), /'j' cannot be one of its slots/],
      [() => r.defineJoin('j', ['a', '__proto__'], () => {}), /cannot be a slot name/],
      [() => r.defineSlot('taken'), /already has a join named 'taken'/],
      [() => r.getSlot('x')!.setActivation({ batch: { size: 2 } }), /slot 'x' feeds join 'taken': it cannot have an activation policy/],
    ];
    for (const [call, message] of bad) expect(call, String(message)).to.throw(ConfigurationError, message);
    expect(r.slotList().map((s) => s.name)).to.deep.equal(['handled', 'batched', 'x', 'y']);
    expect(r.joinList().map((j) => j.name)).to.deep.equal(['taken']);
  });

  it('setMode switches the mode and refuses anything but zip and latest', () => {
    const r = new Routine();
    const join = r.defineJoin('pair', ['a', 'b'], () => {});
    join.setMode('latest');
    expect(join.mode).to.equal('latest');
    expect(() => join.setMode('first' as never)).to.throw(ConfigurationError, /join 'pair': option 'mode'/);
    expect(join.mode).to.equal('latest');
  });
});
