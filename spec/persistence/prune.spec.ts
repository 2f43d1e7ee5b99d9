/**
 * Issue 15, point 10: retention. `prune` as a contract both stores meet (statuses, age, leased
 * jobs kept, the count, validation), then FileJobStore's `retention` option, which prunes in
 * the background when the store opens its directory and after saves.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { RetentionSchedule } from '../../lib/persistence/retention-schedule.js';
import { makeState, sleep, thrown } from '../fixtures/helpers.js';
import { patchFs, systemError } from '../fixtures/store-fs-patch.js';
import { MINUTE, pruneContract, saveOnePerStatus } from './store-contract.js';

let root: string;
let n = 0;
const freshDir = (): string => join(root, `case-${++n}`);

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
