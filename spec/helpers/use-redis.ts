/**
 * Mocha glue for the distributed specs: `const redis = useRedis();` inside a `describe` starts
 * one redis-server for that suite (see redis-server.ts) and stops it after. Without a
 * redis-server binary the suite FAILS under `CI=true` and is skipped locally, saying why.
 */
import { findRedisServer, startRedisServer, type RedisServer } from './redis-server.js';

/** Per suite: the server, once `before` ran. */
export interface RedisFixture {
  readonly server: RedisServer;
  readonly connection: { path: string };
}

export function useRedis(): RedisFixture {
  let server: RedisServer | undefined;
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
  after(async () => {
    await server?.stop();
    server = undefined;
  });
  return {
    get server(): RedisServer {
      if (server === undefined) throw new Error('useRedis: the server is not running (use it inside it/before, not at describe time)');
      return server;
    },
    get connection(): { path: string } {
      return this.server.connection;
    },
  };
}
