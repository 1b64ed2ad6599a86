/* cluster_lua: the Lua scripts the cluster link runs in Redis (EVAL), each
 * one atomic, so that a stream entry and the state it describes never
 * disagree. Keys: see cluster.h. Every script is small and bounded by the
 * size of one room (members) or of the host list. */
#ifndef RTCD_CLUSTER_LUA_H
#define RTCD_CLUSTER_LUA_H

/* Publish one chat message, at most once per (node, boot, seq): a message
 * re-sent after a lost reply is refused (returns 0) instead of appearing
 * twice. KEYS: msgs stream, seq hash. ARGV: node, boot, seq, maxlen,
 * keep_s, conn, json, gossip. Returns the new entry id, or 0. */
#define CLUSTER_LUA_PUBLISH \
	"local last = redis.call('HGET', KEYS[2], ARGV[1])\n" \
	"if last then\n" \
	"  local b, n = string.match(last, '^(%x+):(%d+)$')\n" \
	"  if b == ARGV[2] and tonumber(n) >= tonumber(ARGV[3]) then return 0 end\n" \
	"end\n" \
	"redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ':' .. ARGV[3])\n" \
	"local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[4], '*', 'o', ARGV[1], 'b', ARGV[2],\n" \
	"  's', ARGV[3], 'c', ARGV[6], 'j', ARGV[7], 'g', ARGV[8])\n" \
	"redis.call('EXPIRE', KEYS[1], ARGV[5])\n" \
	"redis.call('EXPIRE', KEYS[2], ARGV[5])\n" \
	"return id\n"

/* Make this node's members of one room in Redis exactly the given list,
 * with one presence entry per change (join, update, leave). Also keeps
 * the node's set of rooms. KEYS: members hash, presence stream, the node's
 * rooms set. ARGV: node, boot, room, keep_s, presence maxlen, then member
 * key / info pairs. Returns the number of members. */
#define CLUSTER_LUA_SYNC \
	"local node, boot = ARGV[1], ARGV[2]\n" \
	"local want, n = {}, 0\n" \
	"for i = 6, #ARGV - 1, 2 do want[ARGV[i]] = ARGV[i + 1]; n = n + 1 end\n" \
	"local function ev(e, f, w)\n" \
	"  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], '*', 'o', node, 'b', boot, 'e', e, 'f', f, 'w', w)\n" \
	"end\n" \
	"local have = redis.call('HGETALL', KEYS[1])\n" \
	"local pfx = node .. '/'\n" \
	"for i = 1, #have - 1, 2 do\n" \
	"  local f, v = have[i], have[i + 1]\n" \
	"  if string.sub(f, 1, #pfx) == pfx then\n" \
	"    local w = want[f]\n" \
	"    if w == nil then redis.call('HDEL', KEYS[1], f); ev('leave', f, v)\n" \
	"    elseif w ~= v then redis.call('HSET', KEYS[1], f, w); ev('update', f, w) end\n" \
	"    want[f] = nil\n" \
	"  end\n" \
	"end\n" \
	"for i = 6, #ARGV - 1, 2 do\n" \
	"  local f = ARGV[i]\n" \
	"  if want[f] then redis.call('HSET', KEYS[1], f, want[f]); ev('join', f, want[f]); want[f] = nil end\n" \
	"end\n" \
	"if n > 0 then\n" \
	"  redis.call('SADD', KEYS[3], ARGV[3])\n" \
	"  redis.call('EXPIRE', KEYS[1], ARGV[4]); redis.call('EXPIRE', KEYS[2], ARGV[4])\n" \
	"  redis.call('EXPIRE', KEYS[3], ARGV[4])\n" \
	"else\n" \
	"  redis.call('SREM', KEYS[3], ARGV[3])\n" \
	"end\n" \
	"return n\n"

/* A consistent snapshot of one room: the last message id, the last
 * presence id and the members hash, read at one instant. KEYS: msgs
 * stream, presence stream, members hash. Returns {msgs id, presence id,
 * {key, info, ...}} ("0-0" for an empty stream). */
#define CLUSTER_LUA_OPEN \
	"local m = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)\n" \
	"local p = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)\n" \
	"local mid, pid = '0-0', '0-0'\n" \
	"if #m > 0 then mid = m[1][1] end\n" \
	"if #p > 0 then pid = p[1][1] end\n" \
	"return {mid, pid, redis.call('HGETALL', KEYS[3])}\n"

/* Heartbeat and host list: set this node's key (its info, expiring after
 * ttl), then list every live node; with reap = 1, a node whose key expired
 * is reaped (its member fields removed from the rooms it was in). KEYS:
 * the nodes set. ARGV: key prefix, node, info, ttl_s, reap. Returns
 * {previous info of this node or "", node, info, node, info, ...}. */
#define CLUSTER_LUA_BEAT \
	"local pfx = ARGV[1]\n" \
	"local prev = redis.call('GET', pfx .. 'node:' .. ARGV[2]) or ''\n" \
	"redis.call('SET', pfx .. 'node:' .. ARGV[2], ARGV[3], 'EX', ARGV[4])\n" \
	"redis.call('SADD', KEYS[1], ARGV[2])\n" \
	"local out = {prev}\n" \
	"for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n" \
	"  local v = redis.call('GET', pfx .. 'node:' .. n)\n" \
	"  if v then out[#out + 1] = n; out[#out + 1] = v\n" \
	"  elseif ARGV[5] == '1' then\n" \
	"    local rk = pfx .. 'node:' .. n .. ':rooms'\n" \
	"    for _, r in ipairs(redis.call('SMEMBERS', rk)) do\n" \
	"      local hk = pfx .. 'room:' .. r .. ':members'\n" \
	"      for _, f in ipairs(redis.call('HKEYS', hk)) do\n" \
	"        if string.sub(f, 1, #n + 1) == n .. '/' then redis.call('HDEL', hk, f) end\n" \
	"      end\n" \
	"    end\n" \
	"    redis.call('DEL', rk)\n" \
	"    redis.call('SREM', KEYS[1], n)\n" \
	"  end\n" \
	"end\n" \
	"return out\n"

/* After (re)connecting: remove this node's members from the rooms it is
 * no longer in (left while Redis was unreachable, or an earlier run of
 * this host), with leave entries. KEYS: the node's rooms set. ARGV: key
 * prefix, node, boot, presence maxlen, then the rooms it is in now. */
#define CLUSTER_LUA_CLEAN \
	"local keep = {}\n" \
	"for i = 5, #ARGV do keep[ARGV[i]] = true end\n" \
	"local pfx, node = ARGV[1], ARGV[2]\n" \
	"for _, r in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n" \
	"  if not keep[r] then\n" \
	"    local hk = pfx .. 'room:' .. r .. ':members'\n" \
	"    local sk = pfx .. 'room:' .. r .. ':presence'\n" \
	"    local h = redis.call('HGETALL', hk)\n" \
	"    for i = 1, #h - 1, 2 do\n" \
	"      if string.sub(h[i], 1, #node + 1) == node .. '/' then\n" \
	"        redis.call('HDEL', hk, h[i])\n" \
	"        redis.call('XADD', sk, 'MAXLEN', ARGV[4], '*', 'o', node, 'b', ARGV[3], 'e', 'leave',\n" \
	"          'f', h[i], 'w', h[i + 1])\n" \
	"      end\n" \
	"    end\n" \
	"    redis.call('SREM', KEYS[1], r)\n" \
	"  end\n" \
	"end\n" \
	"return 0\n"

#endif
