/**
 * Issue 17 (dist_jobs): an owner's quiescent save is not asked for a second time when the job
 * did not change since the save its settling asked for (a job that settles in one turn: one
 * checkpoint write, where the Checkpointer used to make a second, empty one). The cases that
 * still save again: the job changed since, or the write asked for was given up.
 */
import { expect } from 'chai';
import { Flow, Routine } from '../../lib/index.js';
import type { Job } from '../../lib/flow/job.js';
import { Checkpointer } from '../../lib/runtime/checkpointer.js';
import { OwnerCheckpoints, type CheckpointsOwner } from '../../lib/bullmq/owner-checkpoints.js';
import type { WorkerContext } from '../../lib/bullmq/worker-context.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import type { JobState } from '../../lib/state/job-state.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

class One extends Routine {
  constructor() {
    super();
    this.defineSlot<{ x: number }>('trigger', (data, ctx) => ctx.setSharedData('x', data.x + 1));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'owner-checkpoints-spec' });
  flow.addRoutine(new One(), 'one');
  return flow;
}

/** A settled local job and OwnerCheckpoints writing to a store whose first `fail` saves reject. */
async function harness(fail: number): Promise<{ job: Job; checkpoints: OwnerCheckpoints; saved: JobState[]; reported: unknown[] }> {
  const job = build().start('one', { x: 1 }, { runner: null });
  await job.wait();
  const saved: JobState[] = [];
  const reported: unknown[] = [];
  let failures = fail;
  const store = {
    saveWith: (state: JobState) => {
      if (failures-- > 0) return Promise.reject(new Error('redis is down'));
      saved.push(state);
      return Promise.resolve({ seq: saved.length, released: false });
    },
  };
  // Only what the checkpoints read of a worker's context (one attempt per write: a failure gives it up).
  const ctx = { store, checkpoint: { maxAttempts: 1 }, report: (e: unknown) => reported.push(e) } as unknown as WorkerContext;
  const owner: CheckpointsOwner = {
    ownership: () => 'owned',
    write: () => ({ cursor: '', epoch: '1' }),
    release: () => undefined,
    releasedBySave: () => undefined,
    lose: () => expect.fail('no write is fenced here'),
    landed: () => undefined,
    answered: () => 0,
  };
  return { job, checkpoints: new OwnerCheckpoints(ctx, job.jobId, jobKeys('rlx', job.jobId), owner), saved, reported };
}

describe('routilux/bullmq: OwnerCheckpoints', function () {
  this.timeout(30_000);

  it('a quiescent save joins the save asked for at the same version: one write', async () => {
    const { job, checkpoints, saved } = await harness(0);
    checkpoints.save(job._runtime);
    await checkpoints.quiescent(job._runtime, () => false);
    expect(saved.map((s) => [s.status, s.getSharedData('x')])).to.deep.equal([['completed', 2]]);
    checkpoints.dispose();
  });

  it('saves again when the job changed since the last save asked for', async () => {
    const { job, checkpoints, saved } = await harness(0);
    checkpoints.save(job._runtime);
    await checkpoints.flushed();
    job._runtime.mark(); // (a change the checkpointer was not asked to save)
    await checkpoints.quiescent(job._runtime, () => false);
    expect(saved).to.have.length(2);
    checkpoints.dispose();
  });

  it('a given-up write it joined is asked for once more (as a second request was), unless the ownership ended', async () => {
    const { job, checkpoints, saved, reported } = await harness(1);
    checkpoints.save(job._runtime);
    await checkpoints.quiescent(job._runtime, () => false);
    expect(reported, 'the failure is reported').to.have.length(1);
    expect(saved.map((s) => s.status), 'the second request landed').to.deep.equal(['completed']);
    checkpoints.dispose();

    const gone = await harness(1);
    gone.checkpoints.save(gone.job._runtime);
    await gone.checkpoints.quiescent(gone.job._runtime, () => true);
    expect(gone.saved, 'nothing written once let go').to.deep.equal([]);
    gone.checkpoints.dispose();
  });

  describe('in a worker', () => {
    const redis = useRedis();

    it('a job that settles in one turn is checkpointed once (one Checkpointer request), and its wait() has its exact state', async () => {
      const cluster = await startCluster(redis, build, 1);
      redis.atStop(() => cluster.close());
      const proto = Checkpointer.prototype as unknown as { notify(...args: unknown[]): void };
      const notify = proto.notify;
      let requests = 0;
      proto.notify = function (this: unknown, ...args: unknown[]) {
        requests++;
        return notify.apply(this, args);
      };
      try {
        const flow = build();
        const jobs = Array.from({ length: 20 }, (_, i) => flow.start('one', { x: i }, { runner: cluster.runner }));
        const states = await Promise.all(jobs.map((j) => j.wait({ timeout: 10_000 })));
        expect(states.map((s) => [s.status, s.getSharedData('x')])).to.deep.equal(jobs.map((_, i) => ['completed', i + 1]));
      } finally {
        proto.notify = notify;
      }
      expect(requests, 'checkpoint requests for 20 one-turn jobs').to.equal(20);
      expect(cluster.errors, 'background errors').to.deep.equal([]);
    });
  });
});
