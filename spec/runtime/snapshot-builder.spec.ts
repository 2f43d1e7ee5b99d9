import { expect } from 'chai';
import { timer, tap } from 'rxjs';
import { ErrorHandler, Flow, JobState, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler, until } from '../helpers/routines.js';

describe('JobState snapshots', () => {
  /**
   * DESIGN §2: "class JobState { // frozen; never mutated in place". DESIGN §3 Snapshots: "each change is a new frozen
   * snapshot ... so keeping snapshots is cheap and `state$` is safe to hand out". RoutineState.error
   * `{ name, message }` is a container the library creates (not a user payload), so it must be frozen: otherwise
   * a consumer mutating one snapshot changes the job's live state and every later snapshot.
   */
  it('FAILS: routineStates[id].error is frozen, and mutating an old snapshot cannot leak into later ones', async () => {
    const flow = new Flow();
    const r = makeRoutine({ in: () => { throw new RangeError('bad range'); } }, []);
    r.setAsOptional();
    flow.addRoutine(r, 'r');
    flow.addRoutine(makeRoutine({ in: () => undefined }, []), 'other');
    const job = flow.open();
    job.send('r', 'in', {});
    // Until r has failed (a fixed 5 ms wait was too short on a loaded machine).
    await until(() => job.state.getRoutineState('r')?.error !== undefined, 10_000, 'r to fail');
    const early = job.state;
    const err = early.getRoutineState('r')!.error as { name: string; message: string };
    expect(err).to.deep.equal({ name: 'RangeError', message: 'bad range' });
    const frozen = Object.isFrozen(err);
    try {
      (err as { message: string }).message = 'tampered';
    } catch {
      /* frozen: fine */
    }
    job.send('other', 'in', {});
    job.close();
    const final = await job.wait();
    expect(final.status).to.equal('completed');
    // the later snapshot must still carry the real error
    expect(final.getRoutineState('r')!.error).to.deep.equal({ name: 'RangeError', message: 'bad range' });
    expect(frozen, 'routineStates.r.error should be frozen').to.equal(true);
  });

  it('FAILS: a routineStates error restored with JobState.fromJSON is frozen too', () => {
    const json = {
      format: 'routilux.job', version: 1, jobId: 'j', flowId: 'f', status: 'failed', createdAt: 0, updatedAt: 0,
      routineStates: { r: { status: 'failed', activations: 1, errors: 1, error: { name: 'Error', message: 'm' } } },
      slotData: {}, pendingTasks: [], runningTasks: [], executionHistory: [], pausePoints: [], deferredEvents: [],
      sharedData: {}, outputLog: [], error: { name: 'Error', message: 'm', routineId: 'r' },
    };
    const state = JobState.fromJSON(JSON.stringify(json));
    expect(Object.isFrozen(state.routineStates.r)).to.equal(true);
    expect(Object.isFrozen(state.routineStates.r.error)).to.equal(true);
  });

  /** DESIGN §2 JobState: `readonly pendingTasks: readonly PendingTask[]; // queued activations` ... containers frozen. */
  it('PASSES (pin): every container of a live mid-run snapshot is frozen (pending/running tasks, their source, history, pause points)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 1 });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { ctx.emit('out', { i: 1 }); ctx.emit('out', { i: 2 }); } }), 's');
      flow.addRoutine(makeRoutine({ in: () => timer(10) }, []), 'w');
      flow.connect('s', 'out', 'w', 'in');
      const job = flow.start('s');
      let snap: JobState | undefined;
      scheduler.schedule(() => { void job.pause('look', { k: 1 }); snap = job.state; }, 5);
      flush();
      const s = snap!;
      expect(s.runningTasks.length).to.equal(1);
      expect(s.pendingTasks.length).to.equal(1);
      for (const c of [s, s.routineStates, s.slotData, s.sharedData, s.pendingTasks, s.runningTasks, s.executionHistory, s.pausePoints, s.deferredEvents, s.outputLog]) {
        expect(Object.isFrozen(c)).to.equal(true);
      }
      for (const t of [...s.pendingTasks, ...s.runningTasks]) {
        expect(Object.isFrozen(t)).to.equal(true);
        expect(Object.isFrozen(t.source)).to.equal(true);
      }
      for (const r of Object.values(s.routineStates)) expect(Object.isFrozen(r)).to.equal(true);
      for (const h of s.executionHistory) expect(Object.isFrozen(h)).to.equal(true);
      expect(Object.isFrozen(s.pausePoints[0])).to.equal(true);
    });
  });

  /** Brief: "`pendingTasks` order equals queue order". DESIGN §3: "Resume dispatches the queued tasks in their original order". */
  it('PASSES (pin): pendingTasks of a job paused inside a handler list the queue in order, and resume runs exactly that order', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const ran: string[] = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { ctx.emit('a', {}); ctx.emit('d', {}); } }, ['a', 'd']), 'S');
      for (const id of ['A', 'B', 'C', 'D', 'E']) {
        flow.addRoutine(
          makeRoutine({
            in: (_d: Payload, ctx: ExecutionContext) => {
              ran.push(id);
              ctx.emit('out', {});
              if (id === 'A') void ctx.flow.pause(ctx.jobId, 'inside A');
            },
          }),
          id,
        );
      }
      flow.connect('S', 'a', 'A', 'in');
      flow.connect('S', 'd', 'D', 'in');
      flow.connect('A', 'out', 'B', 'in');
      flow.connect('B', 'out', 'C', 'in');
      flow.connect('D', 'out', 'E', 'in');
      const job = flow.start('S');
      let pending: string[] = [];
      scheduler.schedule(() => {
        pending = job.state.pendingTasks.map((t) => t.routineId);
        job.resume();
      }, 10);
      flush();
      expect(pending).to.deep.equal(['D', 'B']);
      expect(ran).to.deep.equal(['A', 'D', 'B', 'E', 'C']);
      expect(job.state.status).to.equal('completed');
    });
  });

  /** DESIGN §2: `historyLimit ... cap on executionHistory (and tracker) entries per job; default 10,000, newest kept`. */
  it('PASSES (pin): historyLimit keeps the newest records across a resume from JSON', async () => {
    const flow = new Flow({ flowId: 'h', historyLimit: 5 });
    flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx: ExecutionContext) => { for (let i = 0; i < 10; i++) ctx.emit('out', { i }); if (d.pause) void ctx.flow.pause(ctx.jobId); } }), 's');
    const paused = await flow.start('s', { pause: true }).wait();
    expect(paused.executionHistory.map((h) => (h.data as Payload).i)).to.deep.equal([5, 6, 7, 8, 9]);
    const flow2 = new Flow({ flowId: 'h', historyLimit: 3 });
    flow2.addRoutine(makeRoutine({ trigger: () => undefined }), 's');
    const job2 = flow2.resume(JobState.fromJSON(JSON.stringify(paused)));
    const done = await job2.wait();
    expect(done.executionHistory.map((h) => (h.data as Payload).i)).to.deep.equal([7, 8, 9]);
  });
});
