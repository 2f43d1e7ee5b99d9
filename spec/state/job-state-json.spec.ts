import { expect } from 'chai';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { JOB_STATE_FIELD_NAMES } from '../../lib/state/job-state-fields.js';
import { Flow, JobState, Routine, SerializationError, registerRoutine } from '../../lib/index.js';
import { jobJSON, thrown, until } from '../fixtures/helpers.js';

/** Emits `{ n }` for each of `count`, plus a deferred event and an output, to fill every field. */
class Feeder extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['n']);
    this.defineEvent('later', ['note']);
    this.defineSlot<{ count: number }>('trigger', (data, ctx) => {
      ctx.setSharedData('feeder', { count: data.count, nested: [1, { deep: true }] });
      this.emitDeferredEvent('later', { note: 'after resume' });
      this.sendOutput('started', { count: data.count });
      for (let n = 0; n < data.count; n++) this.emit('out', { n });
    });
  }
}
registerRoutine('JobJsonSpec.Feeder', Feeder);

/** Appends; pauses its job when it sees `n === 2`. */
class Pauser extends Routine {
  constructor() {
    super();
    this.defineSlot<{ n: number[] }>(
      'in',
      (data, ctx) => {
        ctx.updateRoutineState({ last: data.n.at(-1) });
        if (data.n.at(-1) === 2) void ctx.flow.pause(ctx.jobId, 'halfway', { at: 2 });
      },
      { mergeStrategy: 'append' },
    );
  }
}
registerRoutine('JobJsonSpec.Pauser', Pauser);

async function pausedState(): Promise<JobState> {
  const flow = new Flow({ flowId: 'job-json' });
  flow.addRoutine(new Feeder(), 'feeder');
  flow.addRoutine(new Pauser(), 'pauser');
  flow.connect('feeder', 'out', 'pauser', 'in');
  const job = flow.start('feeder', { count: 6 }, { jobId: 'paused-job' });
  await until(() => job.state.status === 'paused', 'the pause');
  return job.wait();
}

describe('job JSON', () => {
  describe('round trip', () => {
    it('keeps every field of a paused job, through JSON text', async () => {
      const state = await pausedState();
      expect(state.status).to.equal('paused');
      expect(state.pendingTasks.map((t) => t.data)).to.deep.equal([{ n: 3 }, { n: 4 }, { n: 5 }]);
      const json = state.toJSON();
      expect(json).to.deep.include({ format: 'routilux.job', version: 2, jobId: 'paused-job', flowId: 'job-json', status: 'paused' });
      const text = JSON.stringify(state);
      const copy = JobState.fromJSON(text);
      expect(copy).to.be.instanceOf(JobState);
      expect(JSON.parse(JSON.stringify(copy))).to.deep.equal(JSON.parse(text));
      for (const key of ['jobId', 'flowId', 'status', 'createdAt', 'updatedAt', 'routineStates', 'slotData', 'pendingTasks', 'runningTasks', 'executionHistory', 'pausePoints', 'deferredEvents', 'sharedData', 'outputLog'] as const) {
        expect(copy[key], key).to.deep.equal(JSON.parse(JSON.stringify(state[key])));
      }
      expect(copy.pendingTasks[0]).to.deep.include({ routineId: 'pauser', slotName: 'in', attempt: 1, source: { routineId: 'feeder', eventName: 'out' } });
      expect(copy.pausePoints[0]).to.deep.include({ reason: 'halfway', checkpoint: { at: 2 } });
      expect(copy.deferredEvents[0]).to.deep.include({ routineId: 'feeder', eventName: 'later', data: { note: 'after resume' } });
      expect(copy.slotData['pauser.in']).to.deep.equal({ n: [0, 1, 2] });
      expect(copy.getRoutineState('pauser')).to.deep.include({ activations: 3, last: 2 });
      expect(copy.getSharedData('feeder')).to.deep.equal({ count: 6, nested: [1, { deep: true }] });
      expect(copy.getExecutionHistory('feeder').map((r) => r.eventName)).to.include('start');
      expect(Object.isFrozen(copy)).to.equal(true);
      expect(Object.isFrozen(copy.pendingTasks)).to.equal(true);
    });

    it('empty lists and records read from text are shared frozen empties; the others are their own', () => {
      // (Issue 17: a client parses every status message; a settled job's state is mostly empty lists.)
      const text = JSON.stringify(jobJSON({ sharedData: { a: 1 } }));
      const [one, two] = [JobState.fromJSON(text), JobState.fromJSON(text)];
      for (const key of ['pendingTasks', 'runningTasks', 'pausePoints', 'deferredEvents', 'outputLog', 'slotData', 'routineStates'] as const) {
        expect(one[key], key).to.equal(two[key]);
        expect(Object.isFrozen(one[key]), key).to.equal(true);
      }
      expect(one.sharedData).to.not.equal(two.sharedData);
      expect(one.sharedData).to.deep.equal({ a: 1 });
    });

    it('for every mix of empty and filled fields, text reads as the object form does: equal, frozen containers', () => {
      const task = { routineId: 'r', slotName: 'in', data: { n: 1 }, attempt: 1, enqueuedAt: 5 };
      const record = { routineId: 'r', eventName: 'out', data: { n: 1 }, timestamp: 5 };
      const fields = {
        pendingTasks: fc.constantFrom([], [task]),
        runningTasks: fc.constantFrom([], [task]),
        executionHistory: fc.constantFrom([], [record]),
        deferredEvents: fc.constantFrom([], [record]),
        slotData: fc.constantFrom({}, { 'r.in': { n: [] } }, { 'r.in': {} }),
        sharedData: fc.constantFrom({}, { k: [] }, { k: {} }),
        routineStates: fc.constantFrom({}, { r: { status: 'completed', activations: 1, errors: 0 } }),
      };
      fc.assert(
        fc.property(fc.record(fields), (patch) => {
          const json = jobJSON(patch);
          const fromText = JobState.fromJSON(JSON.stringify(json));
          const fromObject = JobState.fromJSON(json);
          expect(fromText.toJSON()).to.deep.equal(fromObject.toJSON());
          expect(JSON.parse(JSON.stringify(fromText))).to.deep.equal(JSON.parse(JSON.stringify(json)));
          for (const key of Object.keys(fields) as Array<keyof typeof fields>) expect(Object.isFrozen(fromText[key]), key).to.equal(true);
          // Payloads are never frozen, empty or not.
          const sd = fromText.slotData['r.in'] as object | undefined;
          if (sd !== undefined) expect(Object.isFrozen(sd)).to.equal(false);
          const shared = fromText.sharedData.k as object | undefined;
          if (shared !== undefined) expect(Object.isFrozen(shared)).to.equal(false);
        }),
        { numRuns: 100 },
      );
    });

    it('for every mix of optional fields: toJSON has exactly the present ones, in declaration order after the header, as fast properties', () => {
      // (Issue 17: added one computed key at a time, the 20-odd fields turned the record into a
      // hash table: 3 KB per state written, and slower to stringify.)
      setFlagsFromString('--allow-natives-syntax');
      const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
      setFlagsFromString('--no-allow-natives-syntax');
      const failedTask = { routineId: 'r', slotName: 'in', data: { n: 1 }, attempt: 2, enqueuedAt: 5 };
      fc.assert(
        fc.property(fc.record({ failedTask: fc.constant(failedTask), timeout: fc.integer({ min: 1, max: 1e6 }), error: fc.constant({ name: 'Error', message: 'boom' }) }, { requiredKeys: [] }), (optional) => {
          const json = jobJSON({ status: 'failed', ...optional });
          const state = JobState.fromJSON(json);
          expect(fast(state.toJSON()), 'toJSON fast').to.equal(true);
          const expected = ['format', 'version', ...JOB_STATE_FIELD_NAMES.filter((name) => json[name] !== undefined)];
          expect(Object.keys(state.toJSON())).to.deep.equal(expected);
          // The same text, byte for byte, as a record made key by key; read back with the same keys.
          const byKey: Record<string, unknown> = { format: 'routilux.job', version: 2 };
          for (const name of JOB_STATE_FIELD_NAMES) if (state[name] !== undefined) byKey[name] = state[name];
          const text = JSON.stringify(state);
          expect(text).to.equal(JSON.stringify(byKey));
          const back = JobState.fromJSON(text);
          expect(Object.keys(back)).to.deep.equal(Object.keys(state));
          for (const name of ['failedTask', 'timeout', 'error'] as const) expect(name in back, name).to.equal(name in optional);
        }),
        { numRuns: 50 },
      );
    });

    it('accepts the object form and leaves the caller’s object unfrozen', async () => {
      const json = JSON.parse(JSON.stringify(await pausedState()));
      const copy = JobState.fromJSON(json);
      expect(copy.jobId).to.equal('paused-job');
      expect(Object.isFrozen(json.pendingTasks)).to.equal(false);
      expect(JobState.fromJSON(copy.toJSON()).toJSON()).to.deep.equal(copy.toJSON());
    });

    it('copies the object form: a later change to the caller’s object never reaches the snapshot', () => {
      const json = jobJSON({ slotData: { 'r.in': { items: [1, 2] } }, sharedData: { r: { count: 1 } } }) as Record<string, any>;
      const copy = JobState.fromJSON(json);
      json.slotData['r.in'].items.push(3);
      json.sharedData.r.count = 2;
      expect(copy.slotData['r.in']).to.deep.equal({ items: [1, 2] });
      expect(copy.getSharedData('r')).to.deep.equal({ count: 1 });
      expect(Object.isFrozen(json.slotData)).to.equal(false);
    });

    it('copies payloads that are not plain data as structuredClone does: Dates, Maps and cycles', () => {
      const when = new Date(0);
      const ring: Record<string, unknown> = { name: 'ring' };
      ring.self = ring;
      const json = jobJSON({ slotData: { 'r.in': { when, seen: new Map([['a', 1]]) } }, sharedData: { r: { ring } } });
      const copy = JobState.fromJSON(json);
      const data = copy.slotData['r.in'] as { when: Date; seen: Map<string, number> };
      expect(data.when).to.be.instanceOf(Date).and.not.equal(when);
      expect(data.when.getTime()).to.equal(0);
      expect(data.seen.get('a')).to.equal(1);
      const copied = (copy.getSharedData('r') as { ring: Record<string, unknown> }).ring;
      expect(copied).to.not.equal(ring);
      expect(copied.self).to.equal(copied);
    });

    it('refuses a value that is not data (a function) with a SerializationError naming its path', () => {
      const json = jobJSON({ sharedData: { r: { list: [0, { hook: () => 1 }] } } });
      thrown(() => JobState.fromJSON(json), SerializationError, 'job JSON', 'sharedData.r.list[1].hook', 'cannot be copied');
    });

    it('keeps a failed job’s error and failed task', () => {
      const json = jobJSON({
        status: 'failed',
        error: { name: 'TypeError', message: 'bad', routineId: 'r' },
        failedTask: { routineId: 'r', slotName: 'in', data: { x: 1 }, attempt: 1, enqueuedAt: 5 },
      });
      const copy = JobState.fromJSON(JSON.stringify(json));
      expect(copy.error).to.deep.equal({ name: 'TypeError', message: 'bad', routineId: 'r' });
      expect(copy.failedTask).to.deep.equal({ routineId: 'r', slotName: 'in', data: { x: 1 }, attempt: 1, enqueuedAt: 5 });
    });
  });

  describe('bad input: a SerializationError naming the path', () => {
    it('malformed JSON text, wrong format, wrong version', () => {
      thrown(() => JobState.fromJSON('{"format":'), SerializationError, 'malformed JSON');
      thrown(() => JobState.fromJSON('null'), SerializationError, '(root)');
      thrown(() => JobState.fromJSON(jobJSON({ format: 'routilux.flow' })), SerializationError, 'format', 'routilux.job');
      thrown(() => JobState.fromJSON(jobJSON({ version: 99 })), SerializationError, 'version', '99');
    });

    it('a missing field', () => {
      for (const field of ['jobId', 'flowId', 'status', 'createdAt', 'updatedAt', 'routineStates', 'slotData', 'pendingTasks', 'executionHistory', 'pausePoints', 'deferredEvents', 'sharedData', 'outputLog']) {
        const json = jobJSON();
        delete json[field];
        thrown(() => JobState.fromJSON(json), SerializationError, field);
      }
    });

    it('a wrong status', () => {
      thrown(() => JobState.fromJSON(jobJSON({ status: 'sleeping' })), SerializationError, 'status', 'sleeping');
    });

    it('a bad attempt', () => {
      for (const attempt of [0, -1, 1.5, '2', null, undefined, Infinity]) {
        const task = { routineId: 'r', slotName: 'in', data: {}, attempt, enqueuedAt: 0 };
        thrown(() => JobState.fromJSON(jobJSON({ pendingTasks: [task] })), SerializationError, 'pendingTasks[0].attempt');
        thrown(() => JobState.fromJSON(jobJSON({ runningTasks: [task, task] })), SerializationError, 'runningTasks[0].attempt');
      }
    });

    it('bad tasks and records', () => {
      thrown(() => JobState.fromJSON(jobJSON({ pendingTasks: [{ slotName: 'in', data: {}, attempt: 1, enqueuedAt: 0 }] })), SerializationError, 'pendingTasks[0].routineId');
      thrown(() => JobState.fromJSON(jobJSON({ pendingTasks: [{ routineId: 'r', slotName: 'in', data: [], attempt: 1, enqueuedAt: 0 }] })), SerializationError, 'pendingTasks[0].data');
      thrown(() => JobState.fromJSON(jobJSON({ routineStates: { r: { status: 'idle', activations: 'x', errors: 0 } } })), SerializationError, 'routineStates.r.activations');
      thrown(() => JobState.fromJSON(jobJSON({ slotData: { 'r.in': 5 } })), SerializationError, "slotData['r.in']");
      thrown(() => JobState.fromJSON(jobJSON({ executionHistory: [{ routineId: 'r', timestamp: 1 }] })), SerializationError, 'executionHistory[0].eventName');
      thrown(() => JobState.fromJSON(jobJSON({ error: { name: 'E' } })), SerializationError, 'error.message');
    });
  });
});
