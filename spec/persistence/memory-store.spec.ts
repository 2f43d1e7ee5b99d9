import { expect } from 'chai';
import { ConfigurationError, Flow, JobState, Routine, SerializationError } from '../../lib/index.js';
import { MemoryJobStore } from '../../lib/persistence/memory-store.js';
import { makeState, rejected } from '../fixtures/helpers.js';
import { storeContract } from './store-contract.js';

class Counter extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['n']);
    this.defineSlot<{ n: number }>('trigger', (data, ctx) => {
      ctx.setSharedData('seen', data.n);
      for (let i = 0; i < data.n; i++) this.emit('out', { n: i });
    });
  }
}

describe('MemoryJobStore', () => {
  it('round-trips a real job state through JSON text', async () => {
    const flow = new Flow({ flowId: 'mem' });
    flow.addRoutine(new Counter(), 'counter');
    const state = await flow.execute('counter', { n: 3 }, { jobId: 'm1' });
    const store = new MemoryJobStore();
    await store.save(state);
    const loaded = await store.load('m1');
    expect(loaded).to.be.instanceOf(JobState);
    expect(loaded).to.not.equal(state);
    expect(JSON.parse(JSON.stringify(loaded))).to.deep.equal(JSON.parse(JSON.stringify(state)));
    expect(loaded!.getSharedData('seen')).to.equal(3);
  });

  it('gives an independent copy on every load', async () => {
    const store = new MemoryJobStore();
    await store.save(makeState('a', { sharedData: { list: [1, 2] } }));
    const one = await store.load('a');
    const two = await store.load('a');
    expect(one).to.not.equal(two);
    expect(one!.sharedData.list).to.not.equal(two!.sharedData.list);
    (one!.sharedData.list as number[]).push(3); // payloads are not frozen; the copy in the store is untouched
    expect((await store.load('a'))!.sharedData.list).to.deep.equal([1, 2]);
  });

  it('keeps the snapshot as it was when saved', async () => {
    const store = new MemoryJobStore();
    const payload = { items: ['x'] };
    await store.save(makeState('a', { sharedData: { payload } }));
    payload.items.push('y');
    expect((await store.load('a'))!.sharedData.payload).to.deep.equal({ items: ['x'] });
  });

  it('replaces a job on save, lists and deletes', async () => {
    const store = new MemoryJobStore();
    await store.save(makeState('a', { updatedAt: 1 }));
    await store.save(makeState('b'));
    await store.save(makeState('a', { updatedAt: 5 }));
    expect(await store.list()).to.have.members(['a', 'b']);
    expect((await store.load('a'))!.updatedAt).to.equal(5);
    await store.delete('a');
    await store.delete('a'); // unknown: no-op
    await store.delete('never-saved');
    expect(await store.list()).to.deep.equal(['b']);
    expect(await store.load('a')).to.equal(undefined);
  });

  it('returns undefined for an unknown job', async () => {
    expect(await new MemoryJobStore().load('nope')).to.equal(undefined);
  });

  it('accepts any string id', async () => {
    const store = new MemoryJobStore();
    const ids = ['a/b', '..', '', 'ünï 🎉', 'CON'];
    for (const id of ids) await store.save(makeState(id));
    expect(await store.list()).to.have.members(ids);
    for (const id of ids) expect((await store.load(id))!.jobId).to.equal(id);
  });

  it('rejects a state JSON cannot carry with a SerializationError naming the job', async () => {
    const store = new MemoryJobStore();
    const state = makeState('big', { sharedData: {} });
    // (A BigInt was the example here; it is encodable since job JSON version 2.)
    const withBigInt = new JobState({ ...state, sharedData: { n: () => 10 } });
    await rejected(store.save(withBigInt), SerializationError, "job 'big'");
    expect(await store.list()).to.deep.equal([]);
  });

  it('rejects bad input with a ConfigurationError', async () => {
    const store = new MemoryJobStore();
    await rejected(store.save({ jobId: 'x' } as unknown as JobState), ConfigurationError, 'JobState');
    await rejected(store.save(undefined as unknown as JobState), ConfigurationError, 'JobState');
    await rejected(store.load(42 as unknown as string), ConfigurationError, 'job id');
    await rejected(store.delete(null as unknown as string), ConfigurationError, 'job id');
  });
});

storeContract('MemoryJobStore', () => new MemoryJobStore());
