/**
 * Adversarial review s11c: in-process durability (stores, journals, leases, resume elsewhere).
 * Each `it` here is either a finding (named FINDING: it failed on the tree it was written on,
 * fixed since: CHANGELOG, "Fixed (eleventh session)") or coverage the suite lacked. The short
 * write is cut from the append's first write whether it is given as a string or as bytes (the
 * fix writes bytes).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import fs, { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError, FileJobStore, Flow, JobState, MemoryJobStore, StoreError, type ExecutionContext, type Payload } from '../../lib/index.js';
import { applyJournalEntry, diffJobStates, isEmptyEntry } from '../../lib/state/job-journal.js';
import { journalEntryToJSON } from '../../lib/state/job-journal-json.js';
import { deepEqual } from '../../lib/core/deep-equal.js';
import { makeRoutine } from '../helpers/routines.js';

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A journaling FileJobStore whose appends take a while (a slow disk, a remote journal). */
class SlowJournalStore extends FileJobStore {
  override async appendJournal(jobId: string, entry: unknown): Promise<void> {
    await sleep(150);
    return super.appendJournal(jobId, entry);
  }
}

describe('review s11c: durability', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's11c-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * An aggregator slot (`append`, reset by its handler) is deleted from `slotData` and added
   * again; the snapshot builder then puts its key last. A journal entry that spans both turns
   * (checkpoints coalesce while a write is in flight) writes it as a changed key, and replay
   * keeps it where it was: the stored job's `slotData` has another key order than the live one.
   */
  describe('journal replay of a slot reset and refilled between two landed checkpoints', () => {
    /**
     * src fills `agg.in` and `late.in` (in that key order); stepper, once `step` opens, pings
     * `late` (a turn whose slow journal append is still in flight when the next turns run), then
     * sends two more items: `agg` resets its slot at two items and gets it refilled by the next
     * one, both while that append is in flight, so one entry spans the reset and the refill.
     */
    function aggregatorFlow(options: { store?: FileJobStore; step: Promise<void>; hold: Promise<void> }): Flow {
      const { store, step, hold } = options;
      const flow = new Flow({ flowId: 'agg', ...(store && { store, checkpoint: 'always' as const, checkpointRetry: { journal: true } }) });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { ctx.emit('out', { i: 0 }); ctx.emit('step', {}); } }, ['out', 'step']), 'src');
      flow.addRoutine(
        makeRoutine({
          in: async (_d: Payload, ctx: ExecutionContext) => {
            await step;
            ctx.emit('ping', {});
            await sleep(10);
            ctx.emit('out', { i: 1 });
            ctx.emit('out', { i: 2 });
            ctx.emit('hold', {});
          },
        }, ['out', 'hold', 'ping']),
        'stepper',
      );
      flow.addRoutine(makeRoutine({ in: { mergeStrategy: 'append', handler: async (d: Payload, ctx: ExecutionContext) => {
        if ((d.i as number[]).length >= 2) ctx.resetSlot();
        await sleep(5); // the reset lands in a snapshot of its own, before the refill
      } } }, []), 'agg');
      flow.addRoutine(makeRoutine({ in: { mergeStrategy: 'append', handler: async () => sleep(0) } }, []), 'late');
      flow.addRoutine(makeRoutine({ in: async () => hold }, []), 'gate');
      flow.connect('src', 'out', 'agg', 'in');
      flow.connect('src', 'out', 'late', 'in');
      flow.connect('src', 'step', 'stepper', 'in');
      flow.connect('stepper', 'out', 'agg', 'in');
      flow.connect('stepper', 'out', 'late', 'in');
      flow.connect('stepper', 'ping', 'late', 'in');
      flow.connect('stepper', 'hold', 'gate', 'in');
      return flow;
    }

    async function until(what: () => boolean): Promise<void> {
      for (let i = 0; i < 1000 && !what(); i++) await sleep(5);
      expect(what()).to.equal(true);
    }

    it('FINDING diff of non-consecutive snapshots across a slot reset + refill replays slotData in another key order than the live snapshot', async () => {
      const job = aggregatorFlow({ step: Promise.resolve(), hold: Promise.resolve() }).start('src', {});
      const snaps: JobState[] = [];
      job.state$.subscribe((s) => snaps.push(s));
      await job.wait();
      const mismatches: string[] = [];
      for (let i = 0; i < snaps.length; i++) {
        for (let j = i + 1; j < snaps.length; j++) {
          const replayed = JSON.stringify(new JobState(applyJournalEntry(snaps[i], diffJobStates(snaps[i], snaps[j]))));
          if (replayed !== JSON.stringify(snaps[j])) mismatches.push(`${i}->${j}: [${Object.keys(snaps[i].slotData)}] -> [${Object.keys(snaps[j].slotData)}]`);
        }
      }
      expect(mismatches, 'pairs whose replayed diff is not JSON-equal to the target snapshot').to.deep.equal([]);
    });

    it('FINDING FileJobStore journal: load() after coalesced checkpoints is not JSON-equal to the live job.state (slotData key order)', async () => {
      const step = gate();
      const hold = gate();
      const store = new SlowJournalStore(dir);
      const flow = aggregatorFlow({ store, step: step.promise, hold: hold.promise });
      const job = flow.start('src', {}, { jobId: 'agg-1' });
      const runs = (id: string) => (): boolean => job.state.runningTasks.length === 1 && job.state.runningTasks[0].routineId === id && job.state.pendingTasks.length === 0;
      try {
        await until(runs('stepper'));
        await flow.checkpointsFlushed({ timeout: 10_000 });
        expect(JSON.stringify(await store.load('agg-1')), 'before the reset').to.equal(JSON.stringify(job.state));
        step.open();
        await until(runs('gate'));
        await flow.checkpointsFlushed({ timeout: 10_000 });
        const stored = await store.load('agg-1');
        const live = job.state;
        expect(stored, 'deep-equal by value').to.deep.equal(live);
        expect(Object.keys(stored!.slotData), 'slotData key order').to.deep.equal(Object.keys(live.slotData));
        expect(JSON.stringify(stored), 'JSON-equal').to.equal(JSON.stringify(live));
      } finally {
        step.open();
        hold.open();
        await job.wait();
        await flow.checkpointsFlushed({ timeout: 10_000 });
      }
    });
  });

  /**
   * A FileJobStore save is not fenced by the lease, and a JobLeaseKeeper keeps saying 'held'
   * while a renewal is stalled (a slow disk, a stalled event loop) past the ttl: the lease
   * expires, another owner takes the job over and finishes it, and the former holder's
   * checkpoint then lands on top of the new owner's final save.
   */
  describe('leases: a former holder whose renewal stalled past its ttl', () => {
    class StallingStore extends FileJobStore {
      stall: Promise<void> | undefined = undefined;
      override async acquire(jobId: string, owner: string, ttlMs: number): Promise<boolean> {
        if (this.stall !== undefined) await this.stall;
        return super.acquire(jobId, owner, ttlMs);
      }
    }

    function leaseFlow(store: FileJobStore, owner: string, hold: Promise<void>): Flow {
      const flow = new Flow({ flowId: 'leased', store, checkpoint: 'always', owner, leaseTtl: 300 });
      flow.addRoutine(makeRoutine({ trigger: async (_d: Payload, ctx: ExecutionContext) => {
        await hold;
        ctx.setSharedData('finishedBy', owner);
      } }, []), 'work');
      return flow;
    }

    it('FINDING its late checkpoint overwrites the completed state the new holder saved', async () => {
      const storeA = new StallingStore(dir);
      const storeB = new FileJobStore(dir);
      const holdA = gate();
      const renewal = gate();
      const flowA = leaseFlow(storeA, 'A', holdA.promise);
      const jobA = flowA.start('work', {}, { jobId: 'j' });
      try {
        for (let i = 0; i < 400 && ((await storeB.leaseOf('j'))?.owner !== 'A' || (await storeB.load('j')) === undefined); i++) await sleep(5);
        expect((await storeB.leaseOf('j'))?.owner).to.equal('A');
        storeA.stall = renewal.promise; // A's renewals hang from now on
        for (let i = 0; i < 400 && (await storeB.leaseOf('j')) !== undefined; i++) await sleep(10);
        expect(await storeB.leaseOf('j'), "A's lease has expired").to.equal(undefined);

        const flowB = leaseFlow(storeB, 'B', Promise.resolve());
        const jobB = await flowB.resumeStored('j');
        expect((await jobB.wait()).status).to.equal('completed');
        await flowB.checkpointsFlushed({ timeout: 10_000 });
        const byB = await storeB.load('j');
        expect(byB?.status).to.equal('completed');
        expect(byB?.sharedData.finishedBy).to.equal('B');
      } finally {
        storeA.stall = undefined;
        renewal.open();
        holdA.open();
        await jobA.wait().catch(() => undefined);
        await flowA.checkpointsFlushed({ timeout: 10_000 }).catch(() => undefined);
      }
      const final = await storeB.load('j');
      expect({ status: final?.status, finishedBy: final?.sharedData.finishedBy }, 'the stored job after the former holder woke up').to.deep.equal({ status: 'completed', finishedBy: 'B' });
    });
  });

  /**
   * `appendJournalLine` writes the entry with one `writeSync` and ignores the byte count it
   * returns. write(2) on a regular file may write less than asked without failing (a disk or
   * quota filling up mid-write: the short count first, ENOSPC only on the next call), so the
   * append is acknowledged (fdatasynced, resolved) while the journal holds half a line, which
   * the next append cuts off and load ignores: an acknowledged entry is lost.
   */
  describe('FileJobStore journal: a short write (disk filling up)', () => {
    async function runningSnapshots(): Promise<JobState[]> {
      const flow = new Flow({ flowId: 'short' });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { for (let i = 0; i < 4; i++) ctx.emit('out', { i, at: new Date(i) }); } }), 'src');
      flow.addRoutine(makeRoutine({ in: { mergeStrategy: 'append', handler: async () => sleep(1) } }, []), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.start('src', {}, { jobId: 'short-1' });
      const snaps: JobState[] = [];
      job.state$.subscribe((s) => snaps.push(s));
      await job.wait();
      const running = snaps.filter((s) => s.status === 'running');
      // Consecutive distinct running snapshots: each diff is a real, non-empty entry.
      return running.filter((s, i) => i === 0 || !isEmptyEntry(diffJobStates(running[i - 1], s)));
    }

    it('FINDING an append whose write is cut short is acknowledged, and its entry is lost (load gives neither the next state nor an error)', async () => {
      const [s0, s1, s2] = await runningSnapshots();
      expect(s2, 'three distinct running snapshots').to.not.equal(undefined);
      const store = new FileJobStore(dir);
      await store.save(s0);
      const realWrite = fs.writeSync;
      let armed = true;
      (fs as { writeSync: unknown }).writeSync = (fd: number, data: unknown, ...rest: unknown[]): number => {
        if (armed && (typeof data === 'string' || Buffer.isBuffer(data))) {
          // The first write of the append, whether given as a string or as (a range of) bytes.
          armed = false;
          const [offset, length] = typeof data === 'string' ? [0, undefined] : [(rest[0] as number | undefined) ?? 0, rest[1] as number | undefined];
          const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data.subarray(offset, length === undefined ? undefined : offset + length);
          return realWrite(fd, bytes, 0, Math.floor(bytes.length / 2)); // what write(2) does as the disk fills up
        }
        return (realWrite as (...a: unknown[]) => number)(fd, data, ...rest);
      };
      syncBuiltinESMExports();
      let outcome: unknown;
      try {
        outcome = await store.appendJournal('short-1', journalEntryToJSON(diffJobStates(s0, s1))).then(() => 'acknowledged', (error: unknown) => error);
      } finally {
        (fs as { writeSync: unknown }).writeSync = realWrite;
        syncBuiltinESMExports();
      }
      expect(armed, 'the patched writeSync was used').to.equal(false);
      if (outcome !== 'acknowledged') {
        // Refusing the append is fine: then nothing of it may show.
        expect(outcome).to.be.instanceOf(StoreError);
        expect(JSON.stringify(await store.load('short-1'))).to.equal(JSON.stringify(s0));
        return;
      }
      const journal = readFileSync(join(dir, 'short-1.journal'), 'utf8');
      const loaded = await store.load('short-1');
      const what = `load after an acknowledged append (journal ${journal.length} chars, ends with a newline: ${journal.endsWith('\n')}; loaded activationSeq ${loaded?.activationSeq}, acknowledged ${s1.activationSeq})`;
      expect(JSON.stringify(loaded) === JSON.stringify(s1), what).to.equal(true);
      await store.appendJournal('short-1', journalEntryToJSON(diffJobStates(s1, s2)));
      expect(JSON.stringify(await store.load('short-1')) === JSON.stringify(s2), 'load after the next append').to.equal(true);
    });
  });

  /**
   * store-arguments.ts describes a bad state or id with its own `describe`, which reads
   * `value.constructor.name` unguarded (the lease arguments use the guarded `describeValue`): an
   * object whose `constructor` getter throws, or a revoked proxy (on which `instanceof` throws
   * too), escapes as a raw TypeError/Error instead of the documented ConfigurationError.
   */
  describe('bad input that throws while being described', () => {
    const hostile = (): unknown[] => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return [proxy, Object.defineProperty({}, 'constructor', { get: () => { throw new Error('boom'); } })];
    };

    for (const [name, make] of [['FileJobStore', (d: string) => new FileJobStore(d)], ['MemoryJobStore', () => new MemoryJobStore()]] as const) {
      it(`FINDING ${name}: save, load and delete reject a hostile non-JobState / non-string id with a raw error, not a ConfigurationError`, async () => {
        const store = make(dir);
        const outcomes: string[] = [];
        for (const [i, bad] of hostile().entries()) {
          const calls: Array<[string, () => Promise<unknown>]> = [
            ['save', () => store.save(bad as JobState)],
            ['load', () => store.load(bad as string)],
            ['delete', () => store.delete(bad as string)],
          ];
          for (const [call, run] of calls) {
            const error = await Promise.resolve().then(run).then(() => undefined, (e: unknown) => e);
            if (!(error instanceof ConfigurationError)) outcomes.push(`${call}(hostile ${i}): ${(error as Error)?.name}: ${(error as Error)?.message}`);
          }
        }
        expect(outcomes, 'calls not refused with a ConfigurationError').to.deep.equal([]);
      });
    }
  });

  /**
   * Coverage the suite lacked: the lossless property goes through snapshots, the journal
   * property through consecutive snapshots of Dates only. Here hostile values go through a
   * chain of FileJobStore journal entries (shared data overwritten, slot data appended,
   * history appended), and load() is compared with the live job.state at the same point.
   */
  it('journal chain (FileJobStore): load() after N journaled turns equals the live job.state for hostile values (property)', async () => {
    const leaf = fc.oneof(
      fc.date({ noInvalidDate: true }),
      fc.bigInt(),
      fc.constantFrom(-0, NaN, Infinity, -Infinity, undefined, null),
      fc.string({ unit: 'binary', maxLength: 6 }), // lone surrogates included
      fc.string({ maxLength: 3 }).map((t) => t.repeat(3_000)), // long strings
      fc.double(),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('record'), tie('list'), tie('map'), tie('set')),
      record: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', ''), tie('node'), { maxKeys: 3 }),
      list: fc.array(tie('node'), { maxLength: 3 }),
      map: fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 2 }).map((entries) => new Map(entries)),
      set: fc.array(tie('node'), { maxLength: 2 }).map((items) => new Set(items)),
    })).node;
    let run = 0;
    let replayed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 2, maxLength: 6 }), async (values) => {
        const jobId = `hostile-${run++}`;
        const hold = gate();
        let done = 0;
        const store = new FileJobStore(dir);
        const flow = new Flow({ flowId: 'hostile', store, checkpoint: 'always', checkpointRetry: { journal: true } });
        flow.addRoutine(makeRoutine({ trigger: async (_d: Payload, ctx: ExecutionContext) => {
          for (const [i, v] of values.entries()) {
            ctx.setSharedData(`k${i % 2}`, v);
            ctx.emit('out', { v, i });
            await sleep(1); // a turn of its own: one journal entry each
          }
          done = 1;
          await hold.promise;
        } }), 'src');
        flow.addRoutine(makeRoutine({ in: { mergeStrategy: 'append' } }, []), 'sink');
        flow.connect('src', 'out', 'sink', 'in');
        const job = flow.start('src', {}, { jobId });
        try {
          for (let i = 0; i < 1000 && done === 0; i++) await sleep(2);
          await flow.checkpointsFlushed({ timeout: 10_000 });
          const live = job.state;
          const stored = await store.load(jobId);
          expect(job.state, 'the job did not move while it was loaded').to.equal(live);
          const journal = join(dir, `${jobId}.journal`);
          if (existsSync(journal)) replayed += readFileSync(journal, 'utf8').split('\n').length - 2;
          expect(JSON.stringify(stored) === JSON.stringify(live), 'JSON-equal').to.equal(true);
          // The library's deepEqual: chai's throws on a Map keyed by a null-prototype object.
          expect(deepEqual(stored, live), 'deep-equal by value').to.equal(true);
        } finally {
          hold.open();
          await job.wait();
          await flow.checkpointsFlushed({ timeout: 10_000 });
        }
      }),
      { numRuns: 8 },
    );
    expect(replayed, 'journal entries replayed by the loads').to.be.greaterThan(0);
  });
});
