import { expect } from 'chai';
import { timer } from 'rxjs';
import { Flow } from '../../lib/index.js';
import { Source, makeRoutine, newTestScheduler } from '../helpers/routines.js';

describe('activation timeout message (review 5)', () => {
  it('names the routine and slot that timed out, not the one the dispatcher ran after it', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      // Two workers: 'slow' starts first, then 'fast' is taken off the queue into the
      // dispatcher's reusable task while 'slow' is still in flight.
      const flow = new Flow({ scheduler, activationTimeout: 30, executionStrategy: 'concurrent', maxWorkers: 2 });
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ slowIn: () => timer(100) }, []), 'slow');
      flow.addRoutine(makeRoutine({ fastIn: () => timer(1) }, []), 'fast');
      flow.connect('src', 'out', 'slow', 'slowIn');
      flow.connect('src', 'out', 'fast', 'fastIn');
      const job = flow.start('src', {});
      flush();
      const state = job.state;
      expect(state.status).to.equal('failed');
      expect(state.error).to.deep.include({ name: 'TimeoutError', routineId: 'slow' });
      expect(state.error!.message).to.contain("routine 'slow' slot 'slowIn'");
    });
  });
});
