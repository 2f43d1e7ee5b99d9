/**
 * The JobStore contract as specs, shared by every store's spec: MemoryJobStore and
 * FileJobStore (spec/persistence) and RedisJobStore (spec/bullmq) run the very same
 * assertions. Each `...Contract(name, make)` declares a `describe` block; `make` returns a
 * fresh, empty store for each test.
 */
import { expect } from 'chai';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { ConfigurationError, Flow, JobState, Routine, SerializationError, StoreError, type ExecutionContext, type JobStatus, type JobStore, type Payload } from '../../lib/index.js';
import { diffJobStates } from '../../lib/state/job-journal.js';
import { journalEntryToJSON } from '../../lib/state/job-journal-json.js';
import { makeRoutine } from '../helpers/routines.js';
import { makeState, rejected, sleep } from '../fixtures/helpers.js';

export type LeaseStore = JobStore & Required<Pick<JobStore, 'acquire' | 'release' | 'leaseOf'>>;
export type PruneStore = JobStore & Required<Pick<JobStore, 'prune' | 'acquire' | 'release' | 'leaseOf'>>;
export type JournalStore = JobStore & Required<Pick<JobStore, 'appendJournal' | 'prune'>>;

/** The stored ids, sorted (MemoryJobStore lists in insertion order). */
export async function ids(store: JobStore): Promise<string[]> {
  return (await store.list()).sort();
}

export const STATUSES: JobStatus[] = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
export const MINUTE = 60_000;

/** Saves one job per status, `<status>-job`, updated `age` ms ago. */
export async function saveOnePerStatus(store: JobStore, age = 0): Promise<void> {
  for (const status of STATUSES) await store.save(makeState(`${status}-job`, { status, updatedAt: Date.now() - age }));
}

class Counter extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['n']);
    this.defineSlot<{ n: number }>('trigger', (data, ctx) => {
      ctx.setSharedData('seen', data.n);
      ctx.setSharedData('at', new Date(1_700_000_000_000));
      for (let i = 0; i < data.n; i++) this.emit('out', { n: i });
    });
  }
}

/** save / load / list / delete: what every JobStore does. */
export function storeContract(name: string, make: () => JobStore): void {
  describe(`${name}: the store contract`, () => {
    it('round-trips a real job state losslessly, as a fresh JobState', async () => {
      const flow = new Flow({ flowId: 'contract' });
      flow.addRoutine(new Counter(), 'counter');
      const state = await flow.execute('counter', { n: 3 }, { jobId: 'm1' });
      const store = make();
      await store.save(state);
      const loaded = await store.load('m1');
      expect(loaded).to.be.instanceOf(JobState);
      expect(loaded).to.not.equal(state);
      expect(JSON.stringify(loaded)).to.equal(JSON.stringify(state));
      expect(loaded!.getSharedData('seen')).to.equal(3);
      expect(loaded!.getSharedData('at')).to.be.instanceOf(Date);
    });

    it('gives an independent copy on every load, and keeps the snapshot as it was when saved', async () => {
      const store = make();
      const payload = { items: ['x'] };
      await store.save(makeState('a', { sharedData: { list: [1, 2], payload } }));
      payload.items.push('y');
      const one = await store.load('a');
      const two = await store.load('a');
      expect(one).to.not.equal(two);
      (one!.sharedData.list as number[]).push(3);
      expect((await store.load('a'))!.sharedData.list).to.deep.equal([1, 2]);
      expect((await store.load('a'))!.sharedData.payload).to.deep.equal({ items: ['x'] });
    });

    it('replaces a job on save, lists and deletes; an unknown job loads as undefined', async () => {
      const store = make();
      await store.save(makeState('a', { updatedAt: 1 }));
      await store.save(makeState('b'));
      await store.save(makeState('a', { updatedAt: 5 }));
      expect(await ids(store)).to.deep.equal(['a', 'b']);
      expect((await store.load('a'))!.updatedAt).to.equal(5);
      await store.delete('a');
      await store.delete('a');
      await store.delete('never-saved');
      expect(await store.list()).to.deep.equal(['b']);
      expect(await store.load('a')).to.equal(undefined);
      expect(await store.load('nope')).to.equal(undefined);
    });

    it('accepts any string id: empty, separators, colons, braces, integers, unicode, lone surrogates', async () => {
      const store = make();
      const odd = ['a/b', '..', '', 'ünï 🎉', 'CON', 'order:17', '{tag}', '42', 'x\ud800y', 'A', 'a'];
      for (const id of odd) await store.save(makeState(id));
      expect(await ids(store)).to.deep.equal([...odd].sort());
      for (const id of odd) expect((await store.load(id))!.jobId).to.equal(id);
    });

    it('rejects a state JSON cannot carry with a SerializationError naming the job, storing nothing', async () => {
      const store = make();
      const state = makeState('big', { sharedData: {} });
      await rejected(store.save(new JobState({ ...state, sharedData: { n: () => 10 } })), SerializationError, "job 'big'");
      expect(await store.list()).to.deep.equal([]);
    });

    it('rejects bad input with a ConfigurationError', async () => {
      const store = make();
      await rejected(store.save({ jobId: 'x' } as unknown as JobState), ConfigurationError, 'JobState');
      await rejected(store.save(undefined as unknown as JobState), ConfigurationError, 'JobState');
      await rejected(store.load(42 as unknown as string), ConfigurationError, 'job id');
      await rejected(store.delete(null as unknown as string), ConfigurationError, 'job id');
    });
  });
}

/** Leases: acquire, renew, take over, release, leaseOf, delete. */
export function leaseContract(name: string, make: () => LeaseStore): void {
  describe(`${name}: leases`, () => {
    it('grants a free lease, refuses another owner while it runs, and names the holder in leaseOf', async () => {
      const store = make();
      expect(await store.leaseOf('a')).to.equal(undefined);
      const before = Date.now();
      expect(await store.acquire('a', 'worker-1', 60_000)).to.equal(true);
      expect(await store.acquire('a', 'worker-2', 60_000)).to.equal(false);
      const lease = await store.leaseOf('a');
      expect(lease?.owner).to.equal('worker-1');
      expect(lease!.expiresAt).to.be.within(before + 60_000, Date.now() + 60_000);
      // Leases are per job, and need no stored job.
      expect(await store.acquire('b', 'worker-2', 60_000)).to.equal(true);
      expect((await store.leaseOf('b'))?.owner).to.equal('worker-2');
      expect(await store.list()).to.deep.equal([]);
    });

    it('is renewed by its holder acquiring again, which moves expiresAt', async () => {
      const store = make();
      expect(await store.acquire('a', 'worker-1', 1_000)).to.equal(true);
      const first = (await store.leaseOf('a'))!.expiresAt;
      await sleep(5);
      expect(await store.acquire('a', 'worker-1', 120_000)).to.equal(true);
      const second = (await store.leaseOf('a'))!;
      expect(second.owner).to.equal('worker-1');
      expect(second.expiresAt).to.be.greaterThan(first + 100_000);
      expect(await store.acquire('a', 'worker-2', 60_000)).to.equal(false);
    });

    it('is taken over by another owner once it has expired; the old holder is refused then', async () => {
      const store = make();
      // 1.5 s: the refusal right after must come before the expiry even on a loaded machine
      // (400 ms was close for the file store); then wait until just past that expiry.
      expect(await store.acquire('a', 'worker-1', 1_500)).to.equal(true);
      const { expiresAt } = (await store.leaseOf('a'))!;
      expect(await store.acquire('a', 'worker-2', 60_000)).to.equal(false);
      while (Date.now() <= expiresAt + 50) await sleep(10);
      expect(await store.leaseOf('a'), 'an expired lease is nobody’s').to.equal(undefined);
      expect(await store.acquire('a', 'worker-2', 60_000)).to.equal(true);
      expect((await store.leaseOf('a'))?.owner).to.equal('worker-2');
      expect(await store.acquire('a', 'worker-1', 60_000)).to.equal(false);
    });

    it('is dropped by release of its holder only; then another owner acquires it', async () => {
      const store = make();
      await store.release('a', 'worker-1'); // nothing to release: a no-op
      expect(await store.acquire('a', 'worker-1', 60_000)).to.equal(true);
      await store.release('a', 'worker-2'); // not the holder: a no-op
      expect((await store.leaseOf('a'))?.owner).to.equal('worker-1');
      await store.release('a', 'worker-1');
      expect(await store.leaseOf('a')).to.equal(undefined);
      expect(await store.acquire('a', 'worker-2', 60_000)).to.equal(true);
      expect((await store.leaseOf('a'))?.owner).to.equal('worker-2');
    });

    it('is removed by delete(jobId), with the job', async () => {
      const store = make();
      await store.save(makeState('a'));
      expect(await store.acquire('a', 'worker-1', 60_000)).to.equal(true);
      await store.delete('a');
      expect(await store.load('a')).to.equal(undefined);
      expect(await store.leaseOf('a')).to.equal(undefined);
      expect(await store.acquire('a', 'worker-2', 60_000)).to.equal(true);
    });

    it('keeps any string as a job id, the empty one and odd ones included', async () => {
      const store = make();
      for (const id of ['', 'a/b', '../x', 'ünï 🎉', 'x'.repeat(400)]) {
        expect(await store.acquire(id, 'w', 60_000), id).to.equal(true);
        expect((await store.leaseOf(id))?.owner).to.equal('w');
        await store.release(id, 'w');
        expect(await store.leaseOf(id)).to.equal(undefined);
      }
    });

    it('validates its arguments with a ConfigurationError naming the bad one, and never throws while describing it', async () => {
      const store = make();
      const hostile = { toString: () => { throw new Error('boom'); } };
      for (const owner of ['', undefined, null, 7, hostile, Symbol('s')]) {
        await rejected(store.acquire('a', owner as never, 1_000), ConfigurationError, 'owner');
        await rejected(store.release('a', owner as never), ConfigurationError, 'owner');
      }
      for (const ttl of [0, -1, NaN, Infinity, -Infinity, '1000', undefined, null, 10n, hostile]) {
        await rejected(store.acquire('a', 'w', ttl as never), ConfigurationError, 'ttlMs');
      }
      for (const id of [undefined, null, 7, hostile]) {
        await rejected(store.acquire(id as never, 'w', 1_000), ConfigurationError, 'job id');
        await rejected(store.release(id as never, 'w'), ConfigurationError, 'job id');
        await rejected(store.leaseOf(id as never), ConfigurationError, 'job id');
      }
      expect(await store.leaseOf('a'), 'a refused call changes nothing').to.equal(undefined);
    });
  });
}

/** Retention: prune by status and age, keeping leased jobs. */
export function pruneContract(name: string, make: () => PruneStore): void {
  describe(`${name}: prune`, () => {
    it('by default deletes the completed and cancelled jobs of any age and returns how many', async () => {
      const store = make();
      await saveOnePerStatus(store);
      await store.save(makeState('ancient', { status: 'completed', updatedAt: 2 }));
      await store.save(makeState('ahead', { status: 'cancelled', updatedAt: Date.now() + 10 * MINUTE })); // another clock
      expect(await store.prune()).to.equal(4);
      expect(await ids(store)).to.deep.equal(['failed-job', 'paused-job', 'pending-job', 'running-job']);
      expect(await store.prune({})).to.equal(0);
    });

    it('deletes only the statuses given', async () => {
      const store = make();
      await saveOnePerStatus(store);
      expect(await store.prune({ statuses: ['failed', 'paused'] })).to.equal(2);
      expect(await ids(store)).to.deep.equal(['cancelled-job', 'completed-job', 'pending-job', 'running-job']);
      expect(await store.prune({ statuses: [] }), 'no status, nothing to delete').to.equal(0);
      expect(await store.prune({ statuses: STATUSES })).to.equal(4);
      expect(await ids(store)).to.deep.equal([]);
    });

    it('deletes only jobs last updated more than olderThan ms ago', async () => {
      const store = make();
      await store.save(makeState('old', { status: 'completed', updatedAt: Date.now() - 10 * MINUTE }));
      await store.save(makeState('recent', { status: 'completed', updatedAt: Date.now() - MINUTE }));
      await store.save(makeState('old-failed', { status: 'failed', updatedAt: Date.now() - 10 * MINUTE }));
      expect(await store.prune({ olderThan: 5 * MINUTE })).to.equal(1);
      expect(await ids(store)).to.deep.equal(['old-failed', 'recent']);
      expect(await store.prune({ olderThan: 30 * MINUTE, statuses: ['failed', 'completed'] })).to.equal(0);
      expect(await store.prune({ olderThan: 30_000, statuses: ['failed', 'completed'] })).to.equal(2);
    });

    it('keeps a job whose lease is held, and deletes it once the lease is released or has expired', async () => {
      const store = make();
      await store.save(makeState('held', { status: 'completed' }));
      await store.save(makeState('expiring', { status: 'completed' }));
      expect(await store.acquire('held', 'worker-1', MINUTE)).to.equal(true);
      expect(await store.acquire('expiring', 'worker-1', 20)).to.equal(true);
      await sleep(80);
      expect(await store.prune()).to.equal(1);
      expect(await ids(store)).to.deep.equal(['held']);
      expect((await store.leaseOf('held'))?.owner, 'the holder keeps its lease').to.equal('worker-1');
      expect(await store.leaseOf('expiring')).to.equal(undefined);
      expect(await store.acquire('expiring', 'worker-2', MINUTE), 'a pruned job leaves no lease behind').to.equal(true);
      await store.release('held', 'worker-1');
      expect(await store.prune()).to.equal(1);
      expect(await ids(store)).to.deep.equal([]);
    });

    it('validates its options with a ConfigurationError naming the bad one, and changes nothing then', async () => {
      const store = make();
      await saveOnePerStatus(store);
      const hostile = { toString: () => { throw new Error('boom'); } };
      const bad: Array<[unknown, string]> = [
        [null, 'object'], [5, 'object'], ['completed', 'object'], [['completed'], 'object'], [hostile, 'toString'],
        [{ statuses: 'completed' }, 'statuses'], [{ statuses: ['done'] }, 'statuses'], [{ statuses: [hostile] }, 'statuses'],
        [{ statuses: [undefined] }, 'statuses'], [{ olderThan: -1 }, 'olderThan'], [{ olderThan: NaN }, 'olderThan'],
        [{ olderThan: Infinity }, 'olderThan'], [{ olderThan: '60000' }, 'olderThan'], [{ olderThan: null }, 'olderThan'],
        [{ olderthan: 5 }, 'olderthan'],
      ];
      for (const [options, mention] of bad) await rejected(store.prune(options as never), ConfigurationError, 'prune', mention);
      expect(await ids(store)).to.have.length(STATUSES.length);
    });
  });
}

/** Snapshots of a small job (one per turn), ending completed; Dates in its payloads. */
export async function journalSnapshots(items = 6): Promise<JobState[]> {
  const flow = new Flow({ historyLimit: 3 });
  flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => {
    for (let i = 0; i < items; i++) ctx.emit('out', { i, at: new Date(i) });
  } }), 'src');
  flow.addRoutine(makeRoutine({ in: async (d: Payload, ctx: ExecutionContext) => {
    await sleepFor(0);
    ctx.setSharedData('last', d.at);
  } }, []), 'sink');
  flow.connect('src', 'out', 'sink', 'in');
  const job = flow.start('src', {}, { jobId: 'j/1' });
  const out: JobState[] = [];
  job.state$.subscribe((s) => out.push(s));
  await job.wait();
  return out;
}

/** The journal entry that takes `a` to `b`, encoded as a store receives it. */
export const journalEntry = (a: JobState, b: JobState): unknown => journalEntryToJSON(diffJobStates(a, b));

/** Hooks for a store's own checks at points of the journal contract (say, its files). */
export interface JournalChecks {
  afterAppend?(): void;
  afterCompact?(): void;
  afterDelete?(): void;
}

/** appendJournal with load, save (compaction), list, delete and prune. */
export function journalContract(name: string, make: () => JournalStore, checks: () => JournalChecks = () => ({})): void {
  describe(`${name}: journal`, () => {
    const same = (a: JobState | undefined, b: JobState): void => {
      expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
    };

    it('append + load gives the newest state; save compacts; list, delete and prune handle the journal', async () => {
      const store = make();
      const hooks = checks();
      const s = await journalSnapshots();
      expect(s.length).to.be.greaterThan(3);
      await store.save(s[0]);
      for (let i = 1; i < s.length - 1; i++) await store.appendJournal(s[0].jobId, journalEntry(s[i - 1], s[i]));
      same(await store.load('j/1'), s[s.length - 2]);
      expect((await store.load('j/1'))!.getSharedData('last')).to.be.instanceOf(Date);
      expect(await store.list()).to.deep.equal(['j/1']);
      hooks.afterAppend?.();
      await store.save(s[s.length - 1]);
      hooks.afterCompact?.();
      same(await store.load('j/1'), s[s.length - 1]);
      // A completed job is pruned with its journal, a running one deleted with it.
      await store.appendJournal('j/1', journalEntry(s[s.length - 1], s[s.length - 1]));
      expect(await store.prune()).to.equal(1);
      expect(await store.load('j/1')).to.equal(undefined);
      await store.save(s[0]);
      await store.appendJournal('j/1', journalEntry(s[0], s[1]));
      await store.delete('j/1');
      expect(await store.load('j/1')).to.equal(undefined);
      hooks.afterDelete?.();
    });

    it('refuses a journal entry for a job without a saved snapshot (StoreError)', async () => {
      const store = make();
      const s = await journalSnapshots();
      const error = await store.appendJournal('nope', journalEntry(s[0], s[1])).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(StoreError);
    });
  });
}
