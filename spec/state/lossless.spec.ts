import 'reflect-metadata';
import { expect } from 'chai';
import fc from 'fast-check';
import { Type } from 'class-transformer';
import { isDeepStrictEqual } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  FileJobStore,
  Flow,
  JOB_JSON_VERSION,
  JobState,
  MemoryJobStore,
  SerializationError,
  registerPayloadClass,
  type CheckpointError,
  type JobStateJSON,
  type Payload,
} from '../../lib/index.js';
import { makeState, thrown, until } from '../fixtures/helpers.js';
import { makeRoutine } from '../helpers/routines.js';

// Issue 15, point 2: everything a job holds comes back exactly from its JSON text — or saving
// it fails loudly, naming the path of what cannot be saved.

const base = makeState('lossless');

/** A state holding `value` in every place a job keeps user data. */
function holding(value: unknown): JobState {
  const task = (data: Payload) => ({ routineId: 'r', slotName: 'in', data, attempt: 1, enqueuedAt: 1, seq: 1 });
  return new JobState({
    ...base,
    sharedData: { x: value },
    slotData: { 'enrich.in': { v: value } },
    pendingTasks: [task({ v: value }), { ...task({}), merged: { v: value } }],
    runningTasks: [task({ v: value })],
    failedTask: task({ v: value }),
    routineStates: { r: { status: 'idle', activations: 0, errors: 0, mine: value } },
    executionHistory: [{ routineId: 'r', eventName: 'out', data: { v: value }, timestamp: 1 }],
    deferredEvents: [{ routineId: 'r', eventName: 'later', data: { v: value }, timestamp: 1 }],
    outputLog: [{ jobId: 'lossless', routineId: 'r', outputType: 'o', data: { v: value }, timestamp: 1 }],
    pausePoints: [{ reason: 'p', checkpoint: { v: value }, timestamp: 1, pendingCount: 0 }],
  });
}

/** Every place of `holding(value)`, read back. */
function places(state: JobState): unknown[] {
  return [
    state.sharedData.x,
    state.slotData['enrich.in'].v,
    state.pendingTasks[0].data.v,
    state.pendingTasks[1].merged!.v,
    state.runningTasks[0].data.v,
    state.failedTask!.data.v,
    state.routineStates.r.mine,
    state.executionHistory[0].data.v,
    state.deferredEvents[0].data.v,
    state.outputLog[0].data.v,
    state.pausePoints[0].checkpoint.v,
  ];
}

const roundTrip = (state: JobState): JobState => JobState.fromJSON(JSON.stringify(state.toJSON()));

// Primitives JSON cannot carry, besides what fc.anything makes. (An invalid Date is checked on
// its own below: isDeepStrictEqual never finds two invalid Dates equal.)
const extras = fc.oneof(
  fc.constantFrom(-0, NaN, Infinity, -Infinity, undefined, 0n, -(2n ** 70n)),
  fc.date({ noInvalidDate: true }),
  fc.tuple(fc.constantFrom('a+', '^x$', '[0-9]{2}', '\\/'), fc.constantFrom('', 'g', 'gi', 'msu')).map(([source, flags]) => new RegExp(source, flags)),
);
const hostileKey = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'prototype', '~x', '$superjson', 'a.b', 'c\\d'));
const data = fc.anything({
  key: hostileKey,
  values: [fc.boolean(), fc.double(), fc.string({ maxLength: 8 }), fc.constant(null), extras],
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  maxDepth: 3,
  maxKeys: 4,
});

describe('lossless job JSON', () => {
  it('for any data of the supported kinds, in every place a job holds it: the same value, types and all, through JSON text', () => {
    fc.assert(
      fc.property(data, (value) => {
        const state = holding(value);
        const text = JSON.stringify(state.toJSON());
        const back = JobState.fromJSON(text);
        for (const got of places(back)) expect(isDeepStrictEqual(got, value), fc.stringify(got)).to.equal(true);
        // Stable: the revived state writes the same text (and encoding changed nothing).
        expect(JSON.stringify(back.toJSON())).to.equal(text);
        expect(JSON.stringify(state.toJSON())).to.equal(text);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps an object held twice as one object, and a cycle as a cycle, within a value', () => {
    fc.assert(
      fc.property(data, (value) => {
        const shared = { value };
        const ring: Record<string, unknown> = { value };
        ring.self = ring;
        const holder = { a: shared, list: [shared], byKey: new Map([['k', shared]]), members: new Set([shared]), ring, rings: [ring] };
        for (const got of places(roundTrip(holding(holder)))) {
          const h = got as typeof holder;
          expect(isDeepStrictEqual(h, holder)).to.equal(true);
          expect(h.list[0]).to.equal(h.a);
          expect(h.byKey.get('k')).to.equal(h.a);
          expect([...h.members][0]).to.equal(h.a);
          expect(h.ring.self).to.equal(h.ring);
          expect(h.rings[0]).to.equal(h.ring);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('writes plain data as plain JSON, wrapping only the values that need superjson', () => {
    const json = holding({ n: 1, when: new Date(0), tags: ['a'] }).toJSON() as unknown as Record<string, any>;
    expect(json.version).to.equal(JOB_JSON_VERSION).and.to.equal(2);
    expect(json.sharedData.x.n).to.equal(1);
    expect(json.sharedData.x.tags).to.deep.equal(['a']);
    expect(json.sharedData.x.when).to.deep.equal({ $superjson: { json: '1970-01-01T00:00:00.000Z', meta: { values: ['Date'], v: 1 } } });
    expect(json.pendingTasks[0].routineId).to.equal('r');
    const back = JobState.fromJSON(JSON.stringify(json));
    expect(back.getSharedData<{ when: Date }>('x').when).to.be.instanceOf(Date);
    expect(JobState.fromJSON(json).getSharedData<{ when: Date }>('x').when.getTime()).to.equal(0); // the object form too
  });

  it('keeps an invalid Date, typed arrays with NaN and -0, BigInt64Array, URL and null-prototype objects', () => {
    const nul = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const value = { bad: new Date(NaN), f: new Float32Array([NaN, -0, Infinity, 1.5]), b: new BigInt64Array([-(2n ** 63n), 7n]), url: new URL('https://example.org/a?b=1'), nul };
    const got = roundTrip(holding(value)).sharedData.x as typeof value;
    expect(got.bad).to.be.instanceOf(Date);
    expect(Number.isNaN(got.bad.getTime())).to.equal(true);
    expect(isDeepStrictEqual({ ...got, bad: null }, { ...value, bad: null })).to.equal(true);
    expect(Object.getPrototypeOf(got.nul)).to.equal(null);
  });

  it('keeps "__proto__", "constructor" and "prototype" keys as data, also next to values superjson revives', () => {
    const hostile = JSON.parse('{"__proto__": {"isAdmin": true}, "constructor": "c", "prototype": 1, "~k": 2}') as Record<string, unknown>;
    hostile.when = new Date(1);
    const got = roundTrip(holding(hostile)).sharedData.x as Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(got, '__proto__')!.value).to.deep.equal({ isAdmin: true });
    expect([got.constructor, got.prototype, got['~k']]).to.deep.equal(['c', 1, 2]);
    expect(({} as { isAdmin?: unknown }).isAdmin).to.equal(undefined);
    // A hostile annotation cannot reach a prototype either.
    const json = JSON.parse(JSON.stringify(base.toJSON()));
    json.sharedData = { x: { $superjson: { json: {}, meta: { values: { '__proto__.polluted': ['Date'] }, v: 1 } } } };
    thrown(() => JobState.fromJSON(json), SerializationError, 'job JSON: sharedData', '$superjson');
    expect(({} as { polluted?: unknown }).polluted).to.equal(undefined);
  });

  it('neither changes nor freezes the payloads it encodes', () => {
    const payload = { when: new Date(3), list: [1, 2], nested: { m: new Map([['a', 1]]) } };
    const state = holding(payload);
    state.toJSON();
    expect(Object.isFrozen(payload) || Object.isFrozen(payload.list) || Object.isFrozen(payload.nested)).to.equal(false);
    expect(payload.when).to.be.instanceOf(Date);
    expect(payload.nested.m.get('a')).to.equal(1);
  });
});

class Money {
  amount = 0;
  currency = 'EUR';
}
class LineItem {
  sku = '';
  @Type(() => Money) price = new Money();
  addedAt = new Date(0);
}
class Order {
  id = '';
  @Type(() => LineItem) items: LineItem[] = [];
  @Type(() => Money) total = new Money();
  notes: Record<string, number | bigint | undefined> = { n: 1n, gone: undefined };
  double(): number {
    return this.total.amount * 2;
  }
}
registerPayloadClass('LosslessSpec.Money', Money);
registerPayloadClass('LosslessSpec.LineItem', LineItem);
registerPayloadClass('LosslessSpec.Order', Order);

function order(): Order {
  const item = Object.assign(new LineItem(), { sku: 'x-1', price: Object.assign(new Money(), { amount: 4 }), addedAt: new Date(86_400_000) });
  return Object.assign(new Order(), { id: 'o-17', items: [item], total: Object.assign(new Money(), { amount: 4 }) });
}

describe('payload classes (registerPayloadClass)', () => {
  function orderFlow(received: unknown[]): Flow {
    const flow = new Flow({ flowId: 'orders' });
    flow.addRoutine(
      makeRoutine({
        trigger: (_d, ctx) => {
          ctx.emit('out', { order: order() });
          void ctx.flow.pause(ctx.jobId, 'review', { order: order() });
        },
      }),
      'src',
    );
    flow.addRoutine(makeRoutine({ in: (d: Payload) => void received.push(d.order) }, []), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    return flow;
  }

  it('revive as instances of their class, nested @Type fields included, through a pause and a resume from JSON text in a fresh flow', async () => {
    const first = orderFlow([]);
    const job = first.start('src', {}, { jobId: 'o1' });
    await until(() => job.state.status === 'paused', 'the pause');
    const text = JSON.stringify(await job.wait());
    await job.cancel();

    const received: unknown[] = [];
    const state = JobState.fromJSON(text);
    const fromCheckpoint = state.pausePoints[0].checkpoint.order as Order;
    expect(fromCheckpoint).to.be.instanceOf(Order);
    const final = await orderFlow(received).resume(state).wait();
    expect(final.status).to.equal('completed');
    const got = received[0] as Order;
    for (const o of [got, fromCheckpoint]) {
      expect(o).to.be.instanceOf(Order);
      expect(o.items[0]).to.be.instanceOf(LineItem);
      expect(o.items[0].price).to.be.instanceOf(Money);
      expect(o.items[0].addedAt).to.be.instanceOf(Date);
      expect(o.total).to.be.instanceOf(Money);
      expect(o.double()).to.equal(8);
      expect(isDeepStrictEqual(o, order())).to.equal(true);
    }
  });

  it('refuses bad registrations with a ConfigurationError', () => {
    class Other {}
    expect(() => registerPayloadClass('', Other)).to.throw(ConfigurationError, 'non-empty');
    expect(() => registerPayloadClass(42 as unknown as string, Other)).to.throw(ConfigurationError, 'non-empty');
    expect(() => registerPayloadClass('Lossless.Arrow', (() => ({})) as never)).to.throw(ConfigurationError, 'expected a class');
    expect(() => registerPayloadClass('Lossless.Num', 7 as never)).to.throw(ConfigurationError, 'expected a class');
    expect(() => registerPayloadClass('LosslessSpec.Money', Other)).to.throw(ConfigurationError, 'already registered to class Money');
    expect(() => registerPayloadClass('Lossless.Money2', Money)).to.throw(ConfigurationError, "already registered as 'LosslessSpec.Money'");
    expect(() => registerPayloadClass('routilux:Mine', Other)).to.throw(ConfigurationError, 'reserved');
    expect(() => registerPayloadClass('Lossless.Date', Date)).to.throw(ConfigurationError, 'built in');
    expect(() => registerPayloadClass('LosslessSpec.Money', Money)).to.not.throw(); // the same pair again: nothing to do
  });

  it('a class not registered where the JSON is read is a SerializationError naming it', () => {
    const json = JSON.parse(JSON.stringify(holding(order()).toJSON())) as Record<string, any>;
    json.sharedData.x.$superjson.meta.values = [['custom', 'Nowhere.Order']];
    thrown(() => JobState.fromJSON(json), SerializationError, 'job JSON: sharedData', 'payload class "Nowhere.Order" is not registered');
  });
});

describe('what cannot be saved is a SerializationError naming its exact path', () => {
  class Unregistered {
    when = new Date();
  }
  const fn = function callback() {};
  const cases: Array<[string, () => JobState, string]> = [
    ['a function in slot data', () => new JobState({ ...base, slotData: { 'enrich.in': { callback: fn } } }), 'slotData["enrich.in"].callback: cannot save a function (callback)'],
    ['a class instance in a task', () => new JobState({ ...base, pendingTasks: [0, 1, 2].map((n) => ({ routineId: 'r', slotName: 'in', data: n === 2 ? { when: new Unregistered() } : {}, attempt: 1, enqueuedAt: 0, seq: n })) }), "pendingTasks[2].data.when: cannot save an instance of Unregistered, which is not registered (registerPayloadClass('Unregistered', Unregistered))"],
    ['a symbol in shared data', () => new JobState({ ...base, sharedData: { tag: Symbol('t') } }), 'sharedData.tag: cannot save a symbol'],
    ['an Error in a merged payload', () => new JobState({ ...base, runningTasks: [{ routineId: 'r', slotName: 'in', data: {}, merged: { e: new TypeError('x') }, attempt: 1, enqueuedAt: 0, seq: 1 }] }), 'runningTasks[0].merged.e: cannot save an Error (TypeError'],
    ['a function as a Map value', () => new JobState({ ...base, sharedData: { m: new Map([['k', fn]]) } }), 'sharedData.m.get("k"): cannot save a function'],
    ['a function in a Set', () => new JobState({ ...base, sharedData: { s: new Set([1, fn]) } }), 'sharedData.s.values()[1]: cannot save a function'],
    ['a hole in an array', () => new JobState({ ...base, sharedData: { list: [1, , 3] } }), 'sharedData.list[1]: cannot save a hole in a sparse array'],
    ['a WeakMap in routine state', () => new JobState({ ...base, routineStates: { r: { status: 'idle', activations: 0, errors: 0, cache: new WeakMap() } } }), 'routineStates.r.cache: cannot save a WeakMap'],
    ['a function in a pause checkpoint', () => new JobState({ ...base, pausePoints: [{ reason: 'p', checkpoint: { onResume: fn }, timestamp: 0, pendingCount: 0 }] }), 'pausePoints[0].checkpoint.onResume: cannot save a function'],
    ['a function in history data', () => new JobState({ ...base, executionHistory: [{ routineId: 'r', eventName: 'e', data: { f: fn }, timestamp: 0 }] }), 'executionHistory[0].data.f: cannot save a function'],
    ['a function inside a registered class (never called)', () => new JobState({ ...base, failedTask: { routineId: 'r', slotName: 'in', data: { o: Object.assign(new Money(), { format: () => expect.fail('called') }) }, attempt: 1, enqueuedAt: 0, seq: 1 } }), 'failedTask.data.o.format: cannot save a function'],
    ['a Map field class-transformer would turn into an object', () => new JobState({ ...base, sharedData: { o: Object.assign(new Money(), { rates: new Map([['USD', 1.1]]) }) } }), 'sharedData.o.rates: cannot save a field of a LosslessSpec.Money that class-transformer does not bring back as it was'],
    ['a nested class without @Type', () => new JobState({ ...base, sharedData: { o: Object.assign(new Money(), { also: new Money() }) } }), 'sharedData.o.also: cannot save a field of a LosslessSpec.Money'],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const state = make();
      thrown(() => state.toJSON(), SerializationError, `job 'lossless': ${message}`);
      thrown(() => JSON.stringify(state), SerializationError, message);
      let rejected: unknown;
      await new MemoryJobStore().save(state).catch((error: unknown) => (rejected = error));
      expect(rejected).to.be.instanceOf(SerializationError);
      expect((rejected as Error).message).to.include(message);
    });
  }
});

describe('every store', () => {
  it('MemoryJobStore and FileJobStore give back what they were given, exactly', async () => {
    const value = { when: new Date(7), byKey: new Map([['k', 1n]]), order: order(), gap: undefined, ratio: -0 };
    const dir = await mkdtemp(join(tmpdir(), 'routilux-lossless-'));
    try {
      for (const store of [new MemoryJobStore(), new FileJobStore(dir)]) {
        await store.save(holding(value));
        const back = await store.load('lossless');
        for (const got of places(back!)) expect(isDeepStrictEqual(got, value)).to.equal(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('job JSON version 2', () => {
  it('loads version 1 JSON through the registered migration, an object that looks like a wrapper staying data', () => {
    const v1 = { ...(JSON.parse(JSON.stringify(base.toJSON())) as Record<string, unknown>), version: 1, sharedData: { look: { $superjson: { json: 1, meta: { values: ['bigint'], v: 1 } } }, when: '2024-01-01T00:00:00.000Z' } };
    const state = JobState.fromJSON(JSON.stringify(v1));
    expect(state.getSharedData('look')).to.deep.equal({ $superjson: { json: 1, meta: { values: ['bigint'], v: 1 } } });
    expect(state.getSharedData('when')).to.equal('2024-01-01T00:00:00.000Z');
    const again = JobState.fromJSON(JSON.stringify(state.toJSON()));
    expect(again.toJSON().version).to.equal(2);
    expect(again.getSharedData('look')).to.deep.equal(state.getSharedData('look'));
    const json: JobStateJSON = again.toJSON();
    expect(json.format).to.equal('routilux.job');
  });
});

describe('Flow option onCheckpointError', () => {
  function buildFlow(onCheckpointError?: 'fail' | 'report'): { flow: Flow; store: MemoryJobStore; errors: CheckpointError[] } {
    const store = new MemoryJobStore();
    const flow = new Flow({ flowId: `checkpoint-${onCheckpointError ?? 'default'}`, store, checkpoint: 'always', ...(onCheckpointError ? { onCheckpointError } : {}) });
    flow.addRoutine(
      makeRoutine({
        trigger: (_d, ctx) => {
          ctx.setSharedData('hooks', { onDone: () => 'not data' });
          ctx.emit('out', { n: 1 });
        },
      }),
      'src',
    );
    flow.addRoutine(makeRoutine({ in: () => new Promise((resolve) => setTimeout(resolve, 50)) }, []), 'slow');
    flow.connect('src', 'out', 'slow', 'in');
    const errors: CheckpointError[] = [];
    flow.checkpointErrors$.subscribe((e) => errors.push(e));
    return { flow, store, errors };
  }

  it("'fail' (the default): the job fails loudly, its error naming the path, instead of running on undurable", async () => {
    for (const option of [undefined, 'fail'] as const) {
      const { flow, errors } = buildFlow(option);
      const state = await flow.execute('src', {}, { jobId: 'cp-fail' });
      await flow.checkpointsFlushed();
      expect(state.status).to.equal('failed');
      expect(state.error!.name).to.equal('SerializationError');
      expect(state.error!.message).to.include('sharedData.hooks.onDone: cannot save a function');
      expect(errors.length).to.be.greaterThan(0);
      expect(errors[0].error).to.be.instanceOf(SerializationError);
      expect(errors[0].willRetry).to.equal(false);
    }
  });

  it("'report': the job runs on; each failed checkpoint is reported on checkpointErrors$", async () => {
    const { flow, store, errors } = buildFlow('report');
    const state = await flow.execute('src', {}, { jobId: 'cp-report' });
    await flow.checkpointsFlushed();
    expect(state.status).to.equal('completed');
    expect(errors.length).to.be.greaterThan(0);
    for (const e of errors) expect((e.error as Error).message).to.include('sharedData.hooks.onDone');
    const saved = await store.load('cp-report');
    expect(saved === undefined || saved.getSharedData('hooks') === undefined).to.equal(true);
  });

  it('is checked: anything but fail or report is a ConfigurationError', () => {
    expect(() => new Flow({ onCheckpointError: 'ignore' as never })).to.throw(ConfigurationError, 'onCheckpointError');
  });
});

// Found by review: a global RegExp that had moved on came back with lastIndex 0.
describe('lossless: a RegExp keeps its lastIndex', () => {
  it('a global regex with lastIndex 3 round-trips through JSON text with it', () => {
    const re = /a/g;
    re.lastIndex = 3;
    const state = holding(re);
    const back = JobState.fromJSON(JSON.stringify(state));
    places(back).forEach((value, i) => {
      const revived = value as RegExp;
      expect(revived, `place ${i}`).to.be.instanceOf(RegExp);
      expect([revived.source, revived.flags, revived.lastIndex], `place ${i}`).to.deep.equal(['a', 'g', 3]);
    });
  });
});
