/* router: the supervisor's routing tables (DESIGN.md §3). A datagram from a
 * bound tuple goes to its worker; an unknown tuple may only open a flow with a
 * STUN Binding request whose USERNAME names a pending offer's ufrag or a
 * libp2p WebRTC Direct ufrag. The worker authenticates the request, then
 * binds the tuple (TUPLE_BIND) and waits for TUPLE_ACK before it answers;
 * only bound tuples may be sent to and routed by address. Also the
 * per-source-IP new-flow budget and ICMP error attribution. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/htab.h"
#include "common/log.h"
#include "common/stun.h"
#include "common/util.h"
#include "sup.h"

#define IN_BATCH 64
#define UNBOUND_FLOW_TTL_MS 10000
#define MAX_IP_BUCKETS 65536

struct bucket {
	double tokens;
	uint64_t last_ms;
	int pending;        /* handshakes in progress from this source */
};

/* DGRAM_IN messages of the current receive batch, grouped by worker at flush. */
static struct {
	int n;
	struct worker *w[IN_BATCH];
	size_t len[IN_BATCH];
	uint8_t buf[IN_BATCH][WIRE_HDR_LEN + 64 + WIRE_MAX_DGRAM];
} inq;

int
router_init(struct sup *s)
{
	s->flows = htab_new(1024);
	s->tuple_ids = htab_new(1024);
	s->remotes = htab_new(1024);
	s->ufrags = htab_new(1024);
	s->ip_buckets = htab_new(1024);
	s->next_tuple_id = 1;
	return s->flows && s->tuple_ids && s->remotes && s->ufrags && s->ip_buckets ? 0 : -1;
}

static int
free_bucket(const void *k, size_t kl, void *v, void *arg)
{
	free(v);
	return 1;
}

static int
free_flow(const void *k, size_t kl, void *v, void *arg)
{
	free(v);
	return 1;
}

void
router_free(struct sup *s)
{
	if (s->ip_buckets)
		htab_foreach(s->ip_buckets, free_bucket, NULL);
	if (s->tuple_ids)
		htab_foreach(s->tuple_ids, free_flow, NULL);
	htab_free(s->flows);
	htab_free(s->tuple_ids);
	htab_free(s->remotes);
	htab_free(s->ufrags);
	htab_free(s->ip_buckets);
	s->flows = s->tuple_ids = s->remotes = s->ufrags = s->ip_buckets = NULL;
}

/* libp2p WebRTC Direct ufrags: a known version prefix, then ice-chars
 * [A-Za-z0-9+/], 4..256 long in all (libp2p specs webrtc-direct.md). */
int
router_is_libp2p_ufrag(const char *u)
{
	static const char *prefixes[] = { "libp2p+webrtc+v1/", "libp2p+webrtc+v2/" };
	size_t n = strlen(u);
	int ok = 0;

	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (strncmp(u, prefixes[i], strlen(prefixes[i])) == 0 && n > strlen(prefixes[i]))
			ok = 1;
	if (!ok || n > 256)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

int
router_ip_allow(struct sup *s, const struct addr *ip, uint64_t now, int cost)
{
	uint8_t key[17];
	size_t kl = addr_ip_key(ip, key);
	struct bucket *b = htab_get(s->ip_buckets, key, kl);
	double rate = s->cfg.limits.new_flows_per_ip, burst = s->cfg.limits.new_flows_burst;

	if (b == NULL) {
		if (htab_count(s->ip_buckets) >= MAX_IP_BUCKETS)
			return 0;   /* table full: refuse rather than grow without bound */
		b = malloc(sizeof(*b));
		if (b == NULL || htab_put(s->ip_buckets, key, kl, b) < 0) {
			free(b);
			return 0;
		}
		b->tokens = burst;
		b->last_ms = now;
		b->pending = 0;
	}
	b->tokens += rate * (double)(now - b->last_ms) / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last_ms = now;
	if (b->tokens < cost)
		return 0;
	b->tokens -= cost;
	return 1;
}

static void
flow_remove(struct sup *s, struct flow *f)
{
	if (htab_get(s->remotes, &f->t.remote, sizeof(f->t.remote)) == f)
		htab_del(s->remotes, &f->t.remote, sizeof(f->t.remote));
	if (f->bound && htab_get(s->flows, &f->t, sizeof(f->t)) == f)
		htab_del(s->flows, &f->t, sizeof(f->t));
	htab_del(s->tuple_ids, &f->tuple_id, sizeof(f->tuple_id));
	LIST_REMOVE(f, wlink);
	f->w->ntuples--;
	free(f);
}

static struct flow *
flow_create(struct sup *s, struct worker *w, int li, const struct tuple *t, uint64_t now)
{
	struct flow *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->t = *t;
	f->w = w;
	f->listener = li;
	f->created_ms = f->last_ms = now;
	do
		f->tuple_id = s->next_tuple_id++;
	while (f->tuple_id == 0 || htab_get(s->tuple_ids, &f->tuple_id, sizeof(f->tuple_id)));
	if (htab_put(s->tuple_ids, &f->tuple_id, sizeof(f->tuple_id), f) < 0) {
		free(f);
		return NULL;
	}
	LIST_INSERT_HEAD(&w->flows, f, wlink);
	w->ntuples++;
	return f;
}

static void
enqueue_in(struct sup *s, struct flow *f, const uint8_t *p, size_t n)
{
	struct wire_msg m;
	ssize_t len;

	if (inq.n == IN_BATCH)
		router_flush(s);
	wire_init(&m, WIRE_DGRAM_IN, f->tuple_id);
	m.u.tuple = f->t;
	m.data = p;
	m.data_len = n;
	len = wire_encode(inq.buf[inq.n], sizeof(inq.buf[0]), &m);
	if (len < 0) {
		s->c.dropped_truncated++;
		return;
	}
	inq.w[inq.n] = f->w;
	inq.len[inq.n] = (size_t)len;
	inq.n++;
	f->w->dgrams_in++;
	f->w->bytes_in += n;
}

void
router_flush(struct sup *s)
{
	struct mmsghdr mm[IN_BATCH];
	struct iovec iov[IN_BATCH];
	int done[IN_BATCH] = { 0 };

	for (int i = 0; i < inq.n; i++) {
		struct worker *w = inq.w[i];
		int k = 0, sent;

		if (done[i])
			continue;
		for (int j = i; j < inq.n; j++) {
			if (done[j] || inq.w[j] != w)
				continue;
			done[j] = 1;
			iov[k].iov_base = inq.buf[j];
			iov[k].iov_len = inq.len[j];
			memset(&mm[k].msg_hdr, 0, sizeof(mm[k].msg_hdr));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			k++;
		}
		if (w->eof || w->fd < 0) {
			s->c.dropped_worker_busy += (uint64_t)k;
			continue;
		}
		/* Never block on a worker: what does not fit is dropped, as UDP would. */
		sent = 0;
		while (sent < k) {
			int r = sendmmsg(w->fd, mm + sent, (unsigned)(k - sent), MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r > 0) {
				sent += r;
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		s->c.dropped_worker_busy += (uint64_t)(k - sent);
	}
	inq.n = 0;
}

/* A tuple not bound yet may be pending for several workers at once (each
 * with its own tuple id); the first worker to authenticate it binds it. */
static struct flow *
pending_flow(struct worker *w, const struct tuple *t)
{
	struct flow *f;

	LIST_FOREACH(f, &w->flows, wlink)
		if (!f->bound && memcmp(&f->t, t, sizeof(*t)) == 0)
			return f;
	return NULL;
}

void
router_input(struct sup *s, int li, const struct tuple *t, const uint8_t *p, size_t n)
{
	char ufrag[WIRE_MAX_UFRAG + 1];
	struct flow *f = htab_get(s->flows, t, sizeof(*t));
	struct worker *w;
	uint64_t now;

	if (f) {
		f->last_ms = now_ms();
		enqueue_in(s, f, p, n);
		return;
	}
	if (stun_peek(p, n, ufrag, sizeof(ufrag)) != STUN_PEEK_BINDING) {
		s->c.dropped_unrouted++;
		return;
	}
	now = now_ms();
	w = htab_get(s->ufrags, ufrag, strlen(ufrag));
	if (w == NULL) {
		if (!router_is_libp2p_ufrag(ufrag)) {
			s->c.dropped_unrouted++;
			return;
		}
		if (s->draining || s->stopping || !router_ip_allow(s, &t->remote, now, 1) ||
		    router_ip_pending(s, &t->remote, 0) >= s->cfg.limits.max_pending_per_ip) {
			s->c.dropped_limit++;
			return;
		}
		w = workers_take(s, WIRE_MODE_DIRECT, &t->remote);
		if (w == NULL) {
			s->c.dropped_limit++;
			return;
		}
		if (router_register_ufrag(s, w, ufrag) < 0) {
			workers_kill(w, "out of memory");
			s->c.dropped_limit++;
			return;
		}
		s->c.flows_opened++;
	}
	f = pending_flow(w, t);
	if (f == NULL) {
		if (w->ntuples >= SUP_MAX_TUPLES_PER_WORKER || w->state == WS_CLOSING) {
			s->c.dropped_limit++;
			return;
		}
		f = flow_create(s, w, li, t, now);
		if (f == NULL) {
			s->c.dropped_limit++;
			return;
		}
	}
	f->last_ms = now;
	enqueue_in(s, f, p, n);
}

int
router_register_ufrag(struct sup *s, struct worker *w, const char *ufrag)
{
	size_t n = strlen(ufrag);

	if (n == 0 || n > WIRE_MAX_UFRAG || htab_get(s->ufrags, ufrag, n) != NULL)
		return -1;
	if (htab_put(s->ufrags, ufrag, n, w) < 0)
		return -1;
	memcpy(w->ufrag, ufrag, n + 1);
	return 0;
}

int
router_bind(struct sup *s, struct worker *w, uint32_t tuple_id, int nominated)
{
	struct flow *f = htab_get(s->tuple_ids, &tuple_id, sizeof(tuple_id));
	struct wire_msg ack;

	wire_init(&ack, WIRE_TUPLE_ACK, tuple_id);
	if (f == NULL) {
		/* Issued once but swept since (ids are never reused): refuse. An
		 * id we never issued is a lie: violation. */
		if (tuple_id == 0 || tuple_id >= s->next_tuple_id)
			return -1;
		ack.u.code = 1;
		workers_send(w, &ack);
		return 0;
	}
	if (f->w != w)
		return -1;   /* somebody else's tuple: violation */
	if (!f->bound) {
		struct flow *owner = htab_get(s->flows, &f->t, sizeof(f->t));
		if (owner != NULL) {
			/* Another connection authenticated this tuple first. */
			flow_remove(s, f);
			s->c.binds_refused++;
			ack.u.code = 1;
			workers_send(w, &ack);
			return 0;
		}
		if (htab_put(s->flows, &f->t, sizeof(f->t), f) < 0) {
			flow_remove(s, f);
			ack.u.code = 1;
			workers_send(w, &ack);
			return 0;
		}
		f->bound = 1;
		s->c.flows_bound++;
		htab_put(s->remotes, &f->t.remote, sizeof(f->t.remote), f);
		if (w->remote.family == 0)
			w->remote = f->t.remote;
	}
	if (nominated)
		w->remote = f->t.remote;
	ack.u.code = 0;
	workers_send(w, &ack);
	return 0;
}

void
router_output(struct sup *s, struct worker *w, uint32_t tuple_id, const uint8_t *p, size_t n)
{
	struct flow *f = htab_get(s->tuple_ids, &tuple_id, sizeof(tuple_id));

	if (f == NULL || f->w != w || !f->bound) {
		s->c.dropped_forbidden++;
		workers_kill(w, "sent to a tuple that is not bound to it");
		s->c.worker_violations++;
		return;
	}
	w->dgrams_out++;
	w->bytes_out += n;
	listener_queue_send(s, f->listener, &f->t, p, n);
}

void
router_forget_worker(struct sup *s, struct worker *w)
{
	while (!LIST_EMPTY(&w->flows))
		flow_remove(s, LIST_FIRST(&w->flows));
	if (w->ufrag[0] && htab_get(s->ufrags, w->ufrag, strlen(w->ufrag)) == w)
		htab_del(s->ufrags, w->ufrag, strlen(w->ufrag));
	w->ufrag[0] = '\0';
}

void
router_peer_error(struct sup *s, int li, const struct addr *remote, int err,
    uint8_t origin, uint8_t type, uint8_t code)
{
	struct flow *f = htab_get(s->remotes, remote, sizeof(*remote));
	char buf[ADDR_STRLEN];
	struct wire_msg m;

	addr_format(remote, buf, sizeof(buf));
	if (f == NULL || !f->bound) {
		s->c.peer_errors_unrouted++;
		log_debug("udp: %s from %s (no flow); listener keeps serving", strerror(err), buf);
		return;
	}
	s->c.peer_errors++;
	log_info("conn %u: %s from %s (icmp type %u code %u); only this connection is affected",
	    f->w->id, strerror(err), buf, type, code);
	wire_init(&m, WIRE_PEER_ERROR, f->tuple_id);
	m.u.peer_error.err = err;
	m.u.peer_error.origin = origin;
	m.u.peer_error.type = type;
	m.u.peer_error.code = code;
	workers_send(f->w, &m);
	(void)li;
}

struct sweep_ctx {
	struct sup *s;
	uint64_t now;
	int n;
	struct flow *stale[256];
};

static int
sweep_bucket(const void *k, size_t kl, void *v, void *arg)
{
	struct sweep_ctx *c = arg;
	struct bucket *b = v;
	double burst = c->s->cfg.limits.new_flows_burst;
	double tokens = b->tokens + c->s->cfg.limits.new_flows_per_ip *
	    (double)(c->now - b->last_ms) / 1000.0;

	if (tokens >= burst && b->pending == 0) {   /* back to full and idle: forget it */
		free(b);
		return 1;
	}
	return 0;
}

static int
sweep_flow(const void *k, size_t kl, void *v, void *arg)
{
	struct sweep_ctx *c = arg;
	struct flow *f = v;

	if (!f->bound && c->now - f->last_ms > UNBOUND_FLOW_TTL_MS && c->n < 256)
		c->stale[c->n++] = f;
	return 0;
}

/* Handshakes in progress per source IP: a single source cannot occupy all
 * of limits.max_pending (WebRTC Direct ufrags authenticate trivially, so a
 * flood of them looks like real dials until DTLS). */
int
router_ip_pending(struct sup *s, const struct addr *ip, int delta)
{
	uint8_t key[17];
	size_t kl = addr_ip_key(ip, key);
	struct bucket *b = htab_get(s->ip_buckets, key, kl);

	if (b == NULL)
		return 0;
	b->pending += delta;
	if (b->pending < 0)
		b->pending = 0;
	return b->pending;
}

void
router_sweep(struct sup *s, uint64_t now)
{
	struct sweep_ctx c = { s, now, 0, { 0 } };

	htab_foreach(s->ip_buckets, sweep_bucket, &c);
	htab_foreach(s->tuple_ids, sweep_flow, &c);
	for (int i = 0; i < c.n; i++)
		flow_remove(s, c.stale[i]);
}
