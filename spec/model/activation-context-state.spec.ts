import { expect } from 'chai';
import fc from 'fast-check';
import { Routine } from '../../lib/index.js';
import { ActivationContext } from '../../lib/model/activation-context.js';
import type { ContextHost } from '../../lib/model/context-host.js';
import type { Event } from '../../lib/model/event.js';
import type { Payload } from '../../lib/core/payload.js';

/**
 * Issue 21 (chain10): an activation context is 56 bytes. `ended` lives in the sign of the
 * stored activation number and `silenced` in the lazily made part, so no field of its own
 * holds either. These pin what that encoding must keep: the number (also past 2^31, where a
 * bitwise `~` would wrap), `ended` and `silenced` independent of each other and of the attempt,
 * and a silenced context's emits going to observers only.
 */
describe('ActivationContext state: seq, ended, silenced', () => {
  const emitted: Array<[string, Payload, number | undefined]> = [];
  const host = {
    id: 'job-1',
    emitFrom(event: Event, data: Payload, cause?: number) {
      emitted.push([event.name, data, cause]);
    },
  } as unknown as ContextHost;

  class Source extends Routine {
    constructor() {
      super();
      this.defineEvent('out');
      this.defineSlot('in', () => undefined);
    }
  }
  const routine = new Source();
  const slot = routine.getSlot('in')!;

  it('keeps the activation number before and after the end, for every number a job can reach', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 31 + 10 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }).map(Number)), fc.integer({ min: 1, max: 5 }), (seq, attempt) => {
        const ctx = new ActivationContext(host, slot, attempt, seq);
        expect(ctx.seq).to.equal(seq);
        expect(ctx.ended).to.equal(false);
        expect(ctx.activationId).to.equal(`job-1/${seq}`);
        ctx.end();
        ctx.end(); // idempotent
        expect(ctx.ended).to.equal(true);
        expect(ctx.seq).to.equal(seq);
        expect(ctx.activationId).to.equal(`job-1/${seq}`);
        expect(ctx.attempt).to.equal(attempt);
        expect(ctx.silenced).to.equal(false);
      }),
    );
  });

  it('silences independently of ended and attempt; a silenced emit reaches observers only', () => {
    emitted.length = 0;
    const ctx = new ActivationContext(host, slot, 3, 7);
    ctx.emit('out', { a: 1 });
    expect(emitted).to.deep.equal([['out', { a: 1 }, 7]]);
    ctx.silenced = true;
    expect([ctx.silenced, ctx.ended, ctx.attempt, ctx.seq]).to.deep.equal([true, false, 3, 7]);
    const seen: Payload[] = [];
    const sub = routine.getEvent('out')!.asObservable().subscribe((p) => seen.push(p));
    ctx.emit('out', { a: 2 });
    sub.unsubscribe();
    expect(emitted, 'a silenced emit does not reach the job').to.have.length(1);
    expect(seen).to.deep.equal([{ a: 2 }]);
    ctx.end();
    expect([ctx.silenced, ctx.ended, ctx.seq]).to.deep.equal([true, true, 7]);
    ctx.silenced = false;
    ctx.emit('out', { a: 3 });
    expect(emitted[1]).to.deep.equal(['out', { a: 3 }, 7]);
  });

  it('a context that was never silenced stays without its lazily made part when told it is not', () => {
    const ctx = new ActivationContext(host, slot, 1, 1);
    ctx.silenced = false;
    expect((ctx as unknown as { extra: unknown }).extra).to.equal(undefined);
    expect(ctx.silenced).to.equal(false);
  });
});
