/**
 * Issue 17, priority 1: RedisJobStore meets the very JobStore contract the memory and file
 * stores meet (spec/persistence/store-contract.ts), on a real redis-server; then what only it
 * has: writes fenced by the lease epoch, hash-tagged keys, status publications.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Flow, StoreError } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { isFencedWrite } from '../../lib/bullmq/fenced-error.js';
import { decodeId, encodeId } from '../../lib/bullmq/redis-keys.js';
import { makeState, rejected, sleep } from '../fixtures/helpers.js';
import { journalContract, leaseContract, pruneContract, storeContract } from '../persistence/store-contract.js';
import { useRedis } from '../helpers/use-redis.js';
import { Burst, Tally } from '../fixtures/helpers.js';
import fc from 'fast-check';

describe('RedisJobStore', () => {
  const redis = useRedis();
  const stores: RedisJobStore[] = [];
  let n = 0;
  /** A fresh store: its own prefix on the suite's server, so every test starts empty. */
  const make = (prefix = `t${++n}`): RedisJobStore => {
    const store = new RedisJobStore({ connection: redis.connection, prefix });
    stores.push(store);
    return store;
  };
  redis.atStop(() => Promise.all(stores.map((s) => s.close())));

  storeContract('RedisJobStore', () => make());
  leaseContract('RedisJobStore', () => make());
  pruneContract('RedisJobStore', () => make());
  journalContract('RedisJobStore', () => make());

  describe('ids and keys', () => {
    it('encodes any id one-to-one into a key part without ":", braces or integer look', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (id) => {
          const encoded = encodeId(id);
          expect(decodeId(encoded)).to.equal(id);
          expect(encoded).to.match(/^[A-Za-z0-9_.%u-]+$/);
          expect(`${parseInt(`${encoded}.1`, 10)}`).to.not.equal(`${encoded}.1`);
        }),
        { numRuns: 300 },
      );
    });

    it('puts every key of a job under one hash tag (one cluster slot), whatever the id', () => {
      const store = make();
      for (const id of ['order:17', '{x}', '', '42', 'a}b{c']) {
        const keys = Object.values(store.keysOf(id));
        const tags = keys.map((k) => /\{([^}]*)\}/.exec(k)![1]);
        expect(new Set(tags).size, id).to.equal(1);
        expect(tags[0].length, `${id}: an empty tag would hash the whole key`).to.be.greaterThan(0);
      }
    });
  });

  describe('fencing by the lease epoch', () => {
    it('refuses the writes of a holder whose lease was taken over; the new holder’s state stays', async () => {
      const prefix = `fence${++n}`;
      const first = make(prefix);
      const second = make(prefix);
      expect(await first.acquire('j', 'w1', 150)).to.equal(true);
      await first.save(makeState('j', { status: 'running', updatedAt: 1 }));
      await first.appendJournal('j', { format: 'routilux.journal', version: 1, jobId: 'j', fields: {} });
      await sleep(250); // w1 stalls past its lease
      expect(await second.acquire('j', 'w2', 60_000)).to.equal(true);
      await second.save(makeState('j', { status: 'running', updatedAt: 2 }));
      const error = await rejected(first.save(makeState('j', { status: 'running', updatedAt: 99 })), StoreError, "job 'j' was taken over", "'w2'");
      expect(isFencedWrite(error)).to.equal(true);
      expect((error as StoreError).jobId).to.equal('j');
      expect(isFencedWrite(await first.appendJournal('j', { format: 'routilux.journal', version: 1, jobId: 'j', fields: {} }).catch((e: unknown) => e))).to.equal(true);
      expect((await second.load('j'))!.updatedAt).to.equal(2);
      // Renewing its own live lease keeps the epoch: the holder goes on writing.
      expect(await second.acquire('j', 'w2', 60_000)).to.equal(true);
      await second.save(makeState('j', { status: 'completed', updatedAt: 3 }));
      expect((await first.load('j'))!.status).to.equal('completed');
    });

    it('counts takeovers of a lease its holder never released, and resets them at a release', async () => {
      const store = make();
      const grant = await store.takeLease('j', 'w1', 60);
      expect(grant).to.include({ granted: true, recoveries: 0 });
      await sleep(120);
      expect(await store.takeLease('j', 'w2', 60)).to.include({ granted: true, recoveries: 1 });
      await sleep(120);
      const third = await store.takeLease('j', 'w3', 60_000);
      expect(third).to.include({ granted: true, recoveries: 2 });
      await store.release('j', 'w3');
      expect(await store.takeLease('j', 'w4', 60_000)).to.include({ granted: true, recoveries: 0 });
      const refused = await store.takeLease('j', 'w5', 1_000);
      expect(refused).to.include({ granted: false, owner: 'w4' });
    });

    it('a flow checkpointing to it with leases runs a job to the end, every save fenced', async () => {
      const store = make();
      const flow = new Flow({ flowId: 'fenced-flow', store, checkpoint: 'always', owner: 'w1' });
      flow.addRoutine(new Burst(), 'src');
      flow.addRoutine(new Tally(), 'tally');
      flow.connect('src', 'out', 'tally', 'in');
      const final = await flow.execute('src', { n: 40 }, { jobId: 'fj' });
      await flow.checkpointsFlushed();
      expect(final.getSharedData('count')).to.equal(40);
      expect(JSON.stringify(await store.load('fj'))).to.equal(JSON.stringify(final));
      expect(await store.leaseOf('fj'), 'released once settled').to.equal(undefined);
    });
  });

  describe('status publications', () => {
    it('publishes s<seq> <status> <cursor>\\n<job JSON> when a save changes the status, and only then', async () => {
      const store = make();
      const sub = new Redis(redis.connection);
      const got: string[] = [];
      try {
        await sub.subscribe(store.keysOf('p:1').channel);
        sub.on('message', (_channel, message: string) => got.push(message));
        await store.save(makeState('p:1', { status: 'running', updatedAt: 1 }));
        await store.save(makeState('p:1', { status: 'running', updatedAt: 2 }));
        await store.save(makeState('p:1', { status: 'paused', updatedAt: 3 }));
        await sleep(50);
        // (no control entry applied yet: an empty cursor; see RemoteView's resume fence)
        expect(got.map((m) => m.slice(0, m.indexOf('\n')))).to.deep.equal(['s1 running ', 's2 paused ']);
        expect(JSON.parse(got[1].slice(got[1].indexOf('\n') + 1))).to.include({ status: 'paused', updatedAt: 3, jobId: 'p:1' });
        expect((await store.loadWithSeq('p:1'))!.seq).to.equal(2);
      } finally {
        sub.disconnect();
      }
    });
  });

  it('reports an unreachable Redis as a StoreError naming the job and the key', async () => {
    const store = new RedisJobStore({ connection: { path: '/nonexistent/redis.sock', maxRetriesPerRequest: 0, retryStrategy: () => null }, prefix: 'gone' });
    try {
      const error = (await rejected(store.load('a:b'), StoreError, "job 'a:b'")) as StoreError;
      expect(error.jobId).to.equal('a:b');
      expect(error.file).to.equal('gone:job:{a%3ab}:state');
      await rejected(store.list(), StoreError, 'cannot list');
    } finally {
      await store.close();
    }
  });
});
