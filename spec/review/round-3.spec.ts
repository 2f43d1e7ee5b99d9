import { expect } from 'chai';
import { AsyncResource } from 'node:async_hooks';
import { Subject, take } from 'rxjs';
import { Flow, Routine } from '../../lib/index.js';
import { makeState } from '../fixtures/helpers.js';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// Review round 3 of the perf-chain merge (issue 21's hot path: one async-resource write per
// activation, narrow task-queue columns). The queue spec failed on main (fixed); the async
// context specs passed on main and stay as regression guards for the enterer's shortcut:
// a nested dispatch loop of another flow (run from inside a handler, also inside another
// async resource) and handlers that switch async resources must keep every job's context.
describe('review round 3: the activation hot path', () => {
  it('a handler that makes another flow dispatch synchronously (inside an AsyncResource scope) keeps its context, and the nested activation gets its own, after awaits too', async () => {
    const gate = new Subject<void>();
    const log: string[] = [];
    const idOf = (r: Routine) => r.getExecutionContext()?.jobId ?? 'none';
    const fb = new Flow({ flowId: 'B' }); // sequential: one worker
    const w = new Routine();
    w.defineSlot('trigger', () => gate.pipe(take(1)));
    const n = new Routine();
    n.defineSlot('trigger', async () => {
      log.push(`B2 sync ${idOf(n)}`);
      await sleep(2);
      log.push(`B2 after await ${idOf(n)}`);
    });
    fb.addRoutine(w, 'w');
    fb.addRoutine(n, 'n');
    const bjob = fb.start('w', {}, { jobId: 'jobB' });
    const b2 = fb.start('n', {}, { jobId: 'jobB2' });
    await sleep(5);
    const fa = new Flow({ flowId: 'A' });
    const a = new Routine();
    a.defineSlot('trigger', async () => {
      log.push(`A sync before ${idOf(a)}`);
      new AsyncResource('g').runInAsyncScope(() => gate.next()); // settles B's activation: B's dispatcher pumps here, running jobB2's
      log.push(`A sync after ${idOf(a)}`);
      await sleep(5);
      log.push(`A after await ${idOf(a)}`);
      const res = new AsyncResource('r3');
      await new Promise<void>((resolve) => res.runInAsyncScope(() => setTimeout(() => { log.push(`A in AsyncResource timer ${idOf(a)}`); resolve(); }, 1)));
      res.runInAsyncScope(() => log.push(`A in runInAsyncScope ${idOf(a)}`));
    });
    fa.addRoutine(a, 'a');
    const s = await fa.execute('a', {}, { jobId: 'jobA' } as never);
    expect(s.status).to.equal('completed');
    await bjob.wait(); await b2.wait();
    for (const l of log) if (l.startsWith('A')) expect(l.endsWith('jobA'), l).to.equal(true);
    for (const l of log) if (l.startsWith('B2')) expect(l.endsWith('jobB2'), l).to.equal(true);
    expect(log.indexOf('B2 sync jobB2')).to.equal(1);
  });

  it('an emit made inside runInAsyncScope in a handler feeds an activation that keeps its job across an await', async () => {
    const log: string[] = [];
    const fa = new Flow({ flowId: 'A2' });
    const a = new Routine();
    a.defineEvent('out');
    const outer = new AsyncResource('outer');
    a.defineSlot('trigger', (d: { i: number }) => {
      // run the rest of this sync handler in another async resource, then emit
      outer.runInAsyncScope(() => { a.emit('out', { i: d.i }); });
    });
    const b = new Routine();
    b.defineSlot('in', async (d: { i: number }) => {
      const before = b.getExecutionContext()?.jobId;
      await sleep(1);
      log.push(`${before}->${b.getExecutionContext()?.jobId}`);
    });
    fa.addRoutine(a, 'a'); fa.addRoutine(b, 'b'); fa.connect('a', 'out', 'b', 'in');
    const jobs = [0, 1, 2].map((i) => fa.start('a', { i }, { jobId: `j${i}` }));
    await Promise.all(jobs.map((j) => j.wait()));
    for (const l of log) { const [x, y] = l.split('->'); expect(x).to.equal(y); }
  });
  it('a restored queue keeps attempts, sequence numbers and enqueue times that fit no narrow column (attempt >= 2^31 included)', async () => {
    // Restore admits any integer attempt >= 1. The queue widened attempts to an Int32Array, so
    // 2^31 came back as -2^31: read as a carried payload, the handler got `undefined` and
    // attempt -2^31 was written to the snapshot.
    const seen: Array<[unknown, number, string]> = [];
    const flow = new Flow({ flowId: 'store-spec' });
    const r = new Routine();
    r.defineSlot('in', (data, ctx) => void seen.push([data.v, ctx.attempt, ctx.activationId]));
    flow.addRoutine(r, 'r');
    const task = (v: number, attempt: number, seq: number, enqueuedAt: number) => ({ routineId: 'r', slotName: 'in', data: { v }, attempt, enqueuedAt, seq });
    const tasks = [task(1, 1, 1, 1_700_000_000_000), task(2, 300, 2 ** 32 + 5, -5), task(3, 2 ** 31, 7, 0.5), task(4, 2 ** 40, 8, 1e300), task(5, 2, 9, 1_700_000_000_000)];
    const job = flow.restore(makeState('wide', { pendingTasks: tasks }));
    const views = job.state.pendingTasks.map((t) => [t.data.v, t.attempt, t.seq, t.enqueuedAt]);
    expect(views).to.deep.equal(tasks.map((t) => [t.data.v, t.attempt, t.seq, t.enqueuedAt]));
    job.resume();
    const final = await job.wait();
    expect(final.status).to.equal('completed');
    expect(seen).to.deep.equal(tasks.map((t) => [t.data.v, t.attempt, `wide/${t.seq}`]));
  });
});
