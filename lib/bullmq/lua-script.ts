import { createHash } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';

/** A Redis client this package talks to: a standalone connection or a cluster. */
export type RedisClient = Redis | Cluster;

/**
 * @internal One Lua script, run by its SHA1 (`EVALSHA`) and loaded with `EVAL` the first time a
 * server does not know it (`NOSCRIPT`: a fresh server, a failover, `SCRIPT FLUSH`). Nothing is
 * defined on the client object, so a client the caller passed in is used as it is.
 *
 * @example
 * ```ts
 * const ping = new LuaScript("return redis.call('PING')", 0);
 * await ping.run(client, [], []); // 'PONG'
 * ```
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly source: string,
    /** How many of the arguments are keys (all of one hash slot on a cluster); -1: any number (see `runVariadic`). */
    readonly keyCount: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with `keys` (exactly `keyCount` of them) and `args`. */
  run(client: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.call(client, this.keyCount, keys, args);
  }

  /**
   * Runs a script of any number of keys (`keyCount` -1: a batch of several jobs, for a single
   * Redis server only, since a cluster's script may touch one hash slot) with `keys` and `args`.
   */
  runVariadic(client: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.call(client, keys.length, keys, args);
  }

  private call(client: RedisClient, keyCount: number, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    // No async wrapper: one promise per call fewer (three or four calls per job).
    return client.evalsha(this.sha, keyCount, ...keys, ...args).catch((error: unknown) => {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keyCount, ...keys, ...args);
    });
  }
}

/**
 * @internal The batched form of `script` (of `argCount` arguments a call): one call runs it for
 * several jobs in turn, the keys and arguments of each after the previous one's, each under
 * `pcall`, and answers one reply per job (its error as that job's reply). For a single Redis
 * server only: the keys of different jobs lie in different cluster slots.
 *
 * @example
 * ```ts
 * const REGISTER_MANY = batchedScript(REGISTER, 4);
 * await REGISTER_MANY.runVariadic(client, [...keysOfA, ...keysOfB], [...argsOfA, ...argsOfB]); // [replyA, replyB]
 * ```
 */
export function batchedScript(script: LuaScript, argCount: number): LuaScript {
  // The script's body becomes a function whose parameters shadow KEYS and ARGV.
  return new LuaScript(
    `local function one(KEYS, ARGV)
${script.source}
end
local kc, ac, out = ${script.keyCount}, ${argCount}, {}
for i = 1, #KEYS / kc do
  local keys, args = {}, {}
  for j = 1, kc do keys[j] = KEYS[(i - 1) * kc + j] end
  for j = 1, ac do args[j] = ARGV[(i - 1) * ac + j] end
  local ok, res = pcall(one, keys, args)
  if ok then out[i] = res
  elseif type(res) == 'table' and res.err then out[i] = res
  else out[i] = redis.error_reply(tostring(res)) end
end
return out`,
    -1,
  );
}

/**
 * @internal The server's clock in epoch ms, computed inside a script (`TIME`), so leases
 * expire by one clock however skewed the clients' clocks are.
 *
 * @example
 * ```ts
 * const lua = `${NOW_MS}\nreturn now`;
 * ```
 */
export const NOW_MS = "local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * @internal Two Lua functions for a bounded memo of replies kept in a hash field, so that a call
 * ioredis sends again after a dropped connection lost its reply is answered as the first was and
 * not done twice: `recall(memo, id)` gives the reply kept for `id` in the field's value `memo`
 * (nil: none); `remember(key, field, memo, id, reply)` keeps it, with the field's last 7 others.
 * Records are `<id> <reply>;` (ids without spaces or ';', replies without ';').
 *
 * @example
 * ```ts
 * const lua = `${REPLY_MEMO}\nlocal memo = redis.call('HGET', KEYS[1], 'rk') or ''\nlocal was = recall(memo, ARGV[1])`;
 * ```
 */
export const REPLY_MEMO = `local function recall(memo, id)
  for k, reply in string.gmatch(memo, '([^ ;]+) ([^;]*);') do
    if k == id then return reply end
  end
end
local function remember(key, field, memo, id, reply)
  local kept = {}
  for r in string.gmatch(memo, '[^;]+;') do kept[#kept + 1] = r end
  kept[#kept + 1] = id .. ' ' .. reply .. ';'
  redis.call('HSET', key, field, table.concat(kept, '', math.max(1, #kept - 7)))
end`;
