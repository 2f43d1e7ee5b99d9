/**
 * Issue 17: pub/sub is at most once. When a subscriber connection drops, what is published
 * until it is back is lost: a client's RemoteJob re-reads the stored state once its subscriber
 * is subscribed again (a `wait()` still resolves with the right state), and a worker re-reads
 * the control stream (and the pool inbox) of the jobs it owns (a command sent meanwhile is
 * applied). The drop is real: `CLIENT KILL TYPE pubsub` on the suite's redis-server, after which
 * ioredis reconnects by itself (tens of ms later); what is published in between reaches nobody.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, Routine } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { until } from '../fixtures/helpers.js';
import { Total, startCluster, type Cluster } from './helpers.js';

/** Holds its handler until the spec opens the gate. */
let entered = false;
let open: () => void = () => undefined;

class Gate extends Routine {
  constructor() {
    super();
    this.defineSlot<{ x: number }>('trigger', async (data, ctx) => {
      entered = true;
      await new Promise<void>((resolve) => (open = resolve));
      ctx.setSharedData('x', data.x * 2);
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'reconnect-spec' });
  flow.addRoutine(new Gate(), 'gate');
  flow.addRoutine(new Total(), 'acc');
  return flow;
}

describe('routilux/bullmq: a dropped pub/sub connection loses no outcome', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let admin: Redis;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    admin = new Redis(redis.connection);
    redis.atStop(async () => {
      await cluster.close();
      admin.disconnect();
    });
  });
  afterEach(() => {
    expect(cluster.errors, 'background errors').to.deep.equal([]);
  });

  it("a job that completes while the client's subscriber is down: wait() still resolves with its final state", async () => {
    entered = false;
    const job = build().start('gate', { x: 21 }, { runner: cluster.runner });
    await until(() => entered, 'the handler started on the worker');
    const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    expect(killed, 'pub/sub connections dropped (the runner and the worker subscribers)').to.be.at.least(2);
    open(); // the job completes now: its status message is published to nobody
    const final = await job.wait({ timeout: 10_000 });
    expect(final.status).to.equal('completed');
    expect(final.getSharedData('x')).to.equal(42);
    expect(job.state.status, 'the handle agrees').to.equal('completed');
  });

  it("commands sent while the worker's subscriber is down are applied once it is back", async () => {
    const job = build().open({ runner: cluster.runner });
    job.send('acc', 'in', { v: 1 });
    await until(() => cluster.workers[0].owned === 1, 'the worker owns the open job');
    await until(() => job.state.status === 'running', 'the client saw it running');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    job.send('acc', 'in', { v: 10 }); // its nudge to the owner is published to nobody
    job.close();
    const final = await job.wait({ timeout: 10_000 });
    expect(final.status).to.equal('completed');
    expect(final.getSharedData('total'), 'both sends applied once').to.equal(11);
  });
});
