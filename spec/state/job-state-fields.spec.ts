import { expect } from 'chai';
import { ErrorHandler, Flow, JobState } from '../../lib/index.js';
import { JOB_STATE_FIELDS, JOB_STATE_FIELD_NAMES } from '../../lib/state/job-state-fields.js';
import { makeRoutine } from '../helpers/routines.js';

// The one declaration of JobState's fields drives the class, freezing and JSON: these check that
// each of them covers exactly the declared fields.
describe('JobState fields (one declaration)', () => {
  async function failedState(): Promise<JobState> {
    const flow = new Flow({ flowId: 'fields', errorHandler: new ErrorHandler({ strategy: 'stop' }) });
    flow.addRoutine(
      makeRoutine({
        trigger: (_d, ctx) => {
          ctx.setSharedData('k', 1);
          ctx.updateRoutineState({ note: 'x' });
          ctx.emit('out', { v: 1 });
          ctx.emit('out', { v: 2 });
        },
      }),
      'src',
    );
    flow.addRoutine(makeRoutine({ in: () => { throw new Error('boom'); } }, []), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    return flow.execute('src', {});
  }

  it('a failed job has every declared field, and toJSON writes exactly those plus format and version', async () => {
    const state = await failedState();
    expect(state.status).to.equal('failed');
    // `timeout` is there only for a job given its own timeout at start, `timeLeft` only while a timeout counts.
    const present = JOB_STATE_FIELD_NAMES.filter((n) => n !== 'timeout' && n !== 'timeLeft');
    for (const name of present) expect(state, name).to.have.property(name);
    expect(Object.keys(state.toJSON()).sort()).to.deep.equal(['format', 'version', ...present].sort());
  });

  it('a state read from JSON freezes its task views down to their source, as the runtime\'s own snapshots do', async () => {
    const live = await failedState();
    const read = JobState.fromJSON(JSON.stringify(live));
    const tasks = [read.failedTask!, ...read.pendingTasks, ...read.runningTasks];
    expect(read.failedTask?.source, 'the failed task has a source').to.deep.equal({ routineId: 'src', eventName: 'out' });
    expect(read.pendingTasks.length, 'a queued task is left').to.be.greaterThan(0);
    for (const task of tasks) {
      expect(Object.isFrozen(task)).to.equal(true);
      if (task.source !== undefined) expect(Object.isFrozen(task.source), `${task.routineId}.${task.slotName} source`).to.equal(true);
    }
    // The runtime's snapshot: the same freezing.
    expect(Object.isFrozen(live.failedTask!.source)).to.equal(true);
  });

  it('a completed job leaves out exactly the optional fields it has no value for', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
    const json = (await flow.execute('r', {})).toJSON();
    const optional = JOB_STATE_FIELD_NAMES.filter((n) => JOB_STATE_FIELDS[n].optional);
    expect(optional.sort()).to.deep.equal(['error', 'failedTask', 'timeLeft', 'timeout']);
    expect(Object.keys(json).filter((k) => optional.includes(k as never))).to.deep.equal([]);
  });

  it('every declared container is frozen in a snapshot and in one read from JSON', async () => {
    const live = await failedState();
    for (const state of [live, JobState.fromJSON(JSON.stringify(live))]) {
      expect(Object.isFrozen(state)).to.equal(true);
      for (const name of JOB_STATE_FIELD_NAMES) {
        const value = (state as unknown as Record<string, unknown>)[name];
        if (typeof value === 'object' && value !== null) expect(Object.isFrozen(value), name).to.equal(true);
      }
      for (const rs of Object.values(state.routineStates)) expect(Object.isFrozen(rs)).to.equal(true);
      expect(Object.isFrozen(state.pendingTasks[0])).to.equal(true);
    }
  });

  it('a JSON round trip gives the same fields back', async () => {
    const state = await failedState();
    const again = JobState.fromJSON(JSON.stringify(state));
    for (const name of JOB_STATE_FIELD_NAMES) expect((again as unknown as Record<string, unknown>)[name], name).to.deep.equal((state as unknown as Record<string, unknown>)[name]);
  });
});
