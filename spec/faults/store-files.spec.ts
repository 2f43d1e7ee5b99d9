/**
 * Issue 14, job stores: faults measured on FileJobStore (and checked on MemoryJobStore).
 * - Unbounded open files: 10,000 jobs checkpointing at once gave 32,360 EMFILE errors.
 * - Temp files of interrupted writes were never removed (80 files, 38 MB after 106 SIGKILLs).
 * - Job files that are symbolic links were followed; a directory under a job's name surfaced
 *   as a raw `EISDIR`; every other failure as a raw Node error instead of a StoreError.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, StoreError, type JobState } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { makeState, rejected, sleep, thrown } from '../fixtures/helpers.js';
import { countOpenFiles, patchFs, systemError } from '../fixtures/store-fs-patch.js';

/** The StoreError `promise` rejects with, checked to name `jobId` and `file` (message and fields). */
async function storeError(promise: Promise<unknown>, jobId: string | undefined, file: string): Promise<StoreError> {
  const error = (await rejected(promise, StoreError, file)) as StoreError;
  if (jobId !== undefined) expect(error.message).to.include(`'${jobId}'`);
  expect(error.jobId).to.equal(jobId);
  expect(error.file).to.equal(file);
  return error;
}

/** What `promise` did within `ms`: resolved, rejected (with the error) or still pending (its timer cleared once settled). */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ kind: 'resolved'; value: T } | { kind: 'rejected'; error: unknown } | { kind: 'pending' }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ kind: 'resolved' as const, value }),
        (error: unknown) => ({ kind: 'rejected' as const, error }),
      ),
      new Promise<{ kind: 'pending' }>((resolve) => (timer = setTimeout(resolve, ms, { kind: 'pending' as const }))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('faults: job stores (files)', () => {
  let root: string;
  let dir: string;
  let n = 0;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'routilux-store-faults-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    dir = join(root, `case-${++n}`);
  });

  describe('open files are bounded', () => {
    it('validates maxOpenFiles (an integer >= 1) with a ConfigurationError naming it; the one-argument form still works', () => {
      for (const bad of [0, -1, 1.5, NaN, Infinity, '4', null]) {
        thrown(() => new FileJobStore(dir, { maxOpenFiles: bad as unknown as number }), ConfigurationError, 'maxOpenFiles');
      }
      thrown(() => new FileJobStore(dir, { maxOpenfiles: 4 } as never), ConfigurationError, 'maxOpenfiles');
      thrown(() => new FileJobStore(dir, 4 as never), ConfigurationError, 'options');
      expect(new FileJobStore(dir).maxOpenFiles).to.equal(64);
      expect(new FileJobStore(dir, {}).maxOpenFiles).to.equal(64);
      expect(new FileJobStore(dir, { maxOpenFiles: 1 }).maxOpenFiles).to.equal(1);
      expect(existsSync(dir), 'a refused or unused store touches nothing').to.equal(false);
    });

    it('never holds more than maxOpenFiles files open, however many saves, loads, deletes and lists run at once', async () => {
      const store = new FileJobStore(dir, { maxOpenFiles: 4 });
      const ids = Array.from({ length: 150 }, (_, i) => `job-${i}`);
      const counter = countOpenFiles();
      try {
        await Promise.all(ids.map((id, i) => store.save(makeState(id, { sharedData: { i } }))));
        const loads = Promise.all(ids.map((id) => store.load(id)));
        const lists = Promise.all([store.list(), store.list()]);
        const rewrites = Promise.all(ids.map((id) => store.save(makeState(id, { updatedAt: 7 }))));
        const deletes = Promise.all(ids.slice(0, 50).map((id) => store.delete(id)));
        const [loaded] = await Promise.all([loads, lists, rewrites, deletes]);
        loaded.forEach((state, i) => expect(state!.jobId).to.equal(ids[i]));
      } finally {
        counter.restore();
      }
      expect(counter.open, 'every file closed again').to.equal(0);
      expect(counter.peak, 'files open at once').to.be.at.most(4);
      expect(counter.peak, 'the operations did run in parallel (the check is not vacuous)').to.equal(4);
      expect(await store.list()).to.deep.equal(ids.slice(50).sort());
      for (const id of ids.slice(50)) expect((await store.load(id))!.updatedAt).to.equal(7);
    });
  });

  describe('links and non-regular files are refused, never followed', () => {
    it('a job file that is a symbolic link: load, save and delete reject with a StoreError naming job and file; list skips it', async () => {
      mkdirSync(dir, { recursive: true });
      const outside = join(root, `outside-${n}`);
      mkdirSync(outside);
      const target = join(outside, 'secret.json');
      const secret = JSON.stringify(makeState('linked', { sharedData: { secret: true } }));
      writeFileSync(target, secret);
      const store = new FileJobStore(dir);
      const link = store.pathOf('linked');
      symlinkSync(target, link);
      symlinkSync(join(outside, 'missing.json'), store.pathOf('dangling'));

      const error = await storeError(store.load('linked'), 'linked', link);
      expect(error.message).to.include('symbolic link');
      await storeError(store.save(makeState('linked', { updatedAt: 99 })), 'linked', link);
      await storeError(store.delete('linked'), 'linked', link);
      await storeError(store.load('dangling'), 'dangling', store.pathOf('dangling'));
      await storeError(store.save(makeState('dangling')), 'dangling', store.pathOf('dangling'));
      expect(await store.list()).to.deep.equal([]);
      // Nothing changed: the link is still a link, its target untouched, nothing created outside.
      expect(lstatSync(link).isSymbolicLink()).to.equal(true);
      expect(readFileSync(target, 'utf8')).to.equal(secret);
      expect(readdirSync(outside)).to.deep.equal(['secret.json']);
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('a directory under a job file name: StoreError naming job and file, not a raw EISDIR; the directory is left alone', async () => {
      const store = new FileJobStore(dir);
      const file = store.pathOf('sub');
      mkdirSync(file, { recursive: true });
      writeFileSync(join(file, 'keep.txt'), 'x');
      expect((await storeError(store.load('sub'), 'sub', file)).message).to.include('directory');
      await storeError(store.save(makeState('sub')), 'sub', file);
      await storeError(store.delete('sub'), 'sub', file);
      expect(readdirSync(file)).to.deep.equal(['keep.txt']);
      expect(await store.list()).to.deep.equal([]);
    });

    it('a FIFO under a job file name is refused at once instead of blocking the load forever', async () => {
      const store = new FileJobStore(dir);
      mkdirSync(dir, { recursive: true });
      const file = store.pathOf('pipe');
      const made = spawnSync('mkfifo', [file]);
      if (made.status !== 0) return; // no mkfifo on this platform
      const load = await within(store.load('pipe'), 10_000); // generous: a loaded machine is slow, a blocked load never settles
      expect(load.kind, 'load settles').to.equal('rejected');
      expect((load as { error: unknown }).error).to.be.instanceOf(StoreError);
      expect(((load as { error: StoreError }).error).message).to.include('FIFO');
      await storeError(store.save(makeState('pipe')), 'pipe', file);
      expect(lstatSync(file).isFIFO()).to.equal(true);
    });
  });

  describe('every failure is a StoreError naming the job id and the file', () => {
    it('wraps raw Node errors of save, load, delete and list; the cause is the original error; a failed save keeps the previous snapshot', async () => {
      const store = new FileJobStore(dir);
      await store.save(makeState('a', { updatedAt: 1 }));
      const file = store.pathOf('a');
      const fail = (code: string, syscall: string) => (original: (...args: any[]) => any) => (path: unknown, ...rest: unknown[]) =>
        String(path).startsWith(dir) ? Promise.reject(systemError(code, syscall, path)) : original(path, ...rest);

      let restore = patchFs({ open: fail('EMFILE', 'open') });
      try {
        const saveError = await storeError(store.save(makeState('a', { updatedAt: 2 })), 'a', file);
        expect((saveError.cause as NodeJS.ErrnoException).code).to.equal('EMFILE');
        expect(saveError.message).to.include('EMFILE');
        const loadError = await storeError(store.load('a'), 'a', file);
        expect((loadError.cause as NodeJS.ErrnoException).code).to.equal('EMFILE');
      } finally {
        restore();
      }
      expect((await store.load('a'))!.updatedAt, 'the failed save changed nothing').to.equal(1);

      restore = patchFs({ rename: fail('EXDEV', 'rename') });
      try {
        const renameError = await storeError(store.save(makeState('a', { updatedAt: 3 })), 'a', file);
        expect((renameError.cause as NodeJS.ErrnoException).code).to.equal('EXDEV');
      } finally {
        restore();
      }
      expect(readdirSync(dir), 'no temp file left by the failed saves').to.deep.equal(['a.json']);

      restore = patchFs({ unlink: fail('EBUSY', 'unlink'), readdir: fail('EIO', 'scandir') });
      try {
        const unlinkError = await storeError(store.delete('a'), 'a', file);
        expect((unlinkError.cause as NodeJS.ErrnoException).code).to.equal('EBUSY');
        const listError = await storeError(store.list(), undefined, store.directory);
        expect((listError.cause as NodeJS.ErrnoException).code).to.equal('EIO');
      } finally {
        restore();
      }
      expect((await store.load('a'))!.updatedAt).to.equal(1);
      expect(readdirSync(dir)).to.deep.equal(['a.json']);
    });

    it('a directory replaced by a file: the save fails with a StoreError naming job and file, and the store recovers', async () => {
      const store = new FileJobStore(dir);
      await store.save(makeState('a'));
      rmSync(dir, { recursive: true });
      writeFileSync(dir, 'now a file');
      const error = await storeError(store.save(makeState('a', { updatedAt: 7 })), 'a', store.pathOf('a'));
      expect((error.cause as NodeJS.ErrnoException).code).to.equal('ENOTDIR');
      rmSync(dir);
      await store.save(makeState('a', { updatedAt: 8 }));
      expect((await store.load('a'))!.updatedAt).to.equal(8);
    });

    it('MemoryJobStore: a failure of its map is a StoreError naming the job, and the previous snapshot stays', async () => {
      const store = new MemoryJobStore();
      await store.save(makeState('m', { updatedAt: 1 }));
      const texts = (store as unknown as { texts: Map<string, string> }).texts;
      texts.set = () => {
        throw new RangeError('Map maximum size exceeded');
      };
      const error = (await rejected(store.save(makeState('m', { updatedAt: 2 })), StoreError, "'m'", 'Map maximum size exceeded')) as StoreError;
      expect(error.jobId).to.equal('m');
      expect(error.cause).to.be.instanceOf(RangeError);
      expect((await store.load('m'))!.updatedAt).to.equal(1);
    });
  });

  describe('stale temp files', () => {
    /** A temp name of the store's own pattern for job file `name`, written by `pid`. */
    const temp = (name: string, pid: number, tag: string): string => `.${name}.${pid}.1.${tag}.tmp`;

    it('are removed when a store first opens the directory; a live writer’s, foreign files and look-alike directories are kept', async () => {
      mkdirSync(dir, { recursive: true });
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
      try {
        const big = 'x'.repeat(100_000);
        const stale = [temp('a.json', dead, 'abc123'), temp('%4frder%2017.json', dead, 'q'), temp('b.json', process.pid, 'zzz')];
        const kept = [temp('c.json', live.pid!, 'live'), '.notes.tmp', 'x.tmp', '.a.json.tmp', '.a.json.12.tmp', 'a.json'];
        for (const name of [...stale, ...kept]) writeFileSync(join(dir, name), name === 'a.json' ? JSON.stringify(makeState('a')) : big);
        mkdirSync(join(dir, temp('d.json', dead, 'dir')));
        const store = new FileJobStore(dir);
        expect(await store.list()).to.deep.equal(['a']);
        expect(readdirSync(dir).sort()).to.deep.equal([...kept, temp('d.json', dead, 'dir')].sort());
      } finally {
        live.kill('SIGKILL');
      }
    });

    it('does not remove a temp file this process is writing through another store on the same directory', async () => {
      mkdirSync(dir, { recursive: true });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let opened = false;
      const restore = patchFs({
        open: (original) => async (path: unknown, flags: unknown, ...rest: unknown[]) => {
          const handle = await original(path, flags, ...rest);
          // Hold the first temp file open (created, not yet written) until the sweep has run.
          if (flags === 'wx' && !opened) {
            opened = true;
            await gate;
          }
          return handle;
        },
      });
      try {
        const writer = new FileJobStore(dir);
        await writer.list(); // the writer's own first open (and sweep) is done
        const saving = writer.save(makeState('w', { updatedAt: 5 }));
        while (!opened) await sleep(1);
        const inFlight = readdirSync(dir).filter((name) => name.endsWith('.tmp'));
        expect(inFlight).to.have.length(1);
        expect(await new FileJobStore(dir).list()).to.deep.equal([]); // a second store opens: sweeps
        expect(readdirSync(dir)).to.include(inFlight[0]);
        release();
        await saving;
      } finally {
        release();
        restore();
      }
      expect(((await new FileJobStore(dir).load('w')) as JobState).updatedAt).to.equal(5);
    });
  });
});
