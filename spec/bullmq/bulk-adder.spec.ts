/**
 * Issue 17: the adds of one tick go to BullMQ as one addBulk and share one promise (no promise
 * and resolvers per job for a client starting thousands at once); each add still settles with
 * its batch's outcome.
 */
import { expect } from 'chai';
import type { Queue } from 'bullmq';
import { BulkAdder } from '../../lib/bullmq/bulk-adder.js';

type Call = { kind: 'add' | 'addBulk'; jobs: Array<{ name: string; data: unknown; opts: unknown }> };

/** A stand-in for a BullMQ Queue: records each call; `outcome` decides how it settles. */
function fakeQueue(outcome: () => Promise<unknown>): { queue: Queue; calls: Call[] } {
  const calls: Call[] = [];
  const queue = {
    add: (name: string, data: unknown, opts: unknown) => (calls.push({ kind: 'add', jobs: [{ name, data, opts }] }), outcome()),
    addBulk: (jobs: Call['jobs']) => (calls.push({ kind: 'addBulk', jobs: [...jobs] }), outcome()),
  };
  return { queue: queue as unknown as Queue, calls };
}

describe('BulkAdder (routilux/bullmq)', () => {
  it('sends the adds of one tick as one addBulk, in order, all settling with one shared promise', async () => {
    const { queue, calls } = fakeQueue(() => Promise.resolve([]));
    const adder = new BulkAdder();
    const promises = [0, 1, 2].map((i) => adder.add(queue, 'start', { i }, { jobId: `j${i}.1` }));
    expect(calls, 'nothing sent before the tick ends').to.deep.equal([]);
    expect(new Set(promises).size, 'one promise for the batch').to.equal(1);
    await Promise.all(promises);
    expect(calls).to.deep.equal([{ kind: 'addBulk', jobs: [0, 1, 2].map((i) => ({ name: 'start', data: { i }, opts: { jobId: `j${i}.1` } })) }]);
  });

  it('a lone add goes by add; a later tick starts a new batch', async () => {
    const { queue, calls } = fakeQueue(() => Promise.resolve({}));
    const adder = new BulkAdder();
    const first = adder.add(queue, 'start', { i: 0 }, {});
    await first;
    const second = adder.add(queue, 'control', { i: 1 }, {});
    expect(second, 'a new batch, a new promise').to.not.equal(first);
    await second;
    expect(calls.map((c) => [c.kind, c.jobs.length])).to.deep.equal([
      ['add', 1],
      ['add', 1],
    ]);
  });

  it('a failed batch rejects every add of it with the error', async () => {
    const boom = new Error('redis down');
    const { queue } = fakeQueue(() => Promise.reject(boom));
    const adder = new BulkAdder();
    const outcomes = await Promise.allSettled([adder.add(queue, 'a', {}, {}), adder.add(queue, 'b', {}, {})]);
    expect(outcomes).to.deep.equal([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
    ]);
  });

  it('a queue that throws synchronously fails the batch instead of leaving its adds waiting forever', async () => {
    const closed = new Error('Connection is closed.');
    const { queue } = fakeQueue(() => {
      throw closed;
    });
    const adder = new BulkAdder();
    const outcomes = await Promise.allSettled([adder.add(queue, 'a', {}, {}), adder.add(queue, 'b', {}, {})]);
    expect(outcomes).to.deep.equal([
      { status: 'rejected', reason: closed },
      { status: 'rejected', reason: closed },
    ]);
  });

  it("settles with nothing: BullMQ's job objects are not what the shared promise holds", async () => {
    const { queue } = fakeQueue(() => Promise.resolve([{ id: 'a big BullMQ Job' }]));
    const adder = new BulkAdder();
    const value = await adder.add(queue, 'a', {}, {});
    expect(value).to.equal(undefined);
  });

  it('keeps queues apart: one batch per queue', async () => {
    const a = fakeQueue(() => Promise.resolve([]));
    const b = fakeQueue(() => Promise.resolve([]));
    const adder = new BulkAdder();
    await Promise.all([adder.add(a.queue, 'x', 1, {}), adder.add(b.queue, 'y', 2, {}), adder.add(a.queue, 'z', 3, {})]);
    expect(a.calls.map((c) => c.jobs.map((j) => j.name))).to.deep.equal([['x', 'z']]);
    expect(b.calls.map((c) => c.jobs.map((j) => j.name))).to.deep.equal([['y']]);
  });
});
