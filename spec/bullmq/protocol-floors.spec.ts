/**
 * The benchmarks' protocol floors (bench/lib) call routilux/bullmq's own Lua scripts and read the
 * status messages SAVE publishes, so a change of the protocol can break them without any library
 * spec failing: from the eighteenth session (a status message gained its control cursor) until
 * the twentieth, the Tier 2 floor waited for ` completed\n` and `npm run bench -- dist_chain10`
 * hung. Each floor runs here at a tiny size and must finish with its checks passed.
 */
import { expect } from 'chai';
import { protocolFloorRun } from '../../bench/lib/protocol-floor.js';
import { poolProtocolFloorRun } from '../../bench/lib/pool-protocol-floor.js';
import { useRedis } from '../helpers/use-redis.js';

/** Rejects when `promise` is still pending after `ms` (a floor that waits forever fails, not hangs the suite). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('bench: the distributed protocol floors run against the current protocol', function () {
  this.timeout(60_000);
  const redis = useRedis();

  it('the Tier 1 floor (dist_jobs) completes 30 jobs, every REGISTER granted and every status heard', async () => {
    const result = await within(protocolFloorRun(redis.connection, 30, '{"status":"completed"}', 5), 30_000, 'the Tier 1 protocol floor');
    expect(result.errors).to.deep.equal([]);
    expect(result.ok).to.equal(true);
  });

  it('the Tier 2 floor (dist_chain10) completes 5 chains of 3 pool hops, each result handed to the local owner', async () => {
    const result = await within(poolProtocolFloorRun(redis.connection, 5, 3), 30_000, 'the Tier 2 protocol floor');
    expect(result.errors).to.deep.equal([]);
    expect(result.ok).to.equal(true);
  });
});
