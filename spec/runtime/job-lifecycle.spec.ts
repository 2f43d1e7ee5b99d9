import { expect } from 'chai';
import { Flow, JobStateError, type Job, type JobStatus } from '../../lib/index.js';
import { JOB_ACTIONS, JOB_LIFECYCLE, JOB_STATUSES, isResting, isTerminal, nextStatus, transition } from '../../lib/runtime/job-lifecycle.js';
import { makeRoutine } from '../helpers/routines.js';

// Generated from the transition table: every (status, action) pair is checked, so a change to
// the table is a change to these specs, and no pair is forgotten.
describe('job lifecycle (the transition table)', () => {
  for (const status of JOB_STATUSES) {
    for (const action of JOB_ACTIONS) {
      const next = JOB_LIFECYCLE[status][action];
      it(`${status} × ${action} → ${next ?? 'refused'}`, () => {
        expect(nextStatus(status, action)).to.equal(next);
        if (next !== undefined) {
          expect(transition('job-1', status, action)).to.equal(next);
          return;
        }
        let error: unknown;
        try {
          transition('job-1', status, action);
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(JobStateError);
        expect((error as Error).message).to.include(`cannot ${action} job 'job-1'`).and.include(`it is ${status}`);
      });
    }
  }

  it('terminal statuses allow nothing but resuming a failed job', () => {
    expect(JOB_LIFECYCLE.completed).to.deep.equal({});
    expect(JOB_LIFECYCLE.cancelled).to.deep.equal({});
    expect(JOB_LIFECYCLE.failed).to.deep.equal({ resume: 'running' });
  });

  // The same table, through the public controls of a real job in each status.
  describe('through Job.pause / resume / cancel', () => {
    function flowForStatuses(): Flow {
      const flow = new Flow();
      flow.addRoutine(makeRoutine({ trigger: () => {}, boom: () => { throw new Error('boom'); } }), 'r');
      return flow;
    }

    async function jobIn(status: JobStatus): Promise<Job> {
      const flow = flowForStatuses();
      switch (status) {
        case 'pending':
          return flow.start('r', {}); // no dispatch has happened yet
        case 'running':
          return flow.open();
        case 'paused': {
          const job = flow.open();
          await job.pause('held');
          return job;
        }
        case 'completed': {
          const job = flow.start('r', {});
          await job.wait();
          return job;
        }
        case 'failed': {
          const job = flow.start('r', {}, { slot: 'boom' });
          await job.wait();
          return job;
        }
        case 'cancelled': {
          const job = flow.open();
          await job.cancel();
          return job;
        }
      }
    }

    const controls: Record<'pause' | 'resume' | 'cancel', (job: Job) => Promise<unknown>> = {
      pause: (job) => job.pause('why'),
      resume: async (job) => job.resume(),
      cancel: (job) => job.cancel('why'),
    };

    for (const status of JOB_STATUSES) {
      for (const action of ['pause', 'resume', 'cancel'] as const) {
        const next = JOB_LIFECYCLE[status][action];
        it(`a ${status} job: ${action}() ${next === undefined ? 'is refused with JobStateError and changes nothing' : `makes it ${next}`}`, async () => {
          const job = await jobIn(status);
          expect(job.state.status).to.equal(status);
          const before = job.state;
          let error: unknown;
          const settled = controls[action](job).catch((e: unknown) => (error = e));
          expect(job.state.status).to.equal(next ?? status); // the status changes at once, not later
          await settled;
          if (next === undefined) {
            expect(error).to.be.instanceOf(JobStateError);
            expect(job.state).to.equal(before); // not even a new snapshot
          } else {
            expect(error).to.equal(undefined);
          }
        });
      }
    }
  });

  it('terminal statuses are completed, failed and cancelled; resting ones are those and paused (DESIGN: what wait() waits for)', () => {
    expect(JOB_STATUSES.filter(isTerminal)).to.have.members(['completed', 'failed', 'cancelled']);
    expect(JOB_STATUSES.filter(isResting)).to.have.members(['completed', 'failed', 'cancelled', 'paused']);
  });
});
