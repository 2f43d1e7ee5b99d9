import { expect } from 'chai';
import { ErrorHandler, Flow, JobState, JobStateError, RoutiluxError, Routine, registerRoutine } from '../../lib/index.js';
import { sleep, thrown, until } from '../fixtures/helpers.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';
import { handScheduler, runTo, settle } from '../helpers/virtual-clock.js';

/** Every delivery, with the flow instance that handled it, so a test can tell the processes apart. */
const deliveries: Array<{ flow: Flow; n: number }> = [];
const attempts: Array<{ flow: Flow; attempt: number }> = [];

/** Emits `{ n }` for 0..count-1, then a deferred `done` for when the job is next resumed. */
class Numbers extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['n']);
    this.defineEvent('done', ['count']);
    this.defineSlot<{ count: number }>('trigger', (data) => {
      for (let n = 0; n < data.count; n++) this.emit('out', { n });
      this.emitDeferredEvent('done', { count: data.count });
    });
  }
}
registerRoutine('ResumeSpec.Numbers', Numbers);

/** Records each `n`; pauses its job from inside the handler at config `pauseAt`. */
class Recorder extends Routine {
  constructor() {
    super();
    this.defineSlot<{ n: number }>('in', (data, ctx) => {
      deliveries.push({ flow: ctx.flow, n: data.n });
      if (data.n === this.getConfig('pauseAt')) void ctx.flow.pause(ctx.jobId, 'inspect');
    });
    this.defineSlot<{ count: number }>('done', (data) => this.sendOutput('done', data));
  }
}
registerRoutine('ResumeSpec.Recorder', Recorder);

/** Fails its first two attempts, succeeds on the third. */
class Flaky extends Routine {
  constructor() {
    super();
    this.defineEvent('ok', ['attempt']);
    this.defineSlot('trigger', (_data, ctx) => {
      attempts.push({ flow: ctx.flow, attempt: ctx.attempt });
      if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`);
      this.emit('ok', { attempt: ctx.attempt });
    });
  }
}
registerRoutine('ResumeSpec.Flaky', Flaky);

/** Keeps everything it gets with the append merge. */
class Bag extends Routine {
  constructor() {
    super();
    this.defineSlot('in', undefined, { mergeStrategy: 'append' });
  }
}
registerRoutine('ResumeSpec.Bag', Bag);

/** Throws TypeError while the module-level switch is on (STOP policy: the job fails). */
let breakdown = true;
class Fragile extends Routine {
  constructor() {
    super();
    this.defineSlot<{ n: number }>('in', (data, ctx) => {
      if (breakdown && data.n === 5) throw new TypeError('broken at 5');
      deliveries.push({ flow: ctx.flow, n: data.n });
    });
  }
}
registerRoutine('ResumeSpec.Fragile', Fragile);

function numbersFlow(flowId = 'resume-numbers'): Flow {
  const flow = new Flow({ flowId });
  flow.addRoutine(new Numbers(), 'numbers');
  const recorder = new Recorder();
  recorder.setConfig({ pauseAt: 3 });
  flow.addRoutine(recorder, 'recorder');
  flow.connect('numbers', 'out', 'recorder', 'in');
  flow.connect('numbers', 'done', 'recorder', 'done');
  flow.addRoutine(new Bag(), 'bag');
  flow.connect('numbers', 'out', 'bag', 'in');
  return flow;
}

async function pauseAtThree(flow: Flow, jobId: string): Promise<JobState> {
  const job = flow.start('numbers', { count: 10 }, { jobId });
  await until(() => job.state.status === 'paused', 'the pause');
  const paused = await job.wait();
  expect(paused.status).to.equal('paused');
  return paused;
}

function seenBy(flow: Flow): number[] {
  return deliveries.filter((d) => d.flow === flow).map((d) => d.n);
}

describe('resuming a job from JSON in a new flow', () => {
  beforeEach(() => {
    deliveries.length = 0;
    attempts.length = 0;
  });

  it('delivers exactly the remaining messages after a pause', async () => {
    const first = numbersFlow();
    const paused = await pauseAtThree(first, 'r1');
    expect(seenBy(first)).to.deep.equal([0, 1, 2, 3]);
    expect(paused.pendingTasks.filter((t) => t.routineId === 'recorder').map((t) => t.data.n)).to.deep.equal([4, 5, 6, 7, 8, 9]);
    expect(paused.pendingTasks.filter((t) => t.routineId === 'bag').map((t) => t.data.n)).to.deep.equal([3, 4, 5, 6, 7, 8, 9]);

    // A new process: the flow and the job state both come from JSON text.
    const flowText = JSON.stringify(first);
    const stateText = JSON.stringify(paused);
    const second = Flow.fromJSON(flowText);
    const job = second.resume(JobState.fromJSON(stateText));
    expect(job.state.status).to.equal('running');
    const final = await job.wait();

    expect(final.status).to.equal('completed');
    expect(seenBy(second)).to.deep.equal([4, 5, 6, 7, 8, 9]);
    expect(seenBy(first)).to.deep.equal([0, 1, 2, 3]);
    expect(final.getRoutineState('recorder')!.activations).to.equal(11); // 10 messages + the deferred `done`
    // The deferred event was emitted on resume, in the new flow.
    expect(final.outputLog.map((o) => [o.outputType, o.data])).to.deep.equal([['done', { count: 10 }]]);
    expect(final.pausePoints.map((p) => p.reason)).to.deep.equal(['inspect']);
    // Slot data restored from the state keeps accumulating in the new flow.
    expect(paused.slotData['bag.in']).to.deep.equal({ n: [0, 1, 2] });
    expect(final.slotData['bag.in']).to.deep.equal({ n: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('re-runs the failed activation of a failed job, then the rest', async () => {
    breakdown = true;
    const first = new Flow({ flowId: 'resume-failed' });
    first.addRoutine(new Numbers(), 'numbers');
    first.addRoutine(new Fragile(), 'fragile');
    first.connect('numbers', 'out', 'fragile', 'in');
    const failed = await first.execute('numbers', { count: 8 }, { jobId: 'f1' });
    expect(failed.status).to.equal('failed');
    expect(failed.error).to.deep.include({ name: 'TypeError', routineId: 'fragile' });
    expect(seenBy(first)).to.deep.equal([0, 1, 2, 3, 4]);

    breakdown = false;
    const second = Flow.fromJSON(JSON.stringify(first));
    const final = await second.resume(JobState.fromJSON(JSON.stringify(failed))).wait();
    expect(final.status).to.equal('completed');
    expect(final.error).to.equal(undefined);
    expect(seenBy(second)).to.deep.equal([5, 6, 7]);
  });

  it('continues a retry that was waiting when the job was paused, with the right attempt count', async function () {
    this.timeout(10_000);
    // The first process runs in virtual time: its backoff waits for the spec's clock, so the spec
    // always sees the job between the second failure and the third attempt (in real time, a
    // loaded machine could let the 50 ms backoff run out before the spec looked, and the job
    // completed instead).
    const ts = handScheduler();
    const first = new Flow({ flowId: 'resume-retry', scheduler: ts });
    const flaky = new Flaky();
    flaky.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 50, maxRetries: 3 }));
    first.addRoutine(flaky, 'flaky');
    const job = first.start('flaky', {}, { jobId: 'retry-1' });
    runTo(ts, 50); // attempt 1 at 0, attempt 2 after the first 50 ms backoff
    expect(attempts.length).to.equal(2);
    expect(job.state.getRoutineState('flaky')?.status).to.equal('retrying');
    const pausing = job.pause('mid-retry');
    await settle(ts, pausing);
    const paused = await pausing;
    expect(paused.pendingTasks).to.have.length(1);
    expect(paused.pendingTasks[0]).to.deep.include({ routineId: 'flaky', slotName: 'trigger', attempt: 3 });
    runTo(ts, ts.now() + 1_000); // far longer than the backoff: a paused job's retry must not fire
    expect(attempts.map((a) => a.attempt)).to.deep.equal([1, 2]);

    const second = Flow.fromJSON(JSON.stringify(first));
    expect(second.getRoutine('flaky')!.getErrorHandler()!.strategy).to.equal('retry');
    const final = await second.resume(JobState.fromJSON(JSON.stringify(paused))).wait();
    expect(final.status).to.equal('completed');
    expect(attempts.map((a) => a.attempt)).to.deep.equal([1, 2, 3]);
    expect(attempts.map((a) => (a.flow === first ? 'first' : 'second'))).to.deep.equal(['first', 'first', 'second']);
    expect(final.getRoutineState('flaky')).to.deep.include({ status: 'completed', activations: 3, errors: 2 });
    expect(final.getExecutionHistory('flaky').filter((r) => r.eventName === 'ok').map((r) => r.data)).to.deep.equal([{ attempt: 3 }]);
  });

  it('continues a waiting retry from a snapshot taken while running (a crash mid-backoff)', async function () {
    this.timeout(10_000);
    // Virtual time for the first process, as above: the crash lands mid-backoff however slow the machine.
    const ts = handScheduler();
    const first = new Flow({ flowId: 'resume-retry-crash', scheduler: ts });
    const flaky = new Flaky();
    flaky.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 50, maxRetries: 3 }));
    first.addRoutine(flaky, 'flaky');
    const job = first.start('flaky', {}, { jobId: 'retry-crash' });
    runTo(ts, 50); // attempt 1 at 0, attempt 2 after the first 50 ms backoff
    expect(attempts.length).to.equal(2);
    expect(job.state.getRoutineState('flaky')?.status).to.equal('retrying');
    const lastCheckpoint = JSON.stringify(job.state); // what an 'always' store holds at the crash
    await settle(ts, job.cancel('process died')); // the first process is gone
    const state = JobState.fromJSON(lastCheckpoint);
    expect(state.status).to.equal('running');
    expect(state.pendingTasks[0]).to.deep.include({ routineId: 'flaky', attempt: 3 });
    expect(state.pendingTasks[0]!.dueAt).to.be.a('number');

    const second = Flow.fromJSON(JSON.stringify(first));
    const final = await second.resume(state).wait();
    expect(final.status).to.equal('completed');
    expect(attempts.map((a) => [a.flow === first ? 'first' : 'second', a.attempt])).to.deep.equal([['first', 1], ['first', 2], ['second', 3]]);
  });

  describe('flow.resume checks the state before changing anything', () => {
    let paused: JobState;
    let json: Record<string, any>;
    let flowText: string;

    beforeEach(async () => {
      const first = numbersFlow();
      paused = await pauseAtThree(first, 'checked');
      json = JSON.parse(JSON.stringify(paused));
      flowText = JSON.stringify(first);
      deliveries.length = 0;
    });

    function expectUntouched(flow: Flow): void {
      expect(flow.jobIds()).to.deep.equal([]);
      expect(flow.getJob('checked')).to.equal(undefined);
    }

    it('refuses a state of another flow', () => {
      const other = Flow.fromJSON({ ...JSON.parse(flowText), flowId: 'someone-else' });
      const error = thrown(() => other.resume(paused), RoutiluxError, "'resume-numbers'", "'someone-else'");
      expect(error.message).to.include('checked');
      expectUntouched(other);
    });

    it('refuses a pending task naming a missing routine or slot', async () => {
      const flow = Flow.fromJSON(flowText);
      const lastIndex = json.pendingTasks.length - 1;
      const ghostRoutine = structuredClone(json);
      ghostRoutine.pendingTasks[lastIndex].routineId = 'ghost';
      thrown(() => flow.resume(JobState.fromJSON(ghostRoutine)), RoutiluxError, `pendingTasks[${lastIndex}].routineId`, 'ghost');
      const ghostSlot = structuredClone(json);
      ghostSlot.pendingTasks[0].slotName = 'nope';
      thrown(() => flow.resume(ghostSlot), RoutiluxError, 'pendingTasks[0].slotName', 'nope');
      expectUntouched(flow);
      await sleep(10);
      expect(deliveries, 'nothing ran').to.deep.equal([]);

      // The flow is untouched: the good state resumes normally.
      const final = await flow.resume(JobState.fromJSON(JSON.stringify(paused))).wait();
      expect(final.status).to.equal('completed');
      expect(seenBy(flow)).to.deep.equal([4, 5, 6, 7, 8, 9]);
    });

    it('refuses a completed job', async () => {
      const flow = Flow.fromJSON(flowText);
      const final = await flow.resume(paused).wait();
      thrown(() => Flow.fromJSON(flowText).resume(JobState.fromJSON(JSON.stringify(final))), JobStateError, 'completed');
    });
  });

  // Found by review: a job's own timeout (given at start) was not carried across a resume.
  it("keeps a job's own execution timeout across a resume from JSON in a fresh flow", () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const build = () => {
        const flow = new Flow({ flowId: 'to', scheduler });
        flow.addRoutine(makeRoutine({ in: () => new Promise(() => {}) }), 'r');
        return flow;
      };
      const job = build().start('r', {}, { jobId: 't', timeout: 50, slot: 'in' });
      flush(); // its activation hangs until its own timeout fails it
      const saved = JSON.stringify(job.state);
      expect(JSON.parse(saved).timeout).to.equal(50);
      void job.cancel().catch(() => undefined);
      const resumedAt = scheduler.now();
      const again = build().resume(JobState.fromJSON(saved));
      let failedAt = -1;
      again.state$.subscribe((s) => {
        if (s.status === 'failed') failedAt = scheduler.now();
      });
      flush();
      expect(again.state.error?.name).to.equal('TimeoutError');
      expect(failedAt - resumedAt).to.equal(50); // its own 50 ms again after the resume (the flow has no default)
    });
  });

  // A flow.open() job waits for close(); it used to lose that on a resume and complete at once.
  it('an open job resumed from JSON stays open until close()', async () => {
    const build = (got: unknown[]) => {
      const flow = new Flow({ flowId: 'open-resume' });
      flow.addRoutine(makeRoutine({ in: (d) => void got.push(d) }, []), 'r');
      return flow;
    };
    const first = build([]);
    const job = first.open({ jobId: 'o' });
    await job.pause('move');
    const saved = JSON.stringify(job.state);
    expect(JSON.parse(saved).open).to.equal(true);
    await job.cancel();
    const got: unknown[] = [];
    const again = build(got).resume(JobState.fromJSON(saved));
    await new Promise((r) => setTimeout(r, 10));
    expect(again.state.status).to.equal('running'); // not completed: nobody closed it
    again.send('r', 'in', { n: 1 });
    again.close();
    expect((await again.wait()).status).to.equal('completed');
    expect(got).to.deep.equal([{ n: 1 }]);
  });
});
