/**
 * Issue 17: the starts of one run of microtasks register their ids in one script call
 * (REGISTER_MANY) on a single Redis server, exactly as one REGISTER each would; on a Redis
 * Cluster (keys of different jobs in different slots) each start is its own REGISTER.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { Flow, Routine } from '../../lib/index.js';
import { REGISTER } from '../../lib/bullmq/control-scripts.js';
import type { RedisClient } from '../../lib/bullmq/lua-script.js';
import { RegisterBatch } from '../../lib/bullmq/register-batch.js';
import { jobKeyBase } from '../../lib/bullmq/redis-keys.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster, type Cluster } from './helpers.js';

/** A client that counts its script calls and the keys of each; `isCluster` as asked. */
function counting(client: Redis, isCluster: boolean): { client: RedisClient; calls: string[][] } {
  const calls: string[][] = [];
  const wrapper = {
    isCluster,
    evalsha: (sha: string, count: number, ...rest: string[]) => {
      calls.push(rest.slice(0, count));
      return client.evalsha(sha, count, ...rest);
    },
    eval: (source: string, count: number, ...rest: string[]) => client.eval(source, count, ...rest),
  };
  return { client: wrapper as unknown as RedisClient, calls };
}

/** What REGISTER left in a job's meta hash (or nothing). */
async function metaOf(client: Redis, base: string): Promise<Record<string, string>> {
  return client.hgetall(`${base}:meta`);
}

let prefixes = 0;

describe('routilux/bullmq: REGISTER in batches (RegisterBatch)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let client: Redis;
  before(() => {
    client = new Redis(redis.connection);
  });
  after(() => client?.disconnect());

  it('for any ids (repeated, already stored or already registered), a batch answers and writes exactly what one REGISTER each, in order, does', async () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e:1', '42', '{t}');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id, fp: fc.constantFrom('fp1', 'fp2'), flow: fc.constantFrom('f', 'g'), watch: fc.constantFrom('', 'w\nx') }), { minLength: 1, maxLength: 30 }),
        fc.uniqueArray(id, { maxLength: 3 }),
        fc.uniqueArray(id, { maxLength: 3 }),
        async (starts, stored, registered) => {
          const one = `rb${++prefixes}`;
          const many = `rb${++prefixes}`;
          for (const prefix of [one, many]) {
            for (const s of stored) await client.set(`${jobKeyBase(prefix, s)}:state`, '{}');
            for (const r of registered) await REGISTER.run(client, [`${jobKeyBase(prefix, r)}:state`, `${jobKeyBase(prefix, r)}:meta`], ['old', 'old', '']);
          }
          const sequential = [];
          for (const [i, s] of starts.entries()) {
            const base = jobKeyBase(one, s.id);
            const reply = (await REGISTER.run(client, [`${base}:state`, `${base}:meta`], [s.fp, s.flow, s.watch, `t${i}`])) as [number, number?];
            sequential.push(reply[0] === 1 ? [1, Number(reply[1])] : [0]);
          }
          const { client: recording, calls } = counting(client, false);
          const batch = new RegisterBatch(recording);
          const batched = await Promise.all(starts.map((s, i) => batch.register(jobKeyBase(many, s.id), s.fp, s.flow, s.watch, `t${i}`)));
          expect(batched).to.deep.equal(sequential);
          expect(calls.length, 'script calls for the batch').to.equal(1);
          for (const s of new Set(starts.map((x) => x.id))) {
            expect(await metaOf(client, jobKeyBase(many, s)), `meta of ${s}`).to.deep.equal(await metaOf(client, jobKeyBase(one, s)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a burst larger than one batch goes in calls of at most 500 starts; starts of a later tick make a new call', async () => {
    const prefix = `rb${++prefixes}`;
    const { client: recording, calls } = counting(client, false);
    const batch = new RegisterBatch(recording);
    const replies = await Promise.all(Array.from({ length: 1_234 }, (_, i) => batch.register(jobKeyBase(prefix, `j${i}`), 'fp', 'f', '', `t${i}`)));
    expect(replies.every((r) => r[0] === 1 && r[1] === 1)).to.equal(true);
    expect(calls.map((keys) => keys.length / 2)).to.deep.equal([500, 500, 234]);
    expect(await batch.register(jobKeyBase(prefix, 'j0'), 'fp', 'f', '', 'again')).to.deep.equal([0]);
    expect(await batch.register(jobKeyBase(prefix, 'late'), 'fp', 'f', '', 'late')).to.deep.equal([1, 1]);
    expect(calls.length).to.equal(5);
  });

  it('a registration that meets an error (a key of the wrong type) fails that start alone: the others of its batch are claimed and answered', async () => {
    const prefix = `rb${++prefixes}`;
    await client.set(`${jobKeyBase(prefix, 'bad')}:meta`, 'not a hash');
    const { client: recording, calls } = counting(client, false);
    const batch = new RegisterBatch(recording);
    const settled = await Promise.allSettled(['a', 'bad', 'c'].map((id) => batch.register(jobKeyBase(prefix, id), 'fp', 'f', '', `t-${id}`)));
    expect(calls.length, 'one script call').to.equal(1);
    expect(settled.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).to.match(/^WRONGTYPE/);
    expect(settled.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<unknown>).value)).to.deep.equal([
      [1, 1],
      [1, 1],
    ]);
    expect(await metaOf(client, jobKeyBase(prefix, 'c'))).to.deep.equal({ req: '1', fp: 'fp', flow: 'f', reg: 't-c' });
  });

  it('on a Redis Cluster each start is its own REGISTER, with one job’s keys', async () => {
    const prefix = `rb${++prefixes}`;
    const { client: recording, calls } = counting(client, true);
    const batch = new RegisterBatch(recording);
    const replies = await Promise.all(['x', 'y', 'x', 'z'].map((id, i) => batch.register(jobKeyBase(prefix, id), 'fp', 'f', '', `t${i}`)));
    expect(replies).to.deep.equal([[1, 1], [1, 1], [0], [1, 1]]);
    expect(calls).to.deep.equal(['x', 'y', 'x', 'z'].map((id) => [`${jobKeyBase(prefix, id)}:state`, `${jobKeyBase(prefix, id)}:meta`]));
  });

  describe('through BullMQRunner', () => {
    let cluster: Cluster;
    class Add extends Routine {
      constructor() {
        super();
        this.defineSlot<{ n: number }>('trigger', (d, ctx) => ctx.setSharedData('n', d.n + 1));
      }
    }
    const build = (): Flow => {
      const flow = new Flow({ flowId: 'register-batch' });
      flow.addRoutine(new Add(), 'add');
      return flow;
    };
    before(async () => {
      cluster = await startCluster(redis, build, 1);
    });
    after(() => cluster?.close());

    it('a loop of starts, one of them an id taken in the same loop: that one fails as taken, every other completes with its result', async () => {
      const flow = build();
      const jobs = Array.from({ length: 60 }, (_, i) => flow.start('add', { n: i }, { runner: cluster.runner, jobId: i === 40 ? 'job-7' : `job-${i}` }));
      const finals = await Promise.all(jobs.map((j) => j.wait()));
      finals.forEach((state, i) => {
        if (i === 40) {
          expect(state.status).to.equal('failed');
          expect(state.error!.message).to.include("job id 'job-7' is taken");
        } else {
          expect([state.status, state.getSharedData('n')], `job ${i}`).to.deep.equal(['completed', i + 1]);
        }
      });
      expect(cluster.errors).to.deep.equal([]);
    });
  });
});
