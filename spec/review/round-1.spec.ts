import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { delay } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import * as v from 'valibot';
import { attachOperator, Batcher, ConfigurationError, Debouncer, ErrorHandler, Flow, JobState, Routine, SerializationError, Throttler, ValidationError, type Job, type Payload } from '../../lib/index.js';
import { runTo, settleWithinFrames as settle } from '../helpers/virtual-clock.js';
import { expectThrows } from '../helpers/routines.js';
import { fromRows, toRows } from '../../lib/state/journal-rows.js';
import { journalEntryFromJSON } from '../../lib/state/job-journal-json.js';

// Review round 1 of issue 18 (typed flows, Standard Schema validation, payload classes) and of
// "Timed operators resume exactly" + journal entries version 2: each spec here failed on main.

interface Step {
  at: number;
  value: number;
}

const timed: Record<string, () => Routine> = {
  debounce: () => new Debouncer({ dueTime: 40 }),
  throttle: () => new Throttler({ duration: 40 }),
  window: () => new Batcher({ windowMs: 40 }),
  sizeOrWindow: () => new Batcher({ windowMs: 40, size: 3 }),
  delay: () => attachOperator(new Routine(), (scheduler) => delay(30, scheduler)),
};

/** A flow of one operator routine 'op' on `ts`, its outputs pushed to `outputs` with their frame. */
function opFlow(ts: TestScheduler, make: () => Routine, outputs: Array<{ at: number; data: Payload }>): Flow {
  const flow = new Flow({ flowId: 'timers', scheduler: ts });
  flow.addRoutine(make(), 'op');
  flow.observe('op', 'output').subscribe((data) => outputs.push({ at: ts.now(), data }));
  return flow;
}

/** The outputs of one uninterrupted job fed `steps`, closed at `closeAt`, with their frames. */
async function straightRun(make: () => Routine, steps: Step[], closeAt: number) {
  const ts = new TestScheduler(() => {});
  const outputs: Array<{ at: number; data: Payload }> = [];
  const job = opFlow(ts, make, outputs).open({ jobId: 'straight' });
  for (const { at, value } of steps) ts.schedule(() => job.send('op', 'input', { value }), at);
  runTo(ts, closeAt);
  job.close();
  await settle(ts, job.wait());
  return outputs;
}

/**
 * The same job moved twice as JSON text: paused at `cut1` on flow A, restored paused on flow B
 * (clock 1001) and resumed, paused at job time `cut2` there, restored on flow C (clock 5003).
 * Returns its outputs in job time (the frames of B and C mapped back).
 */
async function movedTwice(make: () => Routine, steps: Step[], cut1: number, cut2: number, closeAt: number) {
  const outputs: Array<{ at: number; data: Payload }> = [];
  const tsA = new TestScheduler(() => {});
  const a = opFlow(tsA, make, outputs).open({ jobId: 'moving' });
  for (const { at, value } of steps.filter((s) => s.at < cut1)) tsA.schedule(() => a.send('op', 'input', { value }), at);
  runTo(tsA, cut1);
  await settle(tsA, a.pause('move'));
  const json1 = JSON.stringify(a.state);
  await settle(tsA, a.cancel());
  const fromA = outputs.length;

  const B = 1001;
  const tsB = new TestScheduler(() => {});
  runTo(tsB, B);
  const b: Job = opFlow(tsB, make, outputs).restore(JobState.fromJSON(json1));
  b.resume();
  for (const { at, value } of steps.filter((s) => s.at > cut1 && s.at < cut2)) tsB.schedule(() => b.send('op', 'input', { value }), at - cut1);
  runTo(tsB, B + cut2 - cut1);
  await settle(tsB, b.pause('move again'));
  const json2 = JSON.stringify(b.state);
  await settle(tsB, b.cancel());
  const fromB = outputs.length;

  const C = 5003;
  const tsC = new TestScheduler(() => {});
  runTo(tsC, C);
  const c: Job = opFlow(tsC, make, outputs).restore(JobState.fromJSON(json2));
  c.resume();
  for (const { at, value } of steps.filter((s) => s.at > cut2)) tsC.schedule(() => c.send('op', 'input', { value }), at - cut2);
  runTo(tsC, C + closeAt - cut2);
  c.close();
  await settle(tsC, c.wait());
  return outputs.map(({ at, data }, i) => ({ at: i < fromA ? at : i < fromB ? at - B + cut1 : at - C + cut2, data }));
}

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
  describe('journal entries with hostile shapes', () => {
    const entry = (fields: string): string => `{"format":"routilux.journal","version":2,"jobId":"j","fields":${fields}}`;

    it('a list change with both rows and append is a SerializationError, not the rows silently dropped', () => {
      // On main `append` won and the rows' items were lost without a word.
      expect(() => journalEntryFromJSON(entry('{"executionHistory":{"drop":0,"rows":{"shapes":[["a"]],"values":[[0,1]]},"append":[]}}'))).to.throw(
        SerializationError,
        /executionHistory: a list change has both rows and append/,
      );
    });

    it('(pins) `__proto__` as a field, a part or a row key is refused or kept as an own key, never a prototype', () => {
      expect(() => journalEntryFromJSON(entry('{"__proto__":{"set":1}}'))).to.throw(SerializationError, /unknown field "__proto__"/);
      expect(() => journalEntryFromJSON(entry('{"tracker":{"parts":{"__proto__":{"set":1}}}}'))).to.throw(SerializationError, /unknown part "__proto__" of tracker/);
      const read = journalEntryFromJSON(entry('{"executionHistory":{"drop":0,"rows":{"shapes":[["__proto__","routineId"]],"values":[[0,{"x":1},"a"],[0,{"x":2},"b"]]}}}'));
      const [first] = (read.fields['executionHistory'] as unknown as { append: Array<Record<string, unknown>> }).append;
      expect(Object.getPrototypeOf(first)).to.equal(Object.prototype);
      expect(Object.keys(first)).to.deep.equal(['__proto__', 'routineId']);
      expect(({} as Record<string, unknown>)['x']).to.equal(undefined);
    });
  });

  describe('timed operators: a restore of a restore', () => {
    it('a Debouncer restored paused and saved again at once still fires the time it had left', async () => {
      // On main the snapshot of a job restored paused kept the saved clock's input times next
      // to this clock's updatedAt (the replay's rebase did not reach the snapshot), so the
      // second restore fired the debounce at once (9 frames into C) instead of 60 frames later.
      const outputs: Array<{ at: number; data: Payload }> = [];
      const tsA = new TestScheduler(() => {});
      const a = opFlow(tsA, () => new Debouncer({ dueTime: 100 }), outputs).open({ jobId: 'm' });
      tsA.schedule(() => a.send('op', 'input', { value: 1 }), 0);
      runTo(tsA, 40);
      await settle(tsA, a.pause('move'));
      const json1 = JSON.stringify(a.state);
      await settle(tsA, a.cancel());
      const tsB = new TestScheduler(() => {});
      runTo(tsB, 1000);
      const b = opFlow(tsB, () => new Debouncer({ dueTime: 100 }), outputs).restore(JobState.fromJSON(json1));
      const json2 = JSON.stringify(b.state);
      await settle(tsB, b.cancel());
      const tsC = new TestScheduler(() => {});
      runTo(tsC, 5000);
      const c = opFlow(tsC, () => new Debouncer({ dueTime: 100 }), outputs).resume(JobState.fromJSON(json2));
      runTo(tsC, 6000);
      c.close();
      await settle(tsC, c.wait());
      expect(outputs.map((o) => [o.at, o.data.value])).to.deep.equal([[5060, 1]]);
    });

    it('for any inputs and any two cuts, a job moved twice (restored paused, then resumed) gives the outputs of an uninterrupted one', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(timed)),
          fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 10 }),
          fc.integer({ min: 0, max: 100 }),
          fc.integer({ min: 0, max: 100 }),
          async (kind, times, h1, h2) => {
            // Inputs at even frames, cuts at odd ones: nothing happens at a cut itself.
            const steps = times.map((t) => t * 2).sort((x, y) => x - y).map((at, value) => ({ at, value }));
            const [cut1, cut2] = [Math.min(h1, h2) * 2 + 1, Math.max(h1, h2) * 2 + 3];
            const closeAt = 400;
            const straight = await straightRun(timed[kind], steps, closeAt);
            const moved = await movedTwice(timed[kind], steps, cut1, cut2, closeAt);
            expect(JSON.stringify(moved)).to.equal(JSON.stringify(straight));
          },
        ),
        { numRuns: 120 },
      );
    });
  });
  describe('asynchronous event schemas keep the order of emits', () => {
    /** An async Standard Schema that settles after `ticks(n)` microtask hops: later payloads can settle first. */
    function latency(ticks: (n: number) => number): StandardSchemaV1<unknown, { n: number }> {
      return {
        '~standard': {
          version: 1,
          vendor: 'review',
          validate: async (value) => {
            for (let i = ticks((value as { n: number }).n); i > 0; i--) await Promise.resolve();
            return typeof (value as { n?: unknown }).n === 'number' ? { value: value as { n: number } } : { issues: [{ message: 'n must be a number', path: ['n'] }] };
          },
        },
      };
    }

    function pipeline(emits: (ctx: { emit(name: string, data: object): void }) => void) {
      const flow = new Flow();
      const src = new Routine();
      src.defineEvent('checked', [], { schema: latency((n) => 10 - n) }); // the first payload is the slowest
      src.defineEvent('plain');
      src.defineSlot('trigger', (_d, ctx) => emits(ctx));
      const sink = new Routine();
      const seen: unknown[] = [];
      sink.defineSlot('in', (d) => void seen.push(d.n));
      flow.addRoutine(src, 'src');
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'checked', 'sink', 'in');
      flow.connect('src', 'plain', 'sink', 'in');
      return { flow, seen };
    }

    it('payloads reach the next routine, the history and events$ in the order they were emitted', async () => {
      // On main: [3, 2, 1] (the plain emit first, then the checked ones in the order their checks settled).
      const { flow, seen } = pipeline((ctx) => {
        ctx.emit('checked', { n: 1 });
        ctx.emit('checked', { n: 2 });
        ctx.emit('plain', { n: 3 });
      });
      const events: unknown[] = [];
      flow.events$.subscribe((e) => events.push(e.data['n']));
      const state = await flow.execute('src', {});
      expect(state.status).to.equal('completed');
      expect(seen).to.deep.equal([1, 2, 3]);
      expect(events).to.deep.equal([1, 2, 3]);
      expect(state.getExecutionHistory('src').filter((r) => r.eventName !== 'start').map((r) => r.data['n'])).to.deep.equal([1, 2, 3]);
    });

    it('an invalid payload still fails the activation, and the emits before and after it are delivered in order', async () => {
      const { flow, seen } = pipeline((ctx) => {
        ctx.emit('checked', { n: 1 });
        ctx.emit('checked', { n: 'two' });
        ctx.emit('plain', { n: 3 });
      });
      const state = await flow.execute('src', {});
      expect(state.status).to.equal('failed');
      expect(state.error).to.include({ name: 'ValidationError' });
      expect(state.error?.message).to.include("event 'checked': invalid payload: n: n must be a number");
      expect(state.getExecutionHistory('src').filter((r) => r.eventName === 'checked' || r.eventName === 'plain').map((r) => r.data['n'])).to.deep.equal([1, 3]);
      expect(seen).to.deep.equal([]); // STOP: the job failed before the sink ran
    });

    it('deferred events keep their order too', async () => {
      const flow = new Flow();
      const src = new Routine();
      src.defineEvent('checked', [], { schema: latency((n) => 10 - n) });
      src.defineEvent('plain');
      src.defineSlot('trigger', (_d, ctx) => {
        src.emitDeferredEvent('checked', { n: 1 });
        src.emitDeferredEvent('plain', { n: 2 });
        return ctx.pause('review');
      });
      const seen: unknown[] = [];
      const sink = new Routine();
      sink.defineSlot('in', (d) => void seen.push(d.n));
      flow.addRoutine(src, 'src');
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'checked', 'sink', 'in');
      flow.connect('src', 'plain', 'sink', 'in');
      const job = flow.start('src', {});
      expect((await job.wait()).status).to.equal('paused');
      // The checks settle after the pause (microtasks): the live state has both, in order.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(job.state.deferredEvents.map((d) => d.data['n'])).to.deep.equal([1, 2]);
      expect((await job.resume().wait()).status).to.equal('completed');
      expect(seen).to.deep.equal([1, 2]);
    });

    it('Slot.receive of a handler deferring an event with an async schema throws, and nothing reaches the event loop later', async () => {
      // On main the check settled after receive had thrown, the detached host refused the deferred
      // event, and that refusal became an unhandled rejection (fixed by delivering inside a guard).
      const unhandled: unknown[] = [];
      const listener = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', listener);
      try {
        const r = new Routine();
        r.defineEvent('later', [], { schema: z.object({ n: z.number() }).refine(async () => true) });
        const slot = r.defineSlot('in', () => r.emitDeferredEvent('later', { n: 1 }));
        expectThrows(() => slot.receive({}), ConfigurationError, 'Slot.receive is synchronous');
        await new Promise((resolve) => setTimeout(resolve, 20));
      } finally {
        process.off('unhandledRejection', listener);
      }
      expect(unhandled).to.deep.equal([]);
    });

    it('(guard of the fix) once the waiting emits are delivered, a plain emit is delivered at once again', async () => {
      const flow = new Flow();
      const src = new Routine();
      src.defineEvent('checked', [], { schema: z.object({ n: z.number() }).refine(async () => true) });
      src.defineEvent('plain');
      const events: unknown[] = [];
      let seenRightAfter: unknown[] = [];
      src.defineSlot('trigger', async (_d, ctx) => {
        ctx.emit('checked', { n: 1 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        ctx.emit('plain', { n: 2 });
        seenRightAfter = events.slice();
      });
      flow.addRoutine(src, 'src');
      flow.events$.subscribe((e) => events.push(e.data['n']));
      const state = await flow.execute('src', {});
      expect(state.status).to.equal('completed');
      expect(seenRightAfter).to.deep.equal([1, 2]);
    });
  });
  describe('schemas that return hostile values', () => {
    /** A Standard Schema whose validate returns `result`. */
    const returning = (result: () => unknown): StandardSchemaV1<unknown, object> => ({ '~standard': { version: 1, vendor: 'hostile', validate: result as never } });
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['null', () => null, /returned a result of null/],
      ['a number', () => 42, /returned a result of number 42/],
      ['issues that are a string', () => ({ issues: 'bad' }), /issues that are "bad", not an array/],
      ['an issue that is null', () => ({ issues: [null] }), /issue 0 that is null/],
      ['a path that is a string', () => ({ issues: [{ message: 'm', path: 'abc' }] }), /issue 0 whose path is "abc", not an array/],
      ['a path holding a BigInt', () => ({ issues: [{ message: 'm', path: [10n] }] }), /issue 0 whose path holds bigint 10, not a property key/],
      ['a path segment whose key is an object', () => ({ issues: [{ message: 'm', path: [{ key: {} }] }] }), /issue 0 whose path holds an object/],
      ['an async null', () => Promise.resolve(null), /returned a result of null/],
    ];
    for (const [name, result, message] of cases) {
      it(`${name}: a ConfigurationError naming the slot, never a TypeError from inside the check`, async () => {
        // On main: TypeError (Cannot read properties of null, result.issues.map is not a function,
        // Do not know how to serialize a BigInt, ...), retried by RETRY as if the payload might pass.
        const flow = new Flow();
        const r = new Routine();
        r.defineSlot('trigger', () => undefined, { schema: returning(result) });
        flow.addRoutine(r, 'r');
        const state = await flow.execute('r', {});
        expect(state.status).to.equal('failed');
        expect(state.error?.name).to.equal('ConfigurationError');
        expect(state.error?.message).to.include("routine 'r' slot 'trigger': the schema's validate returned");
        expect(state.error?.message).to.match(message);
      });
    }

    it('a message whose toString throws, and a symbol in a path, still make a ValidationError', () => {
      const slot = new Routine().defineSlot('in', () => undefined, {
        schema: returning(() => ({ issues: [{ message: { toString: () => { throw new Error('no'); } }, path: [Symbol('id'), { key: 'x' }] }] })),
      });
      const error = expectThrows(() => slot.receive({}), ValidationError, "[Symbol(id)].x: [object Object]") as ValidationError;
      expect(error.issues[0].path?.[1]).to.equal('x');
    });

    it('an empty issue list is a failure that says so', () => {
      const slot = new Routine().defineSlot('in', () => undefined, { schema: returning(() => ({ issues: [] })) });
      expectThrows(() => slot.receive({}), ValidationError, 'invalid payload: (the schema reported no issue)');
    });

    it('a thenable whose then throws fails the activation with that error (it is the schema\'s own)', async () => {
      const flow = new Flow();
      const r = new Routine();
      r.defineSlot('trigger', () => undefined, { schema: returning(() => ({ then: () => { throw new Error('then threw'); } })) });
      flow.addRoutine(r, 'r');
      const state = await flow.execute('r', {});
      expect(state.error).to.include({ name: 'Error', message: 'then threw' });
    });
  });

  describe('validation messages stay small', () => {
    it('a schema that quotes the rejected value (valibot) does not put a megabyte into the message; issues keep the text', async () => {
      // On main the message was 1,000,096 characters long (valibot's message quotes the string it rejected).
      const huge = 'x'.repeat(1_000_000);
      const slot = new Routine().defineSlot('in', () => undefined, { schema: v.object({ a: v.number() }) });
      const error = expectThrows(() => slot.receive({ a: huge } as never), ValidationError, 'invalid payload: a: Invalid type: Expected number but received "xxx') as ValidationError;
      expect(error.message.length).to.be.below(1000);
      expect(error.issues[0].message.length).to.be.above(1000);
      // and a huge key in a path
      const keyed = new Routine().defineSlot('in', () => undefined, { schema: z.record(z.string(), z.number()) });
      const error2 = expectThrows(() => keyed.receive({ [`${'k'.repeat(100_000)} `]: 'x' } as never), ValidationError);
      expect(error2.message.length).to.be.below(1000);
      // The job's error says the same.
      const flow = new Flow();
      const r = new Routine();
      r.defineSlot('trigger', () => undefined, { schema: v.object({ a: v.number() }) });
      flow.addRoutine(r, 'r');
      const state = await flow.execute('r', { a: huge });
      expect(state.error?.message.length).to.be.below(1000);
    });
  });
  describe('a payload is an object, whichever way it is emitted', () => {
    for (const [how, emit] of [
      ['this.emit', (r: Routine) => r.emit('out', 5 as never)],
      ['event.emit', (r: Routine) => r.event('out').emit('five' as never)],
      ['emitDeferredEvent', (r: Routine) => r.emitDeferredEvent('out', true as never)],
    ] as const) {
      it(`${how} of a primitive fails the activation with a ConfigurationError naming the event (as ctx.emit does)`, async () => {
        // On main only ctx.emit refused it: this.emit(5) reached the sink's handler as its data (5).
        const flow = new Flow();
        const src = new Routine();
        src.defineEvent('out');
        src.defineSlot('trigger', () => emit(src));
        const seen: unknown[] = [];
        const sink = new Routine();
        sink.defineSlot('in', (d) => void seen.push(d));
        flow.addRoutine(src, 'src');
        flow.addRoutine(sink, 'sink');
        flow.connect('src', 'out', 'sink', 'in');
        const state = await flow.execute('src', {});
        expect(state.status).to.equal('failed');
        expect(state.error).to.include({ name: 'ConfigurationError' });
        expect(state.error?.message).to.match(/routine 'src' event 'out': a payload must be an object, got (number|string|boolean)/);
        expect(seen).to.deep.equal([]);
      });
    }

    it('outside a job too; null and undefined still mean an empty payload', () => {
      const r = new Routine();
      r.defineEvent('out');
      const seen: unknown[] = [];
      r.event('out').asObservable().subscribe((p) => seen.push(p));
      expectThrows(() => r.emit('out', 5 as never), ConfigurationError, "event 'out': a payload must be an object, got number");
      r.emit('out', null as never);
      r.emit('out');
      expect(seen).to.deep.equal([{}, {}]);
    });
  });
  describe('what a slot accepts is not always what its handler receives (types)', () => {
    // NOT FIXED (a larger change): a slot handle has one payload type, the handler's, and
    // `job.send`, `job.input`, `flow.start` and `flow.connect` check what is sent against it.
    // But a slot accepts something else whenever it transforms what it receives: a schema with a
    // transform (its input type is not its output type), a payloadClass (plain objects come in,
    // instances go to the handler), an append merge (one item comes in, arrays go to the
    // handler). Then right code does not compile and wrong code does. The fix needs a second type
    // parameter on Slot (what it accepts, defaulting to T) inferred by defineSlot from the
    // schema's input type, the class's plain shape and the merge strategy, and used by send,
    // input, start and connect. Un-skip this when it lands.
    it.skip('sending what the slot accepts compiles, sending what only its handler wants does not', function () {
      this.timeout(120_000);
      const root = fileURLToPath(new URL('../..', import.meta.url));
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const dir = mkdtempSync(join(tmpdir(), 'routilux-review-'));
      try {
        writeFileSync(join(dir, 'accepts.ts'), `
import { z } from 'zod';
import { Flow, Routine } from ${JSON.stringify(join(root, 'lib', 'index.js'))};
class Order { id = ''; total(): number { return 0; } }
class Checked extends Routine {
  dated = this.defineSlot('dated', (d) => void d.at.getTime(), { schema: z.object({ at: z.string().transform((s) => new Date(s)) }) });
  order = this.defineSlot('order', (o) => void o.total(), { payloadClass: Order });
}
class Collect extends Routine<{ in: { v: number[] } }> {
  constructor() { super(); this.defineSlot('in', (d) => void d.v.length, { mergeStrategy: 'append' }); }
}
class Numbers extends Routine<{}, { out: { v: number } }> {
  constructor() { super(); this.defineEvent('out'); }
}
const checked = new Checked(), collect = new Collect(), numbers = new Numbers();
const flow = new Flow();
flow.addRoutine(checked, 'checked'); flow.addRoutine(collect, 'collect'); flow.addRoutine(numbers, 'numbers');
const job = flow.open();
job.send(checked.dated, { at: '2020-01-01' });        // the schema's input: a string
// @ts-expect-error a Date is what the handler gets, not what the schema accepts (fails at run time)
job.send(checked.dated, { at: new Date() });
job.send(checked.order, { id: 'o-1' });               // a plain order becomes an Order
flow.connect(numbers.event('out'), collect.slot('in')); // one number per emit, appended
// @ts-expect-error an array sent to an append slot is appended as one item ([[1]])
job.send(collect.slot('in'), { v: [1] });
`);
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
          compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, skipLibCheck: true, experimentalDecorators: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')], paths: { '*': [join(root, 'node_modules', '*')] } },
          files: ['accepts.ts'],
        }));
        let out = '';
        try {
          out = execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
        } catch (error) {
          out = String((error as { stdout?: string }).stdout ?? error);
        }
        // On main: errors at lines 19, 22 and 23 (right code) and unused @ts-expect-error at 20 and 24 (wrong code compiles).
        expect(out.split('\n').filter((line) => /error TS\d+/.test(line))).to.deep.equal([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  describe('operator timers longer than a timer can hold (2^31 - 1 ms)', () => {
    const LONG = 2 ** 31 + 1000; // about 24.9 days

    it('in real time a windowed Batcher with a 25-day window does not emit at once, and a Debouncer does not spin', async () => {
      // On main both timers went to setInterval, which Node sets to 1 ms past 2^31 - 1: the
      // Batcher emitted its window within a millisecond, the Debouncer rescheduled itself every
      // millisecond (a TimeoutOverflowWarning each time).
      const warnings: string[] = [];
      const listener = (warning: Error): void => void warnings.push(warning.name);
      process.on('warning', listener);
      try {
        for (const make of [() => new Batcher({ windowMs: LONG }), () => new Debouncer({ dueTime: LONG })]) {
          const flow = new Flow();
          flow.addRoutine(make(), 'op');
          const outputs: Payload[] = [];
          flow.observe('op', 'output').subscribe((data) => outputs.push(data));
          const job = flow.open();
          try {
            job.send('op', 'input', { value: 1 });
            await new Promise((resolve) => setTimeout(resolve, 50));
          } finally {
            await job.cancel(); // stops the operator's timers (on main, a 1 ms loop)
          }
          expect(outputs).to.deep.equal([]);
        }
      } finally {
        process.off('warning', listener);
      }
      expect(warnings.filter((name) => name === 'TimeoutOverflowWarning')).to.deep.equal([]);
    });

    it('in virtual time the long window closes exactly when due, also after a restore', async () => {
      const straight = await straightRun(() => new Batcher({ windowMs: LONG }), [{ at: 0, value: 1 }], LONG + 10);
      expect(straight.map((o) => [o.at, (o.data.items as Payload[]).map((p) => p.value)])).to.deep.equal([[LONG, [1]]]);
      const moved = await movedTwice(() => new Batcher({ windowMs: LONG }), [{ at: 0, value: 1 }], 11, 2 ** 31 - 5, LONG + 10);
      expect(JSON.stringify(moved)).to.equal(JSON.stringify(straight));
    });
  });
});
