/**
 * A checkpoint the owner stores carries the control cursor: the last command whose effect is in
 * the stored state. A new owner (after a crash) applies the commands after it, and a client's
 * view orders the published statuses by it. So a state must never be stored, or published, with
 * a cursor past a command it does not reflect: a resume read in the same batch as the pause
 * before it was lost when the owner died between the two saves (the paused state was stored
 * with the resume's id as its cursor, and the next owner restored it paused for good).
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { controlCall } from '../../lib/bullmq/runner-control.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { useRedis } from '../helpers/use-redis.js';
import { gate, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';
import { heldFlow } from './held-flow.js';

let held = gate();

describe('routilux/bullmq: the control cursor stored with a state is that of the state', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, () => heldFlow('status-cursor', () => held), 1);
    redis.atStop(() => (held.open(), cluster.close()));
  });

  it('pause and resume read in one batch: the paused state is stored and published with the pause as its cursor, not the resume', async () => {
    held = gate();
    const job = heldFlow('status-cursor', () => held).start('step', { v: 1 }, { runner: cluster.runner });
    await until(() => job.state.status === 'running', 'running');
    const sub = new Redis(redis.connection);
    const statuses: Array<{ status: string; cursor: string }> = [];
    try {
      sub.on('message', (_channel: string, message: string) => {
        const head = message.slice(0, message.indexOf('\n')).split(' ');
        if (head[0].startsWith('s')) statuses.push({ status: head[1], cursor: head[2] ?? '' });
      });
      await sub.subscribe(jobKeys(cluster.prefix, job.jobId).channel);
      // Both in one tick on one connection: the owner, nudged by the first, reads both at once.
      const client = redis.client();
      const [pause, resume] = await Promise.all([
        controlCall(client, cluster.prefix, job.jobId, { op: 'pause', reason: 'look', checkpoint: {} }, undefined, 'spec', 1),
        controlCall(client, cluster.prefix, job.jobId, { op: 'resume' }, undefined, 'spec', 2),
      ]);
      await until(() => statuses.some((s) => s.status === 'paused'), 'the paused status published');
      held.open();
      // (Not job.wait(): a paused view resolves it, if the resume's status has not come yet.)
      await until(() => statuses.some((s) => s.status === 'completed'), 'the job completed');
      const paused = statuses.filter((s) => s.status === 'paused');
      expect(paused.map((s) => s.cursor), `statuses: ${JSON.stringify(statuses)}`).to.deep.equal([pause.id]);
      // (Whether 'running' is published between them depends on the owner's saves coalescing.)
      expect(resume.id > pause.id).to.equal(true);
    } finally {
      sub.disconnect();
    }
  });
});
