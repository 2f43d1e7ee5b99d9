import { expect } from 'chai';
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorHandler, Flow, JobState, type ExecutionContext, type Payload } from '../../lib/index.js';
import { applyJournalEntry, diffJobStates, isEmptyEntry, sameRecord, sameTask } from '../../lib/state/job-journal.js';
import { journalEntryFromJSON, journalEntryToJSON, replayJournal } from '../../lib/state/job-journal-json.js';
import type { JobStateFields } from '../../lib/state/job-state-fields.js';
import { makeRoutine } from '../helpers/routines.js';

interface Activity {
  sends: Array<{ n: number; date: boolean }>;
  failEvery: number;
  strategy: 'continue' | 'retry';
  historyLimit: number;
  pauseAfterMs: number | null;
}

/** Runs a small real flow under `p` and returns every snapshot its job published (one per turn). */
async function snapshotsOf(p: Activity): Promise<JobState[]> {
  const flow = new Flow({ historyLimit: p.historyLimit, errorHandler: new ErrorHandler({ strategy: p.strategy, retryDelay: 1, maxRetries: 2 }) });
  flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx: ExecutionContext) => {
    for (let i = 0; i < (d.n as number); i++) ctx.emit('out', { i, at: d.date ? new Date(i) : i, nested: { k: [i] } });
  } }), 'src');
  flow.addRoutine(makeRoutine({ in: async (d: Payload, ctx: ExecutionContext) => {
    await sleep(0); // async: each settle is a turn of its own
    ctx.setSharedData('last', d.at);
    ctx.emit('out', { i: d.i });
  } }), 'a');
  flow.addRoutine(makeRoutine({ in: { mergeStrategy: 'append', handler: (d: Payload, ctx: ExecutionContext) => {
    const i = (d.i as number[]).at(-1)!;
    if (p.failEvery > 0 && i % p.failEvery === 0 && ctx.attempt === 1) throw new Error(`flaky ${i}`);
  } } }, []), 'b');
  flow.connect('src', 'out', 'a', 'in');
  flow.connect('a', 'out', 'b', 'in');
  const job = flow.start('src', p.sends[0]);
  const snaps: JobState[] = [];
  job.state$.subscribe((s) => snaps.push(s));
  for (const send of p.sends.slice(1)) job.send('src', 'trigger', send);
  if (p.pauseAfterMs !== null) {
    await sleep(p.pauseAfterMs);
    if (job.state.status === 'running') {
      await job.pause('check');
      job.resume();
    }
  }
  await job.wait({ timeout: 10_000 }).catch(() => undefined);
  return snaps;
}

const text = (state: JobStateFields): string => JSON.stringify(new JobState(state));

describe('job journal: diffJobStates / applyJournalEntry', () => {
  it('property: applying the diffs of consecutive snapshots to the first gives each next one exactly (live and through JSON)', async function () {
    this.timeout(120_000);
    const activity = fc.record({
      sends: fc.array(fc.record({ n: fc.integer({ min: 0, max: 12 }), date: fc.boolean() }), { minLength: 1, maxLength: 4 }),
      failEvery: fc.integer({ min: 0, max: 4 }),
      strategy: fc.constantFrom('continue' as const, 'retry' as const),
      historyLimit: fc.integer({ min: 1, max: 8 }),
      pauseAfterMs: fc.option(fc.integer({ min: 0, max: 5 })),
    });
    await fc.assert(
      fc.asyncProperty(activity, async (p) => {
        const snaps = await snapshotsOf(p);
        let live: JobStateFields = snaps[0];
        let stored = JobState.fromJSON(JSON.stringify(snaps[0]));
        for (let i = 1; i < snaps.length; i++) {
          const entry = diffJobStates(snaps[i - 1], snaps[i]);
          live = applyJournalEntry(live, entry);
          expect(text(live), `snapshot ${i} (live)`).to.equal(JSON.stringify(snaps[i]));
          // The store path: encoded, written as text, read back, applied onto a parsed snapshot.
          stored = replayJournal(stored, [JSON.stringify(journalEntryToJSON(entry))]);
          expect(JSON.stringify(stored), `snapshot ${i} (through JSON)`).to.equal(JSON.stringify(snaps[i]));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('writes only what changed: unchanged fields absent, a capped history as dropped front + appended tail', async () => {
    const snaps = await snapshotsOf({ sends: [{ n: 12, date: false }], failEvery: 0, strategy: 'continue', historyLimit: 4, pauseAfterMs: null });
    expect(isEmptyEntry(diffJobStates(snaps[0], snaps[0]))).to.equal(true);
    const entries = snaps.slice(1).map((s, i) => diffJobStates(snaps[i], s));
    for (const e of entries) for (const name of ['jobId', 'flowId', 'createdAt']) expect(e.fields).to.not.have.property(name);
    const history = entries.map((e) => e.fields.executionHistory).filter((c) => c !== undefined);
    expect(history.length).to.be.greaterThan(0);
    expect(history.some((c) => 'drop' in c && c.drop > 0), 'the ring dropped records at its front').to.equal(true);
    for (const c of history) expect(c).to.not.have.property('set');
  });

  it('a Date in a journaled payload comes back a Date; a corrupt entry is a SerializationError', async () => {
    const snaps = await snapshotsOf({ sends: [{ n: 3, date: true }], failEvery: 0, strategy: 'continue', historyLimit: 10, pauseAfterMs: null });
    const last = snaps.length - 1;
    const entry = journalEntryFromJSON(JSON.stringify(journalEntryToJSON(diffJobStates(snaps[0], snaps[last]))));
    const state = new JobState(applyJournalEntry(JobState.fromJSON(JSON.stringify(snaps[0])), entry));
    expect(state.getSharedData('last')).to.be.instanceOf(Date);
    expect(() => journalEntryFromJSON('{"format":"routilux.journal","version":1,"jobId":"j","fields":{"executionHistory":{"drop":-1,"append":[]}}}')).to.throw(/bad list change/);
    expect(() => journalEntryFromJSON('{not json')).to.throw(/not JSON/);
    expect(() => replayJournal(snaps[0], ['{"format":"routilux.journal","version":1,"jobId":"other","fields":{}}'])).to.throw(/journal entry 1/);
  });
  it('compares task views field by field with exactly the verdict of the generic comparison (property)', () => {
    // Small domains, so equal and almost-equal views are common; payloads shared or rebuilt.
    const shared = [{ v: 1 }, { v: 2 }];
    const payload = fc.oneof(fc.constantFrom(...shared), fc.record({ v: fc.integer({ min: 1, max: 2 }) }), fc.record({ v: fc.integer({ min: 1, max: 2 }), w: fc.constant(0) }));
    const view = fc.record(
      {
        routineId: fc.constantFrom('a', 'b'),
        slotName: fc.constantFrom('in'),
        data: payload,
        attempt: fc.integer({ min: 1, max: 2 }),
        enqueuedAt: fc.constantFrom(0, 1, -0, NaN),
        seq: fc.integer({ min: 1, max: 2 }),
        source: fc.oneof(fc.constant(undefined), fc.record({ routineId: fc.constantFrom('a', 'b'), eventName: fc.constantFrom('out') })),
        dueAt: fc.constantFrom(5, 6, undefined),
        delayLeft: fc.constantFrom(5, undefined),
        merged: payload,
      },
      { requiredKeys: ['routineId', 'slotName', 'data', 'attempt', 'enqueuedAt', 'seq'] },
    );
    fc.assert(
      fc.property(view, view, (x, y) => {
        expect(sameTask(x, y)).to.equal(sameRecord(x, y));
        // A view rebuilt with the same fields (views are plain objects; fast-check also makes
        // null-prototype ones, which the generic comparison never finds equal) is the same.
        const plain = { ...x };
        expect(sameTask(plain, { ...plain })).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });
});
