import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, Flow, Routine, type CheckpointError, type JobState } from '../../lib/index.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { Burst, RecordingStore, Tally, sleep, until } from '../fixtures/helpers.js';


function buildFlow(options: ConstructorParameters<typeof Flow>[0]): Flow {
  const flow = new Flow(options);
  flow.addRoutine(new Burst(), 'burst');
  flow.addRoutine(new Tally(), 'tally');
  flow.connect('burst', 'out', 'tally', 'in');
  return flow;
}

/**
 * Runs `fn` with the process's uncaughtException listeners (mocha's) swapped for a recorder, so
 * an error escaping a library callback fails this test by assertion instead of crashing the run.
 */
async function capturingUncaught<T>(fn: () => Promise<T>): Promise<{ result: T; uncaught: unknown[] }> {
  const saved = process.listeners('uncaughtException');
  const uncaught: unknown[] = [];
  const record = (error: unknown): void => {
    uncaught.push(error);
  };
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', record);
  try {
    return { result: await fn(), uncaught };
  } finally {
    process.removeListener('uncaughtException', record);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
}

function comparable(state: JobState | undefined): unknown {
  return JSON.parse(JSON.stringify(state));
}

describe('checkpointing to a store', () => {
  describe("checkpoint: 'always'", () => {
    it('leaves the latest snapshot, the settled one, in the store', async () => {
      const store = new RecordingStore(new MemoryJobStore());
      const flow = buildFlow({ flowId: 'always', store, checkpoint: 'always' });
      const final = await flow.execute('burst', { n: 40 }, { jobId: 'a1' });
      await flow.checkpointsFlushed();
      expect(final.status).to.equal('completed');
      expect(final.getSharedData('count')).to.equal(40);
      const saved = await store.load('a1');
      expect(saved!.status).to.equal('completed');
      expect(comparable(saved)).to.deep.equal(comparable(final));
      // Saved along the way, not only at the end; never more than one write in flight per job.
      expect(store.saves.length).to.be.greaterThan(1);
      expect(store.statuses.at(-1)).to.equal('completed');
      expect(store.maxInFlight).to.equal(1);
      // Snapshots saved in order: each later one has seen at least as much work.
      const counts = store.saves.map((s) => s.getSharedData<number>('count', 0));
      expect(counts).to.deep.equal([...counts].sort((a, b) => a - b));
    });

    it('coalesces saves while a slow write is in flight, and flushes the newest', async () => {
      const store = new RecordingStore(new MemoryJobStore());
      store.delay = 20;
      const flow = buildFlow({ flowId: 'always-slow', store, checkpoint: 'always' });
      const final = await flow.execute('burst', { n: 40 }, { jobId: 's1' });
      expect(store.inFlight, 'a write is still in flight when the job settles').to.equal(1);
      await flow.checkpointsFlushed();
      expect(store.inFlight).to.equal(0);
      expect(store.maxInFlight).to.equal(1);
      expect(comparable(await store.load('s1'))).to.deep.equal(comparable(final));
      expect(await flow.checkpointsFlushed()).to.equal(undefined); // resolves at once when idle
    });

    it('keeps jobs apart in the store', async () => {
      const store = new MemoryJobStore();
      const flow = buildFlow({ flowId: 'always-many', store, checkpoint: 'always', executionStrategy: 'concurrent', maxWorkers: 3 });
      const finals = await Promise.all([5, 7, 9].map((n) => flow.execute('burst', { n }, { jobId: `job-${n}` })));
      await flow.checkpointsFlushed();
      expect(await store.list()).to.have.members(['job-5', 'job-7', 'job-9']);
      for (const final of finals) expect(comparable(await store.load(final.jobId))).to.deep.equal(comparable(final));
    });

    it('works with a FileJobStore', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'routilux-checkpoint-'));
      try {
        const store = new FileJobStore(dir);
        const flow = buildFlow({ flowId: 'always-file', store, checkpoint: 'always' });
        const final = await flow.execute('burst', { n: 20 }, { jobId: 'f1' });
        await flow.checkpointsFlushed();
        expect(comparable(await new FileJobStore(dir).load('f1'))).to.deep.equal(comparable(final));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("checkpoint: 'on-pause'", () => {
    it('saves at the pause (again once in-flight work settled) and at the settle, and nothing in between', async () => {
      const store = new RecordingStore(new MemoryJobStore());
      const flow = buildFlow({ flowId: 'on-pause', store, checkpoint: 'on-pause' });
      // Long enough (50 timer waits) that the external pause lands mid-job even on a busy machine.
      const job = flow.start('burst', { n: 200 }, { jobId: 'p1' });
      await until(() => job.state.getSharedData<number>('count', 0) >= 5, 'some progress');
      const paused = await job.pause('review', { step: 1 });
      await flow.checkpointsFlushed();
      // One save at the pause; when an activation was still in flight then, a second one
      // once it settled, so the stored state is what pause() resolved with.
      const pauseSaves = store.statuses.length;
      expect(store.statuses).to.deep.equal(Array(pauseSaves).fill('paused'));
      expect(pauseSaves).to.be.within(1, 2);
      expect((await store.load('p1'))!.runningTasks).to.deep.equal([]);
      const saved = await store.load('p1');
      expect(saved!.status).to.equal('paused');
      expect(saved!.pausePoints.at(-1)!.reason).to.equal('review');
      expect(saved!.pendingTasks.length).to.equal(paused.pendingTasks.length);
      expect(saved!.pendingTasks.length).to.be.greaterThan(0);
      await sleep(20);
      expect(store.saves.length, 'no saves while paused').to.equal(pauseSaves);
      job.resume();
      const final = await job.wait();
      await flow.checkpointsFlushed();
      expect(final.status).to.equal('completed');
      expect(store.statuses).to.deep.equal([...Array(pauseSaves).fill('paused'), 'completed']);
      expect(comparable(await store.load('p1'))).to.deep.equal(comparable(final));
    });

    it('is the default when a store is given, and saves a failed job', async () => {
      class Boom extends Routine {
        constructor() {
          super();
          this.defineSlot('trigger', () => {
            throw new TypeError('boom');
          });
        }
      }
      const store = new RecordingStore(new MemoryJobStore());
      const flow = new Flow({ flowId: 'default-policy', store });
      expect(flow.checkpoint).to.equal('on-pause');
      flow.addRoutine(new Boom(), 'boom');
      const final = await flow.execute('boom', {}, { jobId: 'b1' });
      await flow.checkpointsFlushed();
      expect(final.status).to.equal('failed');
      expect(store.statuses).to.deep.equal(['failed']);
      expect((await store.load('b1'))!.error!.name).to.equal('TypeError');
    });
  });

  it('saves a cancelled job (a resting status) under on-pause', async () => {
    const store = new RecordingStore(new MemoryJobStore());
    const flow = buildFlow({ flowId: 'on-pause-cancel', store, checkpoint: 'on-pause' });
    const job = flow.start('burst', { n: 200 }, { jobId: 'c1' });
    await until(() => job.state.getSharedData<number>('count', 0) >= 5, 'some progress');
    await job.cancel('user left');
    await flow.checkpointsFlushed();
    expect(store.statuses).to.deep.equal(['cancelled']);
    expect((await store.load('c1'))!.pendingTasks).to.deep.equal([]);
  });

  it("checkpoint: 'never' saves nothing", async () => {
    const store = new RecordingStore(new MemoryJobStore());
    const flow = buildFlow({ flowId: 'never', store, checkpoint: 'never' });
    await flow.execute('burst', { n: 10 });
    await flow.checkpointsFlushed();
    expect(store.saves).to.deep.equal([]);
  });

  it('a checkpoint policy without a store is a ConfigurationError', () => {
    expect(() => new Flow({ checkpoint: 'always' })).to.throw(ConfigurationError, 'store');
  });

  it('reports a failing store on checkpointErrors$ and the job still completes', async () => {
    const store = new RecordingStore(new MemoryJobStore());
    store.fail = new Error('disk full');
    const flow = buildFlow({ flowId: 'failing', store, checkpoint: 'always' });
    const errors: CheckpointError[] = [];
    flow.checkpointErrors$.subscribe((e) => errors.push(e));
    const final = await flow.execute('burst', { n: 20 }, { jobId: 'x1' });
    await flow.checkpointsFlushed();
    expect(final.status).to.equal('completed');
    expect(final.getSharedData('count')).to.equal(20);
    expect(errors.length).to.be.greaterThan(0);
    expect(errors.length).to.equal(store.saves.length);
    for (const e of errors) {
      expect(e.jobId).to.equal('x1');
      expect((e.error as Error).message).to.equal('disk full');
    }
    expect(await store.list()).to.deep.equal([]);
    // The store recovers: the next job is saved.
    store.fail = undefined;
    await flow.execute('burst', { n: 3 }, { jobId: 'x2' });
    await flow.checkpointsFlushed();
    expect((await store.load('x2'))!.status).to.equal('completed');
  });

  it('reports a store whose save throws synchronously like a rejected save', async () => {
    // Not what the JobStore type asks for (save returns a promise), but a plain method that
    // throws before returning one type-checks, and a checkpoint must never break the flow.
    const inner = new MemoryJobStore();
    const store = new RecordingStore(inner);
    store.save = (state: JobState): Promise<void> => {
      store.saves.push(state);
      throw new Error('sync failure');
    };
    const flow = buildFlow({ flowId: 'sync-throw', store, checkpoint: 'always' });
    const errors: CheckpointError[] = [];
    flow.checkpointErrors$.subscribe((e) => errors.push(e));
    const { result: final, uncaught } = await capturingUncaught(() => flow.execute('burst', { n: 8 }, { jobId: 't1' }));
    expect(uncaught.map(String), 'errors escaping the dispatcher').to.deep.equal([]);
    expect(final.status).to.equal('completed');
    // Resolves rather than hangs: the bound is generous, a loaded machine may take a while to get there.
    let guard: ReturnType<typeof setTimeout> | undefined;
    const flushed = await Promise.race([flow.checkpointsFlushed().then(() => 'flushed'), new Promise((resolve) => (guard = setTimeout(resolve, 10_000, 'still waiting')))]);
    clearTimeout(guard);
    expect(flushed, 'checkpointsFlushed() resolves').to.equal('flushed');
    expect(errors.length).to.be.greaterThan(0);
    expect(errors.length).to.equal(store.saves.length);
    expect((errors[0]!.error as Error).message).to.equal('sync failure');
  });
});
