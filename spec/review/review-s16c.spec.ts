/**
 * Review s16c (fault containment, in process): hostile handlers, inputs, observers and stores
 * against the promise "Contained. No handler, input or store can crash the process, hang a
 * worker, or mutate what it does not own. A job's status is a fact. Bad input gets a
 * RoutiluxError subclass naming what was wrong; nothing is half-changed."
 *
 * `FINDING n:` specs fail on main (ffabb65) for the reason they state; `pin:` specs pass and
 * guard what was checked. Every wait is bounded, so a hang fails its spec instead of the run,
 * and uncaught exceptions / unhandled rejections are collected while a spec's body runs.
 */
import { expect } from 'chai';
import {
  ConfigurationError,
  ErrorHandler,
  Flow,
  JobState,
  JobStateError,
  MemoryJobStore,
  Routine,
  RoutiluxError,
  type ExecutionContext,
  type Job,
  type Payload,
} from '../../lib/index.js';
import { processFaults as sharedProcessFaults } from '../helpers/process-faults.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const HUNG = Symbol('hung');

/** `p`, or HUNG when it did not settle within `ms` (real time). */
function within<T>(p: Promise<T>, ms = 1_000): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<typeof HUNG>((resolve) => (timer = setTimeout(() => resolve(HUNG), ms)));
  return Promise.race([p, hung]).finally(() => clearTimeout(timer));
}

function describe_(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'symbol' ? e.toString() : String(e);
  } catch {
    return '<undescribable>';
  }
}

/** What reached the process while `body` ran (see spec/helpers/process-faults.ts). */
const processFaults = (body: () => Promise<void>, settleMs?: number): Promise<string[]> => sharedProcessFaults(body, describe_, settleMs);

type Handler = (data: Payload, ctx: ExecutionContext) => unknown;

/** a --out--> b (b records that it ran in shared data, and the status its job had then). */
function chain(entry: Handler, options: ConstructorParameters<typeof Flow>[0] = {}): { flow: Flow; bRan: string[] } {
  const bRan: string[] = [];
  const flow = new Flow(options);
  const a = new Routine();
  a.defineEvent('out');
  a.defineSlot('trigger', entry as never);
  const b = new Routine();
  b.defineSlot('in', (_d: Payload, ctx: ExecutionContext) => {
    bRan.push(ctx.jobState.status);
    ctx.setSharedData('b', true);
  });
  flow.addRoutine(a, 'a');
  flow.addRoutine(b, 'b');
  flow.connect('a', 'out', 'b', 'in');
  return { flow, bRan };
}

const neverSettles = (): Promise<never> => new Promise<never>(() => undefined);

describe('review s16c: fault containment in process', () => {
  describe('FINDING 1: job.cancel(reason) with a reason that is not a string (a Symbol) throws a raw TypeError after it dropped the queue: the job is left pending forever', () => {
    // lib/runtime/job-control.ts:79-84: cancelJob lifts the job's queue (liftTasks) and drops its
    // policies, then builds `job '${job.id}' was cancelled: ${reason}` for stopInFlight; a Symbol
    // (or an object whose toString throws, or a null-prototype object) makes that template throw
    // a TypeError, synchronously (not a rejection), after the queue was taken and before the
    // status changed. pause() checks its reason first (checkPauseArgs); cancel() does not.
    for (const [name, reason] of [
      ['a Symbol', Symbol('user left')],
      ['a null-prototype object', Object.create(null) as object],
    ] as const) {
      it(`${name}: cancel is refused with a RoutiluxError (or accepted), the job is not half-changed, and wait() settles`, async () => {
        const { flow } = chain(() => undefined);
        const job = flow.start('a', {});
        let thrown: unknown;
        let outcome: Promise<unknown> = Promise.resolve(undefined);
        try {
          outcome = job.cancel(reason as never).catch((e: unknown) => e);
        } catch (e) {
          thrown = e;
        }
        const final = await within(job.wait());
        expect(final, `job left '${job.state.status}' with ${job.state.pendingTasks.length} pending tasks and nothing in flight (cancel threw ${describe_(thrown)})`).to.not.equal(HUNG);
        expect(thrown, `cancel threw synchronously: ${describe_(thrown)}`).to.equal(undefined);
        const result = await within(outcome);
        if (result instanceof Error) expect(result).to.be.instanceOf(RoutiluxError);
        expect(['completed', 'cancelled']).to.include((final as JobState).status);
      });
    }
  });

  describe('FINDING 2: what an activation emits from its ctx.signal abort listener is not dropped: after a cancel, a failure or a timeout, a downstream handler of the settled job runs', () => {
    // lib/runtime/detach.ts:53-58: stopInFlight aborts every in-flight activation's signal (which
    // runs the handler's abort listeners synchronously) before detach() silences its context, and
    // cancelJob / failJob lifted the job's queue before that (job-control.ts:79 / :41). An emit
    // from the listener is therefore attributed to the still-live activation and queued after the
    // queue was taken: the settled job's snapshot shows a pending task, and the dispatcher then
    // runs it. "Nothing of a cancelled or completed job ever runs again" (README, Decisions).
    // A handler that reports its partial work when aborted is an ordinary pattern.
    const reportsOnAbort: Handler = (_d, ctx) => {
      ctx.signal.addEventListener('abort', () => ctx.emit('out', { partial: true }));
      return neverSettles();
    };

    it('cancel: the cancelled job has no pending task and b never runs; its state does not change after it settled', async () => {
      const { flow, bRan } = chain(reportsOnAbort);
      const job = flow.start('a', {});
      await sleep(10);
      const cancelled = await within(job.cancel('user left'));
      expect(cancelled).to.not.equal(HUNG);
      const seen = JSON.stringify((cancelled as JobState).toJSON());
      await sleep(40);
      expect(bRan, 'b ran in a job that was').to.deep.equal([]);
      expect((cancelled as JobState).pendingTasks, 'a cancelled job dropped its queue').to.deep.equal([]);
      expect(JSON.stringify(job.state.toJSON()), 'the settled job changed afterwards').to.equal(seen);
    });

    it('executionTimeout: b never runs in the failed job, and its pending work stays pending for a resume', async () => {
      const { flow, bRan } = chain(reportsOnAbort, { executionTimeout: 20 });
      const job = flow.start('a', {});
      const failed = await within(job.wait());
      expect(failed).to.not.equal(HUNG);
      expect((failed as JobState).status).to.equal('failed');
      const seen = JSON.stringify((failed as JobState).toJSON());
      await sleep(40);
      expect(bRan, 'b ran in a job that was').to.deep.equal([]);
      expect(JSON.stringify(job.state.toJSON()), 'the failed job changed afterwards').to.equal(seen);
    });
  });

  describe('FINDING 3: a frozen JobState holds library-made records that are not frozen (tracker error, error-history data); mutating one snapshot rewrites every later snapshot and the live tracker', () => {
    // lib/runtime/execution-tracker.ts:140-141 keeps the `{ name, message }` it was given in its
    // error column and activationRecord (:178) puts that very object into each frozen record;
    // lib/runtime/failure-policy.ts:27 records `{ slot, error, errorName, attempt }` unfrozen in
    // the history ring, which every later snapshot shares. DESIGN §2: "JobState — frozen; never
    // mutated in place"; README: only payload objects are "yours and not frozen".
    it('a state$ subscriber that redacts an error message in its snapshot does not change job.state', async () => {
      const flow = new Flow();
      const r = new Routine();
      r.defineSlot('trigger', () => {
        throw new Error('secret-token-123');
      });
      r.setErrorHandler(new ErrorHandler({ strategy: 'continue' }));
      flow.addRoutine(r, 'r');
      const job = flow.start('r', {});
      const final = (await within(job.wait())) as JobState;
      expect(final.status).to.equal('completed');
      const tracked = (final as unknown as { tracker: { records: Array<{ error?: { message: string } }> } }).tracker.records[0]!;
      const history = final.executionHistory.find((h) => h.eventName === 'error')!;
      expect(Object.isFrozen(tracked.error), 'tracker record error frozen').to.equal(true);
      expect(Object.isFrozen(history.data), "the 'error' history record's data frozen").to.equal(true);
      // What a careless consumer does; in sloppy-mode code (no throw) or with a try around it:
      try {
        tracked.error!.message = 'redacted';
      } catch {
        /* frozen: fine */
      }
      try {
        (history.data as { error: string }).error = 'redacted';
      } catch {
        /* frozen: fine */
      }
      const later = job.state as unknown as JobState & { tracker: { records: Array<{ error?: { message: string } }> } };
      expect(later.tracker.records[0]!.error!.message).to.equal('secret-token-123');
      expect(later.executionHistory.find((h) => h.eventName === 'error')!.data.error).to.equal('secret-token-123');
    });
  });

  describe('FINDING 4: resumeStored trusts what store.load answers', () => {
    // lib/flow/job-leases.ts:159-160: only `undefined` counts as "no such job"; `null` (what a
    // Redis GET, a SQL row lookup or a Map-backed store with `?? null` gives) goes on to
    // checkFlow and fails with "Cannot read properties of null (reading 'flowId')"; and a state
    // whose jobId is not the one asked for is run, under the lease taken for the asked id.
    class AnsweringStore extends MemoryJobStore {
      constructor(private readonly answer: () => Promise<unknown>) {
        super();
      }
      override load(): Promise<JobState | undefined> {
        return this.answer() as Promise<JobState | undefined>;
      }
    }
    const flowWith = (store: MemoryJobStore): Flow => {
      const flow = new Flow({ flowId: 's16c-stored', store, checkpoint: 'always' });
      const r = new Routine();
      r.defineSlot('trigger', () => undefined);
      flow.addRoutine(r, 'r');
      return flow;
    };
    /** A real paused state of job `jobId` on that flow, saved and loaded back. */
    const storedState = async (jobId: string): Promise<JobState> => {
      const store = new MemoryJobStore();
      const flow = flowWith(store);
      const job = flow.open({ jobId });
      await job.pause('parked');
      await flow.checkpointsFlushed();
      return (await store.load(jobId))!;
    };

    it('a store answering null for an unknown job: resumeStored rejects with a RoutiluxError naming the job', async () => {
      const flow = flowWith(new AnsweringStore(() => Promise.resolve(null)));
      const error = await flow.resumeStored('missing-1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, describe_(error)).to.be.instanceOf(RoutiluxError);
      expect((error as Error).message).to.contain('missing-1');
    });

    it("a store answering another job's state: resumeStored('J') does not run job 'K'", async () => {
      const other = await storedState('K');
      const flow = flowWith(new AnsweringStore(() => Promise.resolve(other)));
      const outcome = await flow.resumeStored('J').then(
        (job: Job) => job.jobId,
        (e: unknown) => e,
      );
      if (typeof outcome === 'string') expect(outcome, 'the job resumed').to.equal('J');
      else expect(outcome).to.be.instanceOf(RoutiluxError);
    });
  });

  describe("FINDING 5: a routine whose retry was waiting when its job was cancelled shows 'retrying' in the cancelled job", () => {
    // lib/runtime/job-control.ts:79: cancelJob lifts the waiting retry (liftTasks) and drops it,
    // but only in-flight activations get an outcome (detach → setOutcome 'cancelled'); the waiting
    // one keeps the 'retrying' set at lib/runtime/failure-policy.ts:51. DESIGN §2: 'retrying'
    // while a retry waits; README: activations let go show `cancelled` after a cancel.
    it("the routine's status in the cancelled job is not 'retrying' (nothing waits any more)", async () => {
      const flow = new Flow({ errorHandler: new ErrorHandler({ strategy: 'retry', retryDelay: 500, maxRetries: 3 }) });
      const r = new Routine();
      r.defineSlot('trigger', () => {
        throw new Error('flaky');
      });
      flow.addRoutine(r, 'r');
      const job = flow.start('r', {});
      await sleep(20);
      expect(job.state.routineStates.r!.status).to.equal('retrying');
      const cancelled = (await within(job.cancel('user left'))) as JobState;
      expect(cancelled.status).to.equal('cancelled');
      expect(cancelled.routineStates.r!.status).to.not.equal('retrying');
    });
  });

  // ---------------------------------------------------------------- pins

  it('pin: malformed start/open/send/wait/pause arguments are refused with a ConfigurationError naming them, and no job is left behind', async () => {
    const { flow } = chain(() => undefined);
    const refusals: Array<[string, () => unknown]> = [
      ['params 5', () => flow.start('a', 5 as never)],
      ['params null', () => flow.start('a', null as never)],
      ['params array', () => flow.start('a', [1] as never)],
      ['unknown entry', () => flow.start('nope', {})],
      ['jobId 5', () => flow.start('a', {}, { jobId: 5 as never })],
      ['slot 5', () => flow.start('a', {}, { slot: 5 as never })],
      ['timeout NaN', () => flow.start('a', {}, { timeout: NaN })],
      ['signal {}', () => flow.start('a', {}, { signal: {} as never })],
    ];
    for (const [name, call] of refusals) {
      expect(call, name).to.throw(ConfigurationError);
    }
    expect(flow.jobIds()).to.deep.equal([]);
    const open = flow.open();
    expect(() => open.send('a', 'trigger', null as never)).to.throw(ConfigurationError, /plain object/);
    expect(() => open.send('zz', 'trigger', {})).to.throw(ConfigurationError, /zz/);
    expect(() => open.send('a', 'zz', {})).to.throw(ConfigurationError, /zz/);
    const refusedWait = await open.wait({ timeout: 'x' as never }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusedWait).to.be.instanceOf(ConfigurationError);
    const refusedPause = await open.pause(Symbol('x') as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusedPause).to.be.instanceOf(ConfigurationError);
    expect(open.state.status).to.not.equal('paused');
    open.close();
    expect(((await within(open.wait())) as JobState).status).to.equal('completed');
  });

  it('pin: handlers that cancel, pause+resume, resume, send to or emit an undefined event on their own job: every job settles, nothing reaches the process', async () => {
    const results: Record<string, string> = {};
    const faults = await processFaults(async () => {
      let job: Job;
      const cases: Record<string, Handler> = {
        'cancel then emit': (_d, ctx) => {
          void job.cancel('self');
          ctx.emit('out', {});
        },
        'cancel then throw': () => {
          void job.cancel('self');
          throw new Error('after cancel');
        },
        'pause, resume, emit': (_d, ctx) => {
          void job.pause('self');
          job.resume();
          ctx.emit('out', {});
        },
        'resume a running job': () => void job.resume(),
        'send to itself twice': (_d, ctx) => {
          if (ctx.jobState.routineStates.a!.activations < 3) job.send('a', 'trigger', {});
        },
        'emit an undefined event': (_d, ctx) => ctx.emit('nope' as never, {}),
        'flow.resume of its own state': (_d, ctx) => void ctx.flow.resume(ctx.jobState),
      };
      for (const [name, handler] of Object.entries(cases)) {
        const { flow } = chain(handler);
        job = flow.start('a', {});
        const final = await within(job.wait());
        results[name] = final === HUNG ? 'HUNG' : `${final.status}${final.error ? ` ${final.error.name}` : ''}`;
      }
    });
    expect(faults).to.deep.equal([]);
    expect(results).to.deep.equal({
      'cancel then emit': 'cancelled',
      'cancel then throw': 'cancelled',
      'pause, resume, emit': 'completed',
      'resume a running job': 'failed JobStateError',
      'send to itself twice': 'completed',
      'emit an undefined event': 'failed ConfigurationError',
      'flow.resume of its own state': 'failed JobStateError',
    });
  });

  it('pin: observers (state$, events$, inspect$, job.observe) that cancel the job re-entrantly: it ends cancelled and wait() settles', async () => {
    const attach: Record<string, (flow: Flow, job: Job) => void> = {
      'state$ at running': (_f, job) => job.state$.subscribe((s) => void (s.status === 'running' && job.cancel('obs'))),
      'events$': (flow, job) => flow.events$.subscribe(() => void job.cancel('obs').catch(() => undefined)),
      'inspect$ activation-end': (flow, job) => flow.inspect$.subscribe((r) => void (r.type === 'activation-end' && job.cancel('obs').catch(() => undefined))),
      'job.observe': (_f, job) => job.observe('a', 'out').subscribe(() => void job.cancel('obs')),
    };
    const faults = await processFaults(async () => {
      for (const [name, hook] of Object.entries(attach)) {
        const { flow, bRan } = chain((_d, ctx) => ctx.emit('out', { v: 1 }));
        const job = flow.start('a', {});
        hook(flow, job);
        const final = await within(job.wait());
        expect(final, name).to.not.equal(HUNG);
        expect((final as JobState).status, name).to.equal('cancelled');
        expect(bRan, name).to.deep.equal([]);
      }
    });
    expect(faults).to.deep.equal([]);
  });

  it('pin: a store whose save throws synchronously, rejects with null or a Symbol, answers garbage, calls both callbacks, or tries to mutate the state: the job completes, its snapshots stay as handed out', async () => {
    class HostileStore extends MemoryJobStore {
      constructor(private readonly mode: string) {
        super();
      }
      override save(state: JobState): Promise<void> {
        switch (this.mode) {
          case 'sync throw':
            throw new Error('disk on fire');
          case 'reject null':
            return Promise.reject(null);
          case 'reject symbol':
            return Promise.reject(Symbol('nope'));
          case 'answer 5':
            return 5 as never;
          case 'both callbacks':
            return { then: (ok: () => void, bad: (e: unknown) => void) => (ok(), bad(new Error('both')), ok()) } as never;
          default:
            for (const write of [
              () => ((state as { status: string }).status = 'completed'),
              () => ((state.sharedData as Record<string, unknown>).x = 1),
              () => ((state.routineStates.a as { status: string }).status = 'hacked'),
            ]) {
              try {
                write();
              } catch {
                /* frozen */
              }
            }
            return super.save(state);
        }
      }
    }
    const faults = await processFaults(async () => {
      for (const mode of ['sync throw', 'reject null', 'reject symbol', 'answer 5', 'both callbacks', 'mutate']) {
        const { flow, bRan } = chain((_d, ctx) => ctx.emit('out', { v: 1 }), { store: new HostileStore(mode), checkpoint: 'always', checkpointRetry: { maxAttempts: 1 } });
        flow.checkpointErrors$.subscribe(() => undefined);
        const job = flow.start('a', {});
        const seen: Array<[JobState, string]> = [];
        job.state$.subscribe((s) => seen.push([s, JSON.stringify(s.toJSON())]));
        const final = await within(job.wait());
        expect(final, mode).to.not.equal(HUNG);
        expect((final as JobState).status, mode).to.equal('completed');
        expect(bRan, mode).to.deep.equal(['running']);
        await within(flow.checkpointsFlushed({ timeout: 500 }).catch(() => undefined));
        for (const [s, json] of seen) {
          expect(Object.isFrozen(s), mode).to.equal(true);
          expect(JSON.stringify(s.toJSON()), mode).to.equal(json);
        }
      }
    });
    expect(faults).to.deep.equal([]);
  });

  it('pin: a handler that never settles: cancel() resolves cancelled, executionTimeout fails the job with a TimeoutError, pause() does not resolve (documented: it waits for in-flight work)', async () => {
    const { flow } = chain(neverSettles);
    const job = flow.start('a', {});
    await sleep(10);
    const pause = within(job.pause('p'), 100);
    expect(await pause).to.equal(HUNG);
    expect(((await within(job.cancel('stop'))) as JobState).status).to.equal('cancelled');
    const timed = chain(neverSettles, { executionTimeout: 20 }).flow.start('a', {});
    const failed = (await within(timed.wait())) as JobState;
    expect(failed.status).to.equal('failed');
    expect(failed.error!.name).to.equal('TimeoutError');
  });

  it('pin: a JobStateError for controls in the wrong status, status unchanged (cancel a completed job, resume a running one)', async () => {
    const { flow } = chain(() => undefined);
    const job = flow.start('a', {});
    const done = (await within(job.wait())) as JobState;
    expect(done.status).to.equal('completed');
    const refused = await job.cancel('late').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(JobStateError);
    expect(job.state.status).to.equal('completed');
    expect(() => job.send('a', 'trigger', {})).to.throw(JobStateError);
  });
});
