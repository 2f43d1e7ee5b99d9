import { expect } from 'chai';
import { z } from 'zod';
import * as v from 'valibot';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  ConfigurationError,
  ErrorHandler,
  Flow,
  Routine,
  RoutiluxError,
  ValidationError,
  type ErrorStrategy,
  type JobState,
  type Payload,
} from '../../lib/index.js';
import fc from 'fast-check';
import { expectThrows } from '../helpers/routines.js';

const Line = z.object({ id: z.string(), items: z.array(z.object({ price: z.number() })) });
const LineV = v.object({ id: v.string(), items: v.array(v.object({ price: v.number() })) });
/** The same shape, checked asynchronously (an async refinement makes zod's validate return a promise). */
const LineAsync = Line.refine(async (line) => line.id !== 'banned', { message: 'this id is banned', path: ['id'] });

type Policy = 'stop' | 'continue' | 'skip' | 'retry';

/**
 * src.trigger emits its params on `out`, connected to checked.in (the slot under test) and then
 * to sibling.in; checked emits what its handler received on `done`.
 */
function scenario(schema: StandardSchemaV1<unknown, object>, policy?: Policy) {
  const received: object[] = [];
  const siblings: Payload[] = [];
  const flow = new Flow();
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (d) => src.emit('out', d));
  const checked = new Routine();
  checked.defineEvent('done');
  checked.defineSlot('in', (d) => {
    received.push(d);
    checked.emit('done', d);
  }, { schema });
  if (policy !== undefined) checked.setErrorHandler(new ErrorHandler({ strategy: policy as ErrorStrategy, maxRetries: 3, retryDelay: 1 }));
  const sibling = new Routine();
  sibling.defineSlot('in', (d) => void siblings.push(d));
  flow.addRoutine(src, 'src');
  flow.addRoutine(checked, 'checked');
  flow.addRoutine(sibling, 'sibling');
  flow.connect('src', 'out', 'checked', 'in');
  flow.connect('src', 'out', 'sibling', 'in');
  return { flow, received, siblings };
}

const valid = { id: 'a', items: [{ price: 1 }], extra: true };
const invalid = { id: 'a', items: [{ price: 1 }, { price: 'two' }] };

function errors(state: JobState): Payload[] {
  return state.getExecutionHistory('checked').filter((r) => r.eventName === 'error').map((r) => r.data);
}

describe('slot and event validation with Standard Schema (issue 18)', () => {
  for (const [vendor, schema] of [['zod', Line], ['valibot', LineV], ['zod, async', LineAsync]] as const) {
    describe(vendor, () => {
      it('a valid payload reaches the handler as the schema output (unknown keys stripped)', async () => {
        const { flow, received } = scenario(schema);
        const state = await flow.execute('src', valid);
        expect(state.status).to.equal('completed');
        expect(received).to.deep.equal([{ id: 'a', items: [{ price: 1 }] }]);
      });

      it('an invalid payload fails the job (STOP) with a ValidationError naming the field path; the handler never runs', async () => {
        const { flow, received } = scenario(schema);
        const state = await flow.execute('src', invalid);
        expect(state.status).to.equal('failed');
        expect(state.error?.name).to.equal('ValidationError');
        expect(state.error?.message).to.include("routine 'checked' slot 'in': invalid payload: items[1].price:");
        expect(received).to.deep.equal([]);
        expect(state.getRoutineState('checked')?.status).to.equal('failed');
      });

      it('CONTINUE records the ValidationError and the job goes on (the sibling still runs)', async () => {
        const { flow, received, siblings } = scenario(schema, 'continue');
        const state = await flow.execute('src', invalid);
        expect(state.status).to.equal('completed');
        expect(state.getRoutineState('checked')?.status).to.equal('error_continued');
        expect(errors(state).map((e) => e.errorName)).to.deep.equal(['ValidationError']);
        expect(received).to.deep.equal([]);
        expect(siblings).to.have.length(1);
      });

      it('SKIP drops the activation and the job goes on', async () => {
        const { flow, received, siblings } = scenario(schema, 'skip');
        const state = await flow.execute('src', invalid);
        expect(state.status).to.equal('completed');
        expect(state.getRoutineState('checked')?.status).to.equal('skipped');
        expect(received).to.deep.equal([]);
        expect(siblings).to.have.length(1);
      });

      it('RETRY does not retry a ValidationError: one attempt, then as STOP', async () => {
        const { flow } = scenario(schema, 'retry');
        const state = await flow.execute('src', invalid);
        expect(state.status).to.equal('failed');
        expect(state.error?.name).to.equal('ValidationError');
        expect(state.getRoutineState('checked')?.activations).to.equal(1);
        expect(state.getExecutionHistory('checked').filter((r) => r.eventName === 'retry')).to.deep.equal([]);
      });
    });
  }

  it('RETRY still retries other failures of a validated slot (the check above is not vacuous)', async () => {
    let calls = 0;
    const flow = new Flow();
    const r = new Routine();
    r.defineSlot('trigger', () => {
      if (++calls < 3) throw new Error('flaky');
    }, { schema: z.object({}) });
    r.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 1 }));
    flow.addRoutine(r, 'r');
    const state = await flow.execute('r', {});
    expect(state.status).to.equal('completed');
    expect(calls).to.equal(3);
  });

  it('ValidationError is a RoutiluxError with frozen issues and their paths (valibot path segments become keys)', () => {
    let caught: unknown;
    try {
      new Routine().defineSlot('in', () => undefined, { schema: LineV }).receive(invalid as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(ValidationError).and.instanceOf(RoutiluxError);
    const error = caught as ValidationError;
    expect(error.name).to.equal('ValidationError');
    expect(error.issues).to.have.length(1);
    expect(error.issues[0].path).to.deep.equal(['items', 1, 'price']);
    expect(Object.isFrozen(error.issues) && Object.isFrozen(error.issues[0])).to.equal(true);
    expect(error.message).to.match(/slot 'in': invalid payload: items\[1\]\.price: Invalid type: Expected number/);
  });

  it('lists every issue, each with its field', async () => {
    const { flow } = scenario(z.object({ id: z.string(), amount: z.number().positive() }));
    const state = await flow.execute('src', { id: 7, amount: -1 });
    expect(state.error?.message).to.equal(
      "routine 'checked' slot 'in': invalid payload: id: Invalid input: expected string, received number; amount: Too small: expected number to be >0",
    );
  });

  it('checks the merged payload of an append slot', async () => {
    const seen: unknown[] = [];
    const flow = new Flow();
    const r = new Routine();
    r.defineSlot('trigger', (d) => void seen.push(d.value), { mergeStrategy: 'append', schema: z.object({ value: z.array(z.number()).max(2) }) });
    r.setErrorHandler(new ErrorHandler({ strategy: 'continue' }));
    flow.addRoutine(r, 'r');
    const job = flow.open();
    for (const value of [1, 2, 3]) job.send('r', 'trigger', { value });
    job.close();
    const state = await job.wait();
    expect(seen).to.deep.equal([[1], [1, 2]]);
    expect(state.getExecutionHistory('r').filter((x) => x.eventName === 'error').map((x) => x.data.errorName)).to.deep.equal(['ValidationError']);
  });

  it('property: every valid line reaches the handler as it is; every line with a bad price fails naming exactly that item (zod and valibot)', () => {
    const item = fc.record({ price: fc.double({ noNaN: true, noDefaultInfinity: true }) });
    const line = fc.record({ id: fc.string(), items: fc.array(item, { maxLength: 8 }) });
    for (const schema of [Line, LineV]) {
      const seen: object[] = [];
      const slot = new Routine().defineSlot('in', (d) => void seen.push(d), { schema });
      fc.assert(
        fc.property(line, fc.nat(), fc.string(), (l, at, bad) => {
          seen.length = 0;
          slot.receive(l);
          expect(seen).to.deep.equal([l]);
          if (l.items.length === 0) return;
          const i = at % l.items.length;
          const broken = { ...l, items: l.items.map((it, j) => (j === i ? { price: bad } : it)) };
          try {
            slot.receive(broken as never);
            expect.fail('an invalid line was accepted');
          } catch (error) {
            expect(error).to.be.instanceOf(ValidationError);
            expect((error as ValidationError).issues.map((x) => x.path)).to.deep.equal([['items', i, 'price']]);
            expect((error as ValidationError).message).to.include(`items[${i}].price:`);
          }
        }),
        { numRuns: 200 },
      );
    }
  });

  describe('event schemas', () => {
    function emitter(schema: StandardSchemaV1<unknown, object>, policy?: Policy) {
      const delivered: Payload[] = [];
      const flow = new Flow();
      const src = new Routine();
      src.defineEvent('out', [], { schema });
      src.defineSlot('trigger', (d) => src.emit('out', d));
      if (policy !== undefined) src.setErrorHandler(new ErrorHandler({ strategy: policy as ErrorStrategy, maxRetries: 2, retryDelay: 1 }));
      const sink = new Routine();
      sink.defineSlot('in', (d) => void delivered.push(d));
      flow.addRoutine(src, 'src');
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      return { flow, delivered };
    }

    for (const [kind, schema] of [['sync', Line], ['async', LineAsync]] as const) {
      it(`${kind}: a valid emit delivers the schema output; an invalid one fails the emitting activation`, async () => {
        const ok = emitter(schema);
        expect((await ok.flow.execute('src', valid)).status).to.equal('completed');
        expect(ok.delivered).to.deep.equal([{ id: 'a', items: [{ price: 1 }] }]);
        const bad = emitter(schema, 'retry');
        const state = await bad.flow.execute('src', invalid);
        expect(state.status).to.equal('failed');
        expect(state.error).to.include({ name: 'ValidationError', routineId: 'src' });
        expect(state.error?.message).to.include("routine 'src' event 'out': invalid payload: items[1].price:");
        expect(state.getRoutineState('src')?.activations).to.equal(1); // RETRY did not retry it
        expect(bad.delivered).to.deep.equal([]);
      });
    }

    it('async: the emitting activation ends only after the check (the job never settles before the delivery)', async () => {
      const { flow, delivered } = emitter(LineAsync);
      const job = flow.start('src', valid);
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(delivered).to.have.length(1);
      expect(state.getRoutineState('sink')?.activations).to.equal(1);
    });

    it('emitDeferredEvent is checked too: an invalid payload fails the activation, a valid one is emitted on resume', async () => {
      const delivered: Payload[] = [];
      const flow = new Flow();
      const src = new Routine();
      src.defineEvent('approved', [], { schema: z.object({ by: z.string() }) });
      src.defineSlot('trigger', (d: Payload, ctx) => {
        src.emitDeferredEvent('approved', { by: d['by'] });
        return ctx.pause('review');
      });
      const sink = new Routine();
      sink.defineSlot('in', (d) => void delivered.push(d));
      flow.addRoutine(src, 'src');
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'approved', 'sink', 'in');
      const bad = await flow.execute('src', { by: 42 });
      expect(bad.error).to.include({ name: 'ValidationError' });
      expect(bad.error?.message).to.include("routine 'src' event 'approved': invalid payload: by:");
      const job = flow.start('src', { by: 'alice' });
      expect((await job.wait()).status).to.equal('paused');
      expect((await job.resume().wait()).status).to.equal('completed');
      expect(delivered).to.deep.equal([{ by: 'alice' }]);
    });

    it('outside a job: a sync schema checks the emit, an async one is refused', () => {
      const r = new Routine();
      r.defineEvent('sync', [], { schema: Line });
      r.defineEvent('async', [], { schema: LineAsync });
      const seen: Payload[] = [];
      r.event('sync').asObservable().subscribe((p) => seen.push(p));
      r.emit('sync', valid);
      expect(seen).to.deep.equal([{ id: 'a', items: [{ price: 1 }] }]);
      expectThrows(() => r.emit('sync', invalid), ValidationError, 'items[1].price');
      expectThrows(() => r.emit('async', valid), ConfigurationError, "event 'async'", 'asynchronous');
    });
  });

  describe('Slot.receive and bad options', () => {
    it('receive checks synchronously, and refuses an asynchronous schema', () => {
      const seen: unknown[] = [];
      const r = new Routine();
      const slot = r.defineSlot('in', (d) => void seen.push(d), { schema: Line });
      slot.receive(valid);
      expectThrows(() => slot.receive(invalid as never), ValidationError, 'items[1].price');
      expect(seen).to.deep.equal([{ id: 'a', items: [{ price: 1 }] }]);
      const asyncSlot = r.defineSlot('async', () => undefined, { schema: LineAsync });
      expectThrows(() => asyncSlot.receive(valid), ConfigurationError, "slot 'async'", 'asynchronous', 'job.send');
    });

    it('a schema that is not a Standard Schema, or a payloadClass that is not a class, is a ConfigurationError at definition', () => {
      const r = new Routine();
      expectThrows(() => r.defineSlot('a', undefined, { schema: { parse: () => ({}) } as never }), ConfigurationError, "slot 'a'", 'Standard Schema');
      expectThrows(() => r.defineEvent('e', [], { schema: 42 as never }), ConfigurationError, "event 'e'", 'Standard Schema');
      expectThrows(() => r.defineSlot('b', undefined, { payloadClass: (() => ({})) as never }), ConfigurationError, "slot 'b'", 'payloadClass must be a class');
    });

    it("a schema whose output is not an object fails the activation naming the slot", async () => {
      const flow = new Flow();
      const r = new Routine();
      r.defineSlot('trigger', () => undefined, { schema: z.any().transform(() => 5) as never });
      flow.addRoutine(r, 'r');
      const state = await flow.execute('r', {});
      expect(state.error).to.include({ name: 'ConfigurationError' });
      expect(state.error?.message).to.include("slot 'trigger': the schema's output must be an object");
    });
  });
});
