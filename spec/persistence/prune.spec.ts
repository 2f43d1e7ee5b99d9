/**
 * Issue 15, point 10: retention. `prune` as a contract both stores meet (statuses, age, leased
 * jobs kept, the count, validation), then FileJobStore's `retention` option, which prunes in
 * the background when the store opens its directory and after saves.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, type JobStatus, type JobStore } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { RetentionSchedule } from '../../lib/persistence/retention-schedule.js';
import { makeState, rejected, sleep, thrown } from '../fixtures/helpers.js';
import { patchFs, systemError } from '../fixtures/store-fs-patch.js';

/** The stored ids, sorted (MemoryJobStore lists in insertion order). */
async function ids(store: JobStore): Promise<string[]> {
  return (await store.list()).sort();
}

type PruneStore = JobStore & Required<Pick<JobStore, 'prune' | 'acquire' | 'release' | 'leaseOf'>>;

const STATUSES: JobStatus[] = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
const MINUTE = 60_000;

let root: string;
let n = 0;
const freshDir = (): string => join(root, `case-${++n}`);

/** Saves one job per status, `<status>-job`, updated `age` ms ago. */
async function saveOnePerStatus(store: JobStore, age = 0): Promise<void> {
  for (const status of STATUSES) await store.save(makeState(`${status}-job`, { status, updatedAt: Date.now() - age }));
}

function pruneContract(name: string, make: () => PruneStore): void {
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

describe('job retention', () => {
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'routilux-prune-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  pruneContract('MemoryJobStore', () => new MemoryJobStore());
  pruneContract('FileJobStore', () => new FileJobStore(freshDir()));

  describe('FileJobStore: prune on disk', () => {
    it('removes the job files and their expired lock files, and leaves corrupt and foreign files alone', async () => {
      const dir = freshDir();
      const store = new FileJobStore(dir);
      await store.save(makeState('done', { status: 'completed' }));
      await store.save(makeState('torn', { status: 'completed' }));
      expect(await store.acquire('done', 'worker-1', 20)).to.equal(true);
      writeFileSync(store.pathOf('torn'), '{"format":"routilux.job",');
      writeFileSync(join(dir, 'notes.txt'), 'keep me');
      await sleep(60);
      expect(await store.prune()).to.equal(1);
      expect(readdirSync(dir).sort()).to.deep.equal(['notes.txt', 'torn.json']);
    });
  });

  describe('FileJobStore: the retention option', retentionSpecs);

  describe('RetentionSchedule', () => {
    it('prunes on the first poke, then at most once per interval, one prune at a time; failures are dropped', async () => {
      let runs = 0;
      let fail = false;
      let gate: Promise<void> = Promise.resolve();
      const schedule = new RetentionSchedule(10 * MINUTE, async () => {
        runs++;
        await gate;
        if (fail) throw new Error('prune failed');
        return 0;
      });
      const realNow = Date.now;
      let offset = 0;
      Date.now = () => realNow.call(Date) + offset; // the clock moves only when the test says so
      try {
        await schedule.settled(); // nothing running: resolves at once
        schedule.poke();
        schedule.poke();
        await schedule.settled();
        expect(runs).to.equal(1);
        offset = 9 * MINUTE;
        schedule.poke(); // within the interval
        expect(runs).to.equal(1);
        offset = 11 * MINUTE;
        let open!: () => void;
        gate = new Promise((resolve) => (open = resolve));
        fail = true;
        schedule.poke();
        expect(runs).to.equal(2);
        offset = 30 * MINUTE;
        schedule.poke(); // due, but the previous prune still runs
        expect(runs).to.equal(2);
        open();
        await schedule.settled(); // the failure is dropped: settled never rejects
        schedule.poke(); // the running one ended: due again
        await schedule.settled();
        expect(runs).to.equal(3);
      } finally {
        Date.now = realNow;
      }
    });
  });
});

function retentionSpecs(): void {
  it('is validated with a ConfigurationError naming it; a store without it never prunes', async () => {
    const dir = freshDir();
    for (const retention of [null, 5, {}, { olderThan: -1 }, { olderThan: '1' }, { olderThan: 0, statuses: ['finished'] }, { olderThan: 0, every: 5 }]) {
      thrown(() => new FileJobStore(dir, { retention } as never), ConfigurationError, 'retention');
    }
    expect(existsSync(dir), 'a refused store touches nothing').to.equal(false);
    const plain = new FileJobStore(dir);
    await plain.save(makeState('done', { status: 'completed' }));
    await plain.retentionSettled();
    expect(await new FileJobStore(dir).list()).to.deep.equal(['done']);
  });

  it('prunes when the store first opens its directory, with its statuses and age, keeping leased jobs', async () => {
    const dir = freshDir();
    const before = new FileJobStore(dir);
    await saveOnePerStatus(before, 10 * MINUTE);
    await before.save(makeState('recent-failed', { status: 'failed', updatedAt: Date.now() }));
    await before.save(makeState('leased-failed', { status: 'failed', updatedAt: 2 }));
    expect(await before.acquire('leased-failed', 'another-process', MINUTE)).to.equal(true);
    const store = new FileJobStore(dir, { retention: { olderThan: 5 * MINUTE, statuses: ['failed', 'completed'] } });
    await store.load('paused-job'); // any first operation opens the directory
    await store.retentionSettled();
    expect(await store.list()).to.deep.equal(['cancelled-job', 'leased-failed', 'paused-job', 'pending-job', 'recent-failed', 'running-job']);
  });

  it('prunes again after a save at most once per max(olderThan, a minute), in the background', async () => {
    const dir = freshDir();
    const store = new FileJobStore(dir, { retention: { olderThan: 0 } });
    await store.list(); // opens the directory: the first prune (nothing to delete yet)
    await store.retentionSettled();
    await store.save(makeState('late', { status: 'completed' }));
    await store.retentionSettled();
    expect(await store.list(), 'a minute has not passed: no prune').to.deep.equal(['late']);
    const realNow = Date.now;
    Date.now = () => realNow.call(Date) + MINUTE + 1_000;
    try {
      await store.save(makeState('live', { status: 'running' }));
      await store.retentionSettled();
    } finally {
      Date.now = realNow;
    }
    expect(await store.list()).to.deep.equal(['live']);
  });

  it('a failing background prune never fails a save and reports nothing', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    let failures = 0;
    const restore = patchFs({
      readdir: (original) => (path: unknown, ...rest: unknown[]) => {
        if (String(path) !== dir) return original(path, ...rest);
        failures++;
        return Promise.reject(systemError('EIO', 'scandir', path));
      },
    });
    const store = new FileJobStore(dir, { retention: { olderThan: 0 } });
    try {
      await store.save(makeState('done', { status: 'completed' }));
      await store.retentionSettled();
    } finally {
      restore();
    }
    expect(failures, 'the sweeps and the prune did try to read the directory').to.be.at.least(3);
    expect(await store.list()).to.deep.equal(['done']);
  });
}
