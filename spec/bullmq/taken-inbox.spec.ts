/**
 * Issue 17, Tier 2: what a new owner starts with from the job's inbox (takenInbox). A failed job
 * resumed runs one incarnation up, and a result of another incarnation (a run that failed, its
 * activation finishing after the resume) is never delivered, so neither taken nor counted by a
 * replay fence; the inbox comes before what was published between the take and its reply.
 */
import { expect } from 'chai';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { takenInbox } from '../../lib/bullmq/taken-inbox.js';
import { poolResultKey, poolResultKeyParts } from '../../lib/bullmq/wire.js';
import type { JobState } from '../../lib/state/job-state.js';

const state = (status: string): JobState => ({ status }) as unknown as JobState;
const key = (seq: number, incarnation: number): string => poolResultKey(`j/${seq}`, 1, 'p', 'in', { v: seq }, incarnation);

describe('routilux/bullmq: takenInbox', () => {
  it('names the incarnation in the key when it is not 0 (the keys of jobs never resumed from failed are as before)', () => {
    expect(key(3, 0)).to.match(/^j\/3#1~[\w-]{16}$/);
    expect(key(3, 2)).to.match(/^j\/3#1\.2~[\w-]{16}$/);
    expect(poolResultKeyParts(key(3, 2))).to.deep.equal({ seq: 3, attempt: 1, incarnation: 2 });
    expect(poolResultKeyParts('a/b#c/7#2~x')).to.deep.equal({ seq: 7, attempt: 2, incarnation: 0 });
    expect(poolResultKeyParts('no key')).to.equal(undefined);
  });

  it('delivers only the results of the job’s incarnation, the inbox’s before those published since', () => {
    const early = new PoolResults();
    early.deliver(key(4, 1), 'stale, published');
    early.deliver(key(5, 2), 'published');
    early.deliver(key(3, 2), 'a re-run, published');
    const inbox = [
      { key: key(2, 1), result: 'stale' },
      { key: key(3, 2), result: 'first' },
    ];
    const pool = takenInbox(state('running'), { inbox, meta: ['epoch', '7', 'inc', '2'] }, early)!;
    expect(pool.incarnation).to.equal(2);
    expect([...pool.readyKeys()]).to.deep.equal([key(3, 2), key(5, 2)]);
    expect(pool.take(key(3, 2)), 'the inbox’s first').to.equal('first');
  });

  it('a failed job: one incarnation up, nothing delivered (its results are of the run that failed)', () => {
    const early = new PoolResults();
    early.deliver(key(4, 0), 'published by the failed run');
    const pool = takenInbox(state('failed'), { inbox: [{ key: key(3, 0), result: 'x' }], meta: [] }, early)!;
    expect(pool.incarnation).to.equal(1);
    expect([...pool.readyKeys()]).to.deep.equal([]);
  });

  it('nothing to deliver at incarnation 0: what was published since, as it is (none: undefined)', () => {
    expect(takenInbox(state('running'), { inbox: [], meta: [] }, undefined)).to.equal(undefined);
    const early = new PoolResults();
    expect(takenInbox(undefined, { inbox: [], meta: [] }, early)).to.equal(early);
  });
});
