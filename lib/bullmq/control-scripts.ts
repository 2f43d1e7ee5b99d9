import { LuaScript, NOW_MS, REPLY_MEMO, batchedScript } from './lua-script.js';
import { TAKE_LEASE } from './store-scripts.js';

// The scripts between BullMQRunner clients and the owning worker, beside RedisJobStore's. All
// keys of one job share its hash tag.

/**
 * @internal A new remote job. KEYS state, meta; ARGV fingerprint, flowId, watcher (`<channel>\n<encoded
 * id>`: where SAVE also publishes its status messages; '' = none), start token (unique to this
 * start; optional). Refused ({0}) when the id is taken (a snapshot, or a start already
 * requested); else records the request: {1, req}. The same call again (its token already in the
 * meta) answers as the first did: ioredis sends a call whose reply a dropped connection lost once
 * more after reconnecting, and that start must not be refused as taken by its own claim.
 */
export const REGISTER = new LuaScript(
  `if ARGV[4] and ARGV[4] ~= '' and redis.call('HGET', KEYS[2], 'reg') == ARGV[4] then return {1, tonumber(redis.call('HGET', KEYS[2], 'req'))} end
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HEXISTS', KEYS[2], 'req') == 1 then return {0} end
local req = redis.call('HINCRBY', KEYS[2], 'req', 1)
redis.call('HSET', KEYS[2], 'fp', ARGV[1], 'flow', ARGV[2])
if ARGV[4] and ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'reg', ARGV[4]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'watch', ARGV[3]) end
return {1, req}`,
  2,
);

/**
 * @internal REGISTER for several new jobs in one call (a single Redis server only: the keys of
 * different jobs lie in different cluster slots): KEYS state, meta and ARGV fingerprint, flowId,
 * watcher, start token of each job in turn. Each is checked and claimed by REGISTER itself, in order; one reply
 * per job, REGISTER's, or the error that job's registration met (a key of the wrong type, say),
 * which fails that start alone, as it would have one by one.
 */
export const REGISTER_MANY = batchedScript(REGISTER, 4);

/**
 * @internal Gives back the id a start registered and never queued (its runner closed meanwhile).
 * KEYS state, meta, control; ARGV start token (REGISTER's). Only the claim that token made, and
 * only while the job has no state: then nothing ran and nothing will (no BullMQ job was added),
 * and the commands its handle sent after the grant go with it. Returns 1 (freed, or free already:
 * the same call again after a lost reply) or 0.
 */
export const UNREGISTER = new LuaScript(
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 1 end
if redis.call('HGET', KEYS[2], 'reg') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1`,
  3,
);

/**
 * @internal Queues a control command. KEYS state, meta, control; ARGV owner channel prefix
 * (`<prefix>:owner:`), v, op, data, meta field ('' = none), meta value ('' = delete the field),
 * need owner ('1'/'0'), encoded job id. Appends the command, updates the meta field, nudges the
 * owner on its channel (`<encoded id>\nc`), and, when the command needs an owner and nobody holds
 * the job's lease while it has a snapshot, counts a delivery request (the caller adds that
 * BullMQ job). Returns {entry id, publish seq, req (0 = none needed)}. ARGV sender field
 * (`sent:<runner tag>`, '' = none) and command number (increasing per sender): the sender's
 * last 8 commands are kept there with their replies, and the same command again (ioredis resends
 * the calls whose replies a dropped connection lost, several when a runner's handles of one job
 * each had one on its way) is answered with its reply, not appended twice. A `send` that reaches
 * a job stored as completed or cancelled is not appended (no owner would run it: a resumed job may
 * complete before a send given right after the resume arrives): {'', seq, 0, status}. (A failed
 * job's may be on its way behind a resume that no owner has taken yet: appended, as before.)
 */
export const CONTROL = new LuaScript(
  `${REPLY_MEMO}
local sent = ARGV[9] and ARGV[9] ~= '' and (redis.call('HGET', KEYS[2], ARGV[9]) or '') or nil
local was = sent and recall(sent, ARGV[10])
if was then
  local eid, eseq, ereq = string.match(was, '^(%S+) (%S+) (%S+)$')
  return {eid, eseq, tonumber(ereq)}
end
if ARGV[3] == 'send' then
  local st = redis.call('HGET', KEYS[2], 'status')
  if st == 'completed' or st == 'cancelled' then return {'', redis.call('HGET', KEYS[2], 'seq') or '0', 0, st} end
end
local id = redis.call('XADD', KEYS[3], '*', 'v', ARGV[2], 'op', ARGV[3], 'data', ARGV[4])
if ARGV[5] ~= '' then
  if ARGV[6] == '' then redis.call('HDEL', KEYS[2], ARGV[5]) else redis.call('HSET', KEYS[2], ARGV[5], ARGV[6]) end
end
local seq = redis.call('HGET', KEYS[2], 'seq') or '0'
${NOW_MS}
local m = redis.call('HMGET', KEYS[2], 'owner', 'until')
local live = m[1] and tonumber(m[2] or '0') > now
if m[1] then redis.call('PUBLISH', ARGV[1] .. m[1], ARGV[8] .. '\\nc') end
local req = 0
if ARGV[7] == '1' and not live and redis.call('EXISTS', KEYS[1]) == 1 then req = redis.call('HINCRBY', KEYS[2], 'req', 1) end
if sent then remember(KEYS[2], ARGV[9], sent, ARGV[10], id .. ' ' .. seq .. ' ' .. req) end
return {id, seq, req}`,
  3,
);

/**
 * @internal A worker takes a job: its lease (as RedisJobStore's ACQUIRE) and, in the same
 * step, everything it needs to run it. KEYS meta, state, journal, control, inbox; ARGV owner,
 * ttl ms, fingerprint, flowId. Every start is registered (REGISTER) before it is queued; a
 * take of a job with no registration (queued by hand, or its meta lost) records the start
 * request as REGISTER would have (req 1, before any snapshot exists, so CONTROL never counts a
 * request that reuses the start's BullMQ id).
 * Refused: {0, owner, until}. Granted: {1, epoch, until, recoveries, cursor, snapshot
 * text or false, journal, control entries after the cursor, inbox entries, meta as a flat list}.
 */
export const TAKE = new LuaScript(
  `${NOW_MS}
${TAKE_LEASE}
if redis.call('HSETNX', KEYS[1], 'req', 1) == 1 then redis.call('HSET', KEYS[1], 'fp', ARGV[3], 'flow', ARGV[4]) end
local cursor = m[6] or ''
local control
if cursor == '' then control = redis.call('XRANGE', KEYS[4], '-', '+') else control = redis.call('XRANGE', KEYS[4], '(' .. cursor, '+') end
return {1, epoch, tostring(untilMs), tostring(recoveries), cursor, redis.call('GET', KEYS[2]), redis.call('LRANGE', KEYS[3], 0, -1), control, redis.call('XRANGE', KEYS[5], '-', '+'), redis.call('HGETALL', KEYS[1])}`,
  5,
);

/**
 * @internal Renews a held lease. KEYS meta; ARGV owner, ttl ms, epoch. Only while the lease is
 * still this owner's, at this epoch (a gap in which another took it over and let it go shows
 * as a new epoch): 1, else 0.
 */
export const RENEW = new LuaScript(
  `local m = redis.call('HMGET', KEYS[1], 'owner', 'epoch')
if m[1] ~= ARGV[1] or m[2] ~= ARGV[3] then return 0 end
${NOW_MS}
redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[2]))
return 1`,
  1,
);

/**
 * @internal The owner lets a resting job go. KEYS meta, control, inbox; ARGV owner, last entry
 * id the owner read ('' = none), cursor (the last entry applied, '' = keep), force ('1': even
 * with news), drop inbox ('1': every pool result was applied and saved), epoch (of the owner's
 * lease; '' = none). -1: not the owner any more; 0: commands arrived since the owner last read
 * (it keeps the job and reads them); 1: released, the cursor saved and the applied entries
 * trimmed. The release is kept in the meta (`freed`: owner and epoch), so the same call again
 * (ioredis resends a call whose reply a dropped connection lost) answers 1, not -1, which would
 * leave the job's delivery active until BullMQ's stall recovery runs it again.
 */
export const RELEASE_IDLE = new LuaScript(
  `local owner = redis.call('HGET', KEYS[1], 'owner')
if owner ~= ARGV[1] then
  if not owner and ARGV[6] and ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'freed') == ARGV[1] .. ' ' .. ARGV[6] then return 1 end
  return -1
end
if ARGV[4] ~= '1' then
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #last > 0 and last[1][1] ~= ARGV[2] then return 0 end
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'cursor', ARGV[3])
  redis.call('XTRIM', KEYS[2], 'MINID', ARGV[3])
end
if ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end
redis.call('HDEL', KEYS[1], 'owner', 'until', 'held')
redis.call('HSET', KEYS[1], 'recoveries', 0)
if ARGV[6] and ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'freed', ARGV[1] .. ' ' .. ARGV[6]) end
return 1`,
  3,
);

/** Lua: a result key's part after its job id (`ARGV[1]`), the id RESULT's memo (`rk`) keeps and POOL_LOAD looks up. */
const RESULT_ID = "string.match(ARGV[1], '[^/]*$')";

/**
 * @internal A pool activation's result. KEYS inbox, meta; ARGV key (<activationId>#<attempt>),
 * result JSON, owner channel prefix, encoded job id, local owner and its epoch ('' = none).
 * Kept in the job's inbox (a new owner finds it there) and published to the owner as
 * `<encoded id>\nr<key>\n<json>`: 1; unless the job's owner is the local owner at that epoch
 * (the pool worker's own process hands the result over): 2, nothing published. The job's last 8
 * result keys are kept in the meta (`rk`: each one's part after the job id, and its reply): a key
 * written already (ioredis resends a call whose reply a dropped connection lost; or the activation
 * ran again, its add resent after it ran) is neither kept nor published again, which would leave
 * the owner, who applied the first, a copy it never takes, for the job's life. It answers 2 again
 * while that local owner still holds the job (the lost reply's hand-over), else 1. A job with no
 * epoch in its meta was deleted (an owner's TAKE set one before it sent any activation): 0, and
 * nothing is written, so a late result does not bring back keys of a job that is gone.
 */
export const RESULT = new LuaScript(
  `${REPLY_MEMO}
local m = redis.call('HMGET', KEYS[2], 'owner', 'epoch', 'rk')
if not m[2] then return 0 end
local here = m[1] and m[1] == ARGV[5] and m[2] == ARGV[6]
local id = ${RESULT_ID}
local was = recall(m[3] or '', id)
if was then return (was == '2' and here) and 2 or 1 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'k', ARGV[1], 'r', ARGV[2])
local code = here and 2 or 1
if m[1] and not here then redis.call('PUBLISH', ARGV[3] .. m[1], ARGV[4] .. '\\nr' .. ARGV[1] .. '\\n' .. ARGV[2]) end
remember(KEYS[2], 'rk', m[3] or '', id, code)
return code`,
  2,
);

/**
 * @internal What a pool member reads before it runs an activation of a job owned elsewhere: the
 * job's last checkpoint (as LOAD: snapshot text or false, journal entries) and whether a result
 * under the activation's key was written already (RESULT's memo, `rk`): 1, and the activation is
 * not run again. Its pool job was added again after it ran (ioredis resent the add whose reply a
 * dropped connection lost, once the first had run and was removed), and its handler's side
 * effects must not happen twice. KEYS state, journal, meta; ARGV the key (as RESULT's).
 */
export const POOL_LOAD = new LuaScript(
  `${REPLY_MEMO}
local ran = recall(redis.call('HGET', KEYS[3], 'rk') or '', ${RESULT_ID}) and 1 or 0
return {redis.call('GET', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1), ran}`,
  3,
);
