/**
 * Review s23b: RedisJobStore used on its own, as a durable store with leases for in-process
 * flows (not the BullMQ runner): fencing, prune, journal, errors, resume in a fresh process.
 */
import { expect } from 'chai';
import { Flow, MemoryJobStore, Routine, StoreError, type ExecutionContext } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { isFencedWrite } from '../../lib/bullmq/fenced-error.js';
import { makeState, sleep } from '../fixtures/helpers.js';
import { useRedis } from '../helpers/use-redis.js';

describe('review s23b: RedisJobStore on its own', () => {
  const redis = useRedis();
  const stores: RedisJobStore[] = [];
  let n = 0;
  const make = (prefix = `s23b-${++n}`): RedisJobStore => {
    const store = new RedisJobStore({ connection: redis.connection, prefix });
    stores.push(store);
    return store;
  };
  redis.atStop(() => Promise.all(stores.map((s) => s.close())));
  const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => ({ ok: v }), (e: unknown) => e);

  it('FINDING 1: a holder whose job was deleted (its lease with it) and created again under the same id by a new holder is not fenced out: its stale save overwrites the new job', async () => {
    const prefix = `s23b-f1-${++n}`;
    const a = make(prefix);
    const b = make(prefix);
    expect(await a.acquire('j', 'w1', 60_000)).to.equal(true);
    await a.save(makeState('j', { status: 'running', updatedAt: 1 }));
    await b.delete('j'); // an operator removes the job; its lease goes with it (the contract)
    expect(await b.acquire('j', 'w2', 60_000)).to.equal(true); // a new job under the id
    await b.save(makeState('j', { status: 'running', updatedAt: 2 }));
    const error = await outcome(a.save(makeState('j', { status: 'running', updatedAt: 99 })));
    expect(isFencedWrite(error), 'the former holder’s save is refused').to.equal(true);
    expect((await b.load('j'))!.updatedAt).to.equal(2);
  });

  it('FINDING 1b: the same after a takeover of an expired lease and a prune: the stalled holder’s save lands on the new job', async () => {
    const prefix = `s23b-f1b-${++n}`;
    const a = make(prefix);
    const b = make(prefix);
    expect(await a.acquire('j', 'w1', 100)).to.equal(true);
    await a.save(makeState('j', { status: 'completed', updatedAt: 1 }));
    await sleep(200); // w1 stalls past its lease
    expect(await b.prune()).to.equal(1);
    expect(await b.acquire('j', 'w2', 60_000)).to.equal(true);
    await b.save(makeState('j', { status: 'running', updatedAt: 2 }));
    const error = await outcome(a.appendJournal('j', { format: 'routilux.journal', version: 1, jobId: 'j', fields: { updatedAt: 99 } }));
    expect(isFencedWrite(error), 'the stalled holder’s journal entry is refused').to.equal(true);
    expect((await b.load('j'))!.updatedAt).to.equal(2);
  });

  it('FINDING 2: appendJournal of an entry JSON cannot carry rejects with a raw TypeError (MemoryJobStore: a StoreError naming the job)', async () => {
    const store = make();
    await store.save(makeState('j'));
    const memory = new MemoryJobStore();
    await memory.save(makeState('j'));
    expect(await outcome(memory.appendJournal('j', { big: 1n }))).to.be.instanceOf(StoreError);
    const error = await outcome(store.appendJournal('j', { big: 1n }));
    expect(error).to.be.instanceOf(StoreError);
    expect((error as StoreError).message).to.include("'j'");
  });

  it('FINDING 3: prune deletes a job that another process saved with a status prune does not select between prune’s read and its delete (FileJobStore reads it again under a lease)', async () => {
    const prefix = `s23b-f3-${++n}`;
    const store = make(prefix);
    const other = make(prefix);
    await store.save(makeState('j', { status: 'failed', updatedAt: 1 }));
    const load = store.load.bind(store);
    store.load = async (id: string) => {
      const state = await load(id);
      await other.save(makeState('j', { status: 'running', updatedAt: 2 })); // resumed elsewhere meanwhile
      return state;
    };
    expect(await store.prune({ statuses: ['failed'] })).to.equal(0);
    expect((await other.load('j'))?.status).to.equal('running');
  });

  it('FINDING 4: prune resolves as if all went well when a job cannot be read (a Redis error), where FileJobStore rejects with a StoreError', async () => {
    const prefix = `s23b-f4-${++n}`;
    const store = make(prefix);
    await store.save(makeState('j', { status: 'completed', updatedAt: 1 }));
    await redis.client().set(store.keysOf('j').journal, 'not a list'); // WRONGTYPE on load
    expect(await outcome(store.prune())).to.be.instanceOf(StoreError);
  });
});
