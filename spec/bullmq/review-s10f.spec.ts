/**
 * Sixth review of the tenth session (issue 17, routilux/bullmq): a pool result's key names the
 * job's incarnation, and "a new owner keeps no result of another incarnation". These specs show
 * where that still fails: a result of another incarnation that reaches the owner after the take's
 * reply (or after the owner's own resume of its failed job) is kept among the ready results for
 * the rest of the ownership. It is never taken (no activation computes its key) and a fence
 * opened later filters it, so the cost is memory and a readyKeys() that lies; low severity.
 */
import { expect } from 'chai';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { takenInbox } from '../../lib/bullmq/taken-inbox.js';
import { poolResultKey } from '../../lib/bullmq/wire.js';
import type { JobState } from '../../lib/state/job-state.js';

const state = (status: string): JobState => ({ status }) as unknown as JobState;
const key = (seq: number, incarnation: number): string => poolResultKey(`j/${seq}`, 1, 'p', 'in', { v: seq }, incarnation);

describe('routilux/bullmq: sixth review of session 10 (review-s10f)', () => {
  it('a result of the run that failed, published after the take of the resumed job, is not kept by the new owner', () => {
    // The job failed at incarnation 0 and is taken to be resumed: the owner runs incarnation 1.
    const pool = takenInbox(state('failed'), { inbox: [{ key: key(3, 0), result: 'stale' }], meta: [] }, undefined)!;
    expect(pool.incarnation).to.equal(1);
    // A pool activation of the run that failed ignored its abort and finishes now: its result is
    // published to the owner (OwnedJob.nudged -> PoolResults.deliver) with no waiter for its key.
    pool.deliver(key(4, 0), 'stale, published after the reply');
    expect([...pool.readyKeys()], 'a result of incarnation 0 kept at incarnation 1').to.deep.equal([]);
  });

  it('a result of the failed run that arrives after the owner’s own resume (nextIncarnation) is not kept', () => {
    const pool = new PoolResults();
    pool.nextIncarnation(); // OwnedJob.applyNow: resume of its own failed job
    pool.deliver(key(5, 0), 'the failed run’s activation, finishing late');
    expect([...pool.readyKeys()], 'a result of incarnation 0 kept at incarnation 1').to.deep.equal([]);
  });
});
