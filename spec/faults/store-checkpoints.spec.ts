/**
 * Issue 14, checkpoints: a store `save()` that never settled was never reported, blocked every
 * later checkpoint of its job, and kept `flow.checkpointsFlushed()` pending forever; a failed
 * save was never retried, so a job that settled could stay `running` in the store.
 */
import { expect } from 'chai';
import { ConfigurationError, Flow, SerializationError, StoreError, TimeoutError, type CheckpointError, type JobState, type JobStore } from '../../lib/index.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { Checkpointer } from '../../lib/runtime/checkpointer.js';
import type { CheckpointOptions } from '../../lib/runtime/checkpoint-options.js';
import { Burst, DelegatingStore, Tally, rejected, sleep, thrown, until } from '../fixtures/helpers.js';


/** What the nth save (from 1) does: land, hang forever, fail after `after` ms, or land late (once `when` resolved). */
type Script = (call: number, state: JobState) => 'land' | 'hang' | { fail: unknown; after?: number } | { land: 'late'; when: Promise<void> };

/** A store whose saves follow a script; what lands goes to an inner MemoryJobStore. */
class ScriptedStore extends DelegatingStore {
  readonly saves: JobState[] = [];
  /** Calls (by number) whose promise has settled. */
  readonly settled = new Set<number>();

  constructor(private readonly script: Script) {
    super(new MemoryJobStore());
  }

  async save(state: JobState): Promise<void> {
    this.saves.push(state);
    const call = this.saves.length;
    const step = this.script(call, state);
    try {
      if (step === 'hang') return await new Promise<void>(() => {});
      if (step === 'land') return await this.inner.save(state);
      if ('when' in step) await step.when;
      else await sleep(step.after ?? 0);
      if ('fail' in step) throw step.fail;
      await this.inner.save(state);
    } finally {
      this.settled.add(call);
    }
  }
}

/** A Burst → Tally flow checkpointing `always` to `store` with `options` (short time limits for the spec). */
function buildFlow(flowId: string, store: JobStore, options: CheckpointOptions): { flow: Flow; errors: CheckpointError[] } {
  const flow = new Flow({ flowId, store, checkpoint: 'always', checkpointRetry: options });
  flow.addRoutine(new Burst(), 'burst');
  flow.addRoutine(new Tally(), 'tally');
  flow.connect('burst', 'out', 'tally', 'in');
  const errors: CheckpointError[] = [];
  flow.checkpointErrors$.subscribe((e) => errors.push(e));
  return { flow, errors };
}

/** What `promise` did within `ms` (its timer cleared once it settled: it never holds the process). */
async function within(promise: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(resolve, ms, 'pending')));
  try {
    return await Promise.race([promise.then(() => 'resolved' as const, () => 'rejected' as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}

function comparable(state: JobState | undefined): unknown {
  return JSON.parse(JSON.stringify(state));
}

describe('faults: checkpoints to a failing or hanging store', () => {
  it('a save that never settles is reported as a StoreError (cause TimeoutError), later checkpoints are written, and the flush settles', async () => {
    const store = new ScriptedStore((call) => (call === 1 ? 'hang' : 'land'));
    const { flow, errors } = buildFlow('hung', store, { saveTimeout: 100, retryDelay: 5 });
    const final = await flow.execute('burst', { n: 20 }, { jobId: 'h1' });
    // Generous bounds (10 s) on what must settle: a loaded machine is slow, and a hang stays a hang.
    expect(await within(flow.checkpointsFlushed(), 10_000), 'checkpointsFlushed()').to.equal('resolved');
    expect(final.status).to.equal('completed');
    expect(errors).to.have.length(1);
    const { jobId, error, attempt, willRetry } = errors[0]!;
    expect([jobId, attempt, willRetry]).to.deep.equal(['h1', 1, true]);
    expect(error).to.be.instanceOf(StoreError);
    expect((error as StoreError).jobId).to.equal('h1');
    expect((error as StoreError).message).to.include("'h1'").and.include('100 ms');
    expect((error as StoreError).cause).to.be.instanceOf(TimeoutError);
    expect(store.saves.length).to.be.greaterThan(1);
    expect(comparable(await store.load('h1')), 'the settled state landed after the hung save').to.deep.equal(comparable(final));
    expect(store.settled.has(1), 'the first save is still hanging').to.equal(false);
  });

  it('checkpointsFlushed({ timeout }) rejects with a TimeoutError naming the job; without it, it settles once the write is given up', async () => {
    const store = new ScriptedStore(() => 'hang');
    const { flow, errors } = buildFlow('hung-all', store, { saveTimeout: 150, maxAttempts: 2, retryDelay: 5 });
    const final = await flow.execute('burst', { n: 3 }, { jobId: 'stuck-1' });
    expect(final.status).to.equal('completed');
    const timedOut = flow.checkpointsFlushed({ timeout: 30 });
    expect(await within(timedOut, 10_000)).to.equal('rejected');
    await rejected(timedOut, TimeoutError, "'stuck-1'", '30 ms');
    await rejected(flow.checkpointsFlushed({ timeout: -1 }), ConfigurationError, 'timeout');
    expect(await within(flow.checkpointsFlushed(), 10_000), 'checkpointsFlushed() once the write is given up').to.equal('resolved');
    expect(errors.map((e) => [e.jobId, e.attempt, e.willRetry])).to.deep.equal([
      ['stuck-1', 1, true],
      ['stuck-1', 2, false],
    ]);
    expect(await flow.checkpointsFlushed({ timeout: 0 })).to.equal(undefined); // idle: resolves at once
  });

  it('a store that fails twice then succeeds: the job’s settled state lands (a settled job is never left running in the store)', async () => {
    const failure = new Error('try again');
    // Slow failures: the job settles while the first save is still failing, so its final
    // state exists only in the job when the last save before it fails.
    const store = new ScriptedStore((call) => (call <= 2 ? { fail: failure, after: 40 } : 'land'));
    const { flow, errors } = buildFlow('twice', store, { retryDelay: 5 });
    const final = await flow.execute('burst', { n: 8 }, { jobId: 'r1' });
    await flow.checkpointsFlushed();
    expect(final.status).to.equal('completed');
    expect((await store.load('r1'))!.status).to.equal('completed');
    expect(comparable(await store.load('r1'))).to.deep.equal(comparable(final));
    expect(store.saves.at(-1)!.status, 'the retry saved the newest snapshot').to.equal('completed');
    expect(errors.map((e) => [e.jobId, e.attempt, e.willRetry])).to.deep.equal([
      ['r1', 1, true],
      ['r1', 2, true],
    ]);
    for (const { error } of errors) {
      expect(error).to.be.instanceOf(StoreError);
      expect((error as StoreError).jobId).to.equal('r1');
      expect((error as StoreError).cause).to.equal(failure);
      expect((error as StoreError).message).to.equal('try again');
    }
  });

  it('an older save finishing late never overwrites a newer one', async () => {
    // Save 1 is slow, not dead: its (older) snapshot lands once the spec lets it, long after its
    // time limit let newer saves go ahead (a fixed 400 ms could pass before the spec looked, on a
    // loaded machine).
    let landLate: () => void = () => undefined;
    const late = new Promise<void>((resolve) => (landLate = resolve));
    const store = new ScriptedStore((call) => (call === 1 ? { land: 'late', when: late } : 'land'));
    const { flow, errors } = buildFlow('late', store, { saveTimeout: 50, retryDelay: 5 });
    const final = await flow.execute('burst', { n: 8 }, { jobId: 'o1' });
    expect(store.saves[0]!.status).to.equal('running');
    // The newest state lands while the old save still hangs...
    await until(() => store.saves.length > 1 && store.settled.has(2), 'a newer save while the first still hangs');
    expect(store.settled.has(1)).to.equal(false);
    expect((await store.load('o1'))!.status).to.equal('completed');
    // ...and stays on top once the old one has landed too.
    landLate();
    await until(() => store.settled.has(1), 'the first save to land');
    await flow.checkpointsFlushed();
    expect(comparable(await store.load('o1'))).to.deep.equal(comparable(final));
    expect(errors.map((e) => [e.jobId, e.attempt])).to.deep.equal([['o1', 1]]);
  });

  it('reports a RoutiluxError from the store as it is and does not retry what retrying cannot fix', async () => {
    const bad = new SerializationError("job 'z1' cannot be saved as JSON");
    const store = new ScriptedStore(() => ({ fail: bad }));
    const { flow, errors } = buildFlow('unfixable', store, { retryDelay: 5 });
    await flow.execute('burst', { n: 2 }, { jobId: 'z1' });
    await flow.checkpointsFlushed();
    expect(errors.length).to.be.greaterThan(0);
    expect(errors.length).to.equal(store.saves.length);
    for (const e of errors) expect([e.error, e.attempt, e.willRetry]).to.deep.equal([bad, 1, false]);
  });

  it('wraps a thrown non-Error in a StoreError naming the job, and gives up after maxAttempts', async () => {
    const store = new ScriptedStore(() => ({ fail: 'connection reset' }));
    const { flow, errors } = buildFlow('strings', store, { maxAttempts: 3, retryDelay: 1 });
    await flow.execute('burst', { n: 1 }, { jobId: 's1' });
    await flow.checkpointsFlushed();
    expect(errors.map((e) => [e.attempt, e.willRetry])).to.deep.include.ordered.members([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(errors.length).to.equal(store.saves.length);
    for (const { error } of errors) {
      expect(error).to.be.instanceOf(StoreError);
      expect((error as StoreError).jobId).to.equal('s1');
      expect((error as StoreError).cause).to.equal('connection reset');
    }
  });

  it('validates the checkpointer options, naming the bad one', () => {
    const store = new MemoryJobStore();
    for (const [options, name] of [
      [{ saveTimeout: 0 }, 'saveTimeout'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: 2.5 }, 'maxAttempts'],
      [{ retryDelay: -1 }, 'retryDelay'],
      [{ maxRetryDelay: Number.NaN }, 'maxRetryDelay'],
      [{ retries: 3 }, 'retries'],
    ] as const) {
      thrown(() => new Checkpointer(store, 'always', options as CheckpointOptions), ConfigurationError, name);
    }
  });
});
