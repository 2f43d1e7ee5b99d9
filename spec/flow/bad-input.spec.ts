import { expect } from 'chai';
import { ConfigurationError, ErrorHandler, Flow, JobState, RoutiluxError, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('bad input is refused with a RoutiluxError and changes nothing', () => {
  /**
   * DESIGN §3 Serialization: "`flow.resume(state)` checks the state first (flow id, every pending task's routine and
   * slot) and throws before changing anything." The check must not be skipped when a job with the same id happens
   * to be live in this flow (the state passed in belongs to another flow).
   */
  it("FAILS: flow.resume(state of another flow) is refused even when a live job of this flow has the same id", async () => {
    const flowA = new Flow({ flowId: 'review-A' });
    let broken = true;
    flowA.addRoutine(makeRoutine({ trigger: () => { if (broken) throw new Error('x'); } }, []), 'r');
    const failedA = await flowA.start('r', {}, { jobId: 'same-id' }).wait();
    expect(failedA.status).to.equal('failed');

    const foreign = JobState.fromJSON({ ...JSON.parse(JSON.stringify(failedA)), flowId: 'review-B' });
    broken = false;
    const err = thrownBy(() => flowA.resume(foreign));
    expect(err).to.be.instanceOf(ConfigurationError);
    expect((err as Error).message).to.include('review-B');
    expect(flowA.getJob('same-id')!.state.status).to.equal('failed'); // unchanged
  });

  /**
   * DESIGN §2: `start(entryId, entryParams?)` takes a Payload (`Record<string, unknown>`); `start` refuses a
   * non-object ("entry params must be a plain object"). DESIGN §3 Bad input: "invalid options ...: a RoutiluxError
   * subclass with a message that names the thing and says what was expected". `job.send(routineId, slotName, data)`
   * with a non-object payload must be refused the same way, before anything is queued.
   */
  it('FAILS: job.send with a non-object payload is a ConfigurationError and queues nothing', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const got: unknown[] = [];
      flow.addRoutine(makeRoutine({ in: (d: Payload) => void got.push(d) }, []), 'r');
      const job = flow.open();
      const err = thrownBy(() => job.send('r', 'in', 42 as unknown as Payload));
      job.close();
      flush();
      expect(got).to.deep.equal([]);
      expect(err).to.be.instanceOf(ConfigurationError);
      expect((err as Error).message).to.include('r');
    });
  });

  /**
   * DESIGN §3 Errors: "Every activation ... goes through one error policy". A retryable-error predicate that throws
   * must not escape into the dispatcher (where it would crash the turn and strand the job): the job must still settle.
   */
  it('FAILS: a retryableErrors predicate that throws does not wedge the job: it settles (failed)', async () => {
    const flow = new Flow();
    const r = makeRoutine({ trigger: () => { throw new Error('boom'); } }, []);
    r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 1, retryableErrors: [() => { throw new TypeError('predicate bug'); }] }));
    flow.addRoutine(r, 'r');
    const errors: unknown[] = [];
    const onErr = (e: unknown) => errors.push(e);
    process.prependListener('uncaughtException', onErr);
    try {
      const job = flow.start('r');
      const state = await Promise.race([job.wait(), new Promise<'hang'>((res) => setTimeout(() => res('hang'), 200))]);
      expect(state).to.not.equal('hang');
      expect((state as JobState).status).to.equal('failed');
      expect(errors).to.deep.equal([]);
    } finally {
      process.removeListener('uncaughtException', onErr);
    }
  });

  it('PASSES (pin): refused operations change nothing: bad connect, bad strategy, duplicate job id', () => {
    const flow = new Flow({ flowId: 'review-refuse' });
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => ctx.emit('out', {}) }), 'a');
    flow.addRoutine(makeRoutine({ in: () => undefined }, []), 'b');
    flow.connect('a', 'out', 'b', 'in', { x: 'y' });
    const snapshot = () => JSON.stringify({ c: flow.connections, s: flow.executionStrategy, w: flow.maxWorkers, r: [...flow.routines.keys()], id: flow.getRoutine('a')!.id });
    const before = snapshot();
    for (const bad of [
      () => flow.connect('a', 'out', 'b', 'in', { x: '' }),
      () => flow.connect('a', 'nope', 'b', 'in'),
      () => flow.setExecutionStrategy('concurrent', 0),
      () => flow.setExecutionStrategy('parallel' as never),
      () => flow.addRoutine(flow.getRoutine('a')!, 'a2'),
    ]) {
      const e = thrownBy(bad);
      expect(e).to.be.instanceOf(RoutiluxError);
    }
    expect(snapshot()).to.equal(before);
    const job = flow.start('a', {}, { jobId: 'dup' });
    expect(thrownBy(() => flow.start('a', {}, { jobId: 'dup' }))).to.be.instanceOf(ConfigurationError);
    expect(flow.jobIds()).to.deep.equal(['dup']);
    void job.cancel();
  });
});
