import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import {
  ConfigurationError,
  ErrorHandler,
  Flow,
  JobState,
  MemoryJobStore,
  Routine,
  applyJournalEntry,
  diffJobStates,
  registerActivationPolicy,
  type InspectRecord,
  type Payload,
  type SlotOptions,
} from '../../lib/index.js';
import { handScheduler, runTo, settle } from '../helpers/virtual-clock.js';

// Issue 19: what a policy holds lives in the job — snapshots, JSON, restore, crash resume —
// its timers stop while the job is paused or failed, and cancel drops it.

interface Out {
  at: number;
  values: unknown[];
}

/** Flow 'pol' with routine `p` whose slot `in` has `options`; its handler records { at, values } of each batch. */
function build(ts: TestScheduler, options: SlotOptions, out: Out[], handler?: (data: Payload) => void | Promise<void>) {
  const flow = new Flow({ flowId: 'pol', scheduler: ts });
  const r = new Routine();
  r.defineSlot('in', (data) => {
    out.push({ at: ts.now(), values: (data.items as Payload[]).map((p) => p.v) });
    return handler?.(data);
  }, options);
  flow.addRoutine(r, 'p');
  return flow;
}

/** Feeds `before` into an open job, pauses it at `pauseAt`, moves it as JSON to a fresh flow at `restoreAt`, feeds `after` (relative), closes. */
async function moved(options: SlotOptions, before: Array<[number, number]>, pauseAt: number, after: Array<[number, number]>, restoreAt = 1000) {
  const out: Out[] = [];
  const tsA = handScheduler();
  const job = build(tsA, options, out).open({ jobId: 'm' });
  for (const [at, v] of before) tsA.schedule(() => job.send('p', 'in', { v }), at);
  runTo(tsA, pauseAt);
  await settle(tsA, job.pause('move'));
  const json = JSON.stringify(job.state);
  await settle(tsA, job.cancel());
  const tsB = handScheduler();
  runTo(tsB, restoreAt);
  const again = build(tsB, options, out).resume(JobState.fromJSON(json));
  for (const [at, v] of after) tsB.schedule(() => again.send('p', 'in', { v }), at);
  runTo(tsB, restoreAt + 500);
  again.close();
  await settle(tsB, again.wait());
  expect(again.state.status).to.equal('completed');
  return { out, json: JSON.parse(json) };
}

/** Polls (real time) until the lease of `jobId` in `store` is held by `owner` (undefined: by nobody). */
async function leaseHeldBy(store: MemoryJobStore, jobId: string, owner: string | undefined): Promise<void> {
  const end = Date.now() + 10_000;
  while ((await store.leaseOf(jobId))?.owner !== owner) {
    if (Date.now() > end) throw new Error(`timed out waiting for the lease of ${jobId} to be held by ${owner ?? 'nobody'}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('activation policies: durable, per job', () => {
  it('a paused window is saved with the time it has left and closes that long after a restore elsewhere', async () => {
    const { out, json } = await moved({ window: 100 }, [[0, 1], [30, 2]], 40, [[30, 3]]);
    expect(json.policies).to.deep.equal({ 'p.in': { kind: 'window', items: [{ v: 1 }, { v: 2 }], delayLeft: 60 } });
    // 60 ms left at the save; 3 arrives 30 ms after the restore, inside the same window.
    expect(out).to.deep.equal([{ at: 1060, values: [1, 2, 3] }]);
  });

  it('a batch restored from a running job (a crash) fires at its saved due time; what it held is not lost', async () => {
    const out: Out[] = [];
    const tsA = handScheduler();
    const job = build(tsA, { batch: { size: 5, maxWait: 50 } }, out).open({ jobId: 'c' });
    tsA.schedule(() => job.send('p', 'in', { v: 1 }), 10);
    runTo(tsA, 30);
    const crashed = JSON.stringify(job.state); // what a checkpoint of the running job holds
    expect(JSON.parse(crashed).policies['p.in']).to.deep.equal({ kind: 'batch', items: [{ v: 1 }], dueAt: 60 });
    const tsB = handScheduler();
    runTo(tsB, 45);
    const again = build(tsB, { batch: { size: 5, maxWait: 50 } }, out).resume(JobState.fromJSON(crashed));
    runTo(tsB, 100);
    expect(out).to.deep.equal([{ at: 60, values: [1] }]);
    again.close();
    await settle(tsB, again.wait());
    await settle(tsA, job.cancel());
  });

  it('flow.restore keeps the timer stopped until job.resume(): the time in between does not count', async () => {
    const out: Out[] = [];
    const tsA = handScheduler();
    const job = build(tsA, { window: 20 }, out).open({ jobId: 'r' });
    tsA.schedule(() => job.send('p', 'in', { v: 7 }), 0);
    runTo(tsA, 5);
    await settle(tsA, job.pause());
    const saved = JSON.stringify(job.state);
    const tsB = handScheduler();
    const restored = build(tsB, { window: 20 }, out).restore(JobState.fromJSON(saved));
    runTo(tsB, 100);
    expect(out).to.deep.equal([]);
    restored.resume();
    runTo(tsB, 200);
    expect(out).to.deep.equal([{ at: 115, values: [7] }]);
    restored.close();
    await settle(tsB, restored.wait());
    await settle(tsA, job.cancel());
  });

  it('a failed job stops its timers; resume runs them for the time they had left', async () => {
    const out: Out[] = [];
    const ts = handScheduler();
    const flow = build(ts, { window: 30 }, out);
    const boom = new Routine();
    boom.defineSlot('go', () => {
      throw new Error('boom');
    });
    flow.addRoutine(boom, 'boom');
    const job = flow.open();
    ts.schedule(() => job.send('p', 'in', { v: 1 }), 0);
    ts.schedule(() => job.send('boom', 'go', {}), 10);
    runTo(ts, 100);
    expect(job.state.status).to.equal('failed');
    expect(job.state.policies['p.in']).to.deep.equal({ kind: 'window', items: [{ v: 1 }], delayLeft: 20 });
    expect(out).to.deep.equal([]);
    job.resume(); // re-runs the failed activation, which fails again: 20 ms left still
    runTo(ts, 150);
    expect(job.state.status).to.equal('failed');
    boom.setErrorHandler(new ErrorHandler({ strategy: 'continue' }));
    job.resume();
    runTo(ts, 300);
    expect(out).to.deep.equal([{ at: 170, values: [1] }]);
    job.close();
    await settle(ts, job.wait());
  });

  it('a retry of a fired batch re-runs the handler with exactly the same items; the policy does not take anything twice', async () => {
    const ts = handScheduler();
    const out: Out[] = [];
    let attempts = 0;
    const flow = build(ts, { batch: { size: 2 } }, out, () => {
      if (++attempts === 1) throw new Error('flaky');
    });
    flow.getRoutine('p')!.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 10 }));
    const job = flow.open();
    ts.schedule(() => job.send('p', 'in', { v: 1 }), 0);
    ts.schedule(() => job.send('p', 'in', { v: 2 }), 1);
    runTo(ts, 5);
    const waiting = job.state.pendingTasks;
    expect(waiting).to.have.length(1);
    expect(waiting[0]).to.deep.include({ attempt: 2, data: { v: 2 }, merged: { items: [{ v: 1 }, { v: 2 }] } });
    expect(job.state.policies).to.deep.equal({});
    job.close();
    await settle(ts, job.wait());
    expect(out).to.deep.equal([{ at: 1, values: [1, 2] }, { at: 11, values: [1, 2] }]);
  });

  it('a custom policy that throws leaves the job unchanged: its retry merges and decides again from the same state', async () => {
    let calls = 0;
    registerActivationPolicy('spec.flakyCount', (state, incoming) => {
      if (++calls === 2) throw new Error('policy hiccup');
      const seen = [...((state.seen as unknown[]) ?? []), incoming.v];
      return seen.length === 2 ? { state: {}, fire: { seen } } : { state: { seen } };
    });
    const ts = handScheduler();
    const flow = new Flow({ scheduler: ts });
    const got: Payload[] = [];
    const r = new Routine();
    r.defineSlot('in', (data) => void got.push(data), { activation: 'spec.flakyCount', mergeStrategy: 'append' });
    r.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: 5 }));
    flow.addRoutine(r, 'c');
    const job = flow.open();
    ts.schedule(() => job.send('c', 'in', { v: 1 }), 0);
    ts.schedule(() => job.send('c', 'in', { v: 2 }), 1);
    runTo(ts, 3);
    expect(job.state.slotData['c.in']).to.deep.equal({ v: [1] });
    expect(job.state.policies['c.in']).to.deep.equal({ kind: 'custom', policy: 'spec.flakyCount', state: { seen: [[1]] } });
    job.close();
    await settle(ts, job.wait());
    // The append merge ran once per payload: the retry saw [1, 2], not [1, 2, 2].
    expect(got).to.deep.equal([{ seen: [[1], [1, 2]] }]);
    expect(job.state.slotData['c.in']).to.deep.equal({ v: [1, 2] });
  });

  it('a crash while a fired handler runs: the restored job runs it again with the same items, which the batch no longer holds', async () => {
    const ts = handScheduler();
    const out: Out[] = [];
    const slow = (): Promise<void> => new Promise(() => {}); // never settles: in flight at the "crash"
    const job = build(ts, { batch: { size: 2 } }, out, slow).open({ jobId: 'x' });
    ts.schedule(() => job.send('p', 'in', { v: 1 }), 0);
    ts.schedule(() => job.send('p', 'in', { v: 2 }), 0);
    ts.schedule(() => job.send('p', 'in', { v: 3 }), 0);
    runTo(ts, 1);
    const crashed = JobState.fromJSON(JSON.stringify(job.state));
    expect(crashed.runningTasks.map((t) => t.merged)).to.deep.equal([{ items: [{ v: 1 }, { v: 2 }] }]);
    expect(crashed.pendingTasks.map((t) => t.data)).to.deep.equal([{ v: 3 }]); // one worker: 3 waits
    expect(crashed.policies).to.deep.equal({});
    const ts2 = handScheduler();
    const again = build(ts2, { batch: { size: 2 } }, out).resume(crashed);
    again.close();
    await settle(ts2, again.wait());
    expect(out.map((o) => o.values)).to.deep.equal([[1, 2], [1, 2], [3]]);
    await settle(ts, job.cancel());
  });

  it('checkpointed with the journal to a store, a "crashed" job loads with what its join and batch held and finishes elsewhere', async () => {
    const store = new MemoryJobStore();
    const make = (ts: TestScheduler, got: string[], owner: string): Flow => {
      const flow = new Flow({ flowId: 'ckpt', scheduler: ts, store, checkpoint: 'always', checkpointRetry: { journal: true }, owner });
      const r = new Routine();
      r.defineEvent('pair');
      r.defineJoin('pair', ['a', 'b'], (d, ctx) => ctx.emit('pair', { n: `${(d.a as Payload).n}${(d.b as Payload).n}` }));
      r.defineSlot('pairs', (d) => void got.push((d.items as Payload[]).map((p) => p.n).join(',')), { batch: { size: 3, maxWait: 40 } });
      flow.addRoutine(r, 'r');
      flow.connect('r', 'pair', 'r', 'pairs');
      return flow;
    };
    const got: string[] = [];
    const tsA = handScheduler();
    const flowA = make(tsA, got, 'process-a');
    const job = flowA.open({ jobId: 'ck' });
    tsA.schedule(() => job.send('r', 'a', { n: 1 }), 0);
    tsA.schedule(() => job.send('r', 'b', { n: 1 }), 5);
    tsA.schedule(() => job.send('r', 'a', { n: 2 }), 10);
    runTo(tsA, 20);
    await flowA.checkpointsFlushed();
    const saved = (await store.load('ck'))!;
    expect(saved.status).to.equal('running');
    expect(saved.policies).to.deep.equal({
      'r.pair': { kind: 'zip', waiting: { a: [{ n: 2 }], b: [] } },
      'r.pairs': { kind: 'batch', items: [{ n: '11' }], dueAt: 45 },
    });
    await settle(tsA, job.cancel()); // the first process goes away (and lets go of the job's lease)
    await flowA.checkpointsFlushed();
    await leaseHeldBy(store, 'ck', undefined); // the first process let go of it
    const tsB = handScheduler();
    runTo(tsB, 20);
    const again = make(tsB, got, 'process-b').resume(saved);
    // The store's lease is taken in real time: wait for it, not a fixed 10 ms (slow on a loaded machine).
    await leaseHeldBy(store, 'ck', 'process-b');
    expect(again.state.status).to.equal('running');
    tsB.schedule(() => again.send('r', 'b', { n: 2 }), 10);
    runTo(tsB, 100);
    expect(got).to.deep.equal(['11,22']); // at 45, the batch's saved due time
    again.close();
    await settle(tsB, again.wait());
  });

  it('cancel drops what the policies hold, and their timers never fire', async () => {
    const ts = handScheduler();
    const out: Out[] = [];
    const job = build(ts, { batch: { maxWait: 10 } }, out).open();
    ts.schedule(() => job.send('p', 'in', { v: 1 }), 0);
    runTo(ts, 2);
    expect(job.state.policies['p.in']).to.deep.include({ items: [{ v: 1 }], dueAt: 10 });
    await settle(ts, job.cancel());
    runTo(ts, 100);
    expect(out).to.deep.equal([]);
    expect(job.state.policies).to.deep.equal({});
  });

  it('a join that can never fire is reported when the job runs out of work: join-incomplete in history and on inspect$', async () => {
    const flow = new Flow({ flowId: 'j' });
    const r = new Routine();
    r.defineJoin('pair', ['left', 'right'], () => {});
    r.defineJoin('last', ['a', 'b'], () => {}, { mode: 'latest' });
    flow.addRoutine(r, 'r');
    const records: InspectRecord[] = [];
    flow.inspect$.subscribe((rec) => records.push(rec));
    const job = flow.open();
    job.send('r', 'left', { n: 1 });
    job.send('r', 'left', { n: 2 });
    job.send('r', 'right', { m: 1 });
    job.send('r', 'a', { x: 1 });
    job.close();
    const state = await job.wait();
    expect(state.status).to.equal('completed');
    const reported = state.executionHistory.filter((h) => h.eventName === 'join-incomplete').map((h) => h.data);
    expect(reported).to.deep.equal([
      { join: 'pair', mode: 'zip', waiting: { left: [{ n: 2 }], right: [] }, missing: ['right'] },
      { join: 'last', mode: 'latest', waiting: { a: [{ x: 1 }], b: [] }, missing: ['b'] },
    ]);
    expect(records.filter((rec) => rec.type === 'join-incomplete').map((rec) => (rec as { data: Payload }).data)).to.deep.equal(reported);
    expect(state.policies).to.deep.equal({});
  });

  it('older job JSON without policies loads (none held); a journal entry carries policy changes', async () => {
    const ts = handScheduler();
    const job = build(ts, { batch: { size: 3 } }, []).open();
    const before = job.state;
    ts.schedule(() => job.send('p', 'in', { v: 1 }), 0);
    runTo(ts, 1);
    const after = job.state;
    const entry = diffJobStates(before, after);
    expect(entry.fields.policies).to.deep.equal({ keys: { 'p.in': { kind: 'batch', items: [{ v: 1 }] } } });
    expect(applyJournalEntry(before, entry).policies).to.deep.equal(after.policies);
    const old = JSON.parse(JSON.stringify(before));
    delete old.policies;
    expect(JobState.fromJSON(old).policies).to.deep.equal({});
    job.close();
    await settle(ts, job.wait());
  });

  it('a restore checks every policy state against the flow first, naming the path', () => {
    const ts = handScheduler();
    const job = build(ts, { batch: { size: 3 } }, []).open({ jobId: 'k' });
    const base = JSON.parse(JSON.stringify(job.state));
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'p.other': { kind: 'batch', items: [] } }, /policies\['p.other'\]: flow 'pol' has no join or policy slot 'p.other'/],
      [{ 'p.in': { kind: 'window', items: [] } }, /policies\['p.in'\]: 'p.in' is a batch policy in flow 'pol', the state is of a window policy/],
    ];
    for (const [policies, message] of bad) {
      const fresh = build(handScheduler(), { batch: { size: 3 } }, []);
      expect(() => fresh.resume(JobState.fromJSON({ ...base, policies })), String(message)).to.throw(ConfigurationError, message);
    }
    const joinFlow = new Flow({ flowId: 'pol' });
    const r = new Routine();
    r.defineJoin('pair', ['a', 'b'], () => {});
    joinFlow.addRoutine(r, 'p');
    const wrongSlot = { ...base, policies: { 'p.pair': { kind: 'zip', waiting: { a: [], c: [{}] } } } };
    expect(() => joinFlow.resume(JobState.fromJSON(wrongSlot))).to.throw(ConfigurationError, /policies\['p.pair'\]: join 'pair' has no slot 'c' \(slots: a, b\)/);
    expect(() => JobState.fromJSON({ ...base, policies: { 'p.in': { kind: 'heap' } } })).to.throw(/policies\['p.in'\]\.kind/);
    job.close();
  });
});

