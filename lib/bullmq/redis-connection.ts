import type { RedisOptions } from 'ioredis';
import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { RedisClient } from './lua-script.js';
import { TickWritesRedis } from './tick-writes-redis.js';

/**
 * Where Redis is: ioredis options (`{ host, port }`, `{ path }` for a unix socket, TLS,
 * password, ...), or a client you made (an ioredis `Redis` or `Cluster`), which is used as
 * it is and never closed for you. BullMQ takes the same forms.
 *
 * @example
 * ```ts
 * const connection: RedisConnection = { host: '127.0.0.1', port: 6379 };
 * const viaSocket: RedisConnection = { path: '/run/redis/redis.sock' };
 * ```
 */
export type RedisConnection = RedisOptions | RedisClient;

/**
 * @internal A client for `connection`: the caller's own (not `owned`: never closed here, and used
 * as it is), or a new lazily connecting one (`owned`) that sends the commands of one tick in one
 * socket write ({@link TickWritesRedis}), optionally with extra options (a subscriber, say).
 *
 * @throws {ConfigurationError} naming the caller when `connection` is neither.
 * @example
 * ```ts
 * const { client, owned } = openClient({ path: '/tmp/redis.sock' }, 'RedisJobStore');
 * ```
 */
export function openClient(connection: unknown, where: string, extra: RedisOptions = {}): { client: RedisClient; owned: boolean } {
  if (isClient(connection)) return { client: connection, owned: false };
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new ConfigurationError(`${where}: connection must be ioredis options ({ host, port } or { path }) or an ioredis client, got ${describeValue(connection)}`);
  }
  // Auto-pipelining (where a caller does not turn it off): the commands of many jobs issued in
  // one tick go out as one pipeline. (The library reads replies in ioredis's default mapping.)
  const options = { lazyConnect: true, enableAutoPipelining: true, ...(connection as RedisOptions), ...extra } as RedisOptions & { replyMapping?: 'legacy' };
  const client = new TickWritesRedis(options);
  // Errors also reject the command that hit them; without a listener ioredis prints each one.
  client.on('error', () => undefined);
  return { client, owned: true };
}

/**
 * @internal A second connection to the same Redis (a subscriber cannot send commands): a
 * duplicate of the caller's client, or a new one from the options; always owned.
 *
 * @example
 * ```ts
 * const subscriber = duplicateClient(connection, 'BullMQRunner');
 * ```
 */
export function duplicateClient(connection: unknown, where: string, extra: RedisOptions = {}): RedisClient {
  if (isClient(connection)) {
    const copy = (connection as { duplicate(): RedisClient }).duplicate();
    copy.on('error', () => undefined);
    return copy;
  }
  return openClient(connection, where, { enableAutoPipelining: false, ...extra }).client;
}

/** @internal Closes a client this package opened (quit, or disconnect when quit fails or the server stopped answering: `answering` false). @example `await closeClient(client)` */
export async function closeClient(client: RedisClient, answering = true): Promise<void> {
  try {
    if (!answering || client.status === 'wait' || client.status === 'end') {
      client.disconnect();
      return;
    }
    await client.quit();
  } catch {
    client.disconnect();
  }
}

function isClient(value: unknown): value is RedisClient {
  return typeof value === 'object' && value !== null && typeof (value as RedisClient).evalsha === 'function' && typeof (value as RedisClient).duplicate === 'function';
}
