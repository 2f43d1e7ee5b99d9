import { expect } from 'chai';
import { Flow, Routine, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler, until } from '../helpers/routines.js';

// Fault 3 of issue 14: a job that is cancelled, fails or times out while one of its promises
// never settles must give that promise's worker back at once; a sequential flow (one worker)
// then runs the next job.
describe('faults: workers come back', () => {
  /** A sequential flow: `hang` never settles; `quick` completes at once. */
  function flowWithHang(options: ConstructorParameters<typeof Flow>[0] = {}) {
    const flow = new Flow(options);
    const started: string[] = [];
    flow.addRoutine(
      makeRoutine({
        hang: (_d: Payload, ctx) => {
          started.push(`hang:${ctx.jobId}`);
          return new Promise(() => {});
        },
        quick: (_d: Payload, ctx) => void started.push(`quick:${ctx.jobId}`),
      }),
      'r',
    );
    return { flow, started };
  }

  it('cancel frees the worker of a never-settling promise: the next job of a sequential flow runs', async () => {
    const { flow, started } = flowWithHang();
    const stuck = flow.start('r', {}, { slot: 'hang', jobId: 'stuck' });
    const next = flow.start('r', {}, { slot: 'quick', jobId: 'next' });
    // Until the hanging activation holds the one worker (not a fixed 5 ms: slow on a loaded machine).
    await until(() => started.length > 0, 10_000, 'the hanging activation to start');
    await new Promise((r) => setTimeout(r, 5)); // and the next job does not get the worker meanwhile
    expect(started).to.deep.equal(['hang:stuck']);
    await stuck.cancel('give up');
    expect((await next.wait()).status).to.equal('completed');
    expect(started).to.deep.equal(['hang:stuck', 'quick:next']);
  });

  it('a failure (STOP) elsewhere in the job frees the worker held by its never-settling promise', async () => {
    const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 2 });
    const r = new Routine();
    r.defineEvent('a');
    r.defineEvent('b');
    r.defineSlot('trigger', () => {
      r.emit('a');
      r.emit('b');
    });
    r.defineSlot('hang', () => new Promise(() => {}));
    r.defineSlot('boom', () => Promise.reject(new Error('boom')));
    r.defineSlot('quick', () => {});
    flow.addRoutine(r, 'r');
    flow.connect('r', 'a', 'r', 'hang');
    flow.connect('r', 'b', 'r', 'boom');
    const failing = await flow.execute('r', {}, { jobId: 'f' });
    expect(failing.status).to.equal('failed');
    // Both workers are free again: two quick jobs run side by side.
    const [x, y] = [flow.start('r', {}, { slot: 'quick' }), flow.start('r', {}, { slot: 'quick' })];
    expect((await x.wait()).status).to.equal('completed');
    expect((await y.wait()).status).to.equal('completed');
  });

  it('an execution timeout frees the worker of a never-settling promise (virtual time)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, started } = flowWithHang({ scheduler });
      const stuck = flow.start('r', {}, { slot: 'hang', jobId: 'stuck', timeout: 50 });
      const next = flow.start('r', {}, { slot: 'quick', jobId: 'next' });
      flush();
      expect(stuck.state.status).to.equal('failed');
      expect(stuck.state.error!.name).to.equal('TimeoutError');
      expect(next.state.status).to.equal('completed');
      expect(started).to.deep.equal(['hang:stuck', 'quick:next']);
    });
  });

  it('activationTimeout always frees the worker, and a late result of the timed-out promise is ignored and counted nowhere', async () => {
    let release!: () => void;
    const flow = new Flow({ activationTimeout: 20 });
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('slow', () => new Promise<void>((resolve) => (release = resolve)).then(() => r.emit('out', { late: true })));
    r.defineSlot('quick', () => {});
    flow.addRoutine(r, 'r');
    const delivered: unknown[] = [];
    flow.addRoutine(makeRoutine({ in: (d: Payload) => void delivered.push(d) }, []), 'sink');
    flow.connect('r', 'out', 'sink', 'in');
    const slow = await flow.execute('r', {}, { slot: 'slow' });
    expect(slow.status).to.equal('failed');
    expect(slow.error!.name).to.equal('TimeoutError');
    expect((await flow.execute('r', {}, { slot: 'quick' })).status).to.equal('completed');
    const before = r.stats();
    release();
    await new Promise((res) => setTimeout(res, 5));
    expect(delivered).to.deep.equal([]);
    expect(r.stats().activations).to.equal(before.activations);
    expect(r.stats().errors).to.equal(before.errors);
  });

  it('a handler that cancels its own job and returns a never-settling promise frees its worker', async () => {
    const flow = new Flow();
    const r = new Routine();
    r.defineSlot('trigger', (_d, ctx) => {
      void ctx.flow.cancel(ctx.jobId);
      return new Promise(() => {});
    });
    r.defineSlot('quick', () => {});
    flow.addRoutine(r, 'r');
    expect((await flow.execute('r', {})).status).to.equal('cancelled');
    expect((await flow.execute('r', {}, { slot: 'quick' })).status).to.equal('completed');
  });
});
