import { expect } from 'chai';
import { tap, timer } from 'rxjs';
import { Flow, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * DESIGN §2: "RoutineState: { status, ... }: status is 'running' while an activation of the routine is in flight, else the
 * outcome of its latest finished activation". A settled (cancelled / failed) job has nothing in flight: its in-flight
 * observable activations were unsubscribed. Its final snapshot must not claim a routine is still 'running'.
 */
describe('routine status after the job settles with activations that were in flight', () => {
  function build(scheduler: any) {
    const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 4 });
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { ctx.emit('w', { i: 1 }); ctx.emit('bad', {}); } }, ['w', 'bad']), 'src');
    flow.addRoutine(makeRoutine({ in: () => timer(100) }, []), 'work');
    flow.addRoutine(makeRoutine({ in: () => timer(10).pipe(tap(() => { throw new Error('bad'); })) }, []), 'bad');
    flow.connect('src', 'w', 'work', 'in');
    flow.connect('src', 'bad', 'bad', 'in');
    return flow;
  }

  it("FAILS: after cancel, no routine of the cancelled job is reported 'running'", () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = build(scheduler);
      flow.getRoutine('bad')!.setAsOptional();
      const job = flow.start('src');
      scheduler.schedule(() => void job.cancel('bye'), 20);
      flush();
      expect(job.state.status).to.equal('cancelled');
      expect(job.state.runningTasks).to.deep.equal([]);
      expect(job.state.getRoutineState('work')?.status).to.not.equal('running');
    });
  });
});
