import { expect } from 'chai';
import fc from 'fast-check';
import { ExecutionTracker } from '../../lib/index.js';
import { HistoryLog } from '../../lib/runtime/history-log.js';
import { smallColumn, smallNumberColumn } from '../../lib/runtime/small-column.js';
import type { Slot } from '../../lib/model/slot.js';
import type { Connection } from '../../lib/model/connection.js';

/**
 * The job's ring columns (history, tracker) start with room for 4 entries, and the tracker
 * makes its attempt and error columns only when an entry needs them (issue 21: a small job's
 * footprint). Whatever the number of entries and the limit, the rings must still list exactly
 * the newest `limit` entries, in order, with each entry's own attempt and error.
 */
describe('small ring columns (history and tracker)', () => {
  it('start with 4 slots: a small number column holds doubles, a small column any value', () => {
    const times = smallNumberColumn();
    expect(times).to.have.length(4);
    times[0] = 1_700_000_000_000.5;
    times[5] = 2; // past the end: grows like a push
    expect(times[0]).to.equal(1_700_000_000_000.5);
    expect(times[5]).to.equal(2);
    const refs = smallColumn<object>();
    expect(refs).to.have.length(4);
    expect(0 in refs).to.equal(false); // holes, never read: a ring reads only what it wrote
  });

  it('HistoryLog lists the newest `limit` records, oldest first, for any number of pushes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 40 }), (limit, n) => {
        const log = new HistoryLog(limit);
        for (let i = 0; i < n; i++) log.push(`r${i % 3}`, `e${i}`, { i }, 1_700_000_000_000 + i);
        const expected = [];
        for (let i = Math.max(0, n - limit); i < n; i++) expected.push({ routineId: `r${i % 3}`, eventName: `e${i}`, data: { i }, timestamp: 1_700_000_000_000 + i });
        expect(log.total).to.equal(n);
        expect(log.toArray().map((r) => ({ ...r }))).to.deep.equal(expected);
        expect(log.toArray().every((r) => Object.isFrozen(r))).to.equal(true);
      }),
    );
  });

  it("the tracker's records keep each attempt's number, status and error, and the figures stay exact (property)", () => {
    const slotOf = (name: string) => ({ name, routine: { id: 'r' } }) as unknown as Slot;
    const entry = fc.record({
      attempt: fc.integer({ min: 1, max: 4 }),
      failed: fc.boolean(),
      start: fc.integer({ min: 0, max: 1_000_000 }),
      // whole ms, and sometimes a fraction (a scheduler with sub-ms time)
      duration: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.double({ min: 0, max: 50, noNaN: true })),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.array(entry, { maxLength: 30 }), (limit, entries) => {
        const tracker = new ExecutionTracker(limit);
        const totals = tracker.totalsFor('r');
        const base = 1_700_000_000_000;
        entries.forEach((e, i) => {
          const error = e.failed ? { name: 'Error', message: `attempt ${i}` } : undefined;
          tracker.recordAttempt(totals, slotOf(`s${i}`), base + e.start, base + e.start + e.duration, e.attempt, error);
        });
        const newest = entries.map((e, i) => ({ e, i })).slice(Math.max(0, entries.length - limit));
        const records = tracker.records;
        expect(records).to.have.length(newest.length);
        newest.forEach(({ e, i }, k) => {
          const r = records[k];
          expect(r.slotName).to.equal(`s${i}`);
          expect(r.attempt).to.equal(e.attempt);
          expect(r.status).to.equal(e.failed ? 'failed' : 'completed');
          expect(r.startTime).to.equal(base + e.start);
          expect(r.durationMs).to.equal(base + e.start + e.duration - (base + e.start));
          if (e.failed) expect(r.error).to.deep.equal({ name: 'Error', message: `attempt ${i}` });
          else expect(r).to.not.have.property('error');
        });
        const perf = tracker.getRoutinePerformance('r');
        if (entries.length === 0) {
          expect(perf).to.equal(undefined);
          return;
        }
        const durations = entries.map((e) => base + e.start + e.duration - (base + e.start));
        expect(perf).to.deep.include({
          totalExecutions: entries.length,
          failed: entries.filter((e) => e.failed).length,
          minExecutionTime: Math.min(...durations),
          maxExecutionTime: Math.max(...durations),
        });
      }),
    );
  });

  it('deliveries past the first 4 are listed too, newest `limit` kept', () => {
    const tracker = new ExecutionTracker(6);
    const conn = (i: number) => ({ sourceId: `a${i}`, eventName: 'out', targetId: 'b', slotName: 'in' }) as unknown as Connection;
    for (let i = 0; i < 9; i++) tracker.recordDelivery(conn(i), 1_700_000_000_000 + i);
    expect(tracker.eventFlow.map((d) => d.sourceRoutineId)).to.deep.equal(['a3', 'a4', 'a5', 'a6', 'a7', 'a8']);
    expect(tracker.eventFlow.map((d) => d.timestamp)).to.deep.equal([3, 4, 5, 6, 7, 8].map((i) => 1_700_000_000_000 + i));
    expect(tracker.getFlowPerformance().totalEvents).to.equal(9);
  });
});
