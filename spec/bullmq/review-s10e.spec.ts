/**
 * Adversarial review s10e (issue 17, Tier 2: a2fe7ad, takenInbox delivers into the PoolResults a
 * nudge made before the take's reply).
 *
 * PoolResults.deliver keeps the first result of a key: "a second result under the same key (the
 * activation ran again: its pool worker died before BullMQ recorded the completion) does not
 * replace the first: in inbox order, the first is the one a live owner applied". The RESULT
 * script XADDs every result to the inbox (no dedup) and publishes it to the meta's owner. Since
 * a2fe7ad, a result published to the new owner between its TAKE and the take's reply is
 * delivered into `early` first, and takenInbox then delivers the inbox into it: the inbox's
 * earlier result of the same key (the one the last owner applied, then crashed before its
 * checkpoint) is ignored, and the replay takes the re-run's result instead. Before a2fe7ad that
 * early result was dropped (the s10d bug); after the reply it is ignored (the inbox's is there):
 * only this window inverts the order.
 */
import { expect } from 'chai';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { takenInbox } from '../../lib/bullmq/taken-inbox.js';
import type { JobState } from '../../lib/state/job-state.js';

describe('review s10e: the early results path (takenInbox with a PoolResults a nudge made)', function () {
  const running = { status: 'running' } as unknown as JobState;
  const KEY = 'job/4#1~abcdefabcdefabcd';
  const FIRST = '{"effects":[["emit","out",{"v":1}]]}'; // the run the last owner applied (in the inbox at the take)
  const AGAIN = '{"effects":[["emit","out",{"v":2}]]}'; // the activation's re-run (BullMQ's stall recovery), published just after the take

  it('a re-run result published between the take and its reply does not win over the inbox’s first (the one the last owner applied)', function () {
    const early = new PoolResults();
    early.deliver(KEY, AGAIN); // nudged('r...') before run() continues after `await takeJob`
    const pool = takenInbox(running, { inbox: [{ key: KEY, result: FIRST }], meta: [] }, early);
    expect(pool!.take(KEY), 'the replay takes the result the last owner applied').to.equal(FIRST);
  });

  it('(control) the same two results, the re-run published after the reply: the inbox’s first is taken', function () {
    const pool = takenInbox(running, { inbox: [{ key: KEY, result: FIRST }], meta: [] }, undefined)!;
    pool.deliver(KEY, AGAIN);
    expect(pool.take(KEY)).to.equal(FIRST);
  });
});
