import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Flow, JobState, StoreError, type ExecutionContext, type JobStore, type Payload } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { makeRoutine } from '../helpers/routines.js';
import { journalContract, journalEntry, journalSnapshots } from './store-contract.js';

const CHILD = fileURLToPath(new URL('../fixtures/journal-crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const same = (a: JobState | undefined, b: JobState): void => {
  expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
};

let contractDir: string;
journalContract('MemoryJobStore', () => new MemoryJobStore());
describe('FileJobStore: journal contract', () => {
  beforeEach(() => (contractDir = mkdtempSync(join(tmpdir(), 'routilux-journal-'))));
  afterEach(() => rmSync(contractDir, { recursive: true, force: true }));
  const journal = (): string => join(contractDir, 'j%2f1.journal');
  journalContract('FileJobStore', () => new FileJobStore(contractDir), () => ({
    afterAppend: () => expect(existsSync(journal())).to.equal(true),
    afterCompact: () => expect(existsSync(journal()), 'compacted').to.equal(false),
    afterDelete: () => expect(existsSync(journal())).to.equal(false),
  }));
});

describe('FileJobStore journal files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'routilux-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ignores a torn last line (never acknowledged) and appends cleanly after it', async () => {
    const s = await journalSnapshots();
    const store = new FileJobStore(dir);
    await store.save(s[0]);
    await store.appendJournal('j/1', journalEntry(s[0], s[1]));
    appendFileSync(join(dir, 'j%2f1.journal'), '{"format":"routilux.jou');
    same(await new FileJobStore(dir).load('j/1'), s[1]);
    await store.appendJournal('j/1', journalEntry(s[1], s[2]));
    same(await new FileJobStore(dir).load('j/1'), s[2]);
  });

  it('ignores a journal left by an interrupted compaction (it belongs to an older snapshot)', async () => {
    const s = await journalSnapshots();
    const store = new FileJobStore(dir);
    const journal = join(dir, 'j%2f1.journal');
    await store.save(s[0]);
    await store.appendJournal('j/1', journalEntry(s[0], s[1]));
    copyFileSync(journal, `${dir}/old`);
    await store.save(s[2]);
    copyFileSync(`${dir}/old`, journal); // as if killed between the snapshot's rename and the unlink
    same(await new FileJobStore(dir).load('j/1'), s[2]);
  });

  it('refuses a journal that is a symbolic link, following nothing', async () => {
    const s = await journalSnapshots();
    const store = new FileJobStore(dir);
    await store.save(s[0]);
    writeFileSync(join(dir, 'target'), 'untouched');
    symlinkSync(join(dir, 'target'), join(dir, 'j%2f1.journal'));
    expect(await store.appendJournal('j/1', journalEntry(s[0], s[1])).catch((e: unknown) => e)).to.be.instanceOf(StoreError);
    expect(await store.load('j/1').catch((e: unknown) => e)).to.be.instanceOf(StoreError);
    expect(readFileSync(join(dir, 'target'), 'utf8')).to.equal('untouched');
    expect(await store.list()).to.deep.equal(['j/1']);
  });

  it("with checkpoint 'always', a turn's checkpoint of a big job is a small fraction of its snapshot", async () => {
    const written: number[] = [];
    const inner = new FileJobStore(dir);
    let snapshotBytes = 0;
    const store: JobStore = {
      save: (state) => ((snapshotBytes = JSON.stringify(state).length), inner.save(state)),
      appendJournal: (id, e) => (written.push(JSON.stringify(e).length), inner.appendJournal(id, e)),
      load: (id) => inner.load(id),
      list: () => inner.list(),
      delete: (id) => inner.delete(id),
    };
    const flow = new Flow({ store, checkpoint: 'always', historyLimit: 50, checkpointRetry: { journal: true } });
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => {
      ctx.setSharedData('blob', 'x'.repeat(200_000));
      for (let i = 0; i < 40; i++) ctx.emit('out', { i });
    } }), 'src');
    flow.addRoutine(makeRoutine({ in: async () => void (await sleep(1)) }, []), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const final = await flow.start('src', {}, { jobId: 'big' }).wait();
    await flow.checkpointsFlushed();
    same(await inner.load('big'), final);
    expect(written.length, 'journal entries').to.be.greaterThan(10);
    const mean = written.reduce((a, b) => a + b, 0) / written.length;
    expect(mean / snapshotBytes, `${Math.round(mean)} bytes per entry vs ${snapshotBytes} per snapshot`).to.be.lessThan(0.02);
  });

  it('crash window: a process SIGKILLed in its Nth turn runs again at most the activation in flight plus one turn', async function () {
    this.timeout(60_000);
    const killAt = 120;
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(killAt)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child not killed: ${stderr}`))));
    });
    const recorded = readFileSync(join(dir, 'sink.log'), 'utf8').split('\n').filter(Boolean).map(Number);
    expect(recorded.length).to.equal(killAt);
    const state = (await new FileJobStore(dir).load('journal-crash'))!;
    expect(state.status).to.equal('running');
    const owed = new Set([...state.pendingTasks, ...state.runningTasks].filter((t) => t.routineId === 'sink').map((t) => t.data.seq as number));
    const again = recorded.filter((seq) => owed.has(seq));
    // The activation in flight at the kill, plus at most the last turn (one activation here).
    expect(again.length, `seqs to run again: ${again.join(', ')}`).to.be.at.most(2);
    expect(again.length, 'the activation in flight is owed').to.be.at.least(1);
    expect(owed.size + recorded.length - again.length, 'nothing lost').to.equal(400);
  });
});
