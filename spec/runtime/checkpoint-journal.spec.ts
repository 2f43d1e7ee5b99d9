/**
 * The checkpointer's journal decides, per write, between a journal entry and a full save: a
 * status change is always a full save (a store announces status changes from its saves:
 * RedisJobStore publishes them to remote clients, and a journal entry announces nothing).
 */
import { expect } from 'chai';
import { JobState, type JobStore } from '../../lib/index.js';
import { CheckpointJournal } from '../../lib/runtime/checkpoint-journal.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import { blankState } from '../../lib/bullmq/state-edit.js';

describe('CheckpointJournal', () => {
  const writes: string[] = [];
  const store: JobStore = {
    save: async (state) => void writes.push(`save ${state.status}`),
    appendJournal: async () => void writes.push('append'),
    load: async () => undefined,
    list: async () => [],
    delete: async () => undefined,
  };
  const job = {} as JobRuntime;
  const write = async (journal: CheckpointJournal, state: JobState): Promise<void> => {
    const w = journal.plan(store, 'j', job, state);
    await w.run();
    w.landed();
  };
  const at = (state: JobState, updatedAt: number, status = state.status): JobState => new JobState({ ...state, status, updatedAt });

  it('journals the turns of a running job, and saves a status change in full', async () => {
    writes.length = 0;
    const journal = new CheckpointJournal(true, 200);
    const pending = blankState('j', 'f', 'pending', 1);
    await write(journal, pending); // the first write of a runtime: a full save
    await write(journal, at(pending, 2, 'running')); // pending -> running: a status change
    const running = at(pending, 2, 'running');
    await write(journal, at(running, 3));
    await write(journal, at(running, 4));
    expect(writes).to.deep.equal(['save pending', 'save running', 'append', 'append']);
  });

  it('saves in full the next write after saveInFull, even one planned after a write in flight lands (and only that one)', async () => {
    writes.length = 0;
    const journal = new CheckpointJournal(true, 200);
    const running = blankState('j', 'f', 'running', 1);
    await write(journal, running);
    const inFlight = journal.plan(store, 'j', job, at(running, 2)); // a journal entry, on its way
    journal.saveInFull('j');
    await inFlight.run();
    inFlight.landed(); // (sets the base the next entry would diff against)
    await write(journal, at(running, 3)); // same status: a full save all the same
    await write(journal, at(running, 4));
    expect(writes).to.deep.equal(['save running', 'append', 'save running', 'append']);
  });
});
