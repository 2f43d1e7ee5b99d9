import { expect } from 'chai';
import { TaskQueue } from '../../lib/runtime/task-queue.js';
import { Task } from '../../lib/runtime/task.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import { WorkLedger } from '../../lib/runtime/work-ledger.js';
import { Routine } from '../../lib/index.js';

// The queue is internal; these pin its FIFO and chunk-boundary behaviour directly.
const routine = new Routine();
const slot = routine.defineSlot('in');
const out = routine.defineEvent('out');
const job = (id: string) => ({ id, work: new WorkLedger() }) as unknown as JobRuntime;

function drain(q: TaskQueue): Array<[string, number]> {
  const got: Array<[string, number]> = [];
  const t = new Task(job('scratch'), slot, {}, 1, 0, undefined);
  while (q.size > 0) {
    q.shiftInto(t);
    got.push([t.job.id, t.data.n as number]);
  }
  return got;
}

describe('TaskQueue (internal)', () => {
  it('is FIFO across many chunks and reusable after draining', () => {
    const q = new TaskQueue();
    const a = job('a');
    const r = q.route(slot, undefined);
    for (let n = 0; n < 10_000; n++) q.push(a, r, { n }, 1, n, n + 1);
    expect(a.work.queued).to.equal(10_000);
    const first = drain(q);
    expect(first).to.have.length(10_000);
    expect(first.every(([, n], i) => n === i)).to.equal(true);
    expect(a.work.queued).to.equal(0);
    expect(a.work.queueId).to.equal(-1);
    for (let n = 0; n < 5000; n++) q.push(a, r, { n }, 1, n, n + 1);
    expect(drain(q).map(([, n]) => n)).to.deep.equal(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('interleaves pushes and shifts across chunk boundaries', () => {
    const q = new TaskQueue();
    const a = job('a');
    const t = new Task(a, slot, {}, 1, 0, undefined);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 300; k++) q.push(a, q.route(slot, undefined), { n: next++ }, 1, 0, next);
      for (let k = 0; k < 200; k++) {
        q.shiftInto(t);
        expect(t.data.n).to.equal(expected++);
      }
    }
    expect(q.size).to.equal(50 * 100);
    expect(a.work.queued).to.equal(50 * 100);
    expect(drain(q).map(([, n]) => n)[0]).to.equal(expected);
  });

  it('extract lifts one job out in order, across chunks, keeping the others in order', () => {
    const q = new TaskQueue();
    const a = job('a');
    const b = job('b');
    const r = q.route(slot, out);
    for (let n = 0; n < 9000; n++) q.push(n % 3 === 0 ? b : a, r, { n }, n % 5 === 0 ? 2 : 1, n * 10, n + 1);
    const taken = q.extract(b);
    expect(taken).to.have.length(3000);
    expect(b.work.queued).to.equal(0);
    expect(b.work.queueId).to.equal(-1);
    expect(a.work.queued).to.equal(6000);
    expect(taken.map((t) => t.data.n)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i * 3));
    expect(taken[5]).to.include({ attempt: 2, enqueuedAt: 150, slot, source: out });
    const rest = drain(q);
    expect(rest).to.have.length(6000);
    expect(rest.every(([id]) => id === 'a')).to.equal(true);
    expect(rest.map(([, n]) => n)).to.deep.equal(Array.from({ length: 9000 }, (_, i) => i).filter((n) => n % 3 !== 0));
  });

  it('viewsOf lists one job without removing anything', () => {
    const q = new TaskQueue();
    const a = job('a');
    const b = job('b');
    q.push(a, q.route(slot, undefined), { n: 1 }, 1, 5, 1);
    q.push(b, q.route(slot, undefined), { n: 2 }, 1, 6, 1);
    q.push(a, q.route(slot, out), { n: 3 }, 3, 7, 2, { n: 3, merged: true });
    const views: unknown[] = [];
    q.viewsOf(a, views as never[]);
    expect(views).to.deep.equal([
      { routineId: routine.id, slotName: 'in', data: { n: 1 }, attempt: 1, enqueuedAt: 5, seq: 1 },
      { routineId: routine.id, slotName: 'in', data: { n: 3 }, attempt: 3, enqueuedAt: 7, seq: 2, source: { routineId: routine.id, eventName: 'out' }, merged: { n: 3, merged: true } },
    ]);
    expect(q.size).to.equal(3);
  });

  it('keeps attempt and merged payload through push, shift and pushTask', () => {
    const q = new TaskQueue();
    const a = job('a');
    const retry = new Task(a, slot, { n: 1 }, 4, 9, out);
    retry.merged = { n: 1, seen: 'before' };
    q.pushTask(retry);
    q.push(a, q.route(slot, undefined), { n: 2 }, 1, 10, 3);
    const t = new Task(job('scratch'), slot, {}, 1, 0, undefined);
    q.shiftInto(t);
    expect(t).to.include({ job: a, slot, source: out, attempt: 4, enqueuedAt: 9 });
    expect(t.data).to.deep.equal({ n: 1 });
    expect(t.merged).to.deep.equal({ n: 1, seen: 'before' });
    q.shiftInto(t);
    expect(t).to.include({ attempt: 1, enqueuedAt: 10, source: undefined, merged: undefined });
  });

  it('numbers jobs only while they have queued tasks, and reuses the numbers', () => {
    const q = new TaskQueue();
    const r = q.route(slot, undefined);
    const jobs = Array.from({ length: 5 }, (_, i) => job(`j${i}`));
    for (const j of jobs) q.push(j, r, { n: 0 }, 1, 0, 1);
    expect(jobs.map((j) => j.work.queueId)).to.deep.equal([0, 1, 2, 3, 4]);
    drain(q);
    expect(jobs.every((j) => j.work.queueId === -1 && j.work.queued === 0)).to.equal(true);
    const later = job('later');
    q.push(later, r, { n: 7 }, 1, 0, 1);
    expect(later.work.queueId).to.be.within(0, 4);
    expect(drain(q)).to.deep.equal([['later', 7]]);
  });

  it('interns each route once', () => {
    const q = new TaskQueue();
    expect(q.route(slot, out)).to.equal(q.route(slot, out));
    expect(q.route(slot, undefined)).to.not.equal(q.route(slot, out));
  });

  it('numbers connections by their (event, slot) pair: rewiring does not grow the route table', () => {
    const q = new TaskQueue();
    const a = job('a');
    const edges = Array.from({ length: 1000 }, () => ({ slot, event: out, _route: -1 }));
    for (const e of edges) q.push(a, e, { n: 1 }, 1, 0, 1);
    expect(new Set(edges.map((e) => e._route)).size).to.equal(1);
    expect(edges[0]._route).to.equal(q.route(slot, out)._route);
    const t = new Task(job('scratch'), slot, {}, 1, 0, undefined);
    q.shiftInto(t);
    expect(t).to.include({ slot, source: out });
  });
});
