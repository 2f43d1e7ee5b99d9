/**
 * Review s16g: in-process durability across real processes (FileJobStore, no Redis).
 * Children are SIGKILLed at deterministic points (their `k` routine kills itself after the
 * checkpoints under way landed); a fresh process (this one, or another child) resumes the job.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Flow, JobStateError, SerializationError, Routine, type JobState } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { childScript } from '../helpers/child-script.js';
import { LiveChildren } from '../helpers/live-children.js';
import { JOB_ID, buildFlow, type Scenario } from '../fixtures/review-s16g-flows.js';

const CHILD = fileURLToPath(new URL('../fixtures/review-s16g-child.ts', import.meta.url));
const children = new LiveChildren();
const dirs: string[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-s16g-'));
  dirs.push(dir);
  return dir;
}

function runChild(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return childScript(CHILD).then(
    (script) =>
      new Promise((resolve, reject) => {
        const child = children.add(spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
        let out = '';
        let err = '';
        child.stdout!.on('data', (b) => (out += String(b)));
        child.stderr!.on('data', (b) => (err += String(b)));
        child.once('error', reject);
        child.once('exit', (code, signal) => {
          if (err.trim()) process.stderr.write(`[child stderr] ${err}\n`);
          resolve({ code, signal, out });
        });
      }),
  );
}

function logOf(dir: string): string[] {
  const f = join(dir, 'log');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

/** Crash a child running `scenario`, then resume in this process (a fresh Flow and store). */
async function crashThenResume(scenario: Scenario, journal: boolean): Promise<{ dir: string; before: string[]; after: string[]; status: string }> {
  const dir = freshDir();
  const r = await runChild([dir, scenario, journal ? '1' : '0', 'worker-1', '30000', 'start']);
  expect(r.signal, `child output: ${r.out}`).to.equal('SIGKILL');
  const before = logOf(dir);
  const store = new FileJobStore(dir);
  const flow = buildFlow(scenario, { store, log: join(dir, 'log'), kill: false, journal, owner: 'worker-1' });
  const job = await flow.resumeStored(JOB_ID);
  if (scenario === 'join-open') {
    job.send('j', 'right', { v: 2 });
    job.close();
  }
  const final = await job.wait({ timeout: 10_000 });
  await flow.checkpointsFlushed();
  return { dir, before, after: logOf(dir).slice(before.length), status: final.status };
}

describe('review s16g: durability across real processes (FileJobStore)', function () {
  this.timeout(60_000);

  after(async () => {
    await children.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const journal of [false, true]) {
    const j = journal ? 'journal on' : 'journal off';
    it(`pin: a batch holding 3 items at a SIGKILL fires them once after resumeStored elsewhere (${j})`, async () => {
      const { before, after, status } = await crashThenResume('batch', journal);
      expect(status).to.equal('completed');
      expect(before).to.deep.equal(['k']);
      // the killer was in flight at the crash: it runs again (documented at-least-once)
      expect(after.filter((l) => l !== 'k')).to.deep.equal(['batch:0,1,2']);
    });

    it(`pin: a window holding 3 items at a SIGKILL emits them once after the resume (${j})`, async () => {
      const { before, after, status } = await crashThenResume('window', journal);
      expect(status).to.equal('completed');
      expect(before).to.deep.equal(['k']);
      expect(after.filter((l) => l !== 'k')).to.deep.equal(['window:0,1,2']);
    });

    it(`pin: a retry waiting its backoff at a SIGKILL runs as attempt 2 after the resume, nothing else again (${j})`, async () => {
      const { before, after, status } = await crashThenResume('retry', journal);
      expect(status).to.equal('completed');
      expect(before).to.deep.equal(['try:0:1', 'try:1:1', 'try:2:1', 'k']);
      expect(after.filter((l) => l !== 'k')).to.deep.equal(['try:0:2']);
    });

    it(`pin: an open job fed by send, its join holding one side at a SIGKILL, takes the other side after the resume (${j})`, async () => {
      const { before, after, status } = await crashThenResume('join-open', journal);
      expect(status).to.equal('completed');
      expect(before).to.deep.equal(['k']);
      expect(after.filter((l) => l !== 'k')).to.deep.equal(['pair:1,2']);
    });
  }

  it('pin: with a stable owner, a chain resumed after a SIGKILL runs nothing it had finished again', async () => {
    const { before, after, status } = await crashThenResume('chain', true);
    expect(status).to.equal('completed');
    // FIFO: a:0 a:1 a:2 k — kill in k; b:* queued
    expect(before).to.deep.equal(['a:0', 'a:1', 'a:2', 'k']);
    expect(after).to.deep.equal(['k', 'b:0', 'b:1', 'b:2']);
  });

  it('pin: a lease holder SIGKILLed: another owner is refused (naming it) until the ttl passes, then takes over; two racing processes run it once', async () => {
    const dir = freshDir();
    const r = await runChild([dir, 'chain', '1', 'dead-owner', '1500', 'start']);
    expect(r.signal).to.equal('SIGKILL');
    const store = new FileJobStore(dir);
    const other = buildFlow('chain', { store, log: join(dir, 'log'), kill: false, journal: true, owner: 'other' });
    const refused = await other.resumeStored(JOB_ID).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(JobStateError);
    expect(String((refused as Error).message)).to.contain("'dead-owner'");
    // wait out the dead owner's lease (bounded)
    for (let t = 0; t < 100 && (await store.leaseOf(JOB_ID)) !== undefined; t++) await new Promise((res) => setTimeout(res, 50));
    expect(await store.leaseOf(JOB_ID)).to.equal(undefined);
    const before = logOf(dir);
    const [p1, p2] = await Promise.all([runChild([dir, 'chain', '1', 'P1', '30000', 'resume']), runChild([dir, 'chain', '1', 'P2', '30000', 'resume'])]);
    const outs = [p1.out, p2.out].map((o) => JSON.parse(o.trim().split('\n').pop()!) as { ran: boolean; status?: string; error?: string });
    expect(outs.filter((o) => o.ran).length, JSON.stringify(outs)).to.equal(1);
    expect(outs.find((o) => o.ran)!.status).to.equal('completed');
    expect(outs.find((o) => !o.ran)!.error).to.match(/it is leased by|it is completed/);
    expect(logOf(dir).slice(before.length)).to.deep.equal(['k', 'b:0', 'b:1', 'b:2']);
    expect((await store.load(JOB_ID))!.status).to.equal('completed');
  });

  it('FINDING 1: resumeStored loads the state before it takes the lease: a job finished meanwhile by its lease holder runs again from the stale snapshot', async () => {
    // Two FileJobStores on one directory stand for two processes (the store is documented as
    // race-safe between them). B's acquire is held until A has finished the job: this only widens
    // the window between B's load and B's acquire, which resumeStored leaves open.
    const dir = freshDir();
    const log: string[] = [];
    const make = (store: FileJobStore, owner: string): Flow => {
      const flow = new Flow({ flowId: 'stale', store, owner, checkpoint: 'always', maxWorkers: 1 });
      const src = new Routine();
      src.defineEvent('out', ['i']);
      src.defineSlot('trigger', () => {
        for (let i = 0; i < 3; i++) src.emit('out', { i });
      });
      const sink = new Routine();
      sink.defineSlot<{ i: number }>('in', async (d, ctx) => {
        log.push(`${owner}:${d.i}`);
        if (d.i === 0 && owner === 'A' && ctx.attempt === 1 && !log.includes('paused')) {
          log.push('paused');
          await ctx.pause('hold');
        }
      });
      flow.addRoutine(src, 'src');
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      return flow;
    };
    const storeA = new FileJobStore(dir);
    const flowA = make(storeA, 'A');
    const jobA = flowA.start('src', {}, { jobId: 'stale-job' });
    const first = await jobA.wait({ timeout: 10_000 });
    expect(first.status).to.equal('paused');
    await flowA.checkpointsFlushed();
    let entered!: () => void;
    const inAcquire = new Promise<void>((res) => (entered = res));
    let open!: () => void;
    const gate = new Promise<void>((res) => (open = res));
    class SlowLeaseStore extends FileJobStore {
      override async acquire(jobId: string, owner: string, ttlMs: number): Promise<boolean> {
        entered();
        await gate;
        return super.acquire(jobId, owner, ttlMs);
      }
    }
    const flowB = make(new SlowLeaseStore(dir), 'B');
    const resumingB = flowB.resumeStored('stale-job').then(
      (job) => job.wait({ timeout: 10_000 }),
      (e: unknown) => e,
    );
    await inAcquire; // B has loaded the paused snapshot
    jobA.resume(); // the process that paused it resumes it (it takes the lease back)
    const finalA = await jobA.wait({ timeout: 10_000 });
    expect(finalA.status).to.equal('completed');
    await flowA.checkpointsFlushed(); // A let the lease go
    expect(log).to.deep.equal(['A:0', 'paused', 'A:1', 'A:2']);
    open();
    const outcome = await resumingB;
    await flowB.checkpointsFlushed();
    // The job was completed in the store, and its lease free: B must not run anything of it again.
    expect(log, `B's outcome: ${(outcome as JobState)?.status ?? String(outcome)}`).to.deep.equal(['A:0', 'paused', 'A:1', 'A:2']);
  });

  it('pin: a job file cut short after a SIGKILLed run is refused naming the file, never loaded changed', async () => {
    const dir = freshDir();
    const r = await runChild([dir, 'chain', '1', 'worker-1', '30000', 'start']);
    expect(r.signal).to.equal('SIGKILL');
    const store = new FileJobStore(dir);
    const good = (await store.load(JOB_ID))!;
    expect(good.status).to.equal('running');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    const file = store.pathOf(JOB_ID);
    const full = readFileSync(file, 'utf8');
    writeFileSync(file, full.slice(0, Math.floor(full.length / 2)));
    const refused = await new FileJobStore(dir).load(JOB_ID).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(SerializationError);
    expect(String((refused as Error).message)).to.contain(file);
  });
});
