/**
 * Review round 3 (issue 17's dist-perf merge): defects found in routilux/bullmq, each with a
 * spec that fails on main (skipped with the reason when the fix is larger than a review's).
 */
import { expect } from 'chai';
import { Queue } from 'bullmq';
import { Flow, Routine } from '../../lib/index.js';
import { bullJobId, queueName } from '../../lib/bullmq/wire.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** Keeps what it was started with, so a spec can tell whose start ran. */
class Keep extends Routine {
  constructor() {
    super();
    this.defineSlot<{ who: string }>('trigger', (data, ctx) => ctx.setSharedData('who', data.who));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review3' });
  flow.addRoutine(new Keep(), 'keep');
  return flow;
}

describe('review round 3: routilux/bullmq', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let queue: Queue;
  before(async () => {
    cluster = await startCluster(redis, build, 0); // no worker yet: started jobs wait in the queue
    queue = new Queue(queueName('review3'), { connection: redis.connection, prefix: cluster.prefix });
    redis.atStop(async () => {
      await queue.close();
      await cluster.close();
    });
  });

  // Skipped: a generated id is no longer registered (8ced54b), so until a worker takes that job
  // nothing under the job's keys says the id is in use. A start that gives the same id (e.g. a
  // client retrying with the id it was handed, or another client given it) passes REGISTER, and
  // its BullMQ add is silently deduplicated against the first start's (both are `<id>.1`): the
  // second handle reports the first job's outcome as its own instead of "job id ... is taken".
  // A fix needs the refusal back for that window (e.g. REGISTER then a lookup of the BullMQ job
  // `<id>.1`, still racy across the two key spaces, or generated ids in a namespace given ids
  // cannot enter): a design decision, not a review's fix.
  it.skip('a given id that a generated-id start still waiting in the queue uses is refused as taken', async () => {
    const first = build().start('keep', { who: 'first' }, { runner: cluster.runner });
    const bullId = bullJobId(first.jobId, 1);
    for (let i = 0; i < 200 && (await queue.getJob(bullId)) === undefined; i++) await sleep(10);
    expect(await queue.getJob(bullId), 'the first start is queued').to.not.equal(undefined);
    const second = build().start('keep', { who: 'second' }, { runner: cluster.runner, jobId: first.jobId });
    await sleep(100); // its REGISTER has run (on main: granted, and its add deduplicated)
    await cluster.addWorker();
    const [a, b] = await Promise.all([first.wait(), second.wait()]);
    expect(a.status).to.equal('completed');
    expect(a.getSharedData('who')).to.equal('first');
    expect(b.status, `second start: ${b.status}, who=${String(b.getSharedData('who'))}`).to.equal('failed');
    expect(b.error!.message).to.include(`job id '${first.jobId}' is taken`);
  });
});
