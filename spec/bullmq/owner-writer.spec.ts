/**
 * Issue 17: a client's `pause()` resolves on the paused job's quiescent snapshot, which the
 * owner's writer publishes again (its status is the same as the save before it). Whether to
 * publish is judged against the last save that LANDED: when the write that would have announced
 * the settled pause is given up, the next save of the same quiescent state announces it
 * instead, else `pause()` would wait for a publication that never comes.
 */
import { expect } from 'chai';
import { ownerWriter, type WriterOwner } from '../../lib/bullmq/owner-writer.js';
import type { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import type { JobState } from '../../lib/state/job-state.js';

/** What the writer reads of a snapshot: its status and its running tasks. */
function state(status: string, running: number): JobState {
  return { status, runningTasks: Array.from({ length: running }, () => ({})) } as unknown as JobState;
}

/** A writer over a store whose saves fail as `outcomes` says (true: lands), recording each save's `publish`. */
function harness(outcomes: boolean[]): { save(s: JobState): Promise<void>; published: boolean[]; answer(): void } {
  const published: boolean[] = [];
  let answers = 0;
  const store = {
    saveWith: (_s: JobState, extra: { publish?: boolean }) => {
      published.push(extra.publish === true);
      return outcomes.shift() === false ? Promise.reject(new Error('redis is down')) : Promise.resolve({ seq: published.length, released: false });
    },
  } as unknown as RedisJobStore;
  const owner: WriterOwner = { ownership: () => 'owned', write: () => ({ cursor: '', epoch: '1' }), release: () => undefined, releasedBySave: () => undefined, answered: () => answers };
  const writer = ownerWriter(store, 'j', jobKeys('rlx', 'j'), owner);
  return { save: (s) => writer.save(s), published, answer: () => void answers++ };
}

describe('routilux/bullmq: the owner writer publishes a settled pause', () => {
  it('publishes the quiescent paused snapshot once its work has settled', async () => {
    const w = harness([true, true, true]);
    await w.save(state('paused', 2));
    await w.save(state('paused', 0));
    await w.save(state('paused', 0)); // nothing new to announce
    expect(w.published).to.deep.equal([false, true, false]);
  });

  it('publishes it with the next save when the save that would have announced it was given up', async () => {
    const w = harness([true, false, true]);
    await w.save(state('paused', 1));
    await w.save(state('paused', 0)).then(
      () => expect.fail('that write fails'),
      () => undefined,
    );
    await w.save(state('paused', 0));
    expect(w.published).to.deep.equal([false, true, true]);
  });

  it('does not announce a settled pause after a given-up save of running work', async () => {
    // The status change itself is published by the store script (the saved status differs).
    const w = harness([true, false, true]);
    await w.save(state('running', 1));
    await w.save(state('paused', 1)).catch(() => undefined);
    await w.save(state('paused', 1));
    expect(w.published).to.deep.equal([false, false, false]);
  });

  it('publishes the first save started after a pause’s answer, even with the status unchanged (a resume applied with the pause left it running)', async () => {
    const w = harness([true, true, true, true, false, true, true]);
    await w.save(state('running', 1));
    const inFlight = w.save(state('running', 1)); // started before the answer: announces nothing new
    w.answer();
    await inFlight;
    await w.save(state('running', 1)); // the client shows paused: this tells it running
    await w.save(state('running', 1));
    w.answer();
    await w.save(state('running', 1)).catch(() => undefined); // given up: the next one announces instead
    await w.save(state('running', 1));
    await w.save(state('running', 1));
    expect(w.published).to.deep.equal([false, false, true, false, true, true, false]);
  });
});
