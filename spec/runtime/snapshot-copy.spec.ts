/**
 * How the snapshot builder makes a job's later snapshots (lib/runtime/snapshot-builder.ts): immer
 * produces each from the previous one; routine states and slot data are copied on write and put
 * in the draft whole; only the fields that changed are frozen again; the result is copied into a
 * JobState with fast properties. These pin what that must keep: every container frozen as the
 * field declaration freezes it, unchanged parts shared, and journal entries that replay exactly.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ErrorHandler, Flow, JobState, Routine, type ExecutionContext, type Job, type Payload } from '../../lib/index.js';
import { applyJournalEntry, diffJobStates } from '../../lib/state/job-journal.js';
import { journalEntryFromJSON, journalEntryToJSON } from '../../lib/state/job-journal-json.js';
import { JOB_STATE_FIELD_NAMES } from '../../lib/state/job-state-fields.js';

/** Where a snapshot is not frozen as job-state-fields.ts declares (payloads inside are the user's: not checked). */
function unfrozen(s: JobState): string[] {
  const bad: string[] = [];
  const check = (what: string, o: unknown): void => {
    if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) bad.push(what);
  };
  const list = (what: string, items: readonly unknown[]): void => {
    check(what, items);
    items.forEach((x, i) => check(`${what}[${i}]`, x));
  };
  check('state', s);
  for (const [id, rs] of Object.entries(s.routineStates)) {
    check(`routineStates.${id}`, rs);
    check(`routineStates.${id}.error`, rs.error);
  }
  check('routineStates', s.routineStates);
  check('slotData', s.slotData);
  check('sharedData', s.sharedData);
  for (const name of ['pendingTasks', 'runningTasks', 'executionHistory', 'pausePoints', 'deferredEvents', 'outputLog', 'flushDue'] as const) list(name, s[name]);
  check('failedTask', s.failedTask);
  check('tracker', s.tracker);
  list('tracker.records', s.tracker.records);
  list('tracker.eventFlow', s.tracker.eventFlow);
  check('tracker.totals', s.tracker.totals);
  for (const [id, t] of Object.entries(s.tracker.totals)) check(`tracker.totals.${id}`, t);
  check('operators', s.operators);
  check('policies', s.policies);
  check('error', s.error);
  return bad;
}

/** What a step of the generated chain does before it emits on. */
type Action = { kind: 'state'; key: string; value: number } | { kind: 'shared'; key: string; value: number } | { kind: 'reset' } | { kind: 'throw' } | { kind: 'none' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('state' as const), key: fc.constantFrom('a', 'b'), value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('shared' as const), key: fc.constantFrom('x', 'y'), value: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'reset' as const }),
  fc.constant({ kind: 'throw' as const }),
  fc.constant({ kind: 'none' as const }),
);

/** A chain of routines (each run `rounds` times per job), each doing its action; every snapshot read while it runs is kept. */
async function snapshotsOf(actions: Action[], appendMerge: boolean[], rounds: number): Promise<JobState[]> {
  const flow = new Flow({ flowId: 'snapshot-copy', errorHandler: new ErrorHandler({ strategy: 'continue' }) });
  const seen: JobState[] = [];
  let job: Job | undefined;
  actions.forEach((a, i) => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot(
      'in',
      (data: Payload, ctx: ExecutionContext) => {
        if (job !== undefined) seen.push(job.state);
        if (a.kind === 'state') ctx.updateRoutineState({ [a.key]: a.value });
        if (a.kind === 'shared') ctx.setSharedData(a.key, a.value);
        if (a.kind === 'reset') ctx.resetSlot();
        if (job !== undefined) seen.push(job.state, job.state); // the second read: nothing changed in between
        ctx.emit('out', { hop: i, n: (data as { n?: number }).n ?? 0 });
        if (a.kind === 'throw') throw new RangeError(`step ${i}`);
      },
      { mergeStrategy: appendMerge[i] ? 'append' : 'override' },
    );
    flow.addRoutine(r, `r${i}`);
    if (i > 0) flow.connect(`r${i - 1}`, 'out', `r${i}`, 'in');
  });
  const states: JobState[] = [];
  for (let k = 0; k < rounds; k++) {
    job = flow.start('r0', { n: k }, { slot: 'in' });
    const last = await job.wait();
    states.push(...seen.splice(0), last);
  }
  return states;
}

describe('snapshot builder: later snapshots', () => {
  it('property: every snapshot is frozen as declared, shares the routine states and slot data that did not change, and journals to exactly the next one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.integer({ min: 1, max: 2 }), async (actions, merges, rounds) => {
        const states = await snapshotsOf(actions, merges, rounds);
        for (let i = 0; i < states.length; i++) {
          const s = states[i];
          expect(s).to.be.instanceOf(JobState);
          expect(unfrozen(s), `snapshot ${i}`).to.deep.equal([]);
          const prev = states[i - 1];
          if (prev === undefined || prev.jobId !== s.jobId) continue;
          for (const name of ['routineStates', 'slotData'] as const) {
            // A key whose value did not change keeps it; a record with no changed key is the same object.
            const [a, b] = [prev[name] as Record<string, unknown>, s[name] as Record<string, unknown>];
            const same = Object.keys(a).length === Object.keys(b).length && Object.keys(b).every((k) => Object.prototype.hasOwnProperty.call(a, k) && a[k] === b[k]);
            if (same) expect(b, `${name} of snapshot ${i}`).to.equal(a);
          }
          // What the checkpointer's journal writes for this turn, read back and replayed, gives this snapshot's fields.
          const entry = journalEntryFromJSON(JSON.parse(JSON.stringify(journalEntryToJSON(diffJobStates(prev, s)))));
          const replayed = new JobState(applyJournalEntry(prev, entry));
          expect(JSON.stringify(replayed)).to.equal(JSON.stringify(s));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('two reads with nothing changed in between give the same snapshot object', async () => {
    const states = await snapshotsOf([{ kind: 'state', key: 'a', value: 1 }, { kind: 'none' }], [false, true], 1);
    // Per step: [before its action, after it, the same again], then the final state.
    expect(states[2]).to.equal(states[1]);
    expect(states[5]).to.equal(states[4]);
  });

  it('JobState._copy keeps exactly the own fields (optional ones present or absent), frozen, a JobState', () => {
    const base = JobState.fromJSON({
      format: 'routilux.job', version: 2, jobId: 'j', flowId: 'f', status: 'failed', createdAt: 1, updatedAt: 2,
      routineStates: { r: { status: 'failed', activations: 1, errors: 1, error: { name: 'E', message: 'm' } } }, slotData: { 'r.in': { a: 1 } },
      pendingTasks: [], runningTasks: [], failedTask: { routineId: 'r', slotName: 'in', data: { a: 1 }, attempt: 1, enqueuedAt: 1, seq: 1 },
      executionHistory: [], pausePoints: [], deferredEvents: [], sharedData: { k: 1 }, outputLog: [], timeout: 50, error: { name: 'E', message: 'm', routineId: 'r' },
    });
    for (const state of [base, new JobState({ ...base, failedTask: undefined, timeout: undefined, error: undefined })]) {
      const copy = JobState._copy(state);
      expect(copy).to.not.equal(state);
      expect(copy).to.be.instanceOf(JobState);
      expect(Object.isFrozen(copy)).to.equal(true);
      expect(Object.keys(copy).sort()).to.deep.equal(Object.keys(state).sort());
      for (const name of JOB_STATE_FIELD_NAMES) expect(copy[name], name).to.equal(state[name]);
      expect(JSON.stringify(copy)).to.equal(JSON.stringify(state));
    }
  });

  it('a snapshot after the first has fast (not dictionary-mode) properties in V8', async function () {
    let hasFast: ((o: object) => boolean) | undefined;
    try {
      setFlagsFromString('--allow-natives-syntax');
      hasFast = runInNewContext('(o) => %HasFastProperties(o)') as (o: object) => boolean;
    } catch (error) {
      console.log(`      (skipped: V8 natives syntax unavailable: ${(error as Error).message})`);
      this.skip();
    }
    const states = await snapshotsOf([{ kind: 'state', key: 'a', value: 1 }, { kind: 'shared', key: 'x', value: 2 }, { kind: 'none' }], [false, false, false], 1);
    expect(states.length).to.be.greaterThan(3);
    for (const s of states) expect(hasFast!(s)).to.equal(true);
  });
});
