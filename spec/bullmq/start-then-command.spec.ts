/**
 * Commands given in the same turn as a remote start reach the job before anything of it runs,
 * as they do in-process (a local start dispatches nothing before the caller's turn ends); and a
 * start that was refused sends nothing, since the id it names may be another job's.
 */
import { expect } from 'chai';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { CONTROL } from '../../lib/bullmq/control-scripts.js';
import { Flow, JobStateError, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { slowScriptRunner, startCluster, type Cluster } from './helpers.js';

/** echo.trigger: the params go to shared data and an output. */
class Echo extends Routine {
  constructor() {
    super();
    this.defineSlot('trigger', (params: Payload, ctx: ExecutionContext) => {
      ctx.setSharedData('v', params);
      this.sendOutput('o', params);
    });
  }
}

/** wait.trigger: sleeps `ms`, then counts in shared data. */
class Wait extends Routine {
  constructor() {
    super();
    this.defineSlot<{ ms: number }>('trigger', async (data, ctx) => {
      await sleep(data.ms);
      ctx.setSharedData('done', ctx.getSharedData<number>('done', 0) + 1);
    });
  }
}

/** boom.trigger: throws after `ms` (the job fails: the default error policy stops it). */
class Boom extends Routine {
  constructor() {
    super();
    this.defineSlot<{ ms: number }>('trigger', async (data) => {
      await sleep(data.ms);
      throw new Error('boom');
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'start-then-command' });
  flow.addRoutine(new Echo(), 'echo');
  flow.addRoutine(new Wait(), 'wait');
  flow.addRoutine(new Boom(), 'boom');
  return flow;
}

describe('routilux/bullmq: commands given with the start', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 2);
    redis.atStop(() => cluster.close());
  });

  it('start() then cancel() in the same turn cancels before any handler runs, as in-process, for every job of a burst', async () => {
    const local = await build().start('echo', { x: 1 }).cancel('never mind');
    for (let round = 0; round < 5; round++) {
      const jobs = Array.from({ length: 20 }, (_, i) => build().start('echo', { x: i }, { runner: cluster.runner }));
      const finals = await Promise.all(jobs.map((job) => job.cancel('never mind')));
      const seen = finals.map((s) => [s.status, s.sharedData, s.outputLog.length]);
      expect(seen).to.deep.equal(finals.map(() => [local.status, local.sharedData, local.outputLog.length]));
    }
  });

  /** A runner whose connection holds every control command 300 ms (closed with its connection). */
  const slowControl = (): { runner: BullMQRunner; close: () => Promise<void> } => {
    const slow = slowScriptRunner(redis, cluster.prefix, CONTROL);
    return { runner: slow.runner, close: async () => (await slow.close(), slow.disconnect()) };
  };

  it('start() then cancel() cancels before any handler runs however long the cancel takes to reach Redis', async () => {
    // Time for a worker to take a job queued meanwhile and run it to the end: the start must wait
    // for the cancel instead.
    const { runner, close } = slowControl();
    try {
      const job = build().start('echo', { x: 1 }, { runner });
      const final = await job.cancel('never mind');
      expect([final.status, final.outputLog.length, final.sharedData]).to.deep.equal(['cancelled', 0, {}]);
    } finally {
      await close();
    }
  });

  it('a cancel that reaches Redis after the job completed rejects with a JobStateError (never hangs)', async () => {
    const { runner, close } = slowControl();
    try {
      const job = build().start('wait', { ms: 100 }, { runner });
      while (job.state.status === 'pending') await sleep(5);
      const outcome = await Promise.race([job.cancel('late').then(() => 'cancelled', (error: unknown) => error), sleep(5_000).then(() => 'still pending after 5 s')]);
      expect(outcome).to.be.instanceOf(JobStateError);
      expect(job.state.status).to.equal('completed');
    } finally {
      await close();
    }
  });

  it('a cancel that reaches Redis after the job failed is refused by the owner, and the refusal is heard (the client keeps listening)', async () => {
    const { runner, close } = slowControl();
    try {
      const job = build().start('boom', { ms: 100 }, { runner });
      while (job.state.status === 'pending') await sleep(5);
      const outcome = await Promise.race([job.cancel('late').then(() => 'cancelled', (error: unknown) => error), sleep(5_000).then(() => 'still pending after 5 s')]);
      expect(outcome).to.be.instanceOf(JobStateError);
      expect((outcome as Error).message).to.match(/it is failed/);
      expect(job.state.status).to.equal('failed');
    } finally {
      await close();
    }
  });

  it('an AbortSignal aborted before the start cancels the job before any handler runs', async () => {
    const job = build().start('echo', { x: 1 }, { runner: cluster.runner, signal: AbortSignal.abort('no') });
    const final = await job.wait();
    expect([final.status, final.outputLog.length, final.sharedData]).to.deep.equal(['cancelled', 0, {}]);
  });

  it('send() in the same turn as open() lands before close(), in call order', async () => {
    const job = build().open({ runner: cluster.runner });
    job.send('echo', 'trigger', { n: 1 });
    job.send('echo', 'trigger', { n: 2 });
    job.close();
    const final = await job.wait();
    expect(final.status).to.equal('completed');
    expect(final.outputLog.map((o) => o.data)).to.deep.equal([{ n: 1 }, { n: 2 }]);
  });

  it('a start refused for a taken id sends nothing after it: the job of that id is not cancelled, sent to nor closed', async () => {
    const first = build().open({ runner: cluster.runner, jobId: 'taken-id' });
    await first.pause('hold'); // (its owner answered: it is registered and running)
    await first.resume();
    const second = build().open({ runner: cluster.runner, jobId: 'taken-id' });
    second.send('wait', 'trigger', { ms: 1 });
    second.close();
    const refusal = await second.cancel('not mine').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).to.be.instanceOf(JobStateError);
    expect(second.state.status).to.equal('failed');
    expect(second.state.error?.message).to.match(/taken/);
    await sleep(300);
    first.send('wait', 'trigger', { ms: 1 });
    first.close();
    const final = await first.wait();
    expect([final.status, final.sharedData]).to.deep.equal(['completed', { done: 1 }]);
    expect(cluster.errors.filter((e) => !(e instanceof JobStateError))).to.deep.equal([]);
  });
});
