/**
 * Adversarial review s11f of the durability fixes (edff679): leases trusted until the start of
 * their last granted acquire or renewal plus the ttl. Each `it` named FINDING failed on the
 * tree it was written on (main at 96c9000).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError, FileJobStore, Flow, MemoryJobStore, type ExecutionContext, type Job, type JobState, type Payload } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';
import { gate, until } from '../fixtures/helpers.js';

/** A MemoryJobStore that says who held the lease at each save, and can slow or stall an acquire. */
class ProbeStore extends MemoryJobStore {
  /** The next acquire's reply comes this many ms after the lease was granted (a slow round trip). */
  slowReply = 0;
  /** The next acquire waits for this before it reaches the store (a stalled renewal). */
  stallNext: Promise<void> | undefined = undefined;
  readonly saves: Array<{ status: string; holder: string | undefined }> = [];

  override async acquire(jobId: string, owner: string, ttlMs: number): Promise<boolean> {
    const stall = this.stallNext;
    this.stallNext = undefined;
    if (stall !== undefined) await stall;
    const ok = await super.acquire(jobId, owner, ttlMs);
    const delay = this.slowReply;
    this.slowReply = 0;
    if (delay > 0) await sleep(delay);
    return ok;
  }

  override async save(state: JobState): Promise<void> {
    this.saves.push({ status: state.status, holder: (await this.leaseOf(state.jobId))?.owner });
    return super.save(state);
  }
}

/** first.trigger emits to second, then pauses its job (when `pause`); second.in waits for `hold`. */
function twoStep(options: { store: MemoryJobStore | FileJobStore; owner: string; ttl: number; hold: Promise<void>; pause?: boolean; failOnce?: { failed: boolean } }): Flow {
  const { store, owner, ttl, hold, pause, failOnce } = options;
  const flow = new Flow({ flowId: 'leased-f', store, checkpoint: 'always', owner, leaseTtl: ttl });
  flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => {
    ctx.emit('out', {});
    if (pause === true) ctx.pause();
  } }), 'first');
  flow.addRoutine(makeRoutine({ in: async (_d: Payload, ctx: ExecutionContext) => {
    if (failOnce !== undefined && !failOnce.failed) {
      failOnce.failed = true;
      throw new Error('first attempt fails');
    }
    await hold;
    ctx.setSharedData('by', owner);
  } }, []), 'second');
  flow.connect('first', 'out', 'second', 'in');
  return flow;
}

describe('review s11f: leases', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's11f-'));
  });
  // Asynchronous, retried: a released lease's lock file may still be going away (rmSync would
  // block the event loop that finishes it).
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }));

  /**
   * JobLeases.load takes the lease with its own store.acquire, then hands it to the keeper with
   * adopt(), which trusts it until Date.now() + ttl: the time the acquire's reply took (and the
   * rebuild) is counted as held. With a reply that comes late (a slow Redis or file store), the
   * job writes checkpoints after the store's lease ran out and another owner took it.
   */
  it('FINDING resumeStored after a slow acquire reply: a checkpoint is written while another owner holds the lease (adopt trusts from Date.now(), not from the acquire\'s start)', async () => {
    const ttl = 2_000;
    const store = new ProbeStore();
    const holdP = gate();
    const flowP = twoStep({ store, owner: 'P', ttl, hold: holdP.promise, pause: true });
    const jobP = flowP.start('first', {}, { jobId: 'j' });
    expect((await jobP.wait()).status).to.equal('paused');
    await flowP.checkpointsFlushed({ timeout: 10_000 });
    expect(await store.leaseOf('j'), 'P let the lease go resting paused').to.equal(undefined);

    const holdA = gate();
    const flowA = twoStep({ store, owner: 'A', ttl, hold: holdA.promise });
    store.slowReply = ttl - 200; // granted now, the reply arrives 1.8 s later
    const jobA = await flowA.resumeStored('j');
    try {
      // The store's lease (granted before the slow reply) runs out; B takes the job over.
      await until(async () => (await store.leaseOf('j')) === undefined, "A's lease to run out in the store");
      expect(await store.acquire('j', 'B', 60_000), 'B takes the lease').to.equal(true);
      const before = store.saves.length;
      holdA.open(); // A's job moves on: its checkpoints must not be written now
      await until(() => jobA.state.status !== 'running', "A's job to settle");
      await flowA.checkpointsFlushed({ timeout: 10_000 }).catch(() => undefined);
      const whileB = store.saves.slice(before).filter((s) => s.holder === 'B');
      expect(whileB, "A's checkpoints written while B held the lease").to.deep.equal([]);
    } finally {
      holdA.open();
      holdP.open();
      await jobA.wait().catch(() => undefined);
    }
  });

  /**
   * A keeper whose renewal stalled lets the job go at expiry and queues a release behind the
   * stalled renewal. The release is by owner only: when the same owner (the same flow) has
   * taken the job again meanwhile, the old keeper's release, landing once the stall ends, drops
   * the NEW lease, and another owner can take the job the new runtime still runs.
   */
  it('FINDING the release queued by an expired keeper drops the lease the same owner took again for the job meanwhile', async () => {
    const ttl = 300;
    const store = new ProbeStore();
    const hold = gate();
    const stall = gate();
    const flowA = twoStep({ store, owner: 'A', ttl, hold: hold.promise });
    const first = flowA.start('first', {}, { jobId: 'j' });
    let again: Job | undefined;
    try {
      await until(async () => (await store.leaseOf('j'))?.owner === 'A' && (await store.load('j')) !== undefined, 'A to hold the lease');
      store.stallNext = stall.promise; // the next renewal hangs
      // (Settled, not merely "not running": under load it may still be pending here.)
      await until(() => ['cancelled', 'completed', 'failed'].includes(first.state.status), 'the first runtime to be let go at expiry');
      expect(first.state.status).to.equal('cancelled');
      // The same owner takes the job again (a supervisor resuming what was let go), in a flow
      // of its own or in this one once the let-go runtime is gone.
      const flowA2 = twoStep({ store, owner: 'A', ttl, hold: hold.promise });
      again = await flowA2.resumeStored('j');
      expect((await store.leaseOf('j'))?.owner, 'the new runtime holds the lease').to.equal('A');
      stall.open(); // the stalled renewal lands; the expired keeper's release follows it
      await sleep(50);
      expect(again.state.status, 'the new runtime still runs').to.equal('running');
      expect((await store.leaseOf('j'))?.owner, "the new runtime's lease after the old keeper's release").to.equal('A');
    } finally {
      stall.open();
      hold.open();
      await again?.wait().catch(() => undefined);
    }
  });

  /**
   * A job started here is remembered as a claim (JobLeases.claims, a WeakSet never cleared). Once
   * it rested paused and let its lease go, another owner may take it over; a resume here then
   * takes the lease again ('acquiring'), and `mayCheckpoint` says yes to the old claim while
   * that acquire is pending: the job's resume is saved over the other owner's state.
   */
  it('FINDING a started job that let its lease go resting paused, resumed here while another owner holds the lease, writes a checkpoint meanwhile', async () => {
    const ttl = 5_000;
    const storeA = new (class extends FileJobStore {
      readonly saves: Array<{ status: string; holder: string | undefined }> = [];
      override async save(state: JobState): Promise<void> {
        this.saves.push({ status: state.status, holder: (await this.leaseOf(state.jobId))?.owner });
        return super.save(state);
      }
    })(dir);
    const storeB = new FileJobStore(dir);
    const hold = gate();
    const flowA = twoStep({ store: storeA, owner: 'A', ttl, hold: hold.promise, pause: true });
    const jobA = flowA.start('first', {}, { jobId: 'j' });
    let jobB: Job | undefined;
    try {
      expect((await jobA.wait()).status).to.equal('paused');
      await flowA.checkpointsFlushed({ timeout: 10_000 });
      expect(await storeB.leaseOf('j'), 'A let the lease go').to.equal(undefined);
      const flowB = twoStep({ store: storeB, owner: 'B', ttl, hold: hold.promise });
      jobB = await flowB.resumeStored('j');
      expect((await storeB.leaseOf('j'))?.owner).to.equal('B');
      const before = storeA.saves.length;
      jobA.resume();
      await sleep(300);
      const whileB = storeA.saves.slice(before).filter((s) => s.holder === 'B');
      expect(whileB, "A's checkpoints written while B held the lease").to.deep.equal([]);
    } finally {
      hold.open();
      await jobA.wait().catch(() => undefined);
      await jobB?.wait().catch(() => undefined);
    }
  });

  /**
   * A job that settled let its lease go and its keeper is forgotten (JobLeases.rested deletes
   * it). A failed job resumed in place (job.resume()) then runs with no keeper at all:
   * `mayCheckpoint` is true for a job without a keeper, no lease is taken, and another owner
   * can take the job over and run it at the same time.
   */
  it('FINDING a failed job resumed in place runs without taking its lease again', async () => {
    const ttl = 5_000;
    const store = new ProbeStore();
    const hold = gate();
    const flowA = twoStep({ store, owner: 'A', ttl, hold: hold.promise, failOnce: { failed: false } });
    const jobA = flowA.start('first', {}, { jobId: 'j' });
    try {
      expect((await jobA.wait()).status).to.equal('failed');
      await flowA.checkpointsFlushed({ timeout: 10_000 });
      expect(await store.leaseOf('j'), 'a failed job lets its lease go').to.equal(undefined);
      jobA.resume();
      await until(() => jobA.state.status === 'running' && jobA.state.runningTasks.length === 1, 'the resumed job to run');
      await sleep(100);
      expect((await store.leaseOf('j'))?.owner, 'the resumed job holds its lease').to.equal('A');
    } finally {
      hold.open();
      await jobA.wait().catch(() => undefined);
    }
  });
});

describe('review s11f: hostile store arguments', () => {
  const boom = (): never => {
    throw new Error('boom');
  };
  function hostile(): Array<[string, unknown]> {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return [
      ['a revoked proxy', proxy],
      ['a symbol', Symbol('id')],
      ['an object whose toPrimitive throws', { [Symbol.toPrimitive]: boom }],
      ['a null-prototype object', Object.create(null)],
    ];
  }
  async function outcome(run: () => unknown): Promise<string> {
    try {
      return await Promise.resolve(run()).then(() => 'resolved', (e: unknown) => (e instanceof ConfigurationError ? 'ConfigurationError' : `rejected ${(e as Error)?.name}: ${(e as Error)?.message}`));
    } catch (e) {
      return `threw synchronously ${(e as Error)?.name}: ${(e as Error)?.message}`;
    }
  }

  /** memory-store.ts appendJournal: its catch builds the StoreError message with `${jobId}`, which throws for these ids. */
  it('FINDING MemoryJobStore.appendJournal with a hostile non-string id throws synchronously (a raw TypeError/Error) instead of rejecting with a ConfigurationError', async () => {
    const store = new MemoryJobStore();
    const got: string[] = [];
    for (const [name, bad] of hostile()) got.push(`${name}: ${await outcome(() => store.appendJournal(bad as string, {}))}`);
    expect(got.filter((g) => !g.endsWith(': ConfigurationError'))).to.deep.equal([]);
  });

  /** prune-options.ts resolvePruneOptions: Array.isArray / Object.keys on a revoked proxy throw before any ConfigurationError. */
  it('FINDING prune() with a revoked proxy as options or statuses rejects with a raw TypeError (FileJobStore) or a StoreError (MemoryJobStore), not a ConfigurationError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's11f-prune-'));
    try {
      const got: string[] = [];
      for (const [name, store] of [['MemoryJobStore', new MemoryJobStore()], ['FileJobStore', new FileJobStore(dir)]] as const) {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        got.push(`${name} prune(revoked): ${await outcome(() => store.prune(proxy as never))}`);
        got.push(`${name} prune({ statuses: revoked }): ${await outcome(() => store.prune({ statuses: proxy } as never))}`);
      }
      expect(got.filter((g) => !g.endsWith(': ConfigurationError'))).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
