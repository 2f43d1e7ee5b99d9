import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigurationError, ErrorHandler, Filter, Flow, JobState, JobStateError, Routine, RoutiluxError, SerializationError, type Payload } from '../../lib/index.js';
import { makeRoutine, until } from '../helpers/routines.js';

// Point 10 of issue 14: every option is range-checked, job JSON is validated, and a refused
// call changes nothing.
describe('faults: bad input', () => {
  it('refuses out-of-range options with ConfigurationError naming the option', () => {
    const bad: Array<[string, () => unknown]> = [
      ['maxWorkers', () => new Flow({ executionStrategy: 'concurrent', maxWorkers: 1e308 })],
      ['maxWorkers', () => new Flow().setExecutionStrategy('concurrent', 2 ** 40)],
      ['historyLimit', () => new Flow({ historyLimit: 1e12 })],
      ['executionTimeout', () => new Flow({ executionTimeout: Infinity })],
      ['activationTimeout', () => new Flow({ activationTimeout: 1e300 })],
      ['maxRetries', () => new ErrorHandler({ maxRetries: 1e308 })],
      ['retryDelay', () => new ErrorHandler({ retryDelay: 1e300 })],
      ['backoffMultiplier', () => new ErrorHandler({ backoffMultiplier: 1e300 })],
      ['isCritical', () => new ErrorHandler({ isCritical: 'yes' as never })],
    ];
    for (const [option, make] of bad) expect(make, option).to.throw(ConfigurationError, option);
  });

  it('a job JSON with a bogus routine status or a negative count is a SerializationError naming the path', async () => {
    const flow = new Flow({ flowId: 'bi' });
    flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
    const json = JSON.parse(JSON.stringify(await flow.execute('r', {})));
    expect(() => JobState.fromJSON({ ...json, routineStates: { r: { ...json.routineStates.r, status: 'bogus' } } })).to.throw(SerializationError, 'routineStates.r.status');
    expect(() => JobState.fromJSON({ ...json, routineStates: { r: { ...json.routineStates.r, activations: -1 } } })).to.throw(SerializationError, 'routineStates.r.activations');
    expect(() => JobState.fromJSON({ ...json, routineStates: { r: { ...json.routineStates.r, errors: 1.5 } } })).to.throw(SerializationError, 'routineStates.r.errors');
  });

  it('a refused start that reuses a failed job id leaves the failed job resumable', async () => {
    const flow = new Flow();
    let fail = true;
    flow.addRoutine(makeRoutine({ trigger: () => { if (fail) throw new Error('once'); } }), 'r');
    const failed = flow.start('r', {}, { jobId: 'again' });
    await failed.wait();
    expect(() => flow.start('r', {}, { jobId: 'again', timeout: -1 })).to.throw(ConfigurationError, 'timeout');
    expect(() => flow.open({ jobId: 'again', timeout: Infinity })).to.throw(ConfigurationError, 'timeout');
    expect(flow.getJob('again')).to.equal(failed);
    fail = false;
    flow.resumeJob('again');
    expect((await failed.wait()).status).to.equal('completed');
  });

  it('a config whose configChanged throws is refused and the old config stays in force', () => {
    class Picky extends Routine {
      protected override configChanged(config: Readonly<Record<string, unknown>>): void {
        if (config.explode === true) throw new ConfigurationError(`routine '${this.id}': cannot apply explode`);
      }
    }
    const p = new Picky();
    p.setConfig({ a: 1 });
    expect(() => p.setConfig({ a: 2, explode: true })).to.throw(ConfigurationError);
    expect(p.config()).to.deep.equal({ a: 1 });
  });

  it('pause with a non-string reason or a non-object checkpoint is refused and the job keeps running', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ in: () => {} }), 'r');
    const job = flow.open();
    for (const args of [[42], ['why', 'not an object'], ['why', [1]], ['why', null]] as const) {
      let error: unknown;
      await job.pause(...(args as unknown as [string])).catch((e: unknown) => (error = e));
      expect(error, JSON.stringify(args)).to.be.instanceOf(ConfigurationError);
      expect(job.state.status).to.equal('running');
      expect(job.state.pausePoints).to.deep.equal([]);
    }
    job.close();
    expect((await job.wait()).status).to.equal('completed');
  });

  it('for any value of any Flow option: a sane flow or a ConfigurationError, nothing else', () => {
    const keys = ['flowId', 'executionStrategy', 'maxWorkers', 'executionTimeout', 'activationTimeout', 'historyLimit', 'checkpoint', 'errorHandler', 'scheduler', 'store'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        let flow: Flow | undefined;
        try {
          flow = new Flow({ executionStrategy: 'concurrent', [key]: value } as never);
        } catch (error) {
          expect(error).to.be.instanceOf(ConfigurationError);
          expect((error as Error).message).to.include(key === 'executionStrategy' ? 'strategy' : key);
          return;
        }
        expect(Number.isInteger(flow.maxWorkers) && flow.maxWorkers >= 1 && flow.maxWorkers <= 1_000_000).to.equal(true);
        expect(Number.isInteger(flow.historyLimit) && flow.historyLimit >= 0).to.equal(true);
        for (const t of [flow.executionTimeout, flow.activationTimeout]) expect(t === undefined || (t > 0 && Number.isFinite(t))).to.equal(true);
      }),
      { numRuns: 500 },
    );
  });

  it('for any ErrorHandler option value: a finite policy or a ConfigurationError', () => {
    fc.assert(
      fc.property(fc.constantFrom('strategy', 'maxRetries', 'retryDelay', 'backoffMultiplier', 'retryableErrors', 'isCritical'), fc.anything(), (key, value) => {
        try {
          const h = new ErrorHandler({ [key]: value } as never);
          for (const n of [h.maxRetries, h.retryDelay, h.backoffMultiplier, h.delayBefore(50)]) expect(Number.isFinite(n)).to.equal(true);
        } catch (error) {
          expect(error).to.be.instanceOf(ConfigurationError);
        }
      }),
      { numRuns: 300 },
    );
  });

  describe('malformed JSON', () => {
    async function validJobJSON(): Promise<Record<string, unknown>> {
      const flow = new Flow({ flowId: 'mj' });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => ctx.emit('out', { v: 1 }) }), 'r');
      flow.addRoutine(makeRoutine({ in: () => new Promise(() => {}) }, []), 's');
      flow.connect('r', 'out', 's', 'in');
      const job = flow.start('r', {}, { jobId: 'mj-1' });
      // A JSON with s's activation in flight (not a fixed 5 ms, which a loaded machine outlasts).
      await until(() => job.state.runningTasks.some((t) => t.routineId === 's'), 10_000, "s's activation in flight");
      void job.pause('p'); // resolves only when the hanging activation settles: never
      const json = JSON.parse(JSON.stringify(job.state.toJSON()));
      await job.cancel();
      return json;
    }

    /** Sets a random path of `json` to a random value (or deletes it). */
    const mutation = fc.record({ path: fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.nat(3)), { minLength: 1, maxLength: 4 }), value: fc.oneof(fc.jsonValue(), fc.constant(undefined)) });

    // Walks own properties only and writes an own one, as JSON text would: fast-check's strings
    // include '__proto__', and `node['__proto__']` would walk into (and write) Object.prototype.
    function mutate(json: unknown, path: Array<string | number>, value: unknown): unknown {
      const copy = JSON.parse(JSON.stringify(json));
      let node = copy;
      for (let i = 0; i < path.length - 1; i++) {
        if (typeof node !== 'object' || node === null) return copy;
        const keys = Object.keys(node);
        const key = typeof path[i] === 'number' ? keys[(path[i] as number) % Math.max(1, keys.length)] : (path[i] as string);
        if (key === undefined || !Object.prototype.hasOwnProperty.call(node, key)) return copy;
        node = node[key as never];
      }
      if (typeof node !== 'object' || node === null) return copy;
      const keys = Object.keys(node);
      const last = path.at(-1)!;
      const key = typeof last === 'number' ? keys[last % Math.max(1, keys.length)] ?? 'x' : last;
      if (value === undefined) delete node[key];
      else Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
      return copy;
    }

    it('for any mutation of a job JSON: fromJSON gives a state or a SerializationError, and resume a job or a RoutiluxError that changes nothing', async () => {
      const json = await validJobJSON();
      await fc.assert(
        fc.asyncProperty(mutation, async ({ path, value }) => {
          const mutated = mutate(json, path, value);
          let state: JobState;
          try {
            state = JobState.fromJSON(mutated);
          } catch (error) {
            expect(error).to.be.instanceOf(SerializationError);
            expect((error as Error).message).to.match(/^job JSON: /);
            return;
          }
          const flow = new Flow({ flowId: 'mj' });
          flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
          flow.addRoutine(makeRoutine({ in: () => {} }, []), 's');
          try {
            const job = flow.resume(state);
            // Resumed: running (a mutated due time may keep it waiting, so it is not awaited).
            expect(job.state.status).to.equal('running');
            await job.cancel('done');
          } catch (error) {
            expect(error).to.be.instanceOf(RoutiluxError);
            expect(error instanceof ConfigurationError || error instanceof JobStateError).to.equal(true);
            expect(flow.jobIds()).to.deep.equal([]);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('for any mutation of a flow JSON: Flow.fromJSON gives a flow or a SerializationError naming a path', () => {
      const flow = new Flow({ flowId: 'fj', errorHandler: new ErrorHandler({ strategy: 'retry' }) });
      flow.addRoutine(new Filter({ when: { v: 1 } }), 'x');
      flow.addRoutine(new Filter(), 'y');
      flow.connect('x', 'output', 'y', 'input', { v: 'w' });
      const json = JSON.parse(JSON.stringify(flow.toJSON()));
      fc.assert(
        fc.property(mutation, ({ path, value }) => {
          try {
            Flow.fromJSON(mutate(json, path, value));
          } catch (error) {
            expect(error).to.be.instanceOf(SerializationError);
            expect((error as Error).message).to.match(/^flow JSON: \S/);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
