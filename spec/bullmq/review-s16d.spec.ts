/**
 * Review s16d (Redis part): adversarial review of 923a5dd (containment) and 45420e6
 * (persistence) on the BullMQ tier. `FINDING n` tests fail on main for the reason they state;
 * `pin` tests pass. (The in-process part, FINDINGs 1 and 2: spec/review/review-s16d.spec.ts.)
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext, type Job } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

const TIMEOUT = 60_000;

/** `step` re-triggers itself `n` times, 50 ms each, under an executionTimeout of 60 s. */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s16d', executionTimeout: TIMEOUT });
  const step = new Routine();
  step.defineEvent('next');
  step.defineSlot('trigger', async (d: { n?: number }, ctx: ExecutionContext) => {
    await sleep(50);
    if ((d.n ?? 0) > 0) ctx.emit('next', { n: (d.n ?? 0) - 1 });
  });
  flow.addRoutine(step, 'step');
  flow.connect('step', 'next', 'step', 'trigger');
  return flow;
}

describe('review s16d: timeLeft and cancel reasons on the BullMQ tier (Redis)', function () {
  this.timeout(40_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    redis.atStop(() => cluster.close());
  });

  // lib/bullmq/owned-job.ts:223 (giveUp) stores withStatus(base, 'failed', ...) (state-edit.ts:13),
  // which keeps every field of the last checkpoint, timeLeft included; job-restore.ts:69-71
  // restores timeLeft whatever the status. README (Timeouts): "a failed job resumed gets the whole
  // timeout again, as in place"; the field's doc (job-state-fields.ts:190): written "while it
  // counts (started, not settled or failed)". The s16b pin "timeLeft absent ... once failed"
  // holds in-process only.
  it('FINDING 3: a job failed with WorkerLostError keeps the timeLeft of its last checkpoint, and resumed it goes on with that instead of the whole timeout', async () => {
    const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    let again: Job | undefined;
    try {
      const job = build().start('step', { n: 400 }, { runner: cluster.runner, jobId: 's16d-lost' });
      await until(() => job.state.status === 'running', 'running');
      await sleep(1_500); // 1.5 s of the 60 s used
      const paused = await job.pause();
      expect(paused.timeLeft).to.be.lessThan(TIMEOUT - 1_000);
      for (let k = 0; k < 4; k++) {
        expect(await store.acquire('s16d-lost', `ghost-${k}`, 30)).to.equal(true); // owners that died holding it
        await sleep(60);
      }
      job.resume();
      const final = await job.wait();
      expect([final.status, final.error?.name]).to.deep.equal(['failed', 'WorkerLostError']);
      const stored = (await store.load('s16d-lost'))!;
      cluster.errors.length = 0;
      again = await cluster.runner.resume(build(), 's16d-lost');
      await until(() => again!.state.status === 'running' && again!.state.updatedAt > final.updatedAt, 'running again');
      const left = again.state.timeLeft!;
      // On main: final/stored timeLeft = paused.timeLeft (~58.5 s), and the resumed run has that left.
      expect({ final: final.timeLeft, stored: stored.timeLeft, wholeAgain: left > paused.timeLeft! + 500 }).to.deep.equal({ final: undefined, stored: undefined, wholeAgain: true });
    } finally {
      await again?.cancel().catch(() => undefined);
      await store.close();
    }
  });

  it('pin: in-process, flow.start with an already-aborted signal whose reason has no string form (a null-prototype object) cancels the job', async () => {
    const controller = new AbortController();
    controller.abort(Object.create(null));
    const job = build().start('step', { n: 2 }, { signal: controller.signal });
    const final = await job.wait();
    expect(final.status).to.equal('cancelled');
  });

  // lib/bullmq/bullmq-runner.ts:217 builds the cancel reason with String(signal.reason), which
  // throws for a null-prototype object (as RemoteJob.cancel's String(reason) did: review s16c
  // FINDING 1, fixed there by 923a5dd, not here). The job is submitted first (:208), so start()
  // throws a raw TypeError while the job it queued runs on to completion, never cancelled. With a
  // signal aborted later, the same TypeError is thrown from inside the abort listener (the
  // process's uncaughtException in Node). In-process, flow-engine.ts:248 uses describeError.
  it('FINDING 4: runner start with an already-aborted signal whose reason has no string form throws a raw TypeError, and the job it already queued runs to completion', async () => {
    const controller = new AbortController();
    controller.abort(Object.create(null));
    let thrown: unknown;
    let job: Job | undefined;
    try {
      job = build().start('step', { n: 2 }, { runner: cluster.runner, jobId: 's16d-signal', signal: controller.signal });
    } catch (error) {
      thrown = error;
    }
    const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    try {
      let status: string | undefined;
      for (let i = 0; i < 60 && status !== 'completed' && status !== 'cancelled'; i++) status = (await sleep(50), (await store.load('s16d-signal'))?.status);
      // On main: thrown is a TypeError ('Cannot convert object to primitive value'), the stored job 'completed'.
      expect({ thrown: (thrown as Error | undefined)?.message, status }).to.deep.equal({ thrown: undefined, status: 'cancelled' });
      expect(job).to.not.equal(undefined);
    } finally {
      await store.close();
    }
  });
});
