/**
 * The line's Lua scripts (RedisQueueLines). Every key of one product's line shares the hash
 * tag `{<prefix>:<database id>:queue:<product id>}`, so each script runs atomically on one node,
 * on a single Redis or a Redis Cluster. Tickets are JSON in one hash; the pre-queue, the line
 * (score = position) and the unused admissions (score = expiry) are sorted sets.
 */
export const LINE_KEYS = [
  'tickets',
  'buyers',
  'nonces',
  'pre',
  'line',
  'meta',
  'seen',
  'admitted',
  'recent',
  'drawn',
  'used',
] as const;
export type LineKey = (typeof LINE_KEYS)[number];

/**
 * How long a line's keys outlive its last activity, in ms, written into each script by
 * RedisQueueLines (its constructor's `lineTtlMs`, LINE_TTL_MS by default; a test passes less).
 */
export const LINE_TTL_PLACEHOLDER = '__LINE_TTL_MS__';

/**
 * KEYS in LINE_KEYS order, so every script names them the same way; and `touch()`, which every
 * script that records activity (a join, presence, the draw, an admission or skip, a used
 * admission, a sold-out, a close) calls after its writes: every key of the line then lives
 * LINE_TTL past the line's last activity, so the lines of finished sales go away by themselves.
 * A tick that decides nothing is not activity (the ticker runs every 250 ms while the queue is
 * enabled, which would otherwise keep a finished line forever).
 */
const HEADER = `${LINE_KEYS.map((name, index) => `local ${name}_key = KEYS[${index + 1}]`).join('\n')}
local function touch()
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ${LINE_TTL_PLACEHOLDER}) end
end
`;

/**
 * Redis' own clock, in epoch ms: every API process runs the admission loop, and a decision
 * that depends on time (pacing, the minute window, admission times, presence) must read one
 * clock for the whole deployment, not each process's. Redis 7 replicates scripts by their
 * effects, so a script may read TIME and then write.
 */
const CLOCK = `
local function clock_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/** The waiting tickets before this one (0 unless it waits in the line). */
const AHEAD = `
local function ahead(ticket_id)
  local position = redis.call('ZSCORE', line_key, ticket_id)
  if not position then return 0 end
  return redis.call('ZCOUNT', line_key, '-inf', '(' .. position)
end
`;

const FINAL = `
local function is_final(t, now)
  return t.status == 'sold_out' or t.status == 'expired' or (t.status == 'admitted' and t.expiresAt <= now)
end
`;

export const JOIN = `${HEADER}${CLOCK}${FINAL}${AHEAD}
local id, product_id, customer_id, entry_hash, mode = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local now = clock_ms()
local existing = redis.call('HGET', buyers_key, customer_id)
if existing then
  local raw = redis.call('HGET', tickets_key, existing)
  if raw and not is_final(cjson.decode(raw), now) then
    redis.call('HSET', seen_key, existing, now)
    touch()
    return {'existing', raw, ahead(existing)}
  end
end
-- A lookup only (QueueLines.live): the buyer's live ticket, or nothing.
if mode == 'existing-only' then return {'absent'} end
if redis.call('SISMEMBER', nonces_key, entry_hash) == 1 then return {'nonce_reused'} end
local drawn = redis.call('HEXISTS', meta_key, 'drawn') == 1
local t = {id = id, productId = product_id, customerId = customer_id, entryHash = entry_hash, admittedAt = 0, expiresAt = 0}
if mode == 'pre' and not drawn then
  t.status = 'prequeue'
  t.position = 0
  redis.call('ZADD', pre_key, redis.call('HINCRBY', meta_key, 'arrivals', 1), id)
else
  if not drawn then
    if mode == 'after' then return {'need_draw'} end
    redis.call('HSET', meta_key, 'drawn', 1)
  end
  t.status = 'waiting'
  t.position = redis.call('HINCRBY', meta_key, 'next_position', 1)
  redis.call('ZADD', line_key, t.position, id)
end
local raw = cjson.encode(t)
redis.call('SADD', nonces_key, entry_hash)
redis.call('HSET', buyers_key, customer_id, id)
redis.call('HSET', tickets_key, id, raw)
redis.call('HSET', seen_key, id, now)
touch()
return {'created', raw, ahead(id)}
`;

/**
 * ARGV: ticket id, '1' when the read counts as presence. Presence matters (and is activity
 * that keeps the line) only for a ticket still in line; reading a final ticket changes nothing,
 * so it stays readable until the line's keys expire, not forever.
 */
export const GET = `${HEADER}${CLOCK}
local raw = redis.call('HGET', tickets_key, ARGV[1])
if not raw then return false end
local ahead = 0
local position = redis.call('ZSCORE', line_key, ARGV[1])
if position then ahead = redis.call('ZCOUNT', line_key, '-inf', '(' .. position) end
if ARGV[2] == '1' and (position or redis.call('ZSCORE', pre_key, ARGV[1])) then
  redis.call('HSET', seen_key, ARGV[1], clock_ms())
  touch()
end
return {raw, ahead}
`;

/**
 * ARGV: the ticket ids held by open streams: presence (Redis' clock) for those still in line,
 * as GET records it (and, like it, activity that keeps the line's keys).
 */
export const SEEN = `${HEADER}${CLOCK}
local now = clock_ms()
local seen = 0
for i = 1, #ARGV do
  if redis.call('ZSCORE', line_key, ARGV[i]) or redis.call('ZSCORE', pre_key, ARGV[i]) then
    redis.call('HSET', seen_key, ARGV[i], now)
    seen = seen + 1
  end
end
if seen > 0 then touch() end
return seen
`;

export const SUMMARY = `${HEADER}
return {
  redis.call('ZCARD', pre_key) + redis.call('ZCARD', line_key),
  tonumber(redis.call('HGET', meta_key, 'admitted_total') or '0'),
  redis.call('HEXISTS', meta_key, 'drawn')
}
`;

export const PREQUEUE = `${HEADER}
if redis.call('HEXISTS', meta_key, 'drawn') == 1 then return {} end
local out = {}
for _, id in ipairs(redis.call('ZRANGE', pre_key, 0, -1)) do
  out[#out + 1] = id
  out[#out + 1] = cjson.decode(redis.call('HGET', tickets_key, id)).entryHash
end
return out
`;

/** ARGV: the pre-queue's ids in drawn order. -1: a ticket joined the pre-queue meanwhile (read and draw again). */
export const DRAW = `${HEADER}
if redis.call('HEXISTS', meta_key, 'drawn') == 1 then return 0 end
if redis.call('ZCARD', pre_key) ~= #ARGV then return -1 end
for _, id in ipairs(ARGV) do
  local t = cjson.decode(redis.call('HGET', tickets_key, id))
  t.status = 'waiting'
  t.position = redis.call('HINCRBY', meta_key, 'next_position', 1)
  redis.call('HSET', tickets_key, id, cjson.encode(t))
  redis.call('ZADD', line_key, t.position, id)
  redis.call('RPUSH', drawn_key, t.entryHash)
end
redis.call('DEL', pre_key)
redis.call('HSET', meta_key, 'drawn', 1)
touch()
return 1
`;

export const DRAWN = `${HEADER}
if redis.call('HEXISTS', meta_key, 'drawn') == 0 then return false end
return redis.call('LRANGE', drawn_key, 0, -1)
`;

/**
 * Admits from the head of the line while a paced slot is due (one every 60000/rate ms, at
 * only slots since the previous decision), the last minute holds fewer than rate admissions,
 * and fewer unused admissions are outstanding than units available. A head not seen for the
 * abandon time is skipped as expired. Time is Redis' (one clock for every process). ARGV:
 * rate, available, admission ms, abandon ms, window ms, how long ago the available figure was
 * read (ms, measured by the caller: a duration, so its clock's offset does not matter), the
 * sale's start (epoch ms, 0 = none: nothing is admitted before it, whatever the caller's clock).
 */
export const ADMIT = `${HEADER}${CLOCK}
local now = clock_ms()
local rate, available = tonumber(ARGV[1]), tonumber(ARGV[2])
local admission_ms, abandon_ms, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local stock_read_at, starts_at = now - tonumber(ARGV[6]), tonumber(ARGV[7])
if now < starts_at then return {{}, {}, now} end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', admitted_key, '-inf', now)) do
  redis.call('HDEL', used_key, id)
end
redis.call('ZREMRANGEBYSCORE', admitted_key, '-inf', now)
-- A used admission stops counting only against a stock figure read after it was used: the
-- figure read before may still include the unit its hold took. It is kept until it expires,
-- not dropped by the first fresher decision: another process's decision on an older figure
-- may come after, and must still count it.
local outstanding = redis.call('ZCARD', admitted_key)
local used = redis.call('HGETALL', used_key)
for i = 1, #used, 2 do
  if tonumber(used[i + 1]) <= stock_read_at then outstanding = outstanding - 1 end
end
redis.call('ZREMRANGEBYSCORE', recent_key, '-inf', now - window)
local interval = window / rate
local next_at = tonumber(redis.call('HGET', meta_key, 'next_admit_at') or '0')
-- Only the slots since the previous decision are usable: slots that passed while the line
-- was empty or the stock short are gone, never spent in a burst.
local last_now = tonumber(redis.call('HGET', meta_key, 'last_now') or now)
if next_at < last_now then next_at = last_now end
redis.call('HSET', meta_key, 'last_now', now)
local recent = redis.call('ZCARD', recent_key)
local admitted, expired = {}, {}
while next_at <= now and outstanding < available and recent < rate do
  local head = redis.call('ZRANGE', line_key, 0, 0)
  if #head == 0 then break end
  local id = head[1]
  redis.call('ZREM', line_key, id)
  local t = cjson.decode(redis.call('HGET', tickets_key, id))
  local seen = tonumber(redis.call('HGET', seen_key, id) or '0')
  if now - seen > abandon_ms then
    t.status = 'expired'
    redis.call('HSET', tickets_key, id, cjson.encode(t))
    expired[#expired + 1] = id
  else
    t.status = 'admitted'
    -- Admitted at its slot: admissions are spread exactly 60000 / rate ms apart.
    t.admittedAt = math.floor(next_at)
    t.expiresAt = t.admittedAt + admission_ms
    local raw = cjson.encode(t)
    redis.call('HSET', tickets_key, id, raw)
    redis.call('ZADD', admitted_key, t.expiresAt, id)
    redis.call('ZADD', recent_key, now, id)
    outstanding = outstanding + 1
    recent = recent + 1
    next_at = next_at + interval
    admitted[#admitted + 1] = raw
  end
end
if #admitted > 0 then redis.call('HINCRBY', meta_key, 'admitted_total', #admitted) end
redis.call('HSET', meta_key, 'next_admit_at', string.format('%.3f', next_at))
if #admitted + #expired > 0 then
  touch()
elseif redis.call('PTTL', meta_key) == -1 then
  -- An idle tick is not activity, but the pacing fields it writes must not outlive the line.
  redis.call('PEXPIRE', meta_key, ${LINE_TTL_PLACEHOLDER})
end
local first = redis.call('ZRANGE', line_key, 0, 0, 'WITHSCORES')
local head = first[2] and tonumber(first[2]) or (tonumber(redis.call('HGET', meta_key, 'next_position') or '0') + 1)
return {admitted, expired, now, head}
`;

/** ARGV: ticket id. ADMIT stops counting it once a stock read is at least this recent (Redis' clock). */
export const MARK_USED = `${HEADER}${CLOCK}
if redis.call('ZSCORE', admitted_key, ARGV[1]) then
  -- The first use counts (a second hold with the same admission changes nothing).
  redis.call('HSETNX', used_key, ARGV[1], clock_ms())
  touch()
end
return 1
`;

export const SOLD_OUT = `${HEADER}
local count = 0
for _, set in ipairs({pre_key, line_key}) do
  for _, id in ipairs(redis.call('ZRANGE', set, 0, -1)) do
    local t = cjson.decode(redis.call('HGET', tickets_key, id))
    t.status = 'sold_out'
    redis.call('HSET', tickets_key, id, cjson.encode(t))
    count = count + 1
  end
end
redis.call('DEL', pre_key, line_key)
if count > 0 then touch() end
return count
`;

/** Returns how many tickets were live (not final) when the line closed. */
export const CLOSE = `${HEADER}${CLOCK}${FINAL}
local now = clock_ms()
local live = 0
local all = redis.call('HGETALL', tickets_key)
for i = 1, #all, 2 do
  local t = cjson.decode(all[i + 1])
  if not is_final(t, now) then live = live + 1 end
  if t.status ~= 'sold_out' and t.status ~= 'expired' then
    t.status = 'expired'
    redis.call('HSET', tickets_key, all[i], cjson.encode(t))
  end
end
redis.call('DEL', pre_key, line_key, admitted_key, recent_key, meta_key, drawn_key, used_key)
-- The final tickets stay readable for LINE_TTL, then go.
touch()
return live
`;
