/**
 * Issue 17 (CPU per job): the clients routilux/bullmq makes send the commands of one tick in one
 * socket write. Each command was its own `write` system call (and its own wake-up of Redis);
 * an owner at concurrency 10 takes and saves jobs in bursts. What must hold besides: every
 * command is still answered with its own reply, in order; a client that reconnected or was not
 * connected yet loses nothing; a client the user passes in is not changed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { closeClient, openClient } from '../../lib/bullmq/redis-connection.js';
import type { RedisClient } from '../../lib/bullmq/lua-script.js';
import { useRedis } from '../helpers/use-redis.js';

type Socket = { _write: (...args: unknown[]) => unknown; _writev: (...args: unknown[]) => unknown };

/** Counts the socket's writes to the system (one `_write` or `_writev` each) until `stop()`. */
function countWrites(client: RedisClient): { writes: number; chunks: number; stop(): void } {
  const socket = (client as unknown as { stream: Socket }).stream;
  const write = socket._write;
  const writev = socket._writev;
  const count = { writes: 0, chunks: 0, stop: () => ((socket._write = write), (socket._writev = writev)) };
  socket._write = function (this: unknown, ...args: unknown[]) {
    count.writes++;
    count.chunks++;
    return write.apply(this, args);
  };
  socket._writev = function (this: unknown, chunks: unknown, ...rest: unknown[]) {
    count.writes++;
    count.chunks += (chunks as unknown[]).length;
    return writev.call(this, chunks, ...rest);
  };
  return count;
}

describe('routilux/bullmq: the commands of one tick leave in one socket write (TickWritesRedis)', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let client: RedisClient;

  before(async () => {
    client = openClient(redis.connection, 'spec', { enableAutoPipelining: false }).client;
    await (client as Redis).connect();
  });
  after(() => closeClient(client));

  it("for any burst of commands issued in one tick, and more issued by their callers' promise reactions, sends one write per tick and answers each command with its own reply, in order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 10 }), async (n, chained) => {
        const key = `tw:${n}:${chained}`;
        await client.del(key);
        const count = countWrites(client);
        const replies: Array<Promise<unknown>> = [];
        try {
          for (let i = 0; i < n; i++) replies.push(client.rpush(key, String(i)));
          // A second burst from promise reactions of this tick (as an owner's continuations issue commands).
          const later = Promise.resolve().then(() => Array.from({ length: chained }, (_, i) => client.rpush(key, `c${i}`)));
          const more = await later;
          const answered = await Promise.all([...replies, ...more]);
          expect(answered).to.deep.equal(Array.from({ length: n + chained }, (_, i) => i + 1));
          expect(count.chunks).to.equal(n + chained);
          expect(count.writes).to.equal(1);
        } finally {
          count.stop();
        }
        expect(await client.lrange(key, 0, -1)).to.deep.equal([...Array.from({ length: n }, (_, i) => String(i)), ...Array.from({ length: chained }, (_, i) => `c${i}`)]);
      }),
      { numRuns: 30 },
    );
  });

  it('an error reply rejects its own command only; the others of the tick are answered', async () => {
    await client.set('tw:str', 'x');
    const [a, b, c] = await Promise.allSettled([client.incr('tw:n'), client.lpush('tw:str', 'y'), client.incr('tw:n')]);
    expect(a).to.deep.equal({ status: 'fulfilled', value: 1 });
    expect(b.status).to.equal('rejected');
    expect(String((b as PromiseRejectedResult).reason)).to.match(/WRONGTYPE/);
    expect(c).to.deep.equal({ status: 'fulfilled', value: 2 });
  });

  it('after its connection was killed, a client reconnects and its commands of one tick are all answered', async () => {
    const name = `tw-${Date.now()}`;
    await (client as Redis).client('SETNAME', name);
    const admin = redis.client();
    const list = String(await admin.client('LIST'));
    const id = /id=(\d+) [^\n]*name=(\S+)/g;
    let mine: string | undefined;
    for (let m = id.exec(list); m !== null; m = id.exec(list)) if (m[2] === name) mine = m[1];
    expect(mine, 'the client is listed by its name').to.be.a('string');
    await admin.client('KILL', 'ID', mine!);
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => client.echo(`e${i}`)));
    expect(burst).to.deep.equal(Array.from({ length: 20 }, (_, i) => `e${i}`));
    expect((client as Redis).status).to.equal('ready');
  });

  it('a client not connected yet queues what it is sent, and sends it once connected', async () => {
    const lazy = openClient(redis.connection, 'spec').client as Redis;
    try {
      expect(lazy.status).to.equal('wait');
      const replies = Promise.all([lazy.echo('a'), lazy.echo('b'), lazy.echo('c')]);
      expect(await replies).to.deep.equal(['a', 'b', 'c']);
    } finally {
      await closeClient(lazy);
    }
  });

  it("a client the user passes in is used as it is: its writes are not batched", async () => {
    const own = new Redis(redis.connection);
    try {
      await own.ping();
      const { client: same, owned } = openClient(own, 'spec');
      expect(same).to.equal(own);
      expect(owned).to.equal(false);
      expect(own.sendCommand).to.equal(Redis.prototype.sendCommand);
      const count = countWrites(own);
      try {
        await Promise.all([own.echo('1'), own.echo('2'), own.echo('3')]);
      } finally {
        count.stop();
      }
      expect(count.writes).to.equal(3);
    } finally {
      own.disconnect();
    }
  });
});
