import { expect } from 'chai';
import { ErrorHandler, Flow, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

// Fault 6 of issue 14: timers hold at most 2^31 - 1 ms and fire almost at once beyond that;
// the flow waits longer delays in steps, in real and in virtual time.
const LONG = 2 ** 31 + 5_000;
const DAY = 24 * 3600_000;

describe('faults: delays and timeouts of any length', () => {
  it('a 30-day execution timeout does not fail a job early (real time)', async () => {
    const flow = new Flow({ executionTimeout: 30 * DAY });
    flow.addRoutine(makeRoutine({ in: () => {} }), 'r');
    const job = flow.open({ jobId: 'long' });
    await new Promise((r) => setTimeout(r, 30));
    expect(job.state.status).to.equal('running');
    job.send('r', 'in', {});
    job.close();
    expect((await job.wait()).status).to.equal('completed');
  });

  it('a job timeout of 2^31 + 5 s fires exactly then, not before (virtual time)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ in: () => {} }), 'r');
      const job = flow.open({ timeout: LONG });
      let failedAt = -1;
      job.state$.subscribe((s) => {
        if (s.status === 'failed') failedAt = scheduler.now();
      });
      flush();
      expect(job.state.error?.name).to.equal('TimeoutError');
      expect(failedAt).to.equal(LONG);
    });
  });

  it('a retry backoff longer than 2^31 ms waits all of it (virtual time)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: LONG }) });
      const attempts: number[] = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => {
        attempts.push(scheduler.now());
        if (ctx.attempt === 1) throw new Error('once');
      } }), 'r');
      const job = flow.start('r', {});
      flush();
      expect(attempts).to.deep.equal([0, LONG]);
      expect(job.state.status).to.equal('completed');
    });
  });

  it('job.wait({ timeout }) longer than 2^31 ms does not reject early (real time)', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ in: () => {} }), 'r');
    const job = flow.open();
    let outcome = 'pending';
    job.wait({ timeout: LONG }).then(
      () => (outcome = 'resolved'),
      () => (outcome = 'rejected'),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(outcome).to.equal('pending');
    job.close();
    await job.wait();
    await new Promise((r) => setTimeout(r, 1));
    expect(outcome).to.equal('resolved');
  });
});
