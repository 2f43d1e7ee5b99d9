import { expect } from 'chai';
import { Subject } from 'rxjs';
import { ConfigurationError, Event, Flow, Routine, Slot, type ExecutionContext, type Payload } from '../../lib/index.js';
import { Sink, expectThrows, sleep } from '../helpers/routines.js';

describe('Routine', () => {
  describe('slots and events', () => {
    it('defineSlot returns a Slot named after it, owned by the routine, found by getSlot', () => {
      const r = new Routine();
      const handler = (): void => {};
      const slot = r.defineSlot('in', handler);
      expect(slot).to.be.instanceOf(Slot);
      expect(slot.name).to.equal('in');
      expect(slot.routine).to.equal(r);
      expect(slot.mergeStrategy).to.equal('override');
      expect(r.getSlot('in')).to.equal(slot);
      expect(r.getSlot('nope')).to.equal(undefined);
    });

    it('defineSlot keeps the merge strategy option', () => {
      const r = new Routine();
      expect(r.defineSlot('a', undefined, { mergeStrategy: 'append' }).mergeStrategy).to.equal('append');
      const fn = (p: Payload, i: Payload): Payload => ({ ...p, ...i });
      expect(r.defineSlot('b', undefined, { mergeStrategy: fn }).mergeStrategy).to.equal(fn);
    });

    it('defineEvent returns an Event with its output params, found by getEvent', () => {
      const r = new Routine();
      const ev = r.defineEvent('out', ['value', 'label']);
      expect(ev).to.be.instanceOf(Event);
      expect(ev.name).to.equal('out');
      expect(ev.routine).to.equal(r);
      expect([...ev.outputParams]).to.deep.equal(['value', 'label']);
      expect(r.getEvent('out')).to.equal(ev);
      expect(r.getEvent('nope')).to.equal(undefined);
    });

    it('a duplicate slot name throws a ConfigurationError naming the routine and the slot', () => {
      const r = new Routine();
      r.defineSlot('input');
      expectThrows(() => r.defineSlot('input'), ConfigurationError, r.id, 'input');
      expect(r.getSlot('input')).to.be.instanceOf(Slot);
    });

    it('a duplicate event name throws a ConfigurationError naming the routine and the event', () => {
      const r = new Routine();
      r.defineEvent('done');
      expectThrows(() => r.defineEvent('done'), ConfigurationError, r.id, 'done');
    });

    it('emitting an unknown event throws a ConfigurationError naming the routine and the event', () => {
      const r = new Routine();
      r.defineEvent('out');
      expectThrows(() => r.emit('missing', { x: 1 }), ConfigurationError, r.id, 'missing');
    });

    it('event.asObservable() yields the payloads emitted on the event (owned Subject, hot)', () => {
      const r = new Routine();
      const ev = r.defineEvent('out');
      const seen: Payload[] = [];
      const sub = ev.asObservable().subscribe((p) => seen.push(p));
      r.emit('out', { n: 1 });
      ev.emit({ n: 2 });
      r.emit('out');
      sub.unsubscribe();
      r.emit('out', { n: 4 });
      expect(seen).to.deep.equal([{ n: 1 }, { n: 2 }, {}]);
      expect(ev.asObservable()).to.not.be.instanceOf(Subject);
    });

    it('event.asObservable() yields payloads of every job inside a flow', async () => {
      const flow = new Flow();
      const src = new Routine();
      src.defineEvent('out');
      src.defineSlot('trigger', (d) => src.emit('out', { v: d.v }));
      flow.addRoutine(src, 'src');
      const seen: unknown[] = [];
      src.getEvent('out')!.asObservable().subscribe((p) => seen.push(p.v));
      await Promise.all([flow.execute('src', { v: 1 }), flow.execute('src', { v: 2 })]);
      expect(seen.sort()).to.deep.equal([1, 2]);
    });
  });

  describe('ids', () => {
    it('has a generated id before addRoutine and takes the id given by addRoutine', () => {
      const a = new Routine();
      const b = new Routine();
      expect(a.id).to.be.a('string').and.not.equal('');
      expect(a.id).to.not.equal(b.id);
      const flow = new Flow();
      expect(flow.addRoutine(a, 'alpha')).to.equal('alpha');
      expect(a.id).to.equal('alpha');
    });
  });

  describe('config', () => {
    it('setConfig merges shallowly; getConfig returns values or the default', () => {
      const r = new Routine();
      r.setConfig({ a: 1, nested: { x: 1 } });
      r.setConfig({ b: 2, nested: { y: 2 } });
      expect(r.getConfig('a')).to.equal(1);
      expect(r.getConfig('b')).to.equal(2);
      expect(r.getConfig('nested')).to.deep.equal({ y: 2 });
      expect(r.getConfig('missing', 42)).to.equal(42);
      expect(r.getConfig('missing')).to.equal(undefined);
    });

    it('a set falsy value wins over the default', () => {
      const r = new Routine();
      r.setConfig({ zero: 0, empty: '', no: false });
      expect(r.getConfig('zero', 5)).to.equal(0);
      expect(r.getConfig('empty', 'x')).to.equal('');
      expect(r.getConfig('no', true)).to.equal(false);
    });

    it('config() returns a copy: changing it leaves the routine unchanged', () => {
      const r = new Routine();
      r.setConfig({ a: 1 });
      const c = r.config();
      expect(c).to.deep.equal({ a: 1 });
      c.a = 99;
      c.b = 2;
      expect(r.config()).to.deep.equal({ a: 1 });
      expect(r.getConfig('a')).to.equal(1);
      expect(r.config()).to.not.equal(r.config());
    });
  });

  describe('stats()', () => {
    it('starts with zero activations, emits and errors', () => {
      const s = new Routine().stats();
      expect(s).to.include({ activations: 0, emits: 0, errors: 0 });
    });

    it('counts activations, emits and errors over all jobs of a flow', async () => {
      const flow = new Flow();
      const r = new Routine();
      r.defineEvent('out');
      r.defineSlot('trigger', (d) => {
        r.emit('out', d);
        r.emit('out', d);
        if (d.fail) throw new Error('boom');
      });
      flow.addRoutine(r, 'r');
      await flow.execute('r', {});
      await flow.execute('r', { fail: true });
      await flow.execute('r', {});
      expect(r.stats()).to.include({ activations: 3, emits: 6, errors: 1 });
    });
  });

  describe('getExecutionContext()', () => {
    it('is undefined outside an activation', () => {
      const r = new Routine();
      expect(r.getExecutionContext()).to.equal(undefined);
    });

    it('inside an activation it is the context of that activation, also after an await', async () => {
      const flow = new Flow({ flowId: 'ctx-flow' });
      const r = new Routine();
      const seen: Array<ExecutionContext | undefined> = [];
      r.defineSlot('trigger', async (_d, ctx) => {
        seen.push(r.getExecutionContext());
        await sleep(2);
        seen.push(r.getExecutionContext());
        expect(ctx).to.be.an('object');
      });
      flow.addRoutine(r, 'r');
      const job = flow.start('r', {});
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(seen).to.have.length(2);
      for (const ctx of seen) {
        expect(ctx).to.not.equal(undefined);
        expect(ctx!.jobId).to.equal(job.jobId);
        expect(ctx!.routineId).to.equal('r');
        expect(ctx!.slotName).to.equal('trigger');
        expect(ctx!.attempt).to.equal(1);
        expect(ctx!.flow).to.equal(flow);
      }
      expect(r.getExecutionContext()).to.equal(undefined);
    });

    it('describes the same activation as the second handler argument', async () => {
      const flow = new Flow();
      const sink = new Sink();
      let pair: Array<string | undefined> = [];
      sink.defineSlot('trigger', (_d, ctx) => {
        const mine = sink.getExecutionContext();
        pair = [mine?.jobId, ctx.jobId, mine?.slotName, ctx.slotName];
      });
      flow.addRoutine(sink, 'sink');
      const job = flow.start('sink');
      await job.wait();
      expect(pair).to.deep.equal([job.jobId, job.jobId, 'trigger', 'trigger']);
    });
  });
});
