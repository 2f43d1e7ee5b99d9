/**
 * A pool activation that ends after its job was deleted (a stall recovery re-ran it, or the job
 * was pruned while it ran): its RESULT must not bring back keys of the job. Before the fix, the
 * result was appended to a new inbox stream and its key remembered in a new meta hash holding
 * only `rk`: keys that nothing deletes again.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RESULT } from '../../lib/bullmq/control-scripts.js';
import { encodeId, jobKeys } from '../../lib/bullmq/redis-keys.js';
import { useRedis } from '../helpers/use-redis.js';

describe('RESULT of a pool activation whose job is gone', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let client: Redis;
  before(() => (client = redis.client()));

  const result = JSON.stringify({ effects: [{ k: 'emit', e: 'out', d: { v: 1 } }] });
  const run = (jobId: string, key: string) => {
    const keys = jobKeys('late', jobId);
    return RESULT.run(client, [keys.inbox, keys.meta], [key, result, 'late:owner:', encodeId(jobId), '', '']);
  };

  it('answers 0 and writes nothing when the job has no meta (deleted, or never taken)', async () => {
    expect(await run('gone', 'gone/a1#1')).to.equal(0);
    const keys = jobKeys('late', 'gone');
    expect(await client.exists(keys.inbox, keys.meta), 'keys brought back').to.equal(0);
  });

  it('keeps the result of a job an owner took (its meta has an epoch), once', async () => {
    const keys = jobKeys('late', 'live');
    await client.hset(keys.meta, 'owner', 'w1', 'epoch', '1');
    expect(await run('live', 'live/a1#1')).to.equal(1);
    expect(await run('live', 'live/a1#1'), 'the same key again').to.equal(1);
    expect(await client.xlen(keys.inbox)).to.equal(1);
  });
});
