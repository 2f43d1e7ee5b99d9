import { expect } from 'chai';
import { lastValueFrom, throwError, timer, toArray } from 'rxjs';
import {
  ConfigurationError,
  ErrorHandler,
  ErrorStrategy,
  Flow,
  type ExecutionContext,
  type FlowOptions,
  type JobState,
  type Payload,
} from '../../lib/index.js';
import { Seen, Sink, Source, expectThrows, makeRoutine, newTestScheduler, sleep } from '../helpers/routines.js';

class FlakyError extends Error {
  override name = 'FlakyError';
}
class NetworkError extends Error {
  override name = 'NetworkError';
}

type Mode = 'sequential' | 'concurrent';
type Position = 'entry' | 'downstream';

/**
 * entry: `bad` is the entry routine (slot trigger).
 * downstream: `src` (entry) emits to `bad.in`, then to `sibling.in` (connection order).
 * `bad` throws a FlakyError on its first `failures` calls (counted over the flow's life),
 * else emits `out` → `after.in`.
 */
function scenario(mode: Mode, position: Position, failures: number, options: FlowOptions = {}) {
  const flow = new Flow({ executionStrategy: mode, ...options });
  const calls: Array<{ attempt: number; jobId: string }> = [];
  const afterLog: Seen[] = [];
  const siblingLog: Seen[] = [];
  let n = 0;
  const slot = position === 'entry' ? 'trigger' : 'in';
  const bad = makeRoutine({
    [slot]: (d: Payload, ctx: ExecutionContext) => {
      calls.push({ attempt: ctx.attempt, jobId: ctx.jobId });
      if (++n <= failures) throw new FlakyError(`flaky #${n}`);
      ctx.emit('out', { ok: true, ...d });
    },
  });
  flow.addRoutine(bad, 'bad');
  flow.addRoutine(new Sink(afterLog), 'after');
  flow.connect('bad', 'out', 'after', 'in');
  if (position === 'downstream') {
    flow.addRoutine(new Source(), 'src');
    flow.addRoutine(new Sink(siblingLog), 'sibling');
    flow.connect('src', 'out', 'bad', 'in');
    flow.connect('src', 'out', 'sibling', 'in');
  }
  const entry = position === 'entry' ? 'bad' : 'src';
  return { flow, bad, calls, afterLog, siblingLog, entry, slot };
}

function records(state: JobState, routineId: string, eventName: string): Payload[] {
  return state.getExecutionHistory(routineId).filter((r) => r.eventName === eventName).map((r) => r.data);
}

describe('error policies', () => {
  describe('ErrorHandler', () => {
    it('has the documented defaults', () => {
      const h = new ErrorHandler({ strategy: ErrorStrategy.RETRY });
      expect(h.strategy).to.equal(ErrorStrategy.RETRY);
      expect(h.maxRetries).to.equal(3);
      expect(h.retryDelay).to.equal(1000);
      expect(h.backoffMultiplier).to.equal(2);
      expect(h.isCritical).to.equal(false);
    });

    it('accepts the strategy as enum or string', () => {
      for (const [s, e] of [
        ['stop', ErrorStrategy.STOP],
        ['continue', ErrorStrategy.CONTINUE],
        ['retry', ErrorStrategy.RETRY],
        ['skip', ErrorStrategy.SKIP],
      ] as const) {
        expect(new ErrorHandler({ strategy: s }).strategy).to.equal(e);
        expect(new ErrorHandler({ strategy: e }).strategy).to.equal(e);
      }
      const h = new ErrorHandler({ strategy: 'retry', maxRetries: 5, retryDelay: 10, backoffMultiplier: 3, isCritical: true });
      expect(h).to.include({ maxRetries: 5, retryDelay: 10, backoffMultiplier: 3, isCritical: true });
    });

    it('a bad strategy or a negative number is a ConfigurationError', () => {
      expectThrows(() => new ErrorHandler({ strategy: 'ignore' as never }), ConfigurationError, 'ignore');
      expectThrows(() => new ErrorHandler({ maxRetries: -1 }), ConfigurationError, 'maxRetries');
      expectThrows(() => new ErrorHandler({ retryDelay: -1 }), ConfigurationError, 'retryDelay');
      expectThrows(() => new ErrorHandler({ backoffMultiplier: -0.5 }), ConfigurationError, 'backoffMultiplier');
    });

    it('setAsOptional() is CONTINUE, setAsOptional(SKIP) is SKIP, setAsCritical is RETRY with isCritical', () => {
      const r = makeRoutine({ in: () => {} });
      r.setAsOptional();
      expect(r.getErrorHandler()!.strategy).to.equal(ErrorStrategy.CONTINUE);
      r.setAsOptional(ErrorStrategy.SKIP);
      expect(r.getErrorHandler()!.strategy).to.equal(ErrorStrategy.SKIP);
      r.setAsCritical({ maxRetries: 5, retryDelay: 20, backoffMultiplier: 1.5 });
      expect(r.getErrorHandler()).to.include({ strategy: ErrorStrategy.RETRY, isCritical: true, maxRetries: 5, retryDelay: 20, backoffMultiplier: 1.5 });
      r.setAsCritical();
      expect(r.getErrorHandler()).to.include({ strategy: ErrorStrategy.RETRY, isCritical: true, maxRetries: 3 });
      r.setErrorHandler(undefined);
      expect(r.getErrorHandler()).to.equal(undefined);
    });
  });

  for (const mode of ['sequential', 'concurrent'] as const) {
    for (const position of ['entry', 'downstream'] as const) {
      describe(`${mode}, failing ${position} routine`, () => {
        it('STOP (the default): the job fails at once, queued work kept, resume re-runs the failed activation', async () => {
          const { flow, calls, afterLog, siblingLog, entry, slot } = scenario(mode, position, 1);
          const job = flow.start(entry, { id: 7 });
          const failed = await job.wait();
          expect(failed.status).to.equal('failed');
          expect(failed.error).to.deep.equal({ name: 'FlakyError', message: 'flaky #1', routineId: 'bad' });
          expect(failed.getRoutineState('bad')).to.deep.include({ status: 'failed', activations: 1, errors: 1 });
          expect(records(failed, 'bad', 'error')[0]).to.deep.include({ slot, error: 'flaky #1' });
          expect(afterLog).to.have.length(0);
          if (position === 'downstream') {
            expect(siblingLog).to.have.length(0);
            expect(failed.pendingTasks.map((t) => [t.routineId, t.slotName, t.data])).to.deep.equal([['sibling', 'in', { id: 7 }]]);
          } else {
            expect(failed.pendingTasks).to.deep.equal([]);
          }
          expect(failed.failedTask).to.deep.include({ routineId: 'bad', slotName: slot, attempt: 1 });
          job.resume();
          expect(job.state.status).to.equal('running');
          const done = await job.wait();
          expect(done.status).to.equal('completed');
          expect(done.error).to.equal(undefined);
          expect(calls.map((c) => c.attempt)).to.deep.equal([1, 1]);
          expect(afterLog.map((s) => s.data)).to.deep.equal([{ ok: true, id: 7 }]);
          expect(siblingLog).to.have.length(position === 'downstream' ? 1 : 0);
          expect(done.getRoutineState('bad')).to.deep.include({ status: 'completed', activations: 2, errors: 1 });
        });

        it('CONTINUE: error recorded, routine state error_continued, the job goes on and completes', async () => {
          const { flow, calls, afterLog, siblingLog, entry, slot } = scenario(mode, position, 1, {
            errorHandler: new ErrorHandler({ strategy: 'continue' }),
          });
          const state = await flow.execute(entry, { id: 1 });
          expect(state.status).to.equal('completed');
          expect(state.error).to.equal(undefined);
          expect(state.getRoutineState('bad')).to.deep.include({ status: 'error_continued', activations: 1, errors: 1 });
          expect(records(state, 'bad', 'error')).to.have.length(1);
          expect(records(state, 'bad', 'error')[0]).to.deep.include({ slot, error: 'flaky #1' });
          expect(calls).to.have.length(1);
          expect(afterLog).to.have.length(0);
          expect(siblingLog).to.have.length(position === 'downstream' ? 1 : 0);
        });

        it('SKIP: routine state skipped, the activation dropped, the job goes on and completes', async () => {
          const { flow, calls, afterLog, siblingLog, entry, bad } = scenario(mode, position, 1);
          bad.setErrorHandler(new ErrorHandler({ strategy: ErrorStrategy.SKIP }));
          const state = await flow.execute(entry, { id: 1 });
          expect(state.status).to.equal('completed');
          expect(state.getRoutineState('bad')).to.deep.include({ status: 'skipped', activations: 1, errors: 1 });
          expect(calls).to.have.length(1);
          expect(afterLog).to.have.length(0);
          expect(siblingLog).to.have.length(position === 'downstream' ? 1 : 0);
        });

        it('RETRY: re-runs the same activation with ctx.attempt 2, 3 ... until it succeeds', async () => {
          const { flow, calls, afterLog, siblingLog, entry, bad, slot } = scenario(mode, position, 2);
          bad.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 2, backoffMultiplier: 1 }));
          const job = flow.start(entry, { id: 3 });
          const state = await job.wait();
          expect(state.status).to.equal('completed');
          expect(calls.map((c) => c.attempt)).to.deep.equal([1, 2, 3]);
          expect(calls.every((c) => c.jobId === job.jobId)).to.equal(true);
          expect(state.getRoutineState('bad')).to.deep.include({ status: 'completed', activations: 3, errors: 2 });
          expect(afterLog.map((s) => s.data)).to.deep.equal([{ ok: true, id: 3 }]);
          expect(siblingLog).to.have.length(position === 'downstream' ? 1 : 0);
          expect(records(state, 'bad', 'retry').map((r) => [r.slot, r.attempt])).to.deep.equal([
            [slot, 2],
            [slot, 3],
          ]);
        });
      });
    }
  }

  describe('what counts as a handler failure', () => {
    async function failWith(handler: (d: Payload, ctx: ExecutionContext) => unknown, options: FlowOptions = {}, mergeStrategy?: (p: Payload, i: Payload) => Payload) {
      const flow = new Flow(options);
      flow.addRoutine(makeRoutine({ trigger: { handler: handler as never, mergeStrategy } }), 'r');
      return flow.execute('r', { x: 1 });
    }

    it('a synchronous throw', async () => {
      const s = await failWith(() => {
        throw new TypeError('sync');
      });
      expect(s.status).to.equal('failed');
      expect(s.error).to.deep.equal({ name: 'TypeError', message: 'sync', routineId: 'r' });
    });

    it('a rejected promise', async () => {
      const s = await failWith(async () => {
        await sleep(1);
        throw new NetworkError('rejected');
      });
      expect(s.status).to.equal('failed');
      expect(s.error).to.deep.equal({ name: 'NetworkError', message: 'rejected', routineId: 'r' });
    });

    it('an erroring observable', async () => {
      const s = await failWith(() => throwError(() => new SyntaxError('observable')));
      expect(s.status).to.equal('failed');
      expect(s.error).to.deep.equal({ name: 'SyntaxError', message: 'observable', routineId: 'r' });
    });

    it('a merge function that throws (the handler is not called)', async () => {
      let called = false;
      const s = await failWith(
        () => void (called = true),
        {},
        () => {
          throw new RangeError('merge failed');
        },
      );
      expect(s.status).to.equal('failed');
      expect(s.error).to.deep.equal({ name: 'RangeError', message: 'merge failed', routineId: 'r' });
      expect(called).to.equal(false);
    });

    it('a missing entry slot (STOP fails the job; CONTINUE lets it complete)', async () => {
      const flow = new Flow();
      flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
      const s = await flow.execute('r', {}, { slot: 'nosuchslot' });
      expect(s.status).to.equal('failed');
      expect(s.error!.routineId).to.equal('r');
      expect(s.error!.message).to.include('nosuchslot');
      const lenient = new Flow({ errorHandler: new ErrorHandler({ strategy: 'continue' }) });
      lenient.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
      const s2 = await lenient.execute('r', {}, { slot: 'nosuchslot' });
      expect(s2.status).to.equal('completed');
      expect(s2.getRoutineState('r')!.status).to.equal('error_continued');
    });

    it('an activation timeout (flow option activationTimeout) is a TimeoutError handled by the policy', async () => {
      let signal: AbortSignal | undefined;
      // The handler ignores the abort and would take 20 s (its timer does not hold the process):
      // a job settled within a generous 5 s was ended by the 20 ms timeout, even on a slow machine.
      const slow = (_d: Payload, ctx: ExecutionContext) => {
        signal = ctx.signal;
        return new Promise<void>((resolve) => setTimeout(resolve, 20_000).unref());
      };
      const t0 = performance.now();
      const s = await failWith(slow, { activationTimeout: 20 });
      expect(performance.now() - t0).to.be.lessThan(5_000);
      expect(s.status).to.equal('failed');
      expect(s.error).to.deep.include({ name: 'TimeoutError', routineId: 'r' });
      expect(signal!.aborted).to.equal(true);
      const s2 = await failWith(slow, { activationTimeout: 20, errorHandler: new ErrorHandler({ strategy: 'continue' }) });
      expect(s2.status).to.equal('completed');
      expect(s2.getRoutineState('r')).to.deep.include({ status: 'error_continued', errors: 1 });
    });
  });

  describe('STOP in detail', () => {
    it('aborts running activations, keeps queued ones pending; resume runs the failed activation, then the rest', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 2 });
      const log: string[] = [];
      let slowSignal: AbortSignal | undefined;
      let badCalls = 0;
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine({
          in: (_d, ctx) =>
            new Promise<void>((resolve) => {
              log.push('slow');
              slowSignal = ctx.signal;
              // The first run lasts far longer than bad's 3 ms, even on a loaded machine (30 ms
              // did not): still running when bad fails, so the STOP aborts it, which ends it. Run
              // again on resume, it takes 30 ms.
              const t = setTimeout(resolve, log.filter((l) => l === 'slow').length === 1 ? 10_000 : 30);
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(t);
                resolve();
              });
            }),
        }, []),
        'slow',
      );
      flow.addRoutine(
        makeRoutine({
          in: async () => {
            log.push('bad');
            await sleep(3);
            if (++badCalls === 1) throw new FlakyError('first time');
          },
        }, []),
        'bad',
      );
      flow.addRoutine(makeRoutine({ in: () => void log.push('late') }, []), 'late');
      flow.connect('src', 'out', 'slow', 'in');
      flow.connect('src', 'out', 'bad', 'in');
      flow.connect('src', 'out', 'late', 'in');
      const failed = await flow.execute('src', { v: 1 });
      expect(failed.status).to.equal('failed');
      expect(failed.error).to.deep.equal({ name: 'FlakyError', message: 'first time', routineId: 'bad' });
      expect(slowSignal!.aborted).to.equal(true);
      expect(failed.pendingTasks.map((t) => t.routineId)).to.deep.equal(['late']);
      expect(log).to.deep.equal(['slow', 'bad']);
      expect(failed.getRoutineState('bad')!.status).to.equal('failed');
      // flow.resume(failedState) re-runs the failed activation and continues
      const job = flow.resume(failed);
      const done = await job.wait();
      expect(done.status).to.equal('completed');
      expect(log.slice(0, 3)).to.deep.equal(['slow', 'bad', 'bad']);
      expect(log).to.include('late');
      expect(badCalls).to.equal(2);
    });

    it('state$ completes at failed; after resume a new subscription follows the job to completed', async () => {
      const { flow, calls } = scenario('sequential', 'entry', 1);
      const job = flow.start('bad');
      const first: string[] = [];
      let firstCompleted = false;
      job.state$.subscribe({ next: (s) => first.push(s.status), complete: () => (firstCompleted = true) });
      await job.wait();
      expect(firstCompleted).to.equal(true);
      expect(first.at(-1)).to.equal('failed');
      const again = lastValueFrom(job.resume().state$.pipe(toArray()));
      const statuses = (await again).map((s) => s.status);
      expect(statuses[0]).to.equal('running');
      expect(statuses.at(-1)).to.equal('completed');
      expect(calls).to.have.length(2);
    });

    it('routine policy wins over the flow policy; the flow policy applies otherwise; none means STOP', async () => {
      async function run(flowPolicy: ErrorHandler | undefined, routinePolicy: ErrorHandler | undefined): Promise<JobState> {
        const flow = new Flow(flowPolicy ? { errorHandler: flowPolicy } : {});
        const r = makeRoutine({ trigger: () => { throw new Error('x'); } });
        if (routinePolicy) r.setErrorHandler(routinePolicy);
        flow.addRoutine(r, 'r');
        return flow.execute('r');
      }
      const cont = new ErrorHandler({ strategy: 'continue' });
      const skip = new ErrorHandler({ strategy: 'skip' });
      const stop = new ErrorHandler({ strategy: 'stop' });
      const a = await run(cont, skip);
      expect([a.status, a.getRoutineState('r')!.status]).to.deep.equal(['completed', 'skipped']);
      const b = await run(skip, stop);
      expect([b.status, b.getRoutineState('r')!.status]).to.deep.equal(['failed', 'failed']);
      const c = await run(cont, undefined);
      expect([c.status, c.getRoutineState('r')!.status]).to.deep.equal(['completed', 'error_continued']);
      const d = await run(undefined, undefined);
      expect([d.status, d.getRoutineState('r')!.status]).to.deep.equal(['failed', 'failed']);
      const flow = new Flow();
      flow.setErrorHandler(skip);
      flow.addRoutine(makeRoutine({ trigger: () => { throw new Error('y'); } }), 'r');
      const e = await flow.execute('r');
      expect([e.status, e.getRoutineState('r')!.status]).to.deep.equal(['completed', 'skipped']);
    });

    it('setAsOptional lets the job complete despite the failure', async () => {
      for (const [strategy, status] of [
        [undefined, 'error_continued'],
        [ErrorStrategy.SKIP, 'skipped'],
      ] as const) {
        const flow = new Flow();
        const r = makeRoutine({ trigger: () => { throw new Error('optional'); } });
        r.setAsOptional(strategy);
        flow.addRoutine(r, 'r');
        const s = await flow.execute('r');
        expect(s.status).to.equal('completed');
        expect(s.getRoutineState('r')!.status).to.equal(status);
      }
    });
  });

  describe('RETRY in virtual time', () => {
    function retryFlow(scheduler: { now(): number }, policy: ErrorHandler, failWhen: (attempt: number) => Error | undefined, options: FlowOptions = {}) {
      const flow = new Flow({ scheduler: scheduler as never, ...options });
      const attempts: Array<[number, number]> = [];
      const r = makeRoutine({
        trigger: (_d: Payload, ctx: ExecutionContext) => {
          attempts.push([scheduler.now(), ctx.attempt]);
          const e = failWhen(ctx.attempt);
          if (e) throw e;
        },
      });
      r.setErrorHandler(policy);
      flow.addRoutine(r, 'flaky');
      return { flow, attempts };
    }

    it('with retryDelay 100 and multiplier 2 the attempts start at frames 0, 100, 300, 700; then STOP', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry', retryDelay: 100, backoffMultiplier: 2, maxRetries: 3 }), () => new FlakyError('always'));
        const job = flow.start('flaky');
        let failedAt = -1;
        job.state$.subscribe((s) => {
          if (s.status === 'failed') failedAt = scheduler.now();
        });
        flush();
        expect(attempts).to.deep.equal([[0, 1], [100, 2], [300, 3], [700, 4]]);
        expect(failedAt).to.equal(700);
        const s = job.state;
        expect(s.error).to.deep.equal({ name: 'FlakyError', message: 'always', routineId: 'flaky' });
        expect(s.getRoutineState('flaky')).to.deep.include({ status: 'failed', activations: 4, errors: 4 });
        expect(records(s, 'flaky', 'retry').map((r) => [r.attempt, r.delay])).to.deep.equal([[2, 100], [3, 200], [4, 400]]);
        expect(records(s, 'flaky', 'error')).to.have.length(4);
      });
    });

    it('uses the default delays (1000 ms, x2) on the flow scheduler', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry' }), (a) => (a < 4 ? new FlakyError('x') : undefined));
        const job = flow.start('flaky');
        flush();
        expect(attempts.map(([f]) => f)).to.deep.equal([0, 1000, 3000, 7000]);
        expect(job.state.status).to.equal('completed');
      });
    });

    it('makes at most maxRetries re-runs', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: 10 }), () => new FlakyError('x'));
        const job = flow.start('flaky');
        flush();
        expect(attempts).to.deep.equal([[0, 1], [10, 2]]);
        expect(job.state.status).to.equal('failed');
      });
    });

    it('maxRetries 0 behaves as STOP', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry', maxRetries: 0 }), () => new FlakyError('x'));
        const job = flow.start('flaky');
        flush();
        expect(attempts).to.deep.equal([[0, 1]]);
        expect(job.state.status).to.equal('failed');
      });
    });

    it('retries only retryable errors: listed classes', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const policy = new ErrorHandler({ strategy: 'retry', retryDelay: 10, retryableErrors: [NetworkError] });
        const a = retryFlow(scheduler, policy, (n) => (n < 3 ? new NetworkError('net') : undefined));
        const ja = a.flow.start('flaky');
        const b = retryFlow(scheduler, policy, () => new TypeError('not retryable'));
        const jb = b.flow.start('flaky');
        flush();
        expect(a.attempts).to.deep.equal([[0, 1], [10, 2], [30, 3]]);
        expect(ja.state.status).to.equal('completed');
        expect(b.attempts).to.deep.equal([[0, 1]]);
        expect(jb.state.status).to.equal('failed');
        expect(jb.state.error!.name).to.equal('TypeError');
      });
    });

    it('retries only retryable errors: predicates', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const policy = new ErrorHandler({ strategy: 'retry', retryDelay: 5, backoffMultiplier: 1, retryableErrors: [(e) => e instanceof Error && e.message.includes('transient')] });
        const messages = ['transient glitch', 'transient again', 'fatal'];
        const { flow, attempts } = retryFlow(scheduler, policy, (n) => new FlakyError(messages[n - 1]));
        const job = flow.start('flaky');
        flush();
        expect(attempts).to.deep.equal([[0, 1], [5, 2], [10, 3]]);
        expect(job.state.status).to.equal('failed');
        expect(job.state.error!.message).to.equal('fatal');
      });
    });

    it('while a retry waits: routine state retrying, the task in pendingTasks with its next attempt, other work goes on', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler });
        const log: Array<[number, string]> = [];
        flow.addRoutine(new Source(), 'src');
        const flaky = makeRoutine({
          in: (_d, ctx) => {
            log.push([scheduler.now(), `flaky#${ctx.attempt}`]);
            if (ctx.attempt === 1) throw new FlakyError('once');
          },
        }, []);
        flaky.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 100 }));
        flow.addRoutine(flaky, 'flaky');
        flow.addRoutine(makeRoutine({ in: (d: Payload) => (log.push([scheduler.now(), `other${d.k as number}`]), timer(10)) }, []), 'other');
        flow.connect('src', 'out', 'flaky', 'in');
        flow.connect('src', 'out', 'other', 'in');
        const job = flow.start('src', { items: [{ k: 1 }, { k: 2 }] });
        let at50: JobState | undefined;
        scheduler.schedule(() => void (at50 = job.state), 50);
        flush();
        // FIFO: flaky(k1) fails at 0 and waits; other1 holds the only worker 0-10; flaky(k2) fails at 10
        expect(log).to.deep.equal([
          [0, 'flaky#1'],
          [0, 'other1'],
          [10, 'flaky#1'],
          [10, 'other2'],
          [100, 'flaky#2'],
          [110, 'flaky#2'],
        ]);
        expect(job.state.status).to.equal('completed');
        expect(at50!.getRoutineState('flaky')!.status).to.equal('retrying');
        expect(at50!.pendingTasks.filter((t) => t.routineId === 'flaky').map((t) => [t.attempt, t.data])).to.deep.equal([
          [2, { k: 1 }],
          [2, { k: 2 }],
        ]);
      });
    });

    it('retry waits do not block other work in concurrent mode either', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 2 });
        const log: Array<[number, string]> = [];
        flow.addRoutine(new Source(), 'src');
        const flaky = makeRoutine({
          in: (_d, ctx) => {
            log.push([scheduler.now(), `flaky#${ctx.attempt}`]);
            if (ctx.attempt === 1) throw new FlakyError('once');
          },
        }, []);
        flaky.setAsCritical({ retryDelay: 50 });
        flow.addRoutine(flaky, 'flaky');
        flow.addRoutine(makeRoutine({ in: () => (log.push([scheduler.now(), 'other']), timer(20)) }, []), 'other');
        flow.connect('src', 'out', 'flaky', 'in');
        flow.connect('src', 'out', 'other', 'in');
        const job = flow.start('src', { items: [{}, {}, {}] });
        flush();
        expect(log.filter(([, w]) => w === 'other').map(([f]) => f)).to.deep.equal([0, 0, 20]);
        // two workers: the third flaky task starts when an `other` frees a worker at 20
        expect(log.filter(([, w]) => w.startsWith('flaky')).map(([f, w]) => `${f}:${w}`)).to.deep.equal([
          '0:flaky#1', '0:flaky#1', '20:flaky#1', '50:flaky#2', '50:flaky#2', '70:flaky#2',
        ]);
        expect(job.state.status).to.equal('completed');
      });
    });

    it('what an attempt emitted before failing has been delivered (at-least-once)', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler });
        const sinkLog: Seen[] = [];
        const r = makeRoutine({
          trigger: (_d, ctx) => {
            ctx.emit('out', { attempt: ctx.attempt });
            if (ctx.attempt === 1) throw new FlakyError('after emit');
          },
        });
        r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 10 }));
        flow.addRoutine(r, 'r');
        flow.addRoutine(new Sink(sinkLog), 'sink');
        flow.connect('r', 'out', 'sink', 'in');
        const job = flow.start('r');
        flush();
        expect(sinkLog.map((s) => [s.at, s.data.attempt])).to.deep.equal([[0, 1], [10, 2]]);
        expect(job.state.status).to.equal('completed');
      });
    });

    it('exhausted retries fail the job as STOP; resume re-runs the failed activation from attempt 1', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 10 }), (a) =>
          scheduler.now() < 100 || a < 2 ? new FlakyError(`attempt ${a}`) : undefined,
        );
        const job = flow.start('flaky');
        let failedState: JobState | undefined;
        scheduler.schedule(() => {
          failedState = job.state;
          job.resume();
        }, 100);
        flush();
        expect(failedState!.status).to.equal('failed');
        expect(failedState!.error!.message).to.equal('attempt 3');
        expect(failedState!.failedTask).to.deep.include({ routineId: 'flaky', attempt: 1 });
        expect(attempts).to.deep.equal([[0, 1], [10, 2], [30, 3], [100, 1], [110, 2]]);
        expect(job.state.status).to.equal('completed');
      });
    });

    it('an activation timeout runs on the flow scheduler and can be retried', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler, activationTimeout: 30 });
        const attempts: Array<[number, number]> = [];
        const r = makeRoutine({
          trigger: (_d: Payload, ctx: ExecutionContext) => {
            attempts.push([scheduler.now(), ctx.attempt]);
            return timer(ctx.attempt < 3 ? 100 : 5);
          },
        });
        r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 10, backoffMultiplier: 1 }));
        flow.addRoutine(r, 'r');
        const job = flow.start('r');
        flush();
        expect(attempts).to.deep.equal([[0, 1], [40, 2], [80, 3]]);
        expect(job.state.status).to.equal('completed');
        expect(job.state.updatedAt).to.equal(85);
        expect(records(job.state, 'r', 'error').map((e) => [e.errorName, e.attempt])).to.deep.equal([
          ['TimeoutError', 1],
          ['TimeoutError', 2],
        ]);
      });
    });

    it('a job cancelled while a retry waits never runs the retry', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry', retryDelay: 100 }), () => new FlakyError('x'));
        const job = flow.start('flaky');
        scheduler.schedule(() => void job.cancel('stop retrying'), 50);
        flush();
        expect(attempts).to.deep.equal([[0, 1]]);
        expect(job.state.status).to.equal('cancelled');
        expect(job.state.pendingTasks).to.deep.equal([]);
      });
    });

    it('a job paused while a retry waits keeps the task with its attempt and retries after resume', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const { flow, attempts } = retryFlow(scheduler, new ErrorHandler({ strategy: 'retry', retryDelay: 100 }), (a) => (a === 1 ? new FlakyError('x') : undefined));
        const job = flow.start('flaky');
        let pausedPending: unknown[] = [];
        scheduler.schedule(() => {
          void job.pause('hold');
          pausedPending = job.state.pendingTasks.map((t) => [t.routineId, t.attempt]);
        }, 50);
        scheduler.schedule(() => void job.resume(), 400);
        flush();
        expect(pausedPending).to.deep.equal([['flaky', 2]]);
        expect(attempts.map(([, a]) => a)).to.deep.equal([1, 2]);
        expect(attempts[1][0]).to.be.at.least(400);
        expect(job.state.status).to.equal('completed');
      });
    });
  });
});
