/* conn: the worker's connection coordinator (see conn.h). It owns the tuples
 * the supervisor routed to us, the ICE-lite engine, and once ICE has
 * selected a tuple the transport (rtc: DTLS, SCTP, SRTP) plus what runs on
 * it: the apps and the media echo (offer mode). */
#include "conn.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "apps.h"
#include "common/cert.h"
#include "common/log.h"
#include "common/util.h"
#include "common/wire.h"
#include "ice.h"
#include "media.h"
#include "offer.h"
#include "p2p/session.h"
#include "rtc.h"

#define MAX_TUPLES 16
#define RX_BATCH 16
#define STATE_INTERVAL_MS 1000
#define MEDIA_BUF 4096
#define DTLS_START_MS 5000   /* ICE done, no DTLS from the peer yet: end */
#define COARSE_STEP_MAX_MS 10

enum bind_state { BIND_NONE = 0, BIND_SENT, BIND_ACKED, BIND_REFUSED };

struct tuple_slot {
	uint32_t id;
	struct tuple t;
	enum bind_state bind;
	/* The answer to the check that triggered TUPLE_BIND waits for the ACK:
	 * the supervisor only lets us send to tuples bound to us. */
	uint8_t held[ICE_RESP_MAX];
	size_t held_len;
};

struct conn {
	struct event_base *base;
	int fd;
	struct event *ev;
	struct event *timer;
	int have_hello;
	struct wire_hello hello;
	struct ice ice;
	int ice_ready;              /* credentials known (offer answered / direct mode) */
	struct tuple_slot tuples[MAX_TUPLES];
	int ntuples;
	int selected;               /* index of the tuple we send on, -1 if none */
	struct offer_state offer;
	struct rtc *rtc;
	struct media *media;
	struct apps *apps;
	struct p2p_session *p2p;    /* WebRTC Direct mode */
	uint8_t phase;
	uint64_t start_ms, handshake_deadline, last_state_ms;
	uint64_t dtls_deadline;     /* set at the first ICE success, cleared by DTLS */
	struct wire_state st;
	int done;
	int closing;                /* conn_close is running */
	int exit_code;
};

static struct conn C;

static void room_join_cb(void *arg, const char *room, const char *info);
static void room_leave_cb(void *arg, const char *room);
static void room_publish_gossip_cb(void *arg, const char *room, const uint8_t *p, size_t n,
    const uint8_t *g, size_t gn);

/* Outgoing datagrams are batched: one sendmmsg per event instead of one
 * send per SCTP packet (a busy data channel sends hundreds per
 * millisecond). Flushed at the end of every event callback, when full, and
 * before any other message so the supervisor sees everything in order. */
#define TX_BATCH 32
#define TX_SLOT (WIRE_HDR_LEN + 16 + WIRE_MAX_DGRAM)
static uint8_t tx_buf[TX_BATCH][TX_SLOT];
static size_t tx_len[TX_BATCH];
static int tx_n;

static void
chan_broken(struct conn *c)
{
	/* The supervisor is gone or not reading: nothing left to do. */
	c->done = 1;
	c->exit_code = 3;
	tx_n = 0;
	event_base_loopbreak(c->base);
}

static void
tx_flush(struct conn *c)
{
	struct mmsghdr mm[TX_BATCH];
	struct iovec iov[TX_BATCH];
	int off = 0;

	if (c->done)
		tx_n = 0;
	for (int i = 0; i < tx_n; i++) {
		iov[i].iov_base = tx_buf[i];
		iov[i].iov_len = tx_len[i];
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (off < tx_n) {
		int r = sendmmsg(c->fd, mm + off, (unsigned)(tx_n - off), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			chan_broken(c);
			return;
		}
		off += r;
	}
	tx_n = 0;
}

static void
chan_send(struct conn *c, const struct wire_msg *m)
{
	if (c->done)
		return;
	if (m->type == WIRE_DGRAM_OUT) {
		ssize_t n;
		if (tx_n == TX_BATCH)
			tx_flush(c);
		if (c->done)
			return;
		n = wire_encode(tx_buf[tx_n], TX_SLOT, m);
		if (n > 0) {
			tx_len[tx_n++] = (size_t)n;
			return;
		}
	}
	tx_flush(c);
	if (c->done)
		return;
	if (wire_send(c->fd, m) < 0)
		chan_broken(c);
}

static void
log_to_supervisor(enum log_level lvl, const char *line, void *arg)
{
	struct conn *c = arg;
	struct wire_msg m;

	wire_init(&m, WIRE_LOG, 0);
	m.u.text.code = (uint8_t)lvl;
	strlcpy_checked(m.u.text.text, line, sizeof(m.u.text.text));
	if (!c->done)
		(void)wire_send(c->fd, &m);   /* best effort: never recurse into logging */
}

static void
send_state(struct conn *c)
{
	struct wire_msg m;

	wire_init(&m, WIRE_STATE, 0);
	c->st.phase = c->phase;
	m.u.state = c->st;
	chan_send(c, &m);
	c->last_state_ms = now_ms();
}

static void
set_phase(struct conn *c, uint8_t phase)
{
	if (c->phase == phase)
		return;
	c->phase = phase;
	send_state(c);
}

static void
conn_close(struct conn *c, int code, const char *reason)
{
	struct wire_msg m;

	if (c->done || c->closing)
		return;
	/* rtc_close reports the transport down (rtc_down_cb -> conn_close):
	 * that must not replace the reason we are closing for. */
	c->closing = 1;
	if (c->rtc)
		rtc_close(c->rtc);   /* best effort goodbye: SCTP abort, close_notify */
	set_phase(c, PHASE_CLOSING);
	wire_init(&m, WIRE_BYE, 0);
	m.u.text.code = (uint8_t)code;
	strlcpy_checked(m.u.text.text, reason, sizeof(m.u.text.text));
	chan_send(c, &m);
	c->done = 1;
	c->exit_code = 0;
	event_base_loopbreak(c->base);
}

static void
send_dgram(struct conn *c, const struct tuple_slot *ts, const uint8_t *p, size_t n)
{
	struct wire_msg m;

	if (n > WIRE_MAX_DGRAM)
		return;
	wire_init(&m, WIRE_DGRAM_OUT, ts->id);
	m.data = p;
	m.data_len = n;
	c->st.bytes_out += n;
	chan_send(c, &m);
}

static struct tuple_slot *
slot_for(struct conn *c, uint32_t id, const struct tuple *t)
{
	for (int i = 0; i < c->ntuples; i++)
		if (c->tuples[i].id == id)
			return &c->tuples[i];
	if (c->ntuples == MAX_TUPLES)
		return NULL;
	memset(&c->tuples[c->ntuples], 0, sizeof(c->tuples[0]));
	c->tuples[c->ntuples].id = id;
	c->tuples[c->ntuples].t = *t;
	return &c->tuples[c->ntuples++];
}

/* ---- the transport (rtc) callbacks ---- */

static void
rtc_send_cb(void *arg, const uint8_t *p, size_t n)
{
	struct conn *c = arg;

	if (c->selected < 0 || c->tuples[c->selected].bind != BIND_ACKED)
		return;
	send_dgram(c, &c->tuples[c->selected], p, n);
}

static void
rtc_secure_cb(void *arg)
{
	struct conn *c = arg;

	if (c->apps)
		apps_set_dc(c->apps, rtc_dc(c->rtc));
	if (c->p2p) {
		uint8_t fp[32];
		if (rtc_peer_fingerprint(c->rtc, fp) < 0 || p2p_start(c->p2p, rtc_dc(c->rtc), fp) < 0) {
			conn_close(c, 1, "cannot start the libp2p session");
			return;
		}
	}
	set_phase(c, PHASE_SCTP);
}

static void
rtc_ready_cb(void *arg)
{
	struct conn *c = arg;

	log_debug("transport ready after %llu ms", (unsigned long long)(now_ms() - c->start_ms));
	if (c->p2p) {
		/* WebRTC Direct: "open" once Noise authenticated the peer. */
		p2p_on_ready(c->p2p, now_ms());
		return;
	}
	set_phase(c, PHASE_OPEN);
}

static void
rtc_down_cb(void *arg, const char *reason)
{
	conn_close(arg, 0, reason);
}

static void
ch_open_cb(void *arg, struct dc_channel *ch)
{
	struct conn *c = arg;

	if (c->p2p)
		p2p_on_open(c->p2p, ch);
	else if (c->apps)
		apps_on_open(c->apps, ch);
}

static void
ch_msg_cb(void *arg, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	struct conn *c = arg;

	c->st.msgs_in++;
	if (c->p2p)
		p2p_on_message(c->p2p, ch, binary, p, n, now_ms());
	else if (c->apps)
		apps_on_message(c->apps, ch, binary, p, n);
}

static void
ch_close_cb(void *arg, struct dc_channel *ch)
{
	struct conn *c = arg;

	if (c->p2p)
		p2p_on_close(c->p2p, ch, now_ms());
	else if (c->apps)
		apps_on_close(c->apps, ch);
}

static void
writable_cb(void *arg)
{
	struct conn *c = arg;

	if (c->p2p)
		p2p_on_writable(c->p2p);
	if (c->apps)
		apps_on_writable(c->apps);
}

/* ---- libp2p session -> supervisor / connection ---- */

static void
p2p_sign_cb(void *arg, const uint8_t *msg, size_t n)
{
	struct wire_msg m;

	wire_init(&m, WIRE_SIGN_REQ, 0);
	m.data = msg;
	m.data_len = n;
	chan_send(arg, &m);
}

static void
p2p_auth_cb(void *arg, const char *peer_id)
{
	struct conn *c = arg;

	strlcpy_checked(c->st.peer, peer_id, sizeof(c->st.peer));
	log_info("libp2p peer %s authenticated (Noise) after %llu ms", peer_id,
	    (unsigned long long)(now_ms() - c->start_ms));
	set_phase(c, PHASE_OPEN);
	send_state(c);
}

static void
p2p_fail_cb(void *arg, const char *reason)
{
	conn_close(arg, 1, reason);
}

static int
start_p2p(struct conn *c)
{
	struct p2p_cfg pc;

	memset(&pc, 0, sizeof(pc));
	if (c->hello.pubkey_len != sizeof(pc.identity_pb) ||
	    cert_fingerprint_sha256(c->hello.cert, c->hello.cert_len, pc.local_fp) < 0)
		return -1;
	memcpy(pc.identity_pb, c->hello.pubkey, sizeof(pc.identity_pb));
	for (int i = 0; i < c->hello.ncand && i < P2P_MAX_LISTEN; i++)
		pc.listen[pc.nlisten++] = c->hello.cand[i];
	if (c->selected >= 0)
		pc.observed = c->tuples[c->selected].t.remote;
	pc.arg = c;
	pc.conn_id = c->hello.conn_id;
	pc.room_join = room_join_cb;
	pc.room_leave = room_leave_cb;
	pc.room_publish = room_publish_gossip_cb;
	pc.sign = p2p_sign_cb;
	pc.on_auth = p2p_auth_cb;
	pc.on_fail = p2p_fail_cb;
	c->p2p = p2p_new(&pc);
	return c->p2p ? 0 : -1;
}

static void
media_cb(void *arg, uint8_t *p, size_t n, size_t cap, int rtcp)
{
	struct conn *c = arg;

	if (c->media)
		media_on_packet(c->media, c->rtc, p, n, cap, rtcp);
}

/* ---- apps -> supervisor rooms ---- */

static void
room_join_cb(void *arg, const char *room, const char *info)
{
	struct wire_msg m;

	wire_init(&m, WIRE_ROOM_JOIN, 0);
	strlcpy_checked(m.u.room, room, sizeof(m.u.room));
	m.data = (const uint8_t *)info;
	m.data_len = strlen(info);
	chan_send(arg, &m);
}

static void
room_leave_cb(void *arg, const char *room)
{
	struct wire_msg m;

	wire_init(&m, WIRE_ROOM_LEAVE, 0);
	strlcpy_checked(m.u.room, room, sizeof(m.u.room));
	chan_send(arg, &m);
}

static void
room_publish_gossip_cb(void *arg, const char *room, const uint8_t *p, size_t n,
    const uint8_t *g, size_t gn)
{
	struct wire_msg m;

	if (n > WIRE_MAX_BLOB || gn > WIRE_MAX_GOSSIP)
		return;
	wire_init(&m, WIRE_ROOM_PUBLISH, 0);
	strlcpy_checked(m.u.room, room, sizeof(m.u.room));
	m.data = p;
	m.data_len = n;
	m.gossip = g;
	m.gossip_len = gn;
	chan_send(arg, &m);
}

static void
room_publish_cb(void *arg, const char *room, const uint8_t *p, size_t n)
{
	room_publish_gossip_cb(arg, room, p, n, NULL, 0);
}

static int
start_transport(struct conn *c)
{
	struct rtc_cfg rc;
	struct app_host host;
	char err[160];

	memset(&rc, 0, sizeof(rc));
	rc.cert_der = c->hello.cert;
	rc.cert_len = c->hello.cert_len;
	rc.key_der = c->hello.key;
	rc.key_len = c->hello.key_len;
	rc.sctp_local_port = 5000;
	rc.sctp_remote_port = 5000;
	if (c->hello.mode == WIRE_MODE_OFFER) {
		rc.verify_fingerprint = 1;
		memcpy(rc.peer_fp, c->offer.sdp->remote.sha256, 32);
		rc.use_srtp = c->offer.has_media;
		if (c->offer.remote_sctp_port)
			rc.sctp_remote_port = c->offer.remote_sctp_port;
		rc.peer_max_message_size = c->offer.remote_max_message_size;
	}
	rc.arg = c;
	rc.send = rtc_send_cb;
	rc.on_secure = rtc_secure_cb;
	rc.on_ready = rtc_ready_cb;
	rc.on_down = rtc_down_cb;
	rc.on_channel_open = ch_open_cb;
	rc.on_channel_message = ch_msg_cb;
	rc.on_channel_close = ch_close_cb;
	rc.on_writable = writable_cb;
	rc.on_media = media_cb;
	c->rtc = rtc_new(&rc, err, sizeof(err));
	if (c->rtc == NULL) {
		conn_close(c, 1, err);
		return -1;
	}
	memset(&host, 0, sizeof(host));
	host.arg = c;
	host.conn_id = c->hello.conn_id;
	host.mode = c->hello.mode == WIRE_MODE_OFFER ? "webrtc" : "webrtc-direct";
	host.room_join = room_join_cb;
	host.room_leave = room_leave_cb;
	host.room_publish = room_publish_cb;
	c->apps = apps_new(&host);
	if (c->apps == NULL) {
		conn_close(c, 1, "out of memory");
		return -1;
	}
	if (c->offer.has_media) {
		c->media = media_new(c->offer.sdp, c->offer.ssrc);
		if (c->media == NULL) {
			conn_close(c, 1, "out of memory");
			return -1;
		}
	}
	/* Only media forwarding reads the parsed offer from here on; without
	 * media its ~150 KiB (every section's codecs and candidates) go now. */
	if (!c->offer.has_media)
		offer_free(&c->offer);
	set_phase(c, PHASE_DTLS);
	return 0;
}

/* libevent times events on CLOCK_MONOTONIC_COARSE (4 ms steps at HZ=250):
 * a timeout that is not a whole number of steps often finds, when epoll
 * returns on time, that the coarse clock moved one step less, and sleeps
 * again 1-2 ms: two wake-ups per deadline (seen on every 10 ms SCTP tick and
 * 250 ms idle tick). Timeouts are rounded up to whole steps. Set by conn_run. */
static unsigned g_coarse_step_ms = 1;

static void
arm_timer(struct conn *c)
{
	uint64_t now = now_ms(), next = ice_consent_deadline(&c->ice);
	struct timeval tv;

	if (c->phase < PHASE_OPEN && c->handshake_deadline < next)
		next = c->handshake_deadline;
	if (c->dtls_deadline && c->dtls_deadline < next)
		next = c->dtls_deadline;
	if (c->last_state_ms + STATE_INTERVAL_MS < next)
		next = c->last_state_ms + STATE_INTERVAL_MS;
	if (c->rtc) {
		uint64_t t = rtc_next_deadline(c->rtc, now);
		if (t < next)
			next = t;
	}
	if (c->p2p) {
		uint64_t t = p2p_next_deadline(c->p2p);
		if (t < next)
			next = t;
	}
	if (next == UINT64_MAX)
		return;
	next = next > now ? next - now : 0;
	next = (next + g_coarse_step_ms - 1) / g_coarse_step_ms * g_coarse_step_ms;
	tv.tv_sec = (time_t)(next / 1000);
	tv.tv_usec = (suseconds_t)((next % 1000) * 1000);
	evtimer_add(c->timer, &tv);
}

static void
on_stun(struct conn *c, struct tuple_slot *ts, const uint8_t *p, size_t n)
{
	struct ice_result r;

	if (!c->ice_ready)
		return;
	ice_input(&c->ice, &ts->t.remote, p, n, now_ms(), ts->bind == BIND_ACKED, &r);
	switch (r.verdict) {
	case ICE_RESPOND:
		if (ts->bind == BIND_REFUSED)
			break;
		if (r.nominated || c->selected < 0)
			c->selected = (int)(ts - c->tuples);
		if (ts->bind == BIND_ACKED) {
			send_dgram(c, ts, r.resp, r.resp_len);
			break;
		}
		/* Ask the supervisor to route this tuple to us; answer once it
		 * agreed (no UDP reflection for unauthenticated peers). */
		memcpy(ts->held, r.resp, r.resp_len);
		ts->held_len = r.resp_len;
		if (ts->bind == BIND_NONE) {
			struct wire_msg m;
			wire_init(&m, WIRE_TUPLE_BIND, ts->id);
			m.u.code = (uint8_t)r.nominated;
			chan_send(c, &m);
			ts->bind = BIND_SENT;
		}
		if (c->phase == PHASE_IDLE) {
			set_phase(c, PHASE_ICE);
			c->dtls_deadline = now_ms() + DTLS_START_MS;
		}
		break;
	case ICE_ERROR:
		if (ts->bind == BIND_ACKED)
			send_dgram(c, ts, r.resp, r.resp_len);
		break;
	case ICE_DROP:
		log_debug("stun dropped: %s", r.why ? r.why : "?");
		break;
	case ICE_IGNORE:
		break;
	}
}

static void
on_tuple_ack(struct conn *c, uint32_t id, uint8_t code)
{
	for (int i = 0; i < c->ntuples; i++) {
		struct tuple_slot *ts = &c->tuples[i];
		if (ts->id != id || ts->bind != BIND_SENT)
			continue;
		if (code != 0) {
			ts->bind = BIND_REFUSED;
			log_debug("tuple %u refused by the supervisor (owned by another connection)", id);
			if (c->selected == i)
				c->selected = -1;
		} else {
			ts->bind = BIND_ACKED;
			if (ts->held_len)
				send_dgram(c, ts, ts->held, ts->held_len);
		}
		ts->held_len = 0;
		return;
	}
}

static void
on_dgram(struct conn *c, const struct wire_msg *m)
{
	static uint8_t buf[MEDIA_BUF];
	struct tuple_slot *ts = slot_for(c, m->tuple_id, &m->u.tuple);
	uint8_t b0 = m->data[0];

	if (ts == NULL)
		return;
	c->st.bytes_in += m->data_len;
	/* RFC 7983 demultiplexing by first byte. */
	if (b0 <= 3) {
		on_stun(c, ts, m->data, m->data_len);
		return;
	}
	if (ts->bind != BIND_ACKED || m->data_len > MEDIA_BUF - 256)
		return;
	if (c->rtc == NULL && c->hello.mode == WIRE_MODE_DIRECT && b0 >= 20 && b0 <= 63) {
		c->selected = (int)(ts - c->tuples);
		if (start_p2p(c) < 0) {
			conn_close(c, 1, "cannot create the libp2p session");
			return;
		}
		if (start_transport(c) < 0)
			return;
	}
	if (c->rtc == NULL)
		return;
	/* A peer may move to another authenticated tuple (RFC 8445 §7.3.1.5):
	 * follow the one it sends on. */
	c->selected = (int)(ts - c->tuples);
	memcpy(buf, m->data, m->data_len);
	c->dtls_deadline = 0;   /* the peer speaks DTLS: the handshake deadline rules now */
	rtc_input(c->rtc, buf, m->data_len, sizeof(buf), now_ms());
}

static void
on_offer(struct conn *c, const struct wire_msg *m)
{
	static char answer[SDP_ANSWER_MAX];
	char why[256];
	size_t alen = 0;
	struct wire_msg r;
	struct ice_cfg ic;

	if (c->hello.mode != WIRE_MODE_OFFER || c->ice_ready) {
		conn_close(c, 1, "unexpected OFFER");
		return;
	}
	if (offer_process(&c->hello, (const char *)m->data, m->data_len, &c->offer, answer,
	    sizeof(answer), &alen, why, sizeof(why)) < 0) {
		wire_init(&r, WIRE_OFFER_FAIL, 0);
		strlcpy_checked(r.u.text.text, why, sizeof(r.u.text.text));
		chan_send(c, &r);
		return;   /* the supervisor answers 400 and ends us */
	}
	memset(&ic, 0, sizeof(ic));
	strlcpy_checked(ic.ufrag, c->offer.ufrag, sizeof(ic.ufrag));
	strlcpy_checked(ic.pwd, c->offer.pwd, sizeof(ic.pwd));
	ic.consent_timeout_ms = c->hello.consent_timeout_ms;
	ice_init(&c->ice, &ic);
	c->ice_ready = 1;
	if (start_transport(c) < 0)
		return;
	wire_init(&r, WIRE_ANSWER, 0);
	strlcpy_checked(r.u.ufrag, c->offer.ufrag, sizeof(r.u.ufrag));
	r.data = (const uint8_t *)answer;
	r.data_len = alen;
	chan_send(c, &r);
}

static void
on_hello(struct conn *c, const struct wire_msg *m)
{
	struct ice_cfg ic;

	if (c->have_hello) {
		conn_close(c, 1, "second HELLO");
		return;
	}
	c->have_hello = 1;
	c->hello = m->u.hello;
	log_set_level((enum log_level)MIN(c->hello.log_level, LOG_LVL_DEBUG));
	c->start_ms = now_ms();
	c->handshake_deadline = c->start_ms + c->hello.handshake_timeout_ms;
	if (c->hello.mode == WIRE_MODE_DIRECT) {
		memset(&ic, 0, sizeof(ic));
		ic.learn_libp2p = 1;
		ic.consent_timeout_ms = c->hello.consent_timeout_ms;
		ice_init(&c->ice, &ic);
		c->ice_ready = 1;
	}
}

/* The "grow" debug hook: allocate and touch memory 1 MiB at a time until
 * the memory rlimit (limits.worker_memory_mb) refuses more, then give it all
 * back. Returns how many MiB it got. Bounded even without a limit. */
#define DEBUG_GROW_STEP (1u << 20)
#define DEBUG_GROW_MAX_MB 65536u

static size_t
debug_grow(void)
{
	void *head = NULL, *p;
	size_t n = 0;

	while (n < DEBUG_GROW_MAX_MB && (p = malloc(DEBUG_GROW_STEP)) != NULL) {
		memset(p, 0xa5, DEBUG_GROW_STEP);
		*(void **)p = head;
		head = p;
		n++;
	}
	while (head != NULL) {
		p = *(void **)head;
		free(head);
		head = p;
	}
	return n;
}

static void
on_debug(struct conn *c, uint8_t action)
{
	if (action == DEBUG_FORBIDDEN_SYSCALL) {
		log_warn("debug hook: calling ptrace(), which the sandbox forbids");
		(void)syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
		conn_close(c, 1, "sandbox did not stop a forbidden system call");
	} else if (action == DEBUG_CRASH) {
		log_warn("debug hook: crashing on purpose");
		raise(SIGSEGV);
	} else if (action == DEBUG_GROW) {
		size_t mb = debug_grow();

		log_warn("debug hook: grew by %zu MiB before the memory limit refused more", mb);
		conn_close(c, 1, "memory limit reached (debug hook)");
	}
}

static void
dispatch(struct conn *c, const uint8_t *buf, size_t n)
{
	struct wire_msg m;
	const char *why;

	if (wire_decode(buf, n, &m, &why) < 0 || wire_sender(m.type) != 'S') {
		conn_close(c, 1, "bad message from the supervisor");
		return;
	}
	if (!c->have_hello && m.type != WIRE_HELLO && m.type != WIRE_SHUTDOWN && m.type != WIRE_DEBUG) {
		conn_close(c, 1, "message before HELLO");
		return;
	}
	switch (m.type) {
	case WIRE_HELLO:
		on_hello(c, &m);
		break;
	case WIRE_OFFER:
		on_offer(c, &m);
		break;
	case WIRE_DGRAM_IN:
		on_dgram(c, &m);
		break;
	case WIRE_TUPLE_ACK:
		on_tuple_ack(c, m.tuple_id, m.u.code);
		break;
	case WIRE_PEER_ERROR: {
		char reason[128];
		snprintf(reason, sizeof(reason), "peer unreachable: %s", strerror(m.u.peer_error.err));
		conn_close(c, 0, reason);
		break;
	}
	case WIRE_SHUTDOWN:
		conn_close(c, 0, "shutdown requested");
		break;
	case WIRE_SIGN_RESP:
		if (c->p2p)
			p2p_on_signature(c->p2p, m.data, m.data_len, now_ms());
		break;
	case WIRE_ROOM_DELIVER:
		if (c->p2p)
			p2p_on_deliver(c->p2p, m.u.deliver.room, m.gossip, m.gossip_len);
		else if (c->apps)
			apps_on_deliver(c->apps, m.u.deliver.room, m.u.deliver.from_conn,
			    m.u.deliver.lost, m.data, m.data_len);
		break;
	case WIRE_DEBUG:
		on_debug(c, m.u.code);
		break;
	default:
		conn_close(c, 1, "unexpected message from the supervisor");
		break;
	}
}

static void
on_chan(evutil_socket_t fd, short ev, void *arg)
{
	static uint8_t bufs[RX_BATCH][WIRE_MAX_MSG];
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct conn *c = arg;
	int n;

	for (int i = 0; i < RX_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		n = 0;
	}
	if (n == 0 || mm[0].msg_len == 0) {
		/* The supervisor closed our channel: exit at once. */
		c->done = 1;
		c->exit_code = 0;
		event_base_loopbreak(c->base);
		return;
	}
	for (int i = 0; i < n && !c->done; i++) {
		if (mm[i].msg_len == 0)
			break;
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			conn_close(c, 1, "oversized message from the supervisor");
			return;
		}
		dispatch(c, bufs[i], mm[i].msg_len);
	}
	if (!c->done && c->have_hello)
		arm_timer(c);
	tx_flush(c);
}

static void
on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;
	uint64_t now = now_ms();

	if (now >= ice_consent_deadline(&c->ice)) {
		conn_close(c, 0, "consent expired (no valid STUN check)");
		return;
	}
	if (c->phase < PHASE_OPEN && now >= c->handshake_deadline) {
		conn_close(c, 0, "handshake timeout");
		return;
	}
	if (c->dtls_deadline && now >= c->dtls_deadline) {
		conn_close(c, 0, "ICE done but no DTLS from the peer");
		return;
	}
	if (c->rtc)
		rtc_on_timer(c->rtc, now);
	if (c->p2p && !c->done)
		p2p_on_timer(c->p2p, now);
	if (c->done)
		return;
	if (now >= c->last_state_ms + STATE_INTERVAL_MS)
		send_state(c);
	arm_timer(c);
	tx_flush(c);
}

int
conn_run(struct event_base *base, int chan_fd)
{
	struct conn *c = &C;
	struct wire_msg m;

	memset(c, 0, sizeof(*c));
#ifdef CLOCK_MONOTONIC_COARSE
	{
		struct timespec res;
		if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 && res.tv_sec == 0 &&
		    res.tv_nsec > 0 && res.tv_nsec <= COARSE_STEP_MAX_MS * 1000000L)
			g_coarse_step_ms = (unsigned)((res.tv_nsec + 999999) / 1000000);
	}
#endif
	c->base = base;
	c->fd = chan_fd;
	c->selected = -1;
	c->handshake_deadline = UINT64_MAX;
	c->ev = event_new(base, chan_fd, EV_READ | EV_PERSIST, on_chan, c);
	c->timer = evtimer_new(base, on_timer, c);
	if (c->ev == NULL || c->timer == NULL || event_add(c->ev, NULL) < 0)
		return 3;
	log_set_sink(log_to_supervisor, c);
	wire_init(&m, WIRE_READY, 0);
	m.u.version = WIRE_VERSION;
	chan_send(c, &m);
	if (!c->done)
		event_base_dispatch(base);
	tx_flush(c);
	log_set_sink(NULL, NULL);
	/* Tear down in order so sanitizer builds see no leaks. */
	if (c->apps)
		apps_free(c->apps);
	if (c->p2p)
		p2p_free(c->p2p);
	if (c->media)
		media_free(c->media);
	if (c->rtc)
		rtc_free(c->rtc);
	offer_free(&c->offer);
	event_free(c->ev);
	event_free(c->timer);
	return c->exit_code;
}
