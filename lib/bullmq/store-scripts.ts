import { LuaScript, NOW_MS } from './lua-script.js';

// The scripts of RedisJobStore. Each touches the keys of one job only (one hash tag), so each
// is atomic on a single server and on a cluster alike. Meta hash fields: owner, until (lease
// expiry, server ms), held ('1' while a lease is held and not released), epoch (bumped at
// every new grant: the fence), recoveries (leases taken over from a holder that never
// released), status and updated (of the saved snapshot), seq (status publications), cursor,
// w (the last write's token and reply: see `written`), freed (see RELEASE_IDLE).

/**
 * A write's token, `<writer>.<n>` (n increasing per writer; see RedisJobStore), in ARGV[`arg`]
 * ('' or absent = none), with KEYS[3] the job's meta: its field `w` keeps the last write's token
 * and reply (`<token> <code> <seq>`). Sets `replay` when this write, or a later one of the same
 * writer, ran already (a writer's writes of a job land in order), and `src`, `n`, `wn`,
 * `wcode`, `wseq` for the caller.
 */
const written = (arg: number): string => `local src, n = string.match(ARGV[${arg}] or '', '^(.+)%.(%d+)$')
local w = src and redis.call('HGET', KEYS[3], 'w')
local wsrc, wn, wcode, wseq
if w then wsrc, wn, wcode, wseq = string.match(w, '^(.+)%.(%d+) (%d) (%d+)$') end
local replay = src ~= nil and wsrc == src and tonumber(wn) >= tonumber(n)`;

/**
 * @internal Saves a snapshot. KEYS state, journal, meta, control, inbox; ARGV text, epoch ('' =
 * not fenced), status, updatedAt, channel, cursor ('' = keep), publish ('1': even if the status
 * is the same), release owner ('' = none), last control entry read, the job's incarnation ('' =
 * keep: see the owner's PoolResults). Refused ({0, epoch, owner})
 * when fenced by an epoch that is no longer the job's; else writes, empties the journal, and
 * publishes `s<seq> <status> <cursor>\\n<text>` on the channel when the status changed (or when asked: a
 * paused job's quiescent snapshot), and the same after `<encoded id>\\n` on the channel of the
 * client that started the job (the meta's `watch`, see REGISTER). With a release owner that
 * holds the lease and no control entry after the last one read, also lets the job go as
 * RELEASE_IDLE does: {2, seq}; else {1, seq}. ARGV write token (see `written`): a call run
 * already (ioredis resends a call whose reply a dropped connection lost) answers as it did.
 */
export const SAVE = new LuaScript(
  `local meta = KEYS[3]
${written(11)}
if replay then
  if wn == n then return {tonumber(wcode), tonumber(wseq)} end
  return {1, tonumber(redis.call('HGET', meta, 'seq') or '0')}
end
if ARGV[2] ~= '' then
  local cur = redis.call('HGET', meta, 'epoch')
  if cur ~= ARGV[2] then return {0, cur or '', redis.call('HGET', meta, 'owner') or ''} end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
local prev = redis.call('HGET', meta, 'status')
redis.call('HSET', meta, 'status', ARGV[3], 'updated', ARGV[4])
if ARGV[6] ~= '' then redis.call('HSET', meta, 'cursor', ARGV[6]) end
if ARGV[10] and ARGV[10] ~= '' then redis.call('HSET', meta, 'inc', ARGV[10]) end
local seq = tonumber(redis.call('HGET', meta, 'seq') or '0')
if prev ~= ARGV[3] or ARGV[7] == '1' then
  seq = redis.call('HINCRBY', meta, 'seq', 1)
  local msg = 's' .. seq .. ' ' .. ARGV[3] .. ' ' .. (redis.call('HGET', meta, 'cursor') or '') .. '\\n' .. ARGV[1]
  redis.call('PUBLISH', ARGV[5], msg)
  local w = redis.call('HGET', meta, 'watch')
  if w then
    local nl = string.find(w, '\\n', 1, true)
    redis.call('PUBLISH', string.sub(w, 1, nl - 1), string.sub(w, nl + 1) .. '\\n' .. msg)
  end
end
if ARGV[8] ~= '' and redis.call('HGET', meta, 'owner') == ARGV[8] then
  local last = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
  if #last == 0 or last[1][1] == ARGV[9] then
    if ARGV[6] ~= '' then redis.call('XTRIM', KEYS[4], 'MINID', ARGV[6]) end
    redis.call('DEL', KEYS[5])
    redis.call('HDEL', meta, 'owner', 'until', 'held')
    redis.call('HSET', meta, 'recoveries', 0)
    if src then redis.call('HSET', meta, 'w', ARGV[11] .. ' 2 ' .. seq) end
    return {2, seq}
  end
end
if src then redis.call('HSET', meta, 'w', ARGV[11] .. ' 1 ' .. seq) end
return {1, seq}`,
  5,
);

/**
 * @internal Appends a journal entry. KEYS state, journal, meta; ARGV entry, epoch ('' = not
 * fenced), cursor ('' = keep: an owner's entry carries the last control entry it applied, as
 * SAVE does), the job's incarnation ('' = keep, as SAVE: a resume's checkpoint may be an entry), write token (as SAVE's: an entry whose call
 * runs again is not appended twice, which would queue its tasks twice).
 * {0, epoch, owner} when fenced out, {-1} without a saved snapshot, else {1}.
 */
export const APPEND = new LuaScript(
  `${written(5)}
if replay then return {1} end
if ARGV[2] ~= '' then
  local cur = redis.call('HGET', KEYS[3], 'epoch')
  if cur ~= ARGV[2] then return {0, cur or '', redis.call('HGET', KEYS[3], 'owner') or ''} end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
redis.call('RPUSH', KEYS[2], ARGV[1])
if src then redis.call('HSET', KEYS[3], 'w', ARGV[5] .. ' 1 0') end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[3], 'cursor', ARGV[3]) end
if ARGV[4] and ARGV[4] ~= '' then redis.call('HSET', KEYS[3], 'inc', ARGV[4]) end
return {1}`,
  3,
);

/** @internal KEYS state, journal, meta: {snapshot text or false, journal entries, publish seq}. */
export const LOAD = new LuaScript(
  `return {redis.call('GET', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1), redis.call('HGET', KEYS[3], 'seq') or '0'}`,
  3,
);

/**
 * @internal Takes or renews a lease. KEYS meta; ARGV owner, ttl ms. Refused: {0, owner, until}.
 * Granted: {1, epoch, until, recoveries}; a new grant (not a renewal of a live lease) bumps the
 * epoch, and one that takes over an expired lease its holder never released counts a recovery.
 */
/**
 * @internal The lease-taking part of ACQUIRE and of the worker's TAKE, one Lua fragment: with
 * `KEYS[1]` the job's meta hash, `ARGV[1]` the owner and `ARGV[2]` the ttl ms (after NOW_MS), it
 * returns the refusal `{0, owner, until}`, or leaves `m` (the meta fields read first, `cursor`
 * sixth), `epoch`, `recoveries` and `untilMs` set with the lease taken (a new epoch unless the
 * owner renews, a recovery counted when a held lease is taken over). A new epoch is the last one
 * plus one but never below the server's clock in µs (`t`, from NOW_MS): the epochs of a job deleted
 * (its meta with it) and made again under its id never repeat one a former holder still fences
 * its writes with (they were granted earlier; no two grants fall in one µs).
 *
 * @example
 * ```ts
 * new LuaScript(`${NOW_MS}\n${TAKE_LEASE}\nreturn {1, epoch}`, 1);
 * ```
 */
export const TAKE_LEASE = `local m = redis.call('HMGET', KEYS[1], 'owner', 'until', 'held', 'epoch', 'recoveries', 'cursor')
local owner = m[1]
local expires = tonumber(m[2] or '0')
if owner and owner ~= ARGV[1] and expires > now then return {0, owner, tostring(expires)} end
local epoch = m[4] or '0'
local recoveries = tonumber(m[5] or '0')
if not (owner == ARGV[1] and expires > now) then
  local e = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
  local floor = tonumber(t[1]) * 1000000 + tonumber(t[2])
  if e < floor then e = floor end
  epoch = string.format('%.0f', e)
  redis.call('HSET', KEYS[1], 'epoch', epoch)
  if m[3] == '1' and owner and owner ~= ARGV[1] then recoveries = redis.call('HINCRBY', KEYS[1], 'recoveries', 1) end
end
local untilMs = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', untilMs, 'held', '1')`;

export const ACQUIRE = new LuaScript(
  `${NOW_MS}
${TAKE_LEASE}
return {1, epoch, tostring(untilMs), tostring(recoveries)}`,
  1,
);

/**
 * @internal Drops the lease if ARGV owner holds it (a graceful release: recoveries back to 0). KEYS meta; ARGV owner,
 * the epoch the caller's lease had ('' = none). 1 if dropped, or dropped already with no grant since (the epoch is
 * still that one: ioredis resends a call whose reply a dropped connection lost, and a 0 would leave the store
 * fencing its writes with the old epoch, refused once another owner took the lease and let it go).
 */
export const RELEASE = new LuaScript(
  `local m = redis.call('HMGET', KEYS[1], 'owner', 'epoch')
if m[1] ~= ARGV[1] then return (not m[1] and ARGV[2] and ARGV[2] ~= '' and m[2] == ARGV[2]) and 1 or 0 end
redis.call('HDEL', KEYS[1], 'owner', 'until', 'held')
redis.call('HSET', KEYS[1], 'recoveries', 0)
return 1`,
  1,
);

/** @internal KEYS meta: {owner, until} of the unexpired lease, or {}. */
export const LEASE_OF = new LuaScript(
  `${NOW_MS}
local m = redis.call('HMGET', KEYS[1], 'owner', 'until')
if m[1] and tonumber(m[2] or '0') > now then return {m[1], m[2]} end
return {}`,
  1,
);

/** @internal KEYS state, journal, meta, control, inbox: removes the job and its lease. */
export const DELETE = new LuaScript(`return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])`, 5);

/**
 * @internal Prune's delete: KEYS state, journal, meta, control, inbox; ARGV the digest of what
 * prune judged (see `storedDigest`). Deletes only while no lease is held (a holder may be
 * writing it) and the snapshot and journal are still those prune judged (nobody wrote the job
 * since); 1 if deleted.
 */
export const PRUNE_ONE = new LuaScript(
  `${NOW_MS}
local m = redis.call('HMGET', KEYS[3], 'owner', 'until')
if m[1] and tonumber(m[2] or '0') > now then return 0 end
local parts = redis.call('LRANGE', KEYS[2], 0, -1)
table.insert(parts, 1, redis.call('GET', KEYS[1]) or '')
if redis.sha1hex(table.concat(parts, '\\n')) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1`,
  5,
);
