/* cluster: the Redis link of the cluster (see cluster.h): two hiredis async
 * connections on the supervisor's libevent loop, connect timeout, a
 * watchdog on unanswered commands, reconnect with backoff; the outbound
 * message queue (bounded, replayed in order after a reconnect); the
 * heartbeat and host list; status, counters and metrics. Rooms, presence,
 * history and reading live in cluster_room.c. */
#include "cluster.h"

#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>
#include <hiredis/adapters/libevent.h>

#include "cluster_int.h"
#include "cluster_lua.h"
#include "common/log.h"
#include "common/util.h"
#include "rooms.h"
#include "sup.h"

#define DROP_LOG_MS 1000
#define EXIT_FLUSH_MS 500             /* at exit: time to put the last commands on the wire */

static struct cluster *self;          /* for hiredis callbacks (one per process) */

uint64_t
cluster_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
cluster_key(char *out, size_t cap, const char *room, const char *what)
{
	snprintf(out, cap, "%sroom:%s:%s", CLUSTER_KEY_PREFIX, room, what);
}

const struct cl_node *
cluster_find_node(const struct cluster *cl, const char *name)
{
	for (int i = 0; i < cl->nnodes; i++)
		if (strcmp(cl->nodes[i].name, name) == 0)
			return &cl->nodes[i];
	return NULL;
}

/* Errors that mean "try again on a fresh connection later". */
int
cluster_transient(const redisReply *r)
{
	static const char *const prefixes[] = { "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN",
		"READONLY", "OOM", "NOREPLICAS", "CLUSTERDOWN" };

	if (r == NULL || r->type != REDIS_REPLY_ERROR || r->str == NULL)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (strncmp(r->str, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* ---- the link ---- */

static void
reset_inflight(struct cluster *cl)
{
	struct qitem *it;

	TAILQ_FOREACH(it, &cl->queue, link)
		it->gen = 0;
	cl->ninflight = 0;
	cl->beat_inflight = 0;
	cl->xread_inflight = 0;
	cl->unblock_inflight = 0;
	cl->reader_id = -1;
	cl->cmd.pending = cl->rd.pending = 0;
	cl->cmd.connected = cl->rd.connected = 0;
	cluster_rooms_on_down(cl);
}

/* Mark the link down now; the contexts are freed from a fresh loop turn
 * (never inside one of their own callbacks). Every callback still to come
 * carries an older generation and is ignored. */
void
cluster_fail(struct cluster *cl, const char *fmt, ...)
{
	va_list ap;
	uint64_t now = now_ms();

	if (cl->state == CL_DOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(cl->last_error, sizeof(cl->last_error), fmt, ap);
	va_end(ap);
	if (cl->state == CL_UP) {
		cl->st.disconnects++;
		cl->down_since_ms = now;
		log_warn("cluster: redis %s: link down: %s; local rooms keep working, %d message(s) "
		    "queued, retrying", cl->cfg.redis, cl->last_error, cl->nqueued);
	} else {
		log_debug("cluster: redis %s: cannot connect: %s", cl->cfg.redis, cl->last_error);
	}
	cl->state = CL_DOWN;
	cl->gen++;
	reset_inflight(cl);
	cl->next_try_ms = now + cl->backoff_ms / 2 + (uint64_t)(rand() % (int)(cl->backoff_ms / 2 + 1));
	cl->backoff_ms = MIN(cl->backoff_ms * 2, CL_BACKOFF_MAX_MS);
	cl->need_reap = 1;
	if (cl->reap && !cl->freeing)
		event_active(cl->reap, EV_TIMEOUT, 0);
}

static void
link_free(struct cl_link *l)
{
	redisAsyncContext *ac = l->ac;

	l->ac = NULL;
	l->connected = 0;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
}

static void
on_reap(evutil_socket_t fd, short ev, void *arg)
{
	struct cluster *cl = arg;

	cl->need_reap = 0;
	link_free(&cl->cmd);
	link_free(&cl->rd);
}

static void on_up(struct cluster *cl);

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct cl_link *l = ac->data;
	struct cluster *cl = self;

	if (l == NULL || cl == NULL || l->ac != ac)
		return;
	if (status != REDIS_OK) {
		l->ac = NULL;      /* hiredis frees it after this callback */
		cluster_fail(cl, "%s", ac->errstr);
		return;
	}
	l->connected = 1;
	if (cl->cmd.connected && cl->rd.connected && cl->state == CL_CONNECTING)
		on_up(cl);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct cl_link *l = ac->data;
	struct cluster *cl = self;

	if (l == NULL || cl == NULL || l->ac != ac)
		return;
	l->ac = NULL;          /* being freed by hiredis */
	l->connected = 0;
	cluster_fail(cl, "connection lost (%s)", ac->errstr[0] ? ac->errstr : "closed by the server");
}

static int
link_open(struct cluster *cl, struct cl_link *l)
{
	redisAsyncContext *ac;
	char ip[ADDR_STRLEN];
	struct addr a;

	if (strncmp(cl->cfg.redis, "unix:", 5) == 0) {
		ac = redisAsyncConnectUnix(cl->cfg.redis + 5);
	} else {
		/* a numeric IPv4 literal (config.c): no name lookup */
		if (addr_parse(&a, cl->cfg.redis) < 0)
			return -1;
		addr_format_ip(&a, ip, sizeof(ip));
		ac = redisAsyncConnect(ip, a.port);
	}
	if (ac == NULL) {
		cluster_fail(cl, "out of memory");
		return -1;
	}
	if (ac->err) {
		cluster_fail(cl, "%s", ac->errstr);
		redisAsyncFree(ac);
		return -1;
	}
	ac->data = l;
	l->ac = ac;
	l->pending = 0;
	if (redisLibeventAttach(ac, cl->s->base) != REDIS_OK ||
	    redisAsyncSetConnectCallback(ac, on_connect) != REDIS_OK ||
	    redisAsyncSetDisconnectCallback(ac, on_disconnect) != REDIS_OK) {
		cluster_fail(cl, "cannot attach to the event loop");
		return -1;
	}
	(void)redisEnableKeepAlive(&ac->c);
	return 0;
}

static void
start_connect(struct cluster *cl)
{
	cl->gen++;
	cl->state = CL_CONNECTING;
	cl->connect_deadline_ms = now_ms() + CL_CONNECT_TIMEOUT_MS;
	if (link_open(cl, &cl->cmd) < 0 || link_open(cl, &cl->rd) < 0)
		return;   /* cluster_fail ran */
}

struct cl_req *
cluster_req_new(struct cluster *cl, enum cl_req_kind kind, struct cl_link *l)
{
	struct cl_req *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->gen = cl->gen;
	q->kind = kind;
	q->l = l;
	return q;
}

void
cluster_req_free(struct cl_req *q)
{
	if (q == NULL)
		return;
	free(q->hist);
	free(q);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv);

int
cluster_send(struct cluster *cl, struct cl_req *q, int argc, const char **argv, const size_t *lens)
{
	struct cl_link *l;

	if (q == NULL) {
		cluster_fail(cl, "out of memory");
		return -1;
	}
	l = q->l;
	if (cl->state != CL_UP || l->ac == NULL) {
		cluster_req_free(q);
		return -1;
	}
	if (redisAsyncCommandArgv(l->ac, on_reply, q, argc, argv, lens) != REDIS_OK) {
		cluster_req_free(q);
		cluster_fail(cl, "cannot queue a command on the %s link", l->name);
		return -1;
	}
	if (l->pending++ == 0)
		l->progress_ms = now_ms();
	return 0;
}

/* ---- outbound messages ---- */

static void
drop_logged(struct cluster *cl, const char *room, const char *why)
{
	uint64_t now = now_ms();

	cl->st.dropped++;
	cl->drops_unlogged++;
	if (now - cl->last_drop_log_ms >= DROP_LOG_MS) {
		log_warn("cluster: %" PRIu64 " message(s) not published to redis (room %s: %s); %" PRIu64
		    " dropped in total", cl->drops_unlogged, room, why, cl->st.dropped);
		cl->last_drop_log_ms = now;
		cl->drops_unlogged = 0;
	}
}

static void
send_item(struct cluster *cl, struct qitem *it)
{
	char msgs[CL_KEY_MAX], seqk[CL_KEY_MAX], seq[24], maxlen[16], keep[16], conn[16];
	const char *argv[] = { "EVAL", CLUSTER_LUA_PUBLISH, "2", msgs, seqk, cl->cfg.node, cl->boot,
		seq, maxlen, keep, conn, (const char *)it->data, (const char *)it->data + it->jlen };
	size_t lens[ARRAY_LEN(argv)];
	struct cl_req *q = cluster_req_new(cl, REQ_PUBLISH, &cl->cmd);

	cluster_key(msgs, sizeof(msgs), it->room, "msgs");
	cluster_key(seqk, sizeof(seqk), it->room, "seq");
	snprintf(seq, sizeof(seq), "%" PRIu64, it->seq);
	snprintf(maxlen, sizeof(maxlen), "%d", cl->cfg.maxlen);
	snprintf(keep, sizeof(keep), "%d", cl->cfg.keep_s);
	snprintf(conn, sizeof(conn), "%" PRIu32, it->conn);
	for (size_t i = 0; i < ARRAY_LEN(argv); i++)
		lens[i] = strlen(argv[i]);
	lens[11] = it->jlen;
	lens[12] = it->glen;
	if (q)
		q->item = it;
	if (cluster_send(cl, q, (int)ARRAY_LEN(argv), argv, lens) == 0) {
		it->gen = cl->gen;
		cl->ninflight++;
	}
}

static void
flush_queue(struct cluster *cl)
{
	struct qitem *it;

	TAILQ_FOREACH(it, &cl->queue, link) {
		if (cl->state != CL_UP || cl->ninflight >= CL_MAX_INFLIGHT)
			return;
		if (it->gen == 0)
			send_item(cl, it);
	}
}

static void
item_done(struct cluster *cl, struct qitem *it)
{
	TAILQ_REMOVE(&cl->queue, it, link);
	cl->nqueued--;
	cl->qbytes -= it->jlen + it->glen;
	free(it);
}

static void
publish_reply(struct cluster *cl, struct cl_req *q, redisReply *r)
{
	struct qitem *it = q->item;

	cl->ninflight--;
	if (it != TAILQ_FIRST(&cl->queue)) {
		/* cannot happen: replies come in order; never guess */
		cl->st.invalid++;
		cluster_fail(cl, "publish replies out of order");
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		cl->st.publish_errors++;
		if (cluster_transient(r)) {
			cluster_fail(cl, "publish: %s", r->str);
			return;
		}
		log_warn("cluster: redis refused a message of room %s: %s (dropped)", it->room, r->str);
		item_done(cl, it);
		return;
	}
	if (r->type == REDIS_REPLY_INTEGER)
		cl->st.publish_dups++;    /* already there: its first reply was lost */
	else
		cl->st.published++;
	if (it->waited)
		cl->st.replayed++;
	item_done(cl, it);
}

void
cluster_publish(struct sup *s, const char *room, uint32_t conn, const uint8_t *json, size_t len,
    const uint8_t *gossip, size_t glen)
{
	struct cluster *cl = s->cluster;
	struct qitem *it;
	int waiting, sendable;

	if (cl == NULL)
		return;
	if (len > CSTREAM_MAX_JSON || glen > WIRE_MAX_GOSSIP) {
		drop_logged(cl, room, "message too large for the cluster");
		return;
	}
	/* cluster.queue bounds the messages waiting for the link (Redis down
	 * or too slow); up to CL_MAX_INFLIGHT more may be on the wire. */
	waiting = cl->nqueued - cl->ninflight;
	sendable = cl->state == CL_UP && waiting == 0 && cl->ninflight < CL_MAX_INFLIGHT;
	if ((!sendable && waiting >= cl->cfg.queue) || cl->qbytes + len + glen > CL_QUEUE_MAX_BYTES) {
		drop_logged(cl, room, cl->state == CL_UP ? "redis is slow, queue full" :
		    "redis unreachable, queue full");
		return;
	}
	it = malloc(sizeof(*it) + len + glen);
	if (it == NULL) {
		drop_logged(cl, room, "out of memory");
		return;
	}
	memset(it, 0, sizeof(*it));
	snprintf(it->room, sizeof(it->room), "%s", room);
	it->seq = cl->next_seq++;
	it->conn = conn;
	it->jlen = len;
	it->glen = glen;
	it->waited = cl->state != CL_UP;
	memcpy(it->data, json, len);
	if (glen)
		memcpy(it->data + len, gossip, glen);
	TAILQ_INSERT_TAIL(&cl->queue, it, link);
	cl->nqueued++;
	cl->qbytes += len + glen;
	flush_queue(cl);
}

/* ---- heartbeat and hosts ---- */

static json_t *
self_info(struct cluster *cl)
{
	struct sup *s = cl->s;
	json_t *maddrs = json_array(), *udp = json_array();
	char buf[ADDR_STRLEN];

	for (int i = 0; i < s->nmultiaddrs; i++)
		json_array_append_new(maddrs, json_string(s->multiaddrs[i]));
	for (int i = 0; i < s->nlisteners; i++)
		json_array_append_new(udp, json_string(addr_format(&s->listeners[i].bound, buf, sizeof(buf))));
	return json_pack("{ss ss ss so so so?}", "node", cl->cfg.node, "boot", cl->boot,
	    "peer_id", s->peer_id, "multiaddrs", maddrs, "udp", udp,
	    "http", s->http ? json_string(addr_format(&s->http_bound, buf, sizeof(buf))) : NULL);
}

/* Right after (re)connecting, the other hosts' keys may have expired only
 * because Redis itself was away (restarted): they get a TTL, plus our
 * longest retry pause, to announce themselves again before they count as
 * gone. */
static int
may_reap(const struct cluster *cl)
{
	return now_ms() - cl->up_since_ms >= (uint64_t)cl->cfg.ttl_s * 1000 + CL_BACKOFF_MAX_MS;
}

static void
send_beat(struct cluster *cl)
{
	json_t *info = self_info(cl);
	char *text = info ? json_dumps(info, JSON_COMPACT) : NULL;
	char ttl[16];
	const char *argv[] = { "EVAL", CLUSTER_LUA_BEAT, "1", CLUSTER_KEY_PREFIX "nodes",
		CLUSTER_KEY_PREFIX, cl->cfg.node, text, ttl, may_reap(cl) ? "1" : "0" };
	size_t lens[ARRAY_LEN(argv)];

	json_decref(info);
	if (text == NULL)
		return;
	snprintf(ttl, sizeof(ttl), "%d", cl->cfg.ttl_s);
	for (size_t i = 0; i < ARRAY_LEN(argv); i++)
		lens[i] = strlen(argv[i]);
	if (cluster_send(cl, cluster_req_new(cl, REQ_BEAT, &cl->cmd), (int)ARRAY_LEN(argv), argv, lens) == 0)
		cl->beat_inflight = 1;
	free(text);
	cl->next_beat_ms = now_ms() + (uint64_t)cl->cfg.ttl_s * 1000 / 3;
}

static void
clear_nodes(struct cluster *cl)
{
	for (int i = 0; i < cl->nnodes; i++)
		json_decref(cl->nodes[i].info);
	cl->nnodes = 0;
}

/* One line when the set of hosts (or a host's boot) changes. */
static void
log_hosts(struct cluster *cl)
{
	static char last[CL_MAX_NODES * 24 + 1];
	char list[sizeof(last)] = "";
	size_t off = 0;

	for (int i = 0; i < cl->nnodes && off + CONFIG_NODE_MAX + CSTREAM_BOOT_LEN + 3 < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, " %s/%s", cl->nodes[i].name,
		    cl->nodes[i].boot);
	if (strcmp(list, last) != 0) {
		log_info("cluster: live hosts (node/boot):%s", list);
		memcpy(last, list, sizeof(last));
	}
}

/* Two hosts with one node name would each take the other's messages for
 * their own and skip them. Our key held another boot than ours, after we
 * had written it already (the first time it may be our previous run's):
 * say so, loudly (at most once a minute). */
static void
check_clash(struct cluster *cl, const redisReply *prev)
{
	static uint64_t last_ms;
	json_error_t je;
	json_t *j;
	const char *boot;
	uint64_t now = now_ms();

	if (!cl->beaten || prev->len == 0) {
		cl->beaten = 1;
		return;
	}
	j = json_loadb(prev->str, prev->len, 0, &je);
	boot = json_string_value(json_object_get(j, "boot"));
	if (boot && strcmp(boot, cl->boot) != 0) {
		cl->st.invalid++;
		snprintf(cl->last_error, sizeof(cl->last_error), "another host uses node name %s",
		    cl->cfg.node);
		if (last_ms == 0 || now - last_ms >= 60000) {
			log_error("cluster: another host (boot %s) uses this node name, %s: every host "
			    "needs its own cluster.node, or they miss each other's messages", boot,
			    cl->cfg.node);
			last_ms = now;
		}
	}
	json_decref(j);
}

static void
beat_reply(struct cluster *cl, redisReply *r)
{
	cl->beat_inflight = 0;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		cl->st.invalid++;
		return;
	}
	check_clash(cl, r->element[0]);
	clear_nodes(cl);
	for (size_t i = 1; i + 1 < r->elements && cl->nnodes < CL_MAX_NODES; i += 2) {
		redisReply *n = r->element[i], *v = r->element[i + 1];
		struct cl_node *nd = &cl->nodes[cl->nnodes];
		json_error_t je;
		json_t *info;
		const char *boot;

		if (n->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
		    n->len > CONFIG_NODE_MAX || strlen(n->str) != n->len || !config_valid_node(n->str))
			goto bad;
		info = json_loadb(v->str, v->len, JSON_REJECT_DUPLICATES, &je);
		boot = json_string_value(json_object_get(info, "boot"));
		if (!json_is_object(info) || boot == NULL || !cstream_valid_boot(boot, strlen(boot))) {
			json_decref(info);
			goto bad;
		}
		memcpy(nd->name, n->str, n->len + 1);
		snprintf(nd->boot, sizeof(nd->boot), "%s", boot);
		json_object_set_new(info, "node", json_string(nd->name));
		nd->info = info;
		cl->nnodes++;
		continue;
bad:
		cl->st.invalid++;
	}
	log_hosts(cl);
	if (may_reap(cl))
		cluster_rooms_liveness(cl);
}

/* ---- replies ---- */

static void
on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cl_req *q = priv;
	struct cluster *cl = self;
	redisReply *r = reply;

	if (cl == NULL || q->gen != cl->gen || cl->state != CL_UP || r == NULL) {
		cluster_req_free(q);   /* a failed link's leftovers */
		return;
	}
	q->l->pending--;
	q->l->progress_ms = now_ms();
	switch (q->kind) {
	case REQ_PUBLISH:
		publish_reply(cl, q, r);
		break;
	case REQ_BEAT:
		if (r->type == REDIS_REPLY_ERROR)
			goto error;
		beat_reply(cl, r);
		break;
	case REQ_CLIENT_ID:
		if (r->type == REDIS_REPLY_INTEGER)
			cl->reader_id = r->integer;
		break;
	case REQ_UNBLOCK:
		cl->unblock_inflight = 0;
		break;
	case REQ_OPEN:
	case REQ_SYNC:
	case REQ_HIST:
	case REQ_XREAD:
		cluster_rooms_reply(cl, q, r);
		break;
	default:
		if (r->type == REDIS_REPLY_ERROR)
			goto error;
		break;
	}
	cluster_req_free(q);
	cluster_rooms_kick(cl);
	flush_queue(cl);
	return;
error:
	cl->beat_inflight = q->kind == REQ_BEAT ? 0 : cl->beat_inflight;
	if (cluster_transient(r))
		cluster_fail(cl, "%s", r->str);
	else
		log_warn("cluster: redis error: %s", r->str);
	cluster_req_free(q);
}

static void
send_simple(struct cluster *cl, struct cl_link *l, enum cl_req_kind kind, int argc, const char **argv)
{
	size_t lens[8];

	for (int i = 0; i < argc && i < 8; i++)
		lens[i] = strlen(argv[i]);
	(void)cluster_send(cl, cluster_req_new(cl, kind, l), argc, argv, lens);
}

static void
on_up(struct cluster *cl)
{
	char name[CONFIG_NODE_MAX + 16];
	const char *setname[] = { "CLIENT", "SETNAME", name };
	const char *client_id[] = { "CLIENT", "ID" };
	uint64_t now = now_ms();

	cl->state = CL_UP;
	cl->st.connects++;
	cl->backoff_ms = CL_BACKOFF_MIN_MS;
	cl->up_since_ms = now;
	cl->cmd.progress_ms = cl->rd.progress_ms = now;
	if (cl->down_since_ms)
		log_info("cluster: redis %s: link up again after %.1f s; replaying %d queued message(s), "
		    "%" PRIu64 " dropped so far", cl->cfg.redis, (double)(now - cl->down_since_ms) / 1000.0,
		    cl->nqueued, cl->st.dropped);
	else
		log_info("cluster: redis %s: link up (node %s)", cl->cfg.redis, cl->cfg.node);
	cl->down_since_ms = 0;
	cl->last_error[0] = '\0';
	snprintf(name, sizeof(name), "rtcd-%s-reader", cl->cfg.node);
	send_simple(cl, &cl->rd, REQ_OTHER, 3, setname);
	send_simple(cl, &cl->rd, REQ_CLIENT_ID, 2, client_id);
	snprintf(name, sizeof(name), "rtcd-%s", cl->cfg.node);
	send_simple(cl, &cl->cmd, REQ_OTHER, 3, setname);
	send_beat(cl);
	cluster_rooms_on_up(cl);
	cluster_rooms_kick(cl);
	flush_queue(cl);
}

static void
watchdog(struct cluster *cl, uint64_t now)
{
	struct cl_link *ls[] = { &cl->cmd, &cl->rd };

	for (size_t i = 0; i < ARRAY_LEN(ls); i++) {
		struct cl_link *l = ls[i];
		if (l->pending > 0 && now - l->progress_ms > l->timeout_ms) {
			cl->st.timeouts++;
			cluster_fail(cl, "no answer on the %s link for %" PRIu64 " ms", l->name,
			    now - l->progress_ms);
			return;
		}
	}
}

static void
on_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct cluster *cl = arg;
	uint64_t now = now_ms();

	switch (cl->state) {
	case CL_DOWN:
		if (!cl->need_reap && now >= cl->next_try_ms)
			start_connect(cl);
		break;
	case CL_CONNECTING:
		if (now >= cl->connect_deadline_ms) {
			cl->st.timeouts++;
			cluster_fail(cl, "connect timeout (%d ms)", CL_CONNECT_TIMEOUT_MS);
		}
		break;
	case CL_UP:
		watchdog(cl, now);
		if (cl->state == CL_UP && !cl->stopping && !cl->beat_inflight && now >= cl->next_beat_ms)
			send_beat(cl);
		if (cl->state == CL_UP) {
			cluster_rooms_kick(cl);
			flush_queue(cl);
		}
		break;
	}
}

/* ---- life cycle ---- */

int
cluster_init(struct sup *s)
{
	struct cluster *cl;
	struct timeval tick = { 0, CL_TICK_MS * 1000 };
	uint16_t rnd = 0;

	if (!s->cfg.cluster.enabled)
		return 0;
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return -1;
	cl->s = s;
	cl->cfg = s->cfg.cluster;
	(void)random_bytes(&rnd, sizeof(rnd));
	cstream_boot_id(cluster_wall_ms(), rnd, cl->boot);
	TAILQ_INIT(&cl->queue);
	cl->next_seq = 1;
	cl->reader_id = -1;
	cl->backoff_ms = CL_BACKOFF_MIN_MS;
	cl->cmd.name = "command";
	cl->cmd.timeout_ms = CL_CMD_TIMEOUT_MS;
	cl->rd.name = "reader";
	cl->rd.timeout_ms = CL_BLOCK_MS + CL_CMD_TIMEOUT_MS;
	cl->tick = event_new(s->base, -1, EV_PERSIST, on_tick, cl);
	cl->reap = evtimer_new(s->base, on_reap, cl);
	if (cl->tick == NULL || cl->reap == NULL || event_add(cl->tick, &tick) < 0 ||
	    cluster_rooms_init(cl) < 0) {
		if (cl->tick)
			event_free(cl->tick);
		if (cl->reap)
			event_free(cl->reap);
		free(cl);
		return -1;
	}
	self = cl;
	s->cluster = cl;
	log_info("cluster: node %s (boot %s), redis %s, history %d, queue %d, host ttl %d s",
	    cl->cfg.node, cl->boot, cl->cfg.redis, cl->cfg.history, cl->cfg.queue, cl->cfg.ttl_s);
	start_connect(cl);
	return 0;
}

void
cluster_stop(struct sup *s)
{
	struct cluster *cl = s->cluster;
	char key[CL_KEY_MAX];
	const char *argv[] = { "DEL", key };

	if (cl == NULL || cl->stopping)
		return;
	cl->stopping = 1;
	snprintf(key, sizeof(key), "%snode:%s", CLUSTER_KEY_PREFIX, cl->cfg.node);
	if (cl->state == CL_UP)
		send_simple(cl, &cl->cmd, REQ_OTHER, 2, argv);
}

/* At exit, after the loop: write what the command link still holds (the
 * last members leaving, this host's key deleted) so Redis runs it; bounded,
 * and no reply is awaited. */
static void
exit_flush(struct cl_link *l)
{
	uint64_t deadline = now_ms() + EXIT_FLUSH_MS;
	int done = 0;

	if (l->ac == NULL || !l->connected)
		return;
	while (!done && now_ms() < deadline) {
		struct pollfd p = { l->ac->c.fd, POLLOUT, 0 };
		if (redisBufferWrite(&l->ac->c, &done) == REDIS_ERR)
			return;
		if (!done && poll(&p, 1, (int)(deadline - now_ms())) <= 0)
			return;
	}
}

void
cluster_free(struct sup *s)
{
	struct cluster *cl = s->cluster;
	struct qitem *it;

	if (cl == NULL)
		return;
	if (cl->state == CL_UP)
		exit_flush(&cl->cmd);
	cl->freeing = 1;
	cl->state = CL_DOWN;
	cl->gen++;
	link_free(&cl->cmd);   /* pending callbacks run now, with a stale generation */
	link_free(&cl->rd);
	while ((it = TAILQ_FIRST(&cl->queue)) != NULL)
		item_done(cl, it);
	cluster_rooms_free(cl);
	clear_nodes(cl);
	event_free(cl->tick);
	event_free(cl->reap);
	self = NULL;
	free(cl);
	s->cluster = NULL;
}

/* ---- status ---- */

static const char *
state_name(enum cl_state st)
{
	return st == CL_UP ? "up" : st == CL_CONNECTING ? "connecting" : "down";
}

const char *
cluster_node(struct sup *s)
{
	return s->cluster ? s->cluster->cfg.node : NULL;
}

const struct cluster_stats *
cluster_get_stats(struct sup *s)
{
	return s->cluster ? &s->cluster->st : NULL;
}

json_t *
cluster_status(struct sup *s)
{
	struct cluster *cl = s->cluster;
	const struct cluster_stats *k;
	json_t *hosts;
	uint64_t now = now_ms();

	if (cl == NULL)
		return NULL;
	k = &cl->st;
	hosts = json_array();
	for (int i = 0; i < cl->nnodes; i++)
		json_array_append_new(hosts, json_string(cl->nodes[i].name));
	return json_pack("{ss ss ss ss sI sI sI si si so si ss s{sI sI sI sI sI sI sI sI sI sI sI sI sI sI}}",
	    "node", cl->cfg.node, "boot", cl->boot, "redis", cl->cfg.redis,
	    "state", state_name(cl->state),
	    "up_s", (json_int_t)(cl->state == CL_UP ? (now - cl->up_since_ms) / 1000 : 0),
	    "down_s", (json_int_t)(cl->down_since_ms ? (now - cl->down_since_ms) / 1000 : 0),
	    "lag_ms", (json_int_t)cl->lag_ms,
	    "queued", cl->nqueued, "inflight", cl->ninflight, "hosts", hosts, "rooms", cl->nrooms,
	    "last_error", cl->last_error,
	    "counters",
	    "published", (json_int_t)k->published, "publish_dups", (json_int_t)k->publish_dups,
	    "dropped", (json_int_t)k->dropped, "publish_errors", (json_int_t)k->publish_errors,
	    "replayed", (json_int_t)k->replayed, "received", (json_int_t)k->received,
	    "duplicates", (json_int_t)k->duplicates, "invalid", (json_int_t)k->invalid,
	    "presence_in", (json_int_t)k->presence_in, "history_sent", (json_int_t)k->history_sent,
	    "history_skipped", (json_int_t)k->history_skipped, "connects", (json_int_t)k->connects,
	    "disconnects", (json_int_t)k->disconnects, "timeouts", (json_int_t)k->timeouts);
}

json_t *
cluster_hosts(struct sup *s)
{
	struct cluster *cl = s->cluster;
	json_t *a;

	if (cl == NULL)
		return NULL;
	a = json_array();
	if (cluster_find_node(cl, cl->cfg.node) == NULL) {
		json_t *me = self_info(cl);
		if (me)
			json_array_append_new(a, me);
	}
	for (int i = 0; i < cl->nnodes; i++) {
		json_t *h = json_deep_copy(cl->nodes[i].info);
		if (h)
			json_array_append_new(a, h);
	}
	return a;
}

void
cluster_counters(struct sup *s, json_t *c)
{
	struct cluster *cl = s->cluster;

	if (cl == NULL || !json_is_object(c))
		return;
	json_object_set_new(c, "cluster_published", json_integer((json_int_t)cl->st.published));
	json_object_set_new(c, "cluster_received", json_integer((json_int_t)cl->st.received));
	json_object_set_new(c, "cluster_dropped", json_integer((json_int_t)cl->st.dropped));
	json_object_set_new(c, "cluster_errors", json_integer((json_int_t)(cl->st.publish_errors +
	    cl->st.invalid)));
	json_object_set_new(c, "cluster_disconnects", json_integer((json_int_t)cl->st.disconnects));
}

size_t
cluster_metrics(struct sup *s, char *buf, size_t cap)
{
	struct cluster *cl = s->cluster;
	const struct cluster_stats *k;
	size_t off = 0;

	if (cl == NULL)
		return 0;
	k = &cl->st;
#define OUT(...) do { \
		int n_ = snprintf(buf + MIN(off, cap), cap > off ? cap - off : 0, __VA_ARGS__); \
		if (n_ > 0) \
			off += (size_t)n_; \
	} while (0)
	OUT("# HELP rtcd_cluster_up Whether the Redis link of the cluster is up.\n"
	    "# TYPE rtcd_cluster_up gauge\nrtcd_cluster_up %d\n", cl->state == CL_UP);
	OUT("# HELP rtcd_cluster_lag_seconds Age of the last message from another host when read.\n"
	    "# TYPE rtcd_cluster_lag_seconds gauge\nrtcd_cluster_lag_seconds %.3f\n",
	    (double)cl->lag_ms / 1000.0);
	OUT("# HELP rtcd_cluster_queued Messages waiting to be written to Redis.\n"
	    "# TYPE rtcd_cluster_queued gauge\nrtcd_cluster_queued %d\n", cl->nqueued);
	OUT("# HELP rtcd_cluster_hosts Live hosts in the cluster.\n"
	    "# TYPE rtcd_cluster_hosts gauge\nrtcd_cluster_hosts %d\n", cl->nnodes);
	OUT("# HELP rtcd_cluster_messages_total Cluster messages by event.\n"
	    "# TYPE rtcd_cluster_messages_total counter\n");
	OUT("rtcd_cluster_messages_total{event=\"published\"} %" PRIu64 "\n", k->published);
	OUT("rtcd_cluster_messages_total{event=\"replayed\"} %" PRIu64 "\n", k->replayed);
	OUT("rtcd_cluster_messages_total{event=\"dropped\"} %" PRIu64 "\n", k->dropped);
	OUT("rtcd_cluster_messages_total{event=\"refused\"} %" PRIu64 "\n", k->publish_errors);
	OUT("rtcd_cluster_messages_total{event=\"received\"} %" PRIu64 "\n", k->received);
	OUT("rtcd_cluster_messages_total{event=\"duplicate\"} %" PRIu64 "\n", k->duplicates + k->publish_dups);
	OUT("rtcd_cluster_messages_total{event=\"invalid\"} %" PRIu64 "\n", k->invalid);
	OUT("rtcd_cluster_messages_total{event=\"history\"} %" PRIu64 "\n", k->history_sent);
	OUT("# HELP rtcd_cluster_link_events_total Redis link events.\n"
	    "# TYPE rtcd_cluster_link_events_total counter\n");
	OUT("rtcd_cluster_link_events_total{event=\"connect\"} %" PRIu64 "\n", k->connects);
	OUT("rtcd_cluster_link_events_total{event=\"disconnect\"} %" PRIu64 "\n", k->disconnects);
	OUT("rtcd_cluster_link_events_total{event=\"timeout\"} %" PRIu64 "\n", k->timeouts);
#undef OUT
	return off;
}
