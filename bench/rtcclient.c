/* rtcclient: the client core (see rtcclient.h). Owns the connection object,
 * its UDP socket, ICE connectivity checks as the controlling agent
 * (RFC 8445 §7.2.2, aggressive nomination), the DTLS client (dtls.c), the
 * SCTP association (sctp.c) with its data-channel table (datachannel.c, we
 * are the DTLS client: even stream ids) through rc_transport.c, channels,
 * events and timers. The libp2p and SDP/HTTP halves live in rc_direct.c
 * and rc_offer.c. */
#include "bench/rc_int.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/stun.h"
#include "common/util.h"

#define STUN_RTO_INITIAL_MS 100
#define STUN_RTO_MAX_MS 500        /* RFC 8445 §14.3: RTO of a check, at least 500 ms */
#define STUN_RENOMINATE_MS 20      /* DTLS server: first repeat of the nomination */
#define CONSENT_INTERVAL_MS 5000       /* well inside rtcd's 30 s consent timeout */
#define STUN_PRIORITY 0x6e001effu      /* host candidate (RFC 8445 §5.1.2.1) */
#define RX_BATCH 64                    /* datagrams per rc_input */
#define RX_BUF 4096
#define UDP_BUF (1024 * 1024)

/* Every live connection, for the global tick's clean-up. */
static LIST_HEAD(, rc_link) g_conns = LIST_HEAD_INITIALIZER(g_conns);
struct rc_link {
	LIST_ENTRY(rc_link) link;
	struct rc_conn *c;
};
static int g_inited;

static const char *const state_names[] = { "http", "ice", "dtls", "sctp", "noise", "open",
	"hostile", "done" };

const char *
rc_state_name(enum rc_state s)
{
	return (unsigned)s < ARRAY_LEN(state_names) ? state_names[s] : "?";
}

int
rc_global_init(void)
{
	if (g_inited)
		return 0;
	if (sctp_set_max_assocs(RC_MAX_ASSOCS) < 0 || sctp_global_init() < 0)
		return -1;
	sctp_debug_off();
	g_inited = 1;
	return 0;
}

/* ---- events and the end of a connection ---- */

void
rc_emit(struct rc_conn *c, struct rc_event *ev)
{
	int terminal = ev->type == RC_EV_FAILED || ev->type == RC_EV_CLOSED;

	if (c->state == RC_ST_DONE && !terminal)
		return;
	if (c->cfg.on_event != NULL)
		c->cfg.on_event(c->cfg.arg, c, ev);
}

/* Best-effort goodbye: SCTP ABORT and DTLS close_notify. */
static void
goodbye(struct rc_conn *c)
{
	if (c->sctp != NULL)
		sctp_abort(c->sctp);
	if (c->dtls != NULL && dtls_state(c->dtls) == DTLS_CONNECTED)
		(void)dtls_close(c->dtls);
}

static void
finish(struct rc_conn *c, enum rc_ev_type type, int by_peer, const char *reason)
{
	struct rc_event ev;

	if (c->state == RC_ST_DONE)
		return;
	c->state = RC_ST_DONE;
	c->t.end = now_us();
	(void)strlcpy_checked(c->reason, reason, sizeof(c->reason));
	goodbye(c);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.reason = c->reason;
	ev.by_peer = by_peer;
	rc_emit(c, &ev);
}

void
rc_fail(struct rc_conn *c, int by_peer, const char *fmt, ...)
{
	char why[RC_REASON_MAX];
	va_list ap;

	if (c->state == RC_ST_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* A peer ending an established connection is a close, not a failure. */
	finish(c, by_peer && c->state == RC_ST_OPEN ? RC_EV_CLOSED : RC_EV_FAILED, by_peer, why);
}

void
rc_close(struct rc_conn *c, const char *why)
{
	finish(c, RC_EV_CLOSED, 0, why ? why : "closed locally");
}

void
rc_connected(struct rc_conn *c)
{
	struct rc_event ev;

	if (c->state == RC_ST_DONE || c->state == RC_ST_OPEN)
		return;
	c->state = RC_ST_OPEN;
	c->t.connected = now_us();
	c->deadline = UINT64_MAX;
	memset(&ev, 0, sizeof(ev));
	ev.type = RC_EV_CONNECTED;
	rc_emit(c, &ev);
}

/* ---- channels ---- */

struct rc_chan *
rc_chan_new(struct rc_conn *c, struct dc_channel *dc, const char *name)
{
	struct rc_chan *ch;

	if (c->nchans == RC_MAX_CHANS) {
		errno = ENOSPC;
		return NULL;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	ch->c = c;
	ch->dc = dc;
	(void)strlcpy_checked(ch->name, name, sizeof(ch->name));
	webrtc_msg_dec_init(&ch->dec);
	p2p_stream_init(&ch->st);
	dc->user = ch;
	c->chans[c->nchans++] = ch;
	return ch;
}

void
rc_chan_opened(struct rc_conn *c, struct rc_chan *ch)
{
	struct rc_event ev;

	if (ch->open_reported || ch->closed)
		return;
	ch->open_reported = 1;
	if (c->t.first_open == 0)
		c->t.first_open = now_us();
	memset(&ev, 0, sizeof(ev));
	ev.type = RC_EV_CHAN_OPEN;
	ev.ch = ch;
	rc_emit(c, &ev);
}

/* The channel is over: report it now, free it at the next reap (callers
 * up the stack may still hold the pointer). */
void
rc_chan_gone(struct rc_conn *c, struct rc_chan *ch, const char *why)
{
	struct rc_event ev;

	if (ch->closed)
		return;
	ch->closed = 1;
	if (ch->dc != NULL) {
		ch->dc->user = NULL;
		ch->dc = NULL;
	}
	if (c->direct != NULL && c->direct->ping == ch)
		c->direct->ping = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.type = RC_EV_CHAN_CLOSED;
	ev.ch = ch;
	ev.reason = why;
	rc_emit(c, &ev);
}

static void
chan_free(struct rc_chan *ch)
{
	if (ch->dc != NULL)
		ch->dc->user = NULL;
	webrtc_msg_dec_free(&ch->dec);
	free(ch);
}

static void
reap(struct rc_conn *c)
{
	for (int i = 0; i < c->nchans;) {
		if (c->chans[i]->closed) {
			chan_free(c->chans[i]);
			c->chans[i] = c->chans[--c->nchans];
		} else {
			i++;
		}
	}
}

int
rc_dc_send(struct rc_conn *c, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	if (c->dc == NULL || ch == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	if (c->q.bytes + n > RC_SEND_QUEUE_MAX) {
		c->q_full = 1;
		errno = EAGAIN;
		return -1;
	}
	if (dcq_send(&c->q, ch, binary, p, n) < 0) {
		c->q_full = 1;
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* ---- UDP ---- */

void
rc_udp_send(struct rc_conn *c, const uint8_t *p, size_t n)
{
	/* A lost datagram is the network's business: STUN, DTLS and SCTP
	 * retransmit. Errors of the socket itself surface in recv. */
	if (c->fd >= 0 && c->udp && send(c->fd, p, n, 0) < 0 && errno != EAGAIN)
		log_debug("rtcclient: send: %s", strerror(errno));
}

int
rc_udp_socket(const struct rc_conn *c, int family, char *err, size_t errlen)
{
	int fd, sz = UDP_BUF;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "udp socket: %s", strerror(errno));
		return -1;
	}
	if (c->cfg.bind.family != 0) {
		struct sockaddr_storage bs;
		socklen_t bl = addr_to_sockaddr(&c->cfg.bind, &bs);
		if (bind(fd, (struct sockaddr *)&bs, bl) < 0) {
			snprintf(err, errlen, "udp bind: %s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	/* Bigger buffers for throughput runs; the defaults work too. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) < 0)
		log_debug("rtcclient: socket buffers: %s", strerror(errno));
	return fd;
}

static int
open_udp(struct rc_conn *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&c->remote, &ss);
	int fd = c->pre_fd;

	c->pre_fd = -1;
	if (fd < 0 && (fd = rc_udp_socket(c, c->remote.family, err, errlen)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "udp connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->udp = 1;
	return 0;
}

int
rc_local_addr(const struct rc_conn *c, struct addr *out)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (c->fd < 0 || !c->udp || getsockname(c->fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	return addr_from_sockaddr(out, (struct sockaddr *)&ss, sl);
}

/* ---- ICE: connectivity checks ---- */

static void
send_check(struct rc_conn *c, int nominate)
{
	uint8_t buf[512], txid[12], prio[4], tb[8];
	struct stun_builder b;
	struct wr w;
	int n;

	if (random_bytes(txid, sizeof(txid)) < 0)
		return;
	memcpy(c->txids[c->ntx++ % RC_TXIDS], txid, sizeof(txid));
	wr_init(&w, prio, sizeof(prio));
	wr_u32(&w, STUN_PRIORITY);
	wr_init(&w, tb, sizeof(tb));
	wr_u64(&w, c->tiebreaker);
	stun_build_begin(&b, buf, sizeof(buf), STUN_BINDING_REQUEST, txid);
	stun_build_attr(&b, STUN_ATTR_USERNAME, c->stun_user, (uint16_t)strlen(c->stun_user));
	stun_build_attr(&b, STUN_ATTR_PRIORITY, prio, sizeof(prio));
	stun_build_attr(&b, STUN_ATTR_ICE_CONTROLLING, tb, sizeof(tb));
	if (nominate)
		stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_build_integrity(&b, c->stun_key, strlen(c->stun_key));
	stun_build_fingerprint(&b);
	n = stun_build_end(&b);
	if (n < 0)
		return;
	rc_udp_send(c, buf, (size_t)n);
	if (c->t.stun_sent == 0)
		c->t.stun_sent = now_us();
}

int
rc_start_ice(struct rc_conn *c, char *err, size_t errlen)
{
	if (open_udp(c, err, errlen) < 0)
		return -1;
	c->state = RC_ST_ICE;
	send_check(c, 1);
	c->stun_rto = STUN_RTO_INITIAL_MS;
	c->stun_next = now_ms() + c->stun_rto;
	return 0;
}

static int
known_txid(const struct rc_conn *c, const uint8_t txid[12])
{
	for (int i = 0; i < RC_TXIDS && i < c->ntx; i++)
		if (memcmp(c->txids[i], txid, 12) == 0)
			return 1;
	return 0;
}

/* The peer's own checks (a full agent, or libnice even in Janus's lite
 * mode, runs them and takes our nomination only after its check of the
 * pair succeeded): USERNAME "<our ufrag>:<theirs>", keyed with our
 * password. Answered with the address it came from (the socket is
 * connected to it). */
static void
answer_check(struct rc_conn *c, const struct stun_msg *m)
{
	const struct stun_attr *a = stun_find(m, STUN_ATTR_USERNAME);
	size_t ul = strlen(c->local_ufrag);
	uint8_t buf[256];
	struct stun_builder b;
	int n;

	if (c->local_pwd[0] == '\0' || a == NULL || a->len <= ul ||
	    memcmp(stun_attr_value(m, a), c->local_ufrag, ul) != 0 ||
	    stun_attr_value(m, a)[ul] != ':' ||
	    stun_check_integrity(m, c->local_pwd, strlen(c->local_pwd)) < 0)
		return;
	stun_build_begin(&b, buf, sizeof(buf), STUN_BINDING_SUCCESS, m->txid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &c->remote);
	stun_build_integrity(&b, c->local_pwd, strlen(c->local_pwd));
	stun_build_fingerprint(&b);
	if ((n = stun_build_end(&b)) > 0)
		rc_udp_send(c, buf, (size_t)n);
}

static void
stun_input(struct rc_conn *c, const uint8_t *p, size_t n)
{
	struct stun_msg m;
	const struct stun_attr *a;

	if (stun_parse(&m, p, n) < 0 || stun_check_fingerprint(&m) < 0)
		return;
	if (m.type == STUN_BINDING_REQUEST) {
		answer_check(c, &m);
		return;
	}
	if (!known_txid(c, m.txid))
		return;
	if (m.type != STUN_BINDING_SUCCESS && m.type != STUN_BINDING_ERROR)
		return;
	/* Only answers keyed with the server's password count (RFC 8489 §9.2). */
	if (stun_check_integrity(&m, c->stun_key, strlen(c->stun_key)) < 0)
		return;
	if (m.type == STUN_BINDING_ERROR) {
		const uint8_t *v;
		a = stun_find(&m, STUN_ATTR_ERROR_CODE);
		v = a != NULL && a->len >= 4 ? stun_attr_value(&m, a) : NULL;
		rc_fail(c, 1, "stun: error response %d", v ? (v[2] & 7) * 100 + v[3] : 0);
		return;
	}
	if (c->state != RC_ST_ICE)
		return;   /* a consent answer */
	c->t.stun_ok = now_us();
	c->stun_next = now_ms() + CONSENT_INTERVAL_MS;
	if (c->dtls_server) {
		/* The peer starts DTLS once its ICE agent has taken our
		 * nomination; an ICE-lite peer (Janus's libnice) may answer a
		 * check that came before it knew our candidate without taking
		 * it. Keep nominating until its first DTLS record. */
		c->stun_rto = STUN_RENOMINATE_MS;
		c->stun_next = now_ms() + c->stun_rto;
	}
	rc_start_dtls(c);
}

/* ---- input and timers ---- */

static void
udp_input(struct rc_conn *c)
{
	uint8_t buf[RX_BUF];

	for (int i = 0; i < RX_BATCH && c->state != RC_ST_DONE; i++) {
		ssize_t r = recv(c->fd, buf, sizeof(buf), 0);

		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rc_fail(c, 1, "udp: %s", strerror(errno));
			return;
		}
		if (r == 0)
			continue;
		/* RFC 7983 demultiplexing by the first byte. */
		if (buf[0] <= 3)
			stun_input(c, buf, (size_t)r);
		else if (buf[0] >= 20 && buf[0] <= 63 && c->dtls != NULL &&
		    (c->dtls_heard = 1) && dtls_input(c->dtls, buf, (size_t)r) < 0)
			rc_fail(c, 0, "dtls: %s", dtls_error(c->dtls));
	}
}

void
rc_input(struct rc_conn *c, short revents, uint64_t now)
{
	(void)now;
	if (c->state == RC_ST_DONE)
		return;
	if (c->state == RC_ST_HTTP)
		rc_offer_input(c, revents);
	else if (revents & (POLLIN | POLLERR | POLLHUP))
		udp_input(c);
	reap(c);
}

uint64_t
rc_next_deadline(const struct rc_conn *c, uint64_t now)
{
	uint64_t next = c->deadline, t;

	if (c->state == RC_ST_DONE)
		return UINT64_MAX;
	if (c->stun_next < next)
		next = c->stun_next;
	if (c->dtls != NULL && (t = dtls_timeout_ms(c->dtls)) != UINT64_MAX && now + t < next)
		next = now + t;
	if (c->direct != NULL && (t = rc_direct_deadline(c)) < next)
		next = t;
	return next;
}

/* DTLS server: ICE succeeded on our side, the peer has not spoken DTLS. */
static int
awaiting_dtls(const struct rc_conn *c)
{
	return c->state == RC_ST_DTLS && c->dtls_server && !c->dtls_heard;
}

void
rc_on_timer(struct rc_conn *c, uint64_t now)
{
	if (c->state == RC_ST_DONE)
		return;
	if (now >= c->deadline) {
		rc_fail(c, 0, "timeout in phase %s", rc_state_name(c->state));
		return;
	}
	if (now >= c->stun_next) {
		if (c->state == RC_ST_ICE || awaiting_dtls(c)) {
			send_check(c, 1);
			c->stun_rto = MIN(c->stun_rto * 2, STUN_RTO_MAX_MS);
			c->stun_next = now + c->stun_rto;
		} else {
			send_check(c, 0);   /* consent freshness (RFC 7675) */
			c->stun_next = now + CONSENT_INTERVAL_MS;
		}
	}
	if (c->dtls != NULL && dtls_timeout_ms(c->dtls) == 0 && dtls_handle_timeout(c->dtls) < 0)
		rc_fail(c, 0, "dtls: handshake timed out");
	if (c->direct != NULL && c->state != RC_ST_DONE)
		rc_direct_timer(c, now);
	reap(c);
}

void
rc_global_tick(uint64_t now)
{
	struct rc_link *l;

	if (!rc_sctp_tick(now))
		return;
	LIST_FOREACH(l, &g_conns, link)
		reap(l->c);
}

/* ---- public API ---- */

static int
load_cert(struct rc_conn *c, char *err, size_t errlen)
{
	if (c->cfg.cert_der != NULL && c->cfg.key_der != NULL) {
		c->cert = c->cfg.cert_der;
		c->cert_len = c->cfg.cert_len;
		c->key = c->cfg.key_der;
		c->key_len = c->cfg.key_len;
	} else {
		if (cert_generate(c->cert_buf, &c->cert_len, sizeof(c->cert_buf), c->key_buf,
		    &c->key_len, sizeof(c->key_buf)) < 0) {
			snprintf(err, errlen, "cannot generate a certificate");
			return -1;
		}
		c->cert = c->cert_buf;
		c->key = c->key_buf;
	}
	if (cert_fingerprint_sha256(c->cert, c->cert_len, c->local_fp) < 0) {
		snprintf(err, errlen, "bad certificate");
		return -1;
	}
	return 0;
}

struct rc_conn *
rc_new(const struct rc_cfg *cfg, char *err, size_t errlen)
{
	struct rc_conn *c;
	struct rc_link *l;

	if (!g_inited) {
		snprintf(err, errlen, "rc_global_init was not called");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	l = calloc(1, sizeof(*l));
	if (c == NULL || l == NULL) {
		free(c);
		free(l);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->c = c;
	LIST_INSERT_HEAD(&g_conns, l, link);
	c->cfg = *cfg;
	c->fd = -1;
	c->pre_fd = -1;
	c->t.start = now_us();
	c->deadline = now_ms() + (cfg->timeout_ms ? cfg->timeout_ms : RC_SETUP_TIMEOUT_MS);
	c->stun_next = UINT64_MAX;
	c->have_server_fp = cfg->has_server_fp;
	memcpy(c->server_fp, cfg->server_fp, sizeof(c->server_fp));
	if (random_bytes(&c->tiebreaker, sizeof(c->tiebreaker)) < 0 || load_cert(c, err, errlen) < 0)
		goto fail;
	if (cfg->mode == RC_MODE_DIRECT) {
		c->remote = cfg->target;
		if (c->remote.family == 0) {
			snprintf(err, errlen, "no target address");
			goto fail;
		}
		if (rc_direct_new(c, err, errlen) < 0 || rc_start_ice(c, err, errlen) < 0)
			goto fail;
	} else if (cfg->mode == RC_MODE_OFFER) {
		c->state = RC_ST_HTTP;
		if (rc_offer_new(c, err, errlen) < 0)
			goto fail;
	} else {
		snprintf(err, errlen, "unknown mode");
		goto fail;
	}
	return c;
fail:
	rc_free(c);
	return NULL;
}

void
rc_free(struct rc_conn *c)
{
	struct rc_link *l;

	if (c == NULL)
		return;
	LIST_FOREACH(l, &g_conns, link)
		if (l->c == c)
			break;
	if (l != NULL) {
		LIST_REMOVE(l, link);
		free(l);
	}
	for (int i = 0; i < c->nchans; i++)
		chan_free(c->chans[i]);
	c->nchans = 0;
	if (c->direct != NULL)
		rc_direct_free(c);
	if (c->offer != NULL)
		rc_offer_free(c);
	rc_transport_free(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->pre_fd >= 0)
		close(c->pre_fd);
	free(c);
}

int
rc_fd(const struct rc_conn *c)
{
	return c->state == RC_ST_DONE ? -1 : c->fd;
}

short
rc_poll_events(const struct rc_conn *c)
{
	return c->state == RC_ST_HTTP ? rc_offer_events(c) : POLLIN;
}

struct rc_chan *
rc_open(struct rc_conn *c, const char *name)
{
	struct dc_channel *dc;
	struct rc_chan *ch;

	if (c->state != RC_ST_OPEN || c->dc == NULL) {
		errno = ENOTCONN;
		return NULL;
	}
	if (name == NULL || strlen(name) >= RC_NAME_MAX || c->nchans == RC_MAX_CHANS) {
		errno = name == NULL || strlen(name) >= RC_NAME_MAX ? EINVAL : ENOSPC;
		return NULL;
	}
	if (c->direct != NULL)
		return rc_direct_open(c, name);
	if ((dc = dc_open(c->dc, name, "", DC_RELIABLE, 0)) == NULL)
		return NULL;
	if ((ch = rc_chan_new(c, dc, name)) == NULL)
		dc_close(c->dc, dc);
	return ch;
}

int
rc_send(struct rc_conn *c, struct rc_chan *ch, int binary, const uint8_t *p, size_t n)
{
	if (c->state != RC_ST_OPEN || ch == NULL || ch->c != c) {
		errno = ch == NULL || ch->c != c ? EINVAL : ENOTCONN;
		return -1;
	}
	if (ch->closed || ch->dc == NULL) {
		errno = EPIPE;
		return -1;
	}
	if (c->direct != NULL)
		return rc_direct_send(c, ch, p, n);
	if (n > RC_MAX_MESSAGE || n > sctp_max_message_size(c->sctp)) {
		errno = EMSGSIZE;
		return -1;
	}
	return rc_dc_send(c, ch->dc, binary, p, n);
}

void
rc_chan_close(struct rc_conn *c, struct rc_chan *ch)
{
	if (ch == NULL || ch->closed || ch->dc == NULL || c->state == RC_ST_DONE)
		return;
	if (c->direct != NULL)
		rc_direct_close(c, ch);
	else
		dc_close(c->dc, ch->dc);
}

int
rc_ping(struct rc_conn *c)
{
	if (c->direct == NULL || c->state != RC_ST_OPEN) {
		errno = c->direct == NULL ? EINVAL : ENOTCONN;
		return -1;
	}
	return rc_direct_ping(c);
}

enum rc_state rc_state(const struct rc_conn *c) { return c->state; }
const struct rc_times *rc_times(const struct rc_conn *c) { return &c->t; }
const char *rc_reason(const struct rc_conn *c) { return c->reason; }
const char *rc_chan_name(const struct rc_chan *ch) { return ch->name; }
void rc_chan_set_user(struct rc_chan *ch, void *user) { ch->user = user; }
void *rc_chan_user(const struct rc_chan *ch) { return ch->user; }

size_t
rc_buffered(const struct rc_conn *c)
{
	size_t n = c->dc != NULL ? c->q.bytes : 0;

	if (c->sctp != NULL && c->state != RC_ST_DONE)
		n += sctp_buffered(c->sctp);
	return n;
}

int
rc_remote_peer(const struct rc_conn *c, char *out, size_t cap)
{
	if (c->direct == NULL || c->direct->peer[0] == '\0')
		return -1;
	return strlcpy_checked(out, c->direct->peer, cap);
}

int
rc_hostile_answered(const struct rc_conn *c)
{
	return c->direct != NULL && c->direct->answered;
}
