import { expect } from 'chai';
import { TaskQueue } from '../../lib/flow/task-queue.js';
import { Task } from '../../lib/flow/task.js';
import type { JobRuntime } from '../../lib/flow/job-runtime.js';
import { Routine } from '../../lib/index.js';

// The queue is internal; these pin its FIFO and chunk-boundary behaviour directly.
const routine = new Routine();
const slot = routine.defineSlot('in');
const jobA = { id: 'a', queued: 0 } as unknown as JobRuntime;
const jobB = { id: 'b', queued: 0 } as unknown as JobRuntime;

function drain(q: TaskQueue): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const t = new Task(jobA, slot, {}, 1, 0, undefined);
  while (q.size > 0) {
    q.shiftInto(t);
    out.push([t.job.id, t.data.n as number]);
  }
  return out;
}

describe('TaskQueue (internal)', () => {
  it('is FIFO across many chunks and reusable after draining', () => {
    const q = new TaskQueue();
    for (let n = 0; n < 10_000; n++) q.push(jobA, slot, { n }, 1, n, undefined);
    const first = drain(q);
    expect(first).to.have.length(10_000);
    expect(first.every(([, n], i) => n === i)).to.equal(true);
    for (let n = 0; n < 5000; n++) q.push(jobA, slot, { n }, 1, n, undefined);
    expect(drain(q).map(([, n]) => n)).to.deep.equal(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('interleaves pushes and shifts across chunk boundaries', () => {
    const q = new TaskQueue();
    const t = new Task(jobA, slot, {}, 1, 0, undefined);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 300; k++) q.push(jobA, slot, { n: next++ }, 1, 0, undefined);
      for (let k = 0; k < 200; k++) {
        q.shiftInto(t);
        expect(t.data.n).to.equal(expected++);
      }
    }
    expect(q.size).to.equal(50 * 100);
    expect(drain(q).map(([, n]) => n)[0]).to.equal(expected);
  });

  it('extract lifts one job out in order, across chunks, keeping the others in order', () => {
    const q = new TaskQueue();
    (jobA as { queued: number }).queued = 0;
    (jobB as { queued: number }).queued = 0;
    for (let n = 0; n < 9000; n++) {
      const job = n % 3 === 0 ? jobB : jobA;
      q.push(job, slot, { n }, n % 5 === 0 ? 2 : 1, n * 10, undefined);
      (job as { queued: number }).queued++;
    }
    const taken = q.extract(jobB);
    expect(taken).to.have.length(3000);
    expect(taken.map((t) => t.data.n)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i * 3));
    expect(taken[5]).to.include({ attempt: 2, enqueuedAt: 150 });
    const rest = drain(q);
    expect(rest).to.have.length(6000);
    expect(rest.every(([job]) => job === 'a')).to.equal(true);
    expect(rest.map(([, n]) => n)).to.deep.equal(Array.from({ length: 9000 }, (_, i) => i).filter((n) => n % 3 !== 0));
  });

  it('viewsOf lists one job without removing anything', () => {
    const q = new TaskQueue();
    (jobA as { queued: number }).queued = 2;
    q.push(jobA, slot, { n: 1 }, 1, 5, undefined);
    q.push(jobB, slot, { n: 2 }, 1, 6, undefined);
    q.push(jobA, slot, { n: 3 }, 3, 7, routine.defineEvent('out'));
    const views: unknown[] = [];
    q.viewsOf(jobA, views as never[]);
    expect(views).to.deep.equal([
      { routineId: routine.id, slotName: 'in', data: { n: 1 }, attempt: 1, enqueuedAt: 5 },
      { routineId: routine.id, slotName: 'in', data: { n: 3 }, attempt: 3, enqueuedAt: 7, source: { routineId: routine.id, eventName: 'out' } },
    ]);
    expect(q.size).to.equal(3);
  });
});
