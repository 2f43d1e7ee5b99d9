/**
 * Issue 15, point 6: a stored job runs in one process at a time. Leases (acquire, release,
 * leaseOf) as a contract both stores meet, then what only FileJobStore has: lock files next to
 * the job files, race-safe between processes.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { makeState, rejected } from '../fixtures/helpers.js';
import { patchFs, systemError } from '../fixtures/store-fs-patch.js';
import { leaseContract } from './store-contract.js';

const CHILD = fileURLToPath(new URL('../fixtures/leases-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let root: string;
let n = 0;
const freshDir = (): string => join(root, `case-${++n}`);

/** The pid of a process that has exited (so `kill(pid, 0)` fails). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('job leases', () => {
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'routilux-leases-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  leaseContract('MemoryJobStore', () => new MemoryJobStore());
  leaseContract('FileJobStore', () => new FileJobStore(freshDir()));
  describe('FileJobStore: lock files', fileLockSpecs);
});

function fileLockSpecs(): void {
  let dir: string;
  beforeEach(() => {
    dir = freshDir();
  });

  /** Writes a lock file as another process would have: `{ owner, expiresAt, pid, token }`. */
  function plantLock(store: FileJobStore, jobId: string, lock: { owner: string; expiresAt: number; pid: number; token?: string }): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(store.lockPathOf(jobId), JSON.stringify({ token: 'abcdef0123456789', ...lock }));
  }

  it('are <encoded id>.lock next to the job file, hold { owner, expiresAt, pid }, and are never listed as jobs', async () => {
    const store = new FileJobStore(dir);
    expect(await store.acquire('Order 17', 'worker-1', 60_000)).to.equal(true);
    expect(store.lockPathOf('Order 17')).to.equal(join(dir, '%4frder%2017.lock'));
    const lock = JSON.parse(readFileSync(store.lockPathOf('Order 17'), 'utf8'));
    expect(lock).to.include({ owner: 'worker-1', pid: process.pid });
    expect(lock.expiresAt).to.be.a('number');
    expect(await store.list()).to.deep.equal([]);
    await store.save(makeState('Order 17'));
    expect(await store.list()).to.deep.equal(['Order 17']);
    expect(readdirSync(dir).sort()).to.deep.equal(['%4frder%2017.json', '%4frder%2017.lock']);
    // A fresh store (another process) sees the same: one job, its lock untouched by the sweep.
    const other = new FileJobStore(dir);
    expect(await other.list()).to.deep.equal(['Order 17']);
    expect(await other.acquire('Order 17', 'worker-2', 60_000)).to.equal(false);
    await store.delete('Order 17');
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('takes over the expired lock of a dead process; an unexpired one is kept whatever its pid', async () => {
    const store = new FileJobStore(dir);
    plantLock(store, 'a', { owner: 'crashed', expiresAt: Date.now() - 1_000, pid: deadPid() });
    plantLock(store, 'b', { owner: 'crashed', expiresAt: Date.now() + 60_000, pid: deadPid() });
    expect(await store.leaseOf('a')).to.equal(undefined);
    expect(await store.acquire('a', 'worker-1', 60_000)).to.equal(true);
    expect(JSON.parse(readFileSync(store.lockPathOf('a'), 'utf8'))).to.include({ owner: 'worker-1', pid: process.pid });
    expect((await store.leaseOf('b'))?.owner).to.equal('crashed');
    expect(await store.acquire('b', 'worker-1', 60_000)).to.equal(false);
  });

  it('a takeover is not blocked by the claim a crashed process left, but waits out a live one', async () => {
    const store = new FileJobStore(dir);
    const token = '00112233aabbccdd';
    plantLock(store, 'a', { owner: 'crashed', expiresAt: Date.now() - 1_000, pid: deadPid(), token });
    plantLock(store, 'b', { owner: 'crashed', expiresAt: Date.now() - 1_000, pid: deadPid(), token });
    writeFileSync(join(dir, `.a.lock.${token}.1.claim`), JSON.stringify({ pid: deadPid() }));
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, `.b.lock.${token}.1.claim`), JSON.stringify({ pid: live.pid }));
      expect(await store.acquire('a', 'worker-1', 60_000)).to.equal(true);
      expect(readdirSync(dir).filter((name) => name.startsWith('.a.lock')), 'the dead claim is cleaned up').to.deep.equal([]);
      // A live process is taking `b` over: refused (after a short wait), never both.
      expect(await store.acquire('b', 'worker-1', 60_000)).to.equal(false);
      expect(JSON.parse(readFileSync(store.lockPathOf('b'), 'utf8')).owner).to.equal('crashed');
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('a fresh store sweeps claims of generations that are over and temp files of dead writers, keeping live locks', async () => {
    mkdirSync(dir, { recursive: true });
    const store = new FileJobStore(dir);
    plantLock(store, 'a', { owner: 'w', expiresAt: Date.now() + 60_000, pid: process.pid, token: '1111111111111111' });
    const stale = [`.a.lock.2222222222222222.1.claim`, `.gone.lock.3333333333333333.2.claim`, `.a.lock.${deadPid()}.1.x1.tmp`];
    const kept = [`.a.lock.1111111111111111.1.claim`, 'a.lock'];
    for (const name of stale.concat(kept.slice(0, 1))) writeFileSync(join(dir, name), JSON.stringify({ pid: deadPid() }));
    expect(await store.list()).to.deep.equal([]);
    expect(readdirSync(dir).sort()).to.deep.equal([...kept].sort());
  });

  it('refuses a symbolically linked lock file with a StoreError naming job and file, never following it', async () => {
    mkdirSync(dir, { recursive: true });
    const outside = join(root, `outside-${n}`);
    mkdirSync(outside);
    const target = join(outside, 'lease.json');
    const text = JSON.stringify({ owner: 'x', expiresAt: Date.now() - 1, pid: 1, token: 'ab' });
    writeFileSync(target, text);
    const store = new FileJobStore(dir);
    const lock = store.lockPathOf('linked');
    symlinkSync(target, lock);
    for (const call of [store.acquire('linked', 'w', 60_000), store.leaseOf('linked'), store.release('linked', 'x'), store.delete('linked')]) {
      const error = (await rejected(call, StoreError, lock, "'linked'")) as StoreError;
      expect(error.jobId).to.equal('linked');
      expect(error.file).to.equal(lock);
    }
    expect(lstatSync(lock).isSymbolicLink()).to.equal(true);
    expect(readFileSync(target, 'utf8')).to.equal(text);
    expect(readdirSync(outside)).to.deep.equal(['lease.json']);
  });

  it('reports a lock file it did not write, and raw file-system failures, as StoreErrors naming job and file', async () => {
    const store = new FileJobStore(dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(store.lockPathOf('odd'), 'not json');
    await rejected(store.leaseOf('odd'), StoreError, store.lockPathOf('odd'), "'odd'");
    await rejected(store.acquire('odd', 'w', 1_000), StoreError, store.lockPathOf('odd'));
    const lock = store.lockPathOf('a');
    const restore = patchFs({
      open: (original) => (path: unknown, ...rest: unknown[]) =>
        String(path).startsWith(join(dir, '.a.lock')) ? Promise.reject(systemError('EACCES', 'open', path)) : original(path, ...rest),
    });
    try {
      const error = (await rejected(store.acquire('a', 'w', 1_000), StoreError, lock, "'a'", 'EACCES')) as StoreError;
      expect(error.file).to.equal(lock);
      expect((error.cause as NodeJS.ErrnoException).code).to.equal('EACCES');
    } finally {
      restore();
    }
    expect(await store.acquire('a', 'w', 1_000)).to.equal(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('two processes racing for the same jobs: exactly one gets each, fresh locks and expired ones alike', async function () {
    this.timeout(60_000);
    const store = new FileJobStore(dir);
    for (let round = 0; round < 3; round++) {
      const ids = Array.from({ length: 16 }, (_, i) => `r${round}-${i}`);
      // Half the jobs have the expired lock of a crashed process: a takeover race.
      for (const id of ids.filter((_, i) => i % 2 === 1)) plantLock(store, id, { owner: 'crashed', expiresAt: Date.now() - 1, pid: deadPid(), token: `${round}${id.length}`.padEnd(16, 'a') });
      const [one, two] = await race(dir, ['p1', 'p2'], ids);
      for (const id of ids) {
        const winners = [one, two].filter((granted) => granted.includes(id)).length;
        expect(winners, `winners of ${id}`).to.equal(1);
        expect((await store.leaseOf(id))?.owner).to.equal(one.includes(id) ? 'p1' : 'p2');
      }
    }
    const leftovers = readdirSync(dir).filter((name) => !name.endsWith('.lock'));
    expect(leftovers, 'no temp or claim file left behind').to.deep.equal([]);
  });

  it('acquire and release leave only the lock, then nothing', async () => {
    const store = new FileJobStore(dir);
    expect(await store.acquire('a', 'w', 60_000)).to.equal(true);
    expect(await store.acquire('a', 'w', 60_000)).to.equal(true);
    expect(readdirSync(dir)).to.deep.equal(['a.lock']);
    await store.release('a', 'w');
    expect(existsSync(store.lockPathOf('a'))).to.equal(false);
    expect(readdirSync(dir)).to.deep.equal([]);
  });
}

/**
 * Runs one leases-child per owner, each acquiring all of `ids`, started at the same moment
 * (once every child is ready, all are sent one start time); resolves with the ids each got.
 */
function race(dir: string, owners: string[], ids: string[]): Promise<string[][]> {
  let ready = 0;
  const children = owners.map((owner) => spawn(process.execPath, ['--import', 'tsx', CHILD, dir, owner, '60000', ...ids], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  return Promise.all(
    children.map(
      (child) =>
        new Promise<string[]>((resolve, reject) => {
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk) => {
            const before = stdout;
            stdout += chunk;
            if (!before.includes('ready\n') && stdout.includes('ready\n') && ++ready === children.length) {
              const startAt = Date.now() + 100;
              for (const each of children) each.stdin.write(`${startAt}\n`);
            }
          });
          child.stderr.on('data', (chunk) => (stderr += chunk));
          child.on('error', reject);
          child.on('exit', (code, signal) => {
            if (code !== 0) return reject(new Error(`leases child exited with ${code ?? signal}: ${stderr.slice(0, 2000)}`));
            try {
              resolve((JSON.parse(stdout.slice(stdout.indexOf('ready\n') + 6)) as { granted: string[] }).granted);
            } catch (error) {
              reject(new Error(`leases child printed ${JSON.stringify(stdout)}: ${String(error)}`));
            }
          });
        }),
    ),
  );
}
