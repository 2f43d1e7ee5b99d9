import { expect } from 'chai';
import { timer, tap } from 'rxjs';
import { ErrorHandler, Flow, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

class Flaky extends Error {}

describe('pause / resume with retries and execution timeouts (virtual time)', () => {
  /**
   * Brief / issue 4: "The attempt count lives with the task (and in `pendingTasks`), so a job paused or persisted
   * mid-retry resumes with the right count." Brief: "pause while a retry waits then resume (the retry must keep its
   * remaining backoff and attempt count)". retryDelay 100: attempt 1 fails at 0, retry due at 100; paused at 40
   * (60 ms of backoff left), resumed at 400 => attempt 2 at 460, not at 400.
   */
  it('FAILS: a retry paused mid-backoff keeps its remaining backoff after resume', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const attempts: Array<[number, number]> = [];
      const r = makeRoutine({
        trigger: (_d: Payload, ctx: ExecutionContext) => {
          attempts.push([scheduler.now(), ctx.attempt]);
          if (ctx.attempt < 3) throw new Flaky('again');
        },
      });
      r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 100, backoffMultiplier: 2, maxRetries: 5 }));
      flow.addRoutine(r, 'r');
      const job = flow.start('r');
      let pendingAtPause: unknown;
      scheduler.schedule(() => {
        void job.pause('hold');
        pendingAtPause = job.state.pendingTasks.map((t) => t.attempt);
      }, 40);
      scheduler.schedule(() => void job.resume(), 400);
      flush();
      expect(pendingAtPause).to.deep.equal([2]);
      // attempt 2 after the 60 ms left at pause; attempt 3 200 ms after attempt 2 failed
      expect(attempts).to.deep.equal([
        [0, 1],
        [460, 2],
        [660, 3],
      ]);
      expect(job.state.status).to.equal('completed');
    });
  });

  /**
   * Issue 3: "job.pause ... running activations finish"; "executionTimeout ... is enforced" and (lib/flow/job-deadline.ts
   * JobDeadline.suspend) "Pause keeps the remaining time: a job waiting for a human does not time out".
   */
  it('PASSES (pin): paused time does not count against executionTimeout; the rest of the budget still applies', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, executionTimeout: 100 });
      const starts: number[] = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (d: Payload, ctx: ExecutionContext) => {
            starts.push(scheduler.now());
            return timer(30).pipe(tap(() => { if ((d.n as number) > 0) ctx.emit('out', { n: (d.n as number) - 1 }); }));
          },
        }),
        'r',
      );
      flow.connect('r', 'out', 'r', 'trigger');
      const job = flow.start('r', { n: 5 }); // 6 activations x 30 = 180 ms of work > 100
      scheduler.schedule(() => void job.pause('human'), 40); // 40 ms used
      scheduler.schedule(() => void job.resume(), 1000); // 60 ms left
      flush();
      // activations: 0, 30 (finishes at 60 while paused), resumed at 1000: 1000, 1030 -> timeout at 1060
      expect(starts).to.deep.equal([0, 30, 1000, 1030]);
      expect(job.state.status).to.equal('failed');
      expect(job.state.error?.name).to.equal('TimeoutError');
      expect(job.state.updatedAt).to.equal(1060);
    });
  });

  it('PASSES (pin): pause from inside a handler, resume later: timeout budget counts only running time', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, executionTimeout: 50 });
      const ran: number[] = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (d: Payload, ctx: ExecutionContext) => {
            ran.push(scheduler.now());
            if (d.first) {
              void ctx.flow.pause(ctx.jobId, 'inside');
              ctx.emit('out', {});
            }
          },
        }),
        'r',
      );
      flow.connect('r', 'out', 'r', 'trigger');
      const job = flow.start('r', { first: true });
      scheduler.schedule(() => void job.resume(), 500);
      flush();
      expect(ran).to.deep.equal([0, 500]);
      expect(job.state.status).to.equal('completed');
    });
  });

  /**
   * DESIGN §3: "Pause ... running activations finish and what they emit is queued". An in-flight attempt that fails
   * while the job is paused under RETRY must keep its attempt count and backoff: its retry waits for resume.
   */
  it('PASSES (pin): an in-flight activation failing while paused under RETRY is parked with attempt 2 and retried after resume', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const attempts: Array<[number, number]> = [];
      const r = makeRoutine({
        trigger: (_d: Payload, ctx: ExecutionContext) => {
          attempts.push([scheduler.now(), ctx.attempt]);
          return timer(20).pipe(tap(() => { if (ctx.attempt === 1) throw new Flaky('x'); }));
        },
      });
      r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 10 }));
      flow.addRoutine(r, 'r');
      const job = flow.start('r');
      let atPause: unknown;
      scheduler.schedule(() => void job.pause('p'), 5);
      scheduler.schedule(() => (atPause = [job.state.status, job.state.getRoutineState('r')?.status, job.state.pendingTasks.map((t) => t.attempt)]), 25);
      scheduler.schedule(() => void job.resume(), 100);
      flush();
      expect(atPause).to.deep.equal(['paused', 'retrying', [2]]);
      expect(attempts[0]).to.deep.equal([0, 1]);
      expect(attempts[1][1]).to.equal(2);
      expect(attempts[1][0]).to.be.at.least(100);
      expect(job.state.status).to.equal('completed');
    });
  });

  /** DESIGN §3: "Cancel drops the queue, aborts running activations' signals, and settles the job cancelled". */
  it('PASSES (pin): cancel while paused with an in-flight activation: signal aborted, nothing runs later', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const log: Array<[string, number]> = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (_d: Payload, ctx: ExecutionContext) => {
            ctx.signal.addEventListener('abort', () => log.push(['abort', scheduler.now()]));
            ctx.emit('out', {});
            return timer(50);
          },
        }),
        'a',
      );
      flow.addRoutine(makeRoutine({ in: () => void log.push(['b', scheduler.now()]) }, []), 'b');
      flow.connect('a', 'out', 'b', 'in');
      const job = flow.start('a');
      let pauseResolved = '';
      scheduler.schedule(() => void job.pause('p').then((s) => (pauseResolved = s.status)), 0);
      scheduler.schedule(() => void job.cancel('bye'), 20);
      scheduler.schedule(() => { try { job.resume(); } catch (e) { log.push([(e as Error).name, scheduler.now()]); } }, 30);
      flush();
      expect(log).to.deep.equal([['abort', 20], ['JobStateError', 30]]);
      expect(job.state.status).to.equal('cancelled');
      expect(job.state.pendingTasks).to.deep.equal([]);
    });
  });
});
