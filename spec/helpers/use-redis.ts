/**
 * Mocha glue for the distributed specs: `const redis = useRedis();` inside a `describe` starts
 * one redis-server for that suite (see redis-server.ts) and stops it after. Without a
 * redis-server binary the suite FAILS under `CI=true` and is skipped locally, saying why.
 */
import { Redis } from 'ioredis';
import { findRedisServer, startRedisServer, type RedisServer } from './redis-server.js';

/** Per suite: the server, once `before` ran. */
export interface RedisFixture {
  readonly server: RedisServer;
  readonly connection: { path: string };
  /**
   * Runs `cleanup` after the suite, before the server stops (mocha runs a suite's `after` hooks
   * in the order they were declared, and this fixture's is declared first).
   */
  atStop(cleanup: () => Promise<unknown> | unknown): void;
  /** An ioredis client of the server, made on first use (inside it/before) and disconnected after the suite. */
  client(): Redis;
}

export function useRedis(): RedisFixture {
  let server: RedisServer | undefined;
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let client: Redis | undefined;
  before(async function () {
    this.timeout(30_000);
    const { binary, reason } = findRedisServer();
    if (binary === undefined) {
      if (process.env.CI === 'true') throw new Error(`the distributed specs need redis-server under CI: ${reason}`);
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    server = await startRedisServer(binary!);
  });
  after(async function () {
    this.timeout(60_000);
    try {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    } finally {
      await server?.stop();
      server = undefined;
    }
  });
  return {
    get server(): RedisServer {
      if (server === undefined) throw new Error('useRedis: the server is not running (use it inside it/before, not at describe time)');
      return server;
    },
    get connection(): { path: string } {
      return this.server.connection;
    },
    atStop(cleanup) {
      cleanups.push(cleanup);
    },
    client() {
      if (client === undefined) {
        const made = (client = new Redis(this.connection));
        cleanups.push(() => (made.disconnect(), (client = undefined)));
      }
      return client;
    },
  };
}
