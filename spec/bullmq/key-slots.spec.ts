/**
 * Issue 17: routilux/bullmq on Redis Cluster. A script may only touch keys of one hash slot, so
 * every key a script is given must hash to the same slot. No cluster is started here (a plain
 * redis-server refuses `CLUSTER KEYSLOT`): the slot is computed as Redis Cluster does (CRC16
 * XMODEM of the key's hash tag, mod 16384; checked against the values the Redis docs give),
 * and every script call of a run that exercises them all (start, pool hop, open / send / close,
 * pause / resume / cancel, lease renewal, the store's own operations) is recorded and checked.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { LuaScript } from '../../lib/bullmq/lua-script.js';
import * as controlScripts from '../../lib/bullmq/control-scripts.js';
import * as storeScripts from '../../lib/bullmq/store-scripts.js';
import { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { jobKeys } from '../../lib/bullmq/redis-keys.js';
import { useRedis } from '../helpers/use-redis.js';
import { makeState, sleep, until } from '../fixtures/helpers.js';
import { startCluster } from './helpers.js';

/** CRC16-XMODEM (polynomial 0x1021, init 0), over the key's UTF-8 bytes, as Redis Cluster computes it. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot of `key`: the part between the first `{` and the next `}` when that is non-empty, else the whole key. */
function keySlot(key: string): number {
  const bytes = new TextEncoder().encode(key);
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % 16384;
  }
  return crc16(bytes) % 16384;
}

class Slow extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['v']);
    this.defineSlot<{ ms: number }>('trigger', async (d, ctx) => {
      await sleep(d.ms);
      ctx.emit('out', { v: d.ms });
    });
  }
}

class Pooled extends Routine {
  constructor() {
    super();
    this.defineSlot<{ v: number }>('in', (d, ctx: ExecutionContext) => ctx.setSharedData('pooled', d.v));
    this.setPlacement('pool');
  }
}

let flakyCalls = 0;

/** Fails its first call: a failed job to resume (a take one incarnation up: SAVE keeps `inc`). */
class Flaky extends Routine {
  constructor() {
    super();
    this.defineSlot('trigger', () => {
      if (++flakyCalls === 1) throw new Error('the first call fails');
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'slots-spec' });
  flow.addRoutine(new Flaky(), 'flaky');
  flow.addRoutine(new Slow(), 'slow');
  flow.addRoutine(new Pooled(), 'pooled');
  flow.connect('slow', 'out', 'pooled', 'in');
  return flow;
}

describe('routilux/bullmq: every script touches one hash slot (Redis Cluster)', function () {
  this.timeout(30_000);
  const redis = useRedis();

  it('computes slots as Redis Cluster does (the CRC16 check value and the slots the Redis docs give)', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).to.equal(0x31c3);
    expect(keySlot('somekey')).to.equal(11058);
    expect(keySlot('foo{hash_tag}')).to.equal(2515);
    expect(keySlot('{user1000}.following')).to.equal(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}{bar}'), 'an empty tag: the whole key').to.equal(crc16(new TextEncoder().encode('foo{}{bar}')) % 16384);
  });

  it('for any job id and any prefix without braces (or a hash-tagged one), all keys of one job share a slot', () => {
    const prefix = fc.oneof(
      fc.string({ minLength: 1 }).filter((p) => !/[{}]/.test(p)),
      fc.string({ minLength: 1 }).filter((p) => !/[{}]/.test(p)).map((p) => `{${p}}`),
    );
    fc.assert(
      fc.property(prefix, fc.string({ unit: 'binary' }), (p, id) => {
        const keys = Object.values(jobKeys(p, id));
        expect(new Set(keys.map(keySlot)).size, keys.join(' ')).to.equal(1);
      }),
      { numRuns: 300 },
    );
  });

  it('every script call of a run that uses them all gets keys of one slot, as many as the script declares', async () => {
    const scripts = new Map<LuaScript, string>();
    for (const [name, value] of Object.entries({ ...controlScripts, ...storeScripts })) if (value instanceof LuaScript) scripts.set(value, name);
    const calls: Array<{ name: string; keys: readonly string[]; keyCount: number }> = [];
    const run = LuaScript.prototype.run;
    LuaScript.prototype.run = function (this: LuaScript, client, keys, args) {
      calls.push({ name: scripts.get(this) ?? `unknown script ${this.sha}`, keys: [...keys], keyCount: this.keyCount });
      return run.call(this, client, keys, args);
    };
    const cluster = await startCluster(redis, build, 1, { lockDuration: 1_500 });
    const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    try {
      const flow = build();
      const done = await flow.start('slow', { ms: 5 }, { runner: cluster.runner, jobId: 'named:{1}' }).wait(); // REGISTER (a given id), TAKE, SAVE, RESULT (pool hop)
      expect(done.getSharedData('pooled')).to.equal(5);
      const slow = flow.start('slow', { ms: 1_200 }, { runner: cluster.runner }); // RENEW every 500 ms while it runs
      await until(() => slow.state.status === 'running', 'the slow job runs');
      await slow.pause('spec'); // CONTROL, RELEASE_IDLE
      // The owner lets a paused job go once its running activation ended: resumed before that,
      // it never rests idle and RELEASE_IDLE is not called.
      await until(() => calls.some((c) => c.name === 'RELEASE_IDLE'), 'the paused job released by its owner');
      slow.resume();
      expect((await slow.wait()).status).to.equal('completed');
      const failed = await flow.start('flaky', {}, { runner: cluster.runner, jobId: 'flaky:{2}' }).wait();
      expect(failed.status).to.equal('failed');
      expect((await (await cluster.runner.resume(flow, 'flaky:{2}')).wait()).status).to.equal('completed'); // (a failed job's take)
      const open = flow.open({ runner: cluster.runner });
      open.send('pooled', 'in', { v: 1 });
      await open.cancel('spec');
      // The store's own operations, on an id with braces and a colon.
      const id = 'store:{odd}';
      expect(await store.acquire(id, 'me', 5_000)).to.equal(true);
      await store.save(makeState(id, { status: 'running', updatedAt: 1 }));
      await store.appendJournal(id, { format: 'routilux.journal', version: 1, jobId: id, fields: {} });
      expect((await store.load(id))?.jobId).to.equal(id);
      expect((await store.leaseOf(id))?.owner).to.equal('me');
      await store.release(id, 'me');
      await store.save(makeState(id, { status: 'completed', updatedAt: 1 }));
      expect(await store.prune({ statuses: ['completed'] })).to.be.at.least(1);
      await store.delete(id);
      // A pool member in another process reads the job's checkpoint with POOL_LOAD (the one worker
      // here is its jobs' pool as well, and reads its own checkpoints): called as such a member would.
      const member = new Redis(redis.connection);
      const named = jobKeys(cluster.prefix, 'named:{1}');
      await controlScripts.POOL_LOAD.run(member, [named.state, named.journal, named.meta], ['named:{1}/9#1']);
      member.disconnect();
      // A start whose runner is closed while its id registers gives the id back (UNREGISTER).
      const closing = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
      await flow.start('slow', { ms: 1 }, { runner: closing }).wait(); // (its channel is followed: the next start registers at once)
      const registrar = (closing as unknown as { registrar: { register: (...a: unknown[]) => Promise<unknown> } }).registrar;
      const register = registrar.register.bind(registrar);
      let closed: Promise<void> | undefined;
      registrar.register = (...a) => ((closed = closing.close()), register(...a));
      expect((await flow.start('slow', { ms: 1 }, { runner: closing, jobId: 'gone:{3}' }).wait()).error?.message).to.include('its id is free again');
      await closed;
    } finally {
      LuaScript.prototype.run = run;
      await store.close();
      await cluster.close();
    }
    const wrong = calls.filter((c) => c.keys.length !== c.keyCount || new Set(c.keys.map(keySlot)).size !== 1);
    expect(wrong, 'script calls whose keys span slots (or miscount)').to.deep.equal([]);
    // REGISTER_MANY batches the starts of a tick on a single server only (keys of many slots, by
    // design); on a cluster each start is a REGISTER (register-batch.spec.ts), checked here.
    const unused = [...scripts.values()].filter((name) => name !== 'REGISTER_MANY' && !calls.some((c) => c.name === name));
    expect(unused, 'scripts this run never called (the check would not cover them)').to.deep.equal([]);
    expect(calls.filter((c) => c.name.startsWith('unknown')), 'scripts outside the two script modules').to.deep.equal([]);
  });
});
