import { expect } from 'chai';
import { z } from 'zod';
import { ConfigurationError, Routine, registerActivationPolicy, type Payload } from '../../lib/index.js';

function routine(): Routine {
  const r = new Routine();
  r._setId('r');
  return r;
}

describe('SlotOptions batch, window, activation', () => {
  it('are read back from the slot as options', () => {
    registerActivationPolicy('spec.slotPolicy.noop', (state) => ({ state }));
    const r = routine();
    expect(r.defineSlot('a', undefined, { batch: { size: 3, maxWait: 20 } }).batch).to.deep.equal({ size: 3, maxWait: 20 });
    expect(r.defineSlot('b', undefined, { batch: {} }).activationOptions()).to.deep.equal({ batch: {} });
    expect(r.defineSlot('c', undefined, { window: 1000 }).window).to.equal(1000);
    expect(r.defineSlot('d', undefined, { activation: 'spec.slotPolicy.noop' }).activation).to.equal('spec.slotPolicy.noop');
    const plain = r.defineSlot('e');
    expect([plain.batch, plain.window, plain.activation, plain.join, plain.activationOptions()]).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
  });

  it('bad options are a ConfigurationError naming the routine, slot and option, and define nothing', () => {
    const r = routine();
    const bad: Array<[object, RegExp]> = [
      [{ batch: { size: 0 } }, /routine 'r' slot 'in': option 'batch.size' must be an integer >= 1, got 0/],
      [{ batch: { size: 2.5 } }, /option 'batch.size'/],
      [{ batch: { size: '3' } }, /option 'batch.size' must be an integer >= 1, got "3"/],
      [{ batch: { maxWait: -1 } }, /option 'batch.maxWait' must be a positive number of ms, got -1/],
      [{ batch: { maxWait: Infinity } }, /option 'batch.maxWait'/],
      [{ batch: { sise: 3 } }, /option 'batch' has no 'sise'; expected \{ size\?, maxWait\? \}/],
      [{ batch: 3 }, /option 'batch' must be an object \{ size\?, maxWait\? \}, got number 3/],
      [{ window: 0 }, /option 'window' must be a positive number of ms, got 0/],
      [{ window: '10' }, /option 'window'/],
      [{ activation: 'spec.never.registered' }, /option 'activation': unknown activation policy 'spec.never.registered'; register it with registerActivationPolicy/],
      [{ activation: 7 }, /option 'activation' must be the name of a registered activation policy, got number 7/],
      [{ batch: { size: 2 }, window: 10 }, /options 'batch' and 'window' exclude each other/],
    ];
    for (const [options, message] of bad) expect(() => r.defineSlot('in', () => {}, options), String(message)).to.throw(ConfigurationError, message);
    expect(r.slotList()).to.deep.equal([]);
  });

  it('setActivation replaces the policy, or removes it with no options; bad options leave it as it was', () => {
    const r = routine();
    const slot = r.defineSlot('in', () => {}, { batch: { size: 2 } });
    slot.setActivation({ window: 50 });
    expect(slot.activationOptions()).to.deep.equal({ window: 50 });
    expect(() => slot.setActivation({ batch: { size: -1 } })).to.throw(ConfigurationError, /batch\.size/);
    expect(slot.window).to.equal(50);
    slot.setActivation({});
    expect(slot.activationOptions()).to.equal(undefined);
  });

  it('a batch outside a flow (Slot.receive) hands over full batches as { items }, frozen, in arrival order', () => {
    const r = new Routine();
    const got: Payload[] = [];
    r.defineSlot('in', (data) => void got.push(data), { batch: { size: 2 } });
    for (let i = 1; i <= 5; i++) r.getSlot('in')!.receive({ i });
    expect(got).to.deep.equal([{ items: [{ i: 1 }, { i: 2 }] }, { items: [{ i: 3 }, { i: 4 }] }]);
    expect(Object.isFrozen(got[0]) && Object.isFrozen(got[0].items)).to.equal(true);
  });
});

describe('registerActivationPolicy', () => {
  it('refuses a bad name or function', () => {
    expect(() => registerActivationPolicy('', (s) => ({ state: s }))).to.throw(ConfigurationError, /name must be a non-empty string/);
    expect(() => registerActivationPolicy('x', 'no' as never)).to.throw(ConfigurationError, /registerActivationPolicy\('x'\): expected a function/);
  });

  it('a policy returning something other than { state, fire? } fails the activation with a ConfigurationError naming it', () => {
    registerActivationPolicy('spec.badReturn', (_state, incoming) => (incoming.kind === 'state' ? { state: 5 as never } : incoming.kind === 'fire' ? { state: {}, fire: [] as never } : (null as never)));
    const r = routine();
    r.defineSlot('in', () => {}, { activation: 'spec.badReturn' });
    const slot = r.getSlot('in')!;
    expect(() => slot.receive({ kind: 'null' })).to.throw(ConfigurationError, /routine 'r' slot 'in': activation policy 'spec.badReturn' must return \{ state: object, fire\?: object \}, got null/);
    expect(() => slot.receive({ kind: 'state' })).to.throw(ConfigurationError, /got state number 5/);
    expect(() => slot.receive({ kind: 'fire' })).to.throw(ConfigurationError, /got fire an array/);
  });
});

describe('activation policies with a schema or payloadClass', () => {
  // A schema checks the payload a handler receives, which a policy changes ({ items }, a join's
  // tuple): the combination is refused rather than checked against the wrong payload.
  it('is refused with a ConfigurationError, on a slot and on a join slot, and changes nothing', () => {
    const schema = z.object({ n: z.number() });
    const r = new Routine();
    expect(() => r.defineSlot('in', () => {}, { schema, batch: { size: 2 } })).to.throw(ConfigurationError, /slot 'in': an activation policy .* cannot be combined with a schema or payloadClass/);
    r.defineSlot('left', undefined, { schema });
    expect(() => r.defineJoin('pair', ['left', 'right'], () => {})).to.throw(ConfigurationError, /slot 'left': an activation policy/);
    expect(r.getSlot('right')).to.equal(undefined);
    expect(r.getJoin('pair')).to.equal(undefined);
  });
});
