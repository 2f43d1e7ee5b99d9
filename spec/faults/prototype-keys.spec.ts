import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigurationError, DataFlattener, Flow, JobState, Mapper, Routine, type Payload } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

// Fault 7 of issue 14: "__proto__" keys in data never become a prototype, wherever data is
// copied, mapped, merged or parsed; ids and keys that would be dropped are refused.
const hostile = (): Payload => JSON.parse('{"__proto__": {"isAdmin": true}, "name": "eve"}') as Payload;

/** Whether any object in `value` has a prototype other than a plain object's or an array's (or inherits `isAdmin`). */
function polluted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && proto !== Array.prototype) return true;
  if ('isAdmin' in value && !Object.prototype.hasOwnProperty.call(value, 'isAdmin')) return true;
  return Object.values(value).some(polluted);
}

describe('faults: "__proto__" keys in data', () => {
  it('a param mapping passes a "__proto__" key through as data, never as the prototype', async () => {
    const flow = new Flow();
    const got: Payload[] = [];
    flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => ctx.emit('out', hostile()) }), 'src');
    flow.addRoutine(makeRoutine({ in: (d: Payload) => void got.push(d) }, []), 'sink');
    flow.connect('src', 'out', 'sink', 'in', { name: 'user' });
    await flow.execute('src', {});
    expect(polluted(got[0])).to.equal(false);
    expect(Object.prototype.hasOwnProperty.call(got[0], '__proto__')).to.equal(true);
    expect(got[0].user).to.equal('eve');
  });

  it('the append merge keeps a "__proto__" key as data', async () => {
    const flow = new Flow();
    const got: Payload[] = [];
    flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => ctx.emit('out', hostile()) }), 'src');
    flow.addRoutine(makeRoutine({ in: { handler: (d: Payload) => void got.push(d), mergeStrategy: 'append' } }, []), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    await flow.execute('src', {});
    expect(polluted(got[0])).to.equal(false);
    expect(Object.getOwnPropertyDescriptor(got[0], '__proto__')!.value).to.deep.equal([{ isAdmin: true }]);
  });

  it('JobState.fromJSON and flow.resume of an object keep "__proto__" keys as data', async () => {
    const flow = new Flow({ flowId: 'p' });
    flow.addRoutine(makeRoutine({ in: () => {} }), 'r');
    const job = flow.open({ jobId: 'pj' });
    await job.pause();
    const json = JSON.parse(JSON.stringify(job.state.toJSON())) as Record<string, unknown>;
    json.sharedData = hostile();
    json.pendingTasks = [{ routineId: 'r', slotName: 'in', data: hostile(), attempt: 1, enqueuedAt: 0 }];
    const state = JobState.fromJSON(json);
    expect(polluted(state.sharedData)).to.equal(false);
    expect(polluted(state.pendingTasks[0].data)).to.equal(false);
    const other = new Flow({ flowId: 'p' });
    const seen: Payload[] = [];
    other.addRoutine(makeRoutine({ in: (d: Payload) => void seen.push(d) }), 'r');
    await job.cancel();
    const resumed = other.resume(json);
    resumed.close();
    await resumed.wait();
    expect(polluted(seen[0])).to.equal(false);
  });

  it('built-ins that copy keys (Mapper, DataFlattener) keep "__proto__" as data', () => {
    for (const [routine, input] of [
      [new Mapper({ pick: ['__proto__', 'name'] }), hostile()],
      [new DataFlattener(), hostile()],
    ] as const) {
      const out: Payload[] = [];
      routine.getEvent('output')!.asObservable().subscribe((p) => out.push(p));
      routine.getSlot('input')!.receive({ data: input });
      expect(JSON.stringify(out)).to.not.equal('[]');
      for (const o of out) expect(polluted(o)).to.equal(false);
    }
  });

  it('for any payload, mapping and append never change a prototype', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'b'), fc.jsonValue()), { maxLength: 6 }), async (entries) => {
        // Built as JSON text: JSON.parse makes "__proto__" an own key, as an attacker's payload would.
        const payload = JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as Payload;
        const flow = new Flow();
        const got: Payload[] = [];
        flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => ctx.emit('out', payload) }), 'src');
        flow.addRoutine(makeRoutine({ in: { handler: (d: Payload) => void got.push(d), mergeStrategy: 'append' } }, []), 'sink');
        flow.connect('src', 'out', 'sink', 'in', { a: 'x' });
        await flow.execute('src', {});
        expect(polluted(got[0])).to.equal(false);
        expect(Object.getPrototypeOf(got[0])).to.equal(Object.prototype);
        // Exactly the model's result: every own key of the payload (last one wins), `a` renamed
        // to `x`, each value appended once; nothing dropped, nothing lifted from a prototype.
        const last = new Map(entries);
        const expected = [...last.keys()].map((k) => (k === 'a' ? 'x' : k)).sort();
        expect(Object.getOwnPropertyNames(got[0]).sort()).to.deep.equal(expected);
        for (const [k, v] of last) expect(Object.getOwnPropertyDescriptor(got[0], k === 'a' ? 'x' : k)!.value).to.deep.equal([JSON.parse(JSON.stringify(v)) as unknown]);
        expect(({} as { isAdmin?: unknown }).isAdmin).to.equal(undefined);
      }),
      { numRuns: 100 },
    );
  });

  it('ids and keys that would be dropped are refused with ConfigurationError', async () => {
    const flow = new Flow();
    expect(() => flow.addRoutine(new Routine(), '__proto__')).to.throw(ConfigurationError, '__proto__');
    expect(() => new Routine().defineSlot('__proto__')).to.throw(ConfigurationError, '__proto__');
    expect(() => new Routine().defineEvent('__proto__')).to.throw(ConfigurationError, '__proto__');
    flow.addRoutine(makeRoutine({ in: () => {} }), 'a');
    flow.addRoutine(makeRoutine({ in: () => {} }), 'b');
    expect(() => flow.connect('a', 'out', 'b', 'in', { x: '__proto__' })).to.throw(ConfigurationError, '__proto__');
    const errors: string[] = [];
    const f2 = new Flow();
    f2.addRoutine(makeRoutine({
      shared: (_d, ctx) => ctx.setSharedData('__proto__', 1),
      state: (_d, ctx) => ctx.updateRoutineState(JSON.parse('{"__proto__": 1}') as Record<string, unknown>),
    }), 'r');
    for (const slot of ['shared', 'state']) {
      const s = await f2.execute('r', {}, { slot });
      errors.push(`${s.error?.name}: ${s.error?.message}`);
    }
    expect(errors[0]).to.match(/^ConfigurationError: .*__proto__/);
    expect(errors[1]).to.match(/^ConfigurationError: .*__proto__/);
  });
});
