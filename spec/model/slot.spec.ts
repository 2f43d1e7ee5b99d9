import { expect } from 'chai';
import { Routine, type ExecutionContext, type Payload } from '../../lib/index.js';

describe('Slot.receive (unit-testing a routine outside a flow)', () => {
  it('runs the handler synchronously with the payload', () => {
    const r = new Routine();
    const seen: Payload[] = [];
    const slot = r.defineSlot('in', (data) => {
      seen.push(data);
    });
    slot.receive({ x: 1 });
    expect(seen).to.deep.equal([{ x: 1 }]);
    slot.receive({ x: 2 });
    expect(seen).to.deep.equal([{ x: 1 }, { x: 2 }]);
  });

  it('calls the handler with this = the routine and a context for attempt 1', () => {
    const r = new Routine();
    let self: unknown;
    let ctx: ExecutionContext | undefined;
    r.defineSlot('in', function (this: unknown, _d, c) {
      self = this;
      ctx = c;
    });
    r.getSlot('in')!.receive({});
    expect(self).to.equal(r);
    expect(ctx!.attempt).to.equal(1);
    expect(ctx!.slotName).to.equal('in');
    expect(ctx!.routineId).to.equal(r.id);
  });

  it('emits made during receive reach event.asObservable() synchronously and do not throw', () => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('in', (data: Payload) => {
      r.emit('out', { doubled: (data.n as number) * 2 });
    });
    const out: Payload[] = [];
    r.getEvent('out')!.asObservable().subscribe((p) => out.push(p));
    r.getSlot('in')!.receive({ n: 2 });
    expect(out).to.deep.equal([{ doubled: 4 }]);
    r.getSlot('in')!.receive({ n: 5 });
    expect(out).to.deep.equal([{ doubled: 4 }, { doubled: 10 }]);
  });

  it('ctx.emit during receive also reaches event.asObservable()', () => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('in', (data, ctx) => ctx.emit('out', data));
    const out: Payload[] = [];
    r.getEvent('out')!.asObservable().subscribe((p) => out.push(p));
    r.getSlot('in')!.receive({ k: 'v' });
    expect(out).to.deep.equal([{ k: 'v' }]);
  });

  it('a slot without handler accepts data without error', () => {
    const r = new Routine();
    const slot = r.defineSlot('quiet');
    expect(() => slot.receive({ a: 1 })).to.not.throw();
  });

  it('a handler error propagates to the caller of receive', () => {
    const r = new Routine();
    r.defineSlot('in', () => {
      throw new RangeError('bad input');
    });
    expect(() => r.getSlot('in')!.receive({})).to.throw(RangeError, 'bad input');
  });
});
