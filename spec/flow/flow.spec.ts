import { expect } from 'chai';
import { Observable, timer } from 'rxjs';
import {
  ConfigurationError,
  Connection,
  ErrorHandler,
  Flow,
  Job,
  JobState,
  Routine,
  type Payload,
} from '../../lib/index.js';
import { Relay, Seen, Sink, Source, expectRejects, expectThrows, makeRoutine, newTestScheduler, sleep } from '../helpers/routines.js';

/** src --out--> sink.in with the given mapping; returns what the sink received. */
async function deliver(payload: Payload, mapping?: Record<string, string>): Promise<Payload> {
  const flow = new Flow();
  flow.addRoutine(new Source(), 'src');
  const log: Seen[] = [];
  flow.addRoutine(new Sink(log), 'sink');
  flow.connect('src', 'out', 'sink', 'in', mapping);
  const state = await flow.execute('src', { items: [payload] });
  expect(state.status).to.equal('completed');
  expect(log).to.have.length(1);
  return log[0].data;
}

describe('Flow', () => {
  describe('constructor options', () => {
    it('keeps the given flowId and applies defaults (sequential, one worker)', () => {
      const flow = new Flow({ flowId: 'orders' });
      expect(flow.flowId).to.equal('orders');
      expect(flow.executionStrategy).to.equal('sequential');
      expect(flow.maxWorkers).to.equal(1);
      expect(flow.routines.size).to.equal(0);
      expect(flow.connections).to.deep.equal([]);
    });

    it('generates distinct flow ids', () => {
      const a = new Flow();
      const b = new Flow();
      expect(a.flowId).to.be.a('string').and.not.equal('');
      expect(a.flowId).to.not.equal(b.flowId);
    });

    it('concurrent defaults to 5 workers; maxWorkers is kept', () => {
      expect(new Flow({ executionStrategy: 'concurrent' }).maxWorkers).to.equal(5);
      expect(new Flow({ executionStrategy: 'concurrent', maxWorkers: 12 }).maxWorkers).to.equal(12);
    });
  });

  describe('addRoutine / getRoutine / routines', () => {
    it('uses the given id, or the routine generated id, and returns it', () => {
      const flow = new Flow();
      const a = new Relay();
      const b = new Relay();
      const c = new Relay();
      const idA = flow.addRoutine(a);
      const idB = flow.addRoutine(b);
      const idC = flow.addRoutine(c, 'custom');
      expect(idA).to.equal(a.id);
      expect(idB).to.equal(b.id);
      expect(idA).to.not.equal(idB);
      expect(idC).to.equal('custom');
      expect(c.id).to.equal('custom');
      expect(flow.getRoutine(idA)).to.equal(a);
      expect(flow.getRoutine('custom')).to.equal(c);
      expect(flow.getRoutine('nope')).to.equal(undefined);
      expect([...flow.routines.keys()]).to.deep.equal([idA, idB, 'custom']);
      expect(flow.routines.get('custom')).to.equal(c);
    });

    it('a duplicate id throws a ConfigurationError naming the id and leaves the flow unchanged', () => {
      const flow = new Flow();
      const first = new Relay();
      flow.addRoutine(first, 'x');
      expectThrows(() => flow.addRoutine(new Relay(), 'x'), ConfigurationError, "'x'");
      expect(flow.routines.size).to.equal(1);
      expect(flow.getRoutine('x')).to.equal(first);
    });
  });

  describe('connect / disconnect / connections', () => {
    function twoRelays(): Flow {
      const flow = new Flow();
      flow.addRoutine(new Relay(), 'a');
      flow.addRoutine(new Relay(), 'b');
      return flow;
    }

    it('returns a Connection with its ends and mapping, listed in flow.connections', () => {
      const flow = twoRelays();
      const c = flow.connect('a', 'out', 'b', 'in', { x: 'y' });
      expect(c).to.be.instanceOf(Connection);
      expect(c).to.include({ sourceId: 'a', eventName: 'out', targetId: 'b', slotName: 'in' });
      expect(c.paramMapping).to.deep.equal({ x: 'y' });
      expect(flow.connections).to.have.length(1);
      expect(flow.connections[0]).to.equal(c);
    });

    it('an unknown source routine is a ConfigurationError naming it', () => {
      const flow = twoRelays();
      expectThrows(() => flow.connect('ghost', 'out', 'b', 'in'), ConfigurationError, 'ghost');
      expect(flow.connections).to.have.length(0);
    });

    it('an unknown event is a ConfigurationError naming the event', () => {
      const flow = twoRelays();
      expectThrows(() => flow.connect('a', 'nosuchevent', 'b', 'in'), ConfigurationError, 'nosuchevent');
      expect(flow.connections).to.have.length(0);
    });

    it('an unknown target routine is a ConfigurationError naming it', () => {
      const flow = twoRelays();
      expectThrows(() => flow.connect('a', 'out', 'phantom', 'in'), ConfigurationError, 'phantom');
      expect(flow.connections).to.have.length(0);
    });

    it('an unknown slot is a ConfigurationError naming the slot', () => {
      const flow = twoRelays();
      expectThrows(() => flow.connect('a', 'out', 'b', 'nosuchslot'), ConfigurationError, 'nosuchslot');
      expect(flow.connections).to.have.length(0);
    });

    it('connecting the same pair twice keeps one connection with the latest mapping', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const log: Seen[] = [];
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in', { a: 'first' });
      const second = flow.connect('src', 'out', 'sink', 'in', { a: 'second' });
      expect(flow.connections).to.have.length(1);
      expect(flow.connections[0].paramMapping).to.deep.equal({ a: 'second' });
      expect(second.paramMapping).to.deep.equal({ a: 'second' });
      await flow.execute('src', { a: 1 });
      expect(log.map((s) => s.data)).to.deep.equal([{ second: 1 }]);
    });

    it('disconnect removes the connection (true) and stops deliveries; false when there is none', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const log: Seen[] = [];
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      expect(flow.disconnect('src', 'out', 'sink', 'in')).to.equal(true);
      expect(flow.connections).to.have.length(0);
      expect(flow.disconnect('src', 'out', 'sink', 'in')).to.equal(false);
      expect(flow.disconnect('nobody', 'out', 'sink', 'in')).to.equal(false);
      const state = await flow.execute('src', { a: 1 });
      expect(state.status).to.equal('completed');
      expect(log).to.have.length(0);
    });

    it('self-loops are allowed and run', async () => {
      const flow = new Flow();
      const seen: number[] = [];
      const counter = makeRoutine({
        in: (d: Payload, ctx) => {
          seen.push(d.n as number);
          if ((d.n as number) > 0) ctx.emit('out', { n: (d.n as number) - 1 });
        },
      });
      flow.addRoutine(counter, 'counter');
      flow.connect('counter', 'out', 'counter', 'in');
      const state = await flow.execute('counter', { n: 4 }, { slot: 'in' });
      expect(state.status).to.equal('completed');
      expect(seen).to.deep.equal([4, 3, 2, 1, 0]);
      expect(state.getRoutineState('counter')!.activations).to.equal(5);
    });
  });

  describe('param mapping', () => {
    it('renames a key', async () => {
      expect(await deliver({ a: 1 }, { a: 'x' })).to.deep.equal({ x: 1 });
    });

    it('passes unmapped keys through', async () => {
      expect(await deliver({ a: 1, b: 2, c: 3 }, { a: 'x' })).to.deep.equal({ x: 1, b: 2, c: 3 });
    });

    it('no mapping delivers the payload as emitted', async () => {
      expect(await deliver({ a: 1, b: { deep: true } })).to.deep.equal({ a: 1, b: { deep: true } });
    });

    it('the mapped value wins over a passed-through key of the same name', async () => {
      expect(await deliver({ a: 'mapped', x: 'passed' }, { a: 'x' })).to.deep.equal({ x: 'mapped' });
    });

    it('a mapped source key absent from the input writes nothing (a passed-through target survives)', async () => {
      expect(await deliver({ b: 2 }, { a: 'x' })).to.deep.equal({ b: 2 });
      expect(await deliver({ x: 'kept' }, { a: 'x' })).to.deep.equal({ x: 'kept' });
    });

    it('swaps two keys', async () => {
      expect(await deliver({ a: 1, b: 2 }, { a: 'b', b: 'a' })).to.deep.equal({ a: 2, b: 1 });
    });

    it('maps several keys at once; a key mapped to itself stays', async () => {
      expect(await deliver({ a: 1, b: 2 }, { a: 'a' })).to.deep.equal({ a: 1, b: 2 });
      expect(await deliver({ a: 1, b: 2 }, { a: 'c', b: 'd' })).to.deep.equal({ c: 1, d: 2 });
    });

    it('a present key with an undefined value is mapped (present, not truthy)', async () => {
      const out = await deliver({ a: undefined, b: 0 }, { a: 'x', b: 'y' });
      expect(Object.keys(out).sort()).to.deep.equal(['x', 'y']);
      expect(out.x).to.equal(undefined);
      expect(out.y).to.equal(0);
    });

    it('does not change the emitted payload seen by other connections', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const l1: Seen[] = [];
      const l2: Seen[] = [];
      flow.addRoutine(new Sink(l1), 's1');
      flow.addRoutine(new Sink(l2), 's2');
      flow.connect('src', 'out', 's1', 'in', { a: 'x' });
      flow.connect('src', 'out', 's2', 'in');
      await flow.execute('src', { a: 1, b: 2 });
      expect(l1[0].data).to.deep.equal({ x: 1, b: 2 });
      expect(l2[0].data).to.deep.equal({ a: 1, b: 2 });
    });
  });

  describe('start / execute', () => {
    it('start returns a Job at once; no handler runs inside start()', async () => {
      const flow = new Flow();
      let ran = 0;
      flow.addRoutine(makeRoutine({ trigger: () => void ran++ }), 'r');
      const job = flow.start('r', { a: 1 });
      expect(job).to.be.instanceOf(Job);
      expect(ran).to.equal(0);
      expect(job.state.status).to.equal('pending');
      expect(job.jobId).to.be.a('string').and.not.equal('');
      const state = await job.wait();
      expect(ran).to.equal(1);
      expect(state.status).to.equal('completed');
    });

    it('execute resolves with the settled JobState', async () => {
      const flow = new Flow({ flowId: 'f-exec' });
      flow.addRoutine(new Source(), 'src');
      const state = await flow.execute('src', { k: 'v' }, { jobId: 'job-exec' });
      expect(state).to.be.instanceOf(JobState);
      expect(state.status).to.equal('completed');
      expect(state.jobId).to.equal('job-exec');
      expect(state.flowId).to.equal('f-exec');
      expect(state.getRoutineState('src')).to.include({ status: 'completed', activations: 1, errors: 0 });
    });

    it('enters through the trigger slot with the params, recorded as the start record', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(new Source(log), 'src');
      const state = await flow.execute('src', { p: 1 });
      expect(log.map((s) => [s.routine, s.data])).to.deep.equal([['src', { p: 1 }]]);
      const start = state.executionHistory[0];
      expect(start).to.include({ routineId: 'src', eventName: 'start' });
      expect(start.data).to.deep.equal({ p: 1 });
      expect(start.timestamp).to.be.a('number');
    });

    it('entry params default to {}', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(new Source(log), 'src');
      await flow.execute('src');
      expect(log[0].data).to.deep.equal({});
    });

    it('options.slot chooses the entry slot', async () => {
      const flow = new Flow();
      const hits: string[] = [];
      flow.addRoutine(makeRoutine({ trigger: () => void hits.push('trigger'), other: (d) => void hits.push(`other:${d.x}`) }), 'r');
      await flow.execute('r', { x: 7 }, { slot: 'other' });
      expect(hits).to.deep.equal(['other:7']);
    });

    it('an unknown entry id throws a ConfigurationError at once; execute rejects', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      expectThrows(() => flow.start('nobody'), ConfigurationError, 'nobody');
      await expectRejects(flow.execute('nobody'), ConfigurationError, 'nobody');
    });

    it('options.jobId names the job', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const job = flow.start('src', {}, { jobId: 'my-job' });
      expect(job.jobId).to.equal('my-job');
      expect((await job.wait()).jobId).to.equal('my-job');
    });
  });

  describe('handlers may return void, a promise or an observable', () => {
    it('the activation ends when a promise settles (sequential: it holds the only worker until then)', async () => {
      const order: string[] = [];
      const flow = new Flow();
      flow.addRoutine(
        makeRoutine({
          trigger: async (_d, ctx) => {
            ctx.emit('out', { n: 1 });
            await sleep(15);
            order.push('handler-resolved');
          },
        }),
        'src',
      );
      flow.addRoutine(makeRoutine({ in: () => void order.push('sink') }, []), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.start('src');
      job.state$.subscribe((s) => {
        if (s.status === 'completed') order.push('completed');
      });
      await job.wait();
      expect(order).to.deep.equal(['handler-resolved', 'sink', 'completed']);
      expect(job.state.getRoutineState('src')!.status).to.equal('completed');
    });

    it('the activation ends when an observable completes (values are ignored)', async () => {
      const order: string[] = [];
      const flow = new Flow();
      flow.addRoutine(
        makeRoutine({
          trigger: () =>
            new Observable<number>((sub) => {
              sub.next(1);
              const t = setTimeout(() => {
                order.push('observable-complete');
                sub.complete();
              }, 10);
              return () => clearTimeout(t);
            }),
        }),
        'src',
      );
      const job = flow.start('src');
      job.state$.subscribe((s) => {
        if (s.status === 'completed') order.push('completed');
      });
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(order).to.deep.equal(['observable-complete', 'completed']);
    });

    it('a synchronous handler returning nothing completes', async () => {
      const flow = new Flow();
      flow.addRoutine(makeRoutine({ trigger: () => undefined }), 'r');
      expect((await flow.execute('r')).status).to.equal('completed');
    });
  });

  describe('emit', () => {
    it('is non-blocking: downstream has not run when emit returns', async () => {
      const flow = new Flow();
      let sinkRan = false;
      const observedAfterEmit: boolean[] = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (_d, ctx) => {
            ctx.emit('out', {});
            observedAfterEmit.push(sinkRan);
          },
        }),
        'src',
      );
      flow.addRoutine(makeRoutine({ in: () => void (sinkRan = true) }, []), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      await flow.execute('src');
      expect(observedAfterEmit).to.deep.equal([false]);
      expect(sinkRan).to.equal(true);
    });

    it('event.emit() inside a handler is attributed to the job like routine.emit()', async () => {
      const flow = new Flow();
      const r = new Routine();
      const out = r.defineEvent('out');
      r.defineSlot('trigger', (d: Payload) => out.emit({ via: 'event', v: d.v }));
      flow.addRoutine(r, 'r');
      const log: Seen[] = [];
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('r', 'out', 'sink', 'in');
      const job = flow.start('r', { v: 3 });
      const state = await job.wait();
      expect(log.map((x) => [x.jobId, x.data])).to.deep.equal([[job.jobId, { via: 'event', v: 3 }]]);
      expect(state.getExecutionHistory('r').filter((h) => h.eventName === 'out')).to.have.length(1);
    });

    it('flow.events$ subscribed right after start() sees every emission as { jobId, routineId, eventName, data, timestamp }', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(new Relay(), 'relay');
      flow.connect('src', 'out', 'relay', 'in');
      const job = flow.start('src', { items: [{ n: 1 }, { n: 2 }] });
      const seen: unknown[] = [];
      const sub = flow.events$.subscribe((e) => {
        expect(e.timestamp).to.be.a('number');
        seen.push([e.jobId, e.routineId, e.eventName, e.data]);
      });
      await job.wait();
      sub.unsubscribe();
      const id = job.jobId;
      expect(seen).to.deep.equal([
        [id, 'src', 'out', { n: 1 }],
        [id, 'src', 'out', { n: 2 }],
        [id, 'relay', 'out', { n: 1 }],
        [id, 'relay', 'out', { n: 2 }],
      ]);
    });

    it('an emit of an unknown event inside a handler fails the activation with a ConfigurationError', async () => {
      const flow = new Flow();
      flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => ctx.emit('nope', {}) }), 'r');
      const state = await flow.execute('r');
      expect(state.status).to.equal('failed');
      expect(state.error).to.include({ name: 'ConfigurationError', routineId: 'r' });
      expect(state.error!.message).to.include('nope');
    });
  });

  describe('completion', () => {
    it('settles exactly when the last activation ends (virtual time, no polling)', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler });
        flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => void ctx.emit('out', {}) }), 'a');
        flow.addRoutine(makeRoutine({ in: () => timer(37) }, []), 'b');
        flow.connect('a', 'out', 'b', 'in');
        const job = flow.start('a');
        const statuses: Array<[number, string]> = [];
        job.state$.subscribe((s) => statuses.push([scheduler.now(), s.status]));
        flush();
        expect(statuses[0]).to.deep.equal([0, 'pending']);
        expect(statuses.at(-1)).to.deep.equal([37, 'completed']);
        expect(statuses.filter(([, s]) => s === 'completed')).to.have.length(1);
        expect(job.state.updatedAt).to.equal(37);
      });
    });

    it('a 100,000-message chain through 10 routines runs without stack overflow', async function () {
      this.timeout(10_000);
      const flow = new Flow();
      const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);
      let activations = 0;
      for (const id of ids) {
        flow.addRoutine(
          makeRoutine({
            in: (d: Payload, ctx) => {
              activations++;
              const n = d.n as number;
              if (n > 1) ctx.emit('out', { n: n - 1 });
            },
          }),
          id,
        );
      }
      ids.forEach((id, i) => flow.connect(id, 'out', ids[(i + 1) % ids.length], 'in'));
      const state = await flow.execute('r0', { n: 100_000 }, { slot: 'in' });
      expect(state.status).to.equal('completed');
      expect(activations).to.equal(100_000);
      expect(state.getRoutineState('r0')!.activations).to.equal(10_000);
      expect(state.getRoutineState('r9')!.activations).to.equal(10_000);
    });
  });

  describe('ConfigurationError catalogue', () => {
    it('covers every bad configuration with a message naming the culprit', async () => {
      const r = new Routine();
      r.defineSlot('s');
      r.defineEvent('e');
      expectThrows(() => r.defineSlot('s'), ConfigurationError, 's');
      expectThrows(() => r.defineEvent('e'), ConfigurationError, 'e');
      expectThrows(() => r.emit('zzz'), ConfigurationError, 'zzz');
      const flow = new Flow();
      flow.addRoutine(r, 'r');
      expectThrows(() => flow.addRoutine(new Routine(), 'r'), ConfigurationError, 'r');
      expectThrows(() => flow.connect('q', 'e', 'r', 's'), ConfigurationError, 'q');
      expectThrows(() => flow.connect('r', 'q2', 'r', 's'), ConfigurationError, 'q2');
      expectThrows(() => flow.connect('r', 'e', 'q3', 's'), ConfigurationError, 'q3');
      expectThrows(() => flow.connect('r', 'e', 'r', 'q4'), ConfigurationError, 'q4');
      expectThrows(() => flow.start('q5'), ConfigurationError, 'q5');
      await expectRejects(flow.execute('q6'), ConfigurationError, 'q6');
      expectThrows(() => new Flow({ executionStrategy: 'parallel' as never }), ConfigurationError, 'parallel');
      expectThrows(() => new Flow({ executionStrategy: 'concurrent', maxWorkers: 0 }), ConfigurationError, 'maxWorkers');
      expectThrows(() => flow.setExecutionStrategy('turbo' as never), ConfigurationError, 'turbo');
      expectThrows(() => new ErrorHandler({ strategy: 'explode' as never }), ConfigurationError, 'explode');
      expectThrows(() => new ErrorHandler({ maxRetries: -1 }), ConfigurationError, 'maxRetries');
      expectThrows(() => new ErrorHandler({ retryDelay: -5 }), ConfigurationError, 'retryDelay');
      expectThrows(() => new ErrorHandler({ backoffMultiplier: -2 }), ConfigurationError, 'backoffMultiplier');
      expect(flow.connections).to.have.length(0);
      expect(flow.routines.size).to.equal(1);
    });
  });
});
