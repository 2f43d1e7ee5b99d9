import { expect } from 'chai';
import { Observable, timer } from 'rxjs';
import { CancelledError, Flow, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * Contract (DESIGN §2, ExecutionContext): `signal: AbortSignal; // aborted when the job is cancelled, fails or times out`.
 * Contract (DESIGN §3): "Cancel drops the queue, aborts running activations' signals, and settles the job cancelled".
 * Issue 3: "`job.cancel(reason)`: drops the queue, aborts `ctx.signal` of running activations".
 */
describe('ctx.signal when a handler cancels its own job', () => {
  it('FAILS: a synchronous handler that cancels its own job sees ctx.signal aborted afterwards', async () => {
    const flow = new Flow();
    let aborted: boolean | undefined;
    let reason: unknown;
    flow.addRoutine(
      makeRoutine({
        trigger: (_d: Payload, ctx: ExecutionContext) => {
          void ctx.flow.cancel(ctx.jobId, 'from inside');
          // The activation is still running: it is one of the job's running activations.
          aborted = ctx.signal.aborted;
          reason = ctx.signal.reason;
        },
      }),
      'a',
    );
    const state = await flow.execute('a');
    expect(state.status).to.equal('cancelled');
    expect(aborted).to.equal(true);
    expect(reason).to.be.instanceOf(CancelledError);
  });

  it('FAILS: a handler that cancels its job and returns an observable ending on abort frees its worker (no hang of the next job)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler }); // sequential: one worker for all jobs
      const ran: Array<[string, number]> = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (d: Payload, ctx: ExecutionContext) => {
            ran.push([d.tag as string, scheduler.now()]);
            if (d.tag !== 'self-cancel') return timer(5);
            void ctx.flow.cancel(ctx.jobId, 'done with it');
            // A well-behaved handler: it stops when its signal aborts.
            return new Observable<never>((sub) => {
              const signal = ctx.signal;
              if (signal.aborted) sub.complete();
              else signal.addEventListener('abort', () => sub.complete(), { once: true });
            });
          },
        }),
        'a',
      );
      const first = flow.start('a', { tag: 'self-cancel' });
      const second = flow.start('a', { tag: 'next' });
      flush();
      expect(first.state.status).to.equal('cancelled');
      expect(ran).to.deep.equal([
        ['self-cancel', 0],
        ['next', 0],
      ]);
      expect(second.state.status).to.equal('completed');
    });
  });
});
