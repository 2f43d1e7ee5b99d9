import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { timer, map } from 'rxjs';
import { Flow, Routine, ErrorHandler } from '../../lib/index.js';

// An attempt that fails after its job was cancelled must not bring the job back to life.
describe('errors of activations whose job already settled', () => {
  it('a RETRY policy does not retry an attempt that fails after the job was cancelled', () => {
    const ts = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    const attempts: Array<[number, number]> = [];
    ts.run(({ flush }) => {
      const flow = new Flow({ scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'retry', retryDelay: 5, maxRetries: 3 }) });
      class Slow extends Routine {
        constructor() {
          super();
          this.defineSlot('trigger', (_d, ctx) => {
            attempts.push([ts.now(), ctx.attempt]);
            // Not cancellable by unsubscribing: a promise-like failure after 10 frames.
            return new Promise((_resolve, reject) => {
              ts.schedule(() => reject(new Error('late failure')), 10);
            });
          });
        }
      }
      flow.addRoutine(new Slow(), 'slow');
      const job = flow.start('slow');
      ts.schedule(() => void job.cancel('stop now'), 3);
      flush();
      expect(job.state.status).to.equal('cancelled');
      expect(job.state.pendingTasks).to.deep.equal([]);
    });
    expect(attempts).to.deep.equal([[0, 1]]);
  });

  it('an observable activation of a cancelled job is unsubscribed, so it cannot fail later', () => {
    const ts = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    let ran = 0;
    ts.run(({ flush }) => {
      const flow = new Flow({ scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'retry', retryDelay: 1 }) });
      class Slow extends Routine {
        constructor() {
          super();
          this.defineSlot('trigger', () => {
            ran++;
            return timer(10).pipe(map(() => { throw new Error('never seen'); }));
          });
        }
      }
      flow.addRoutine(new Slow(), 'slow');
      const job = flow.start('slow');
      ts.schedule(() => void job.cancel(), 3);
      flush();
      expect(job.state.status).to.equal('cancelled');
      expect(job.state.getExecutionHistory('slow').map((r) => r.eventName)).to.deep.equal(['start']);
    });
    expect(ran).to.equal(1);
  });
});
