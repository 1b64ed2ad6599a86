/* wchan: everything a worker sends to the supervisor. Workers are untrusted:
 * each message is decoded strictly, its type must be one the worker may send
 * in its current state (OpenSSH mon_table idea), and any violation kills that
 * worker, never the supervisor. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"
#include "identity.h"
#include "rooms.h"
#include "sup.h"

#define RX_BATCH 32
#define RX_ROUNDS 8
#define LOG_RATE_PER_S 20
#define LOG_BURST 50

/* Bit masks of the types a worker may send per state. */
#define B(t) (1u << (t))
static const uint32_t allowed[] = {
	[WS_SPAWNED] = B(WIRE_READY) | B(WIRE_LOG) | B(WIRE_BYE),
	[WS_IDLE] = B(WIRE_LOG) | B(WIRE_BYE),
	[WS_ASSIGNED] = B(WIRE_DGRAM_OUT) | B(WIRE_TUPLE_BIND) | B(WIRE_STATE) | B(WIRE_LOG) |
	    B(WIRE_BYE) | B(WIRE_ANSWER) | B(WIRE_OFFER_FAIL) | B(WIRE_SIGN_REQ) |
	    B(WIRE_ROOM_JOIN) | B(WIRE_ROOM_LEAVE) | B(WIRE_ROOM_PUBLISH),
	[WS_CONNECTED] = B(WIRE_DGRAM_OUT) | B(WIRE_TUPLE_BIND) | B(WIRE_STATE) | B(WIRE_LOG) |
	    B(WIRE_BYE) | B(WIRE_SIGN_REQ) | B(WIRE_ROOM_JOIN) | B(WIRE_ROOM_LEAVE) |
	    B(WIRE_ROOM_PUBLISH),
	[WS_CLOSING] = B(WIRE_DGRAM_OUT) | B(WIRE_STATE) | B(WIRE_LOG) | B(WIRE_BYE) |
	    B(WIRE_ROOM_LEAVE),
	/* (DGRAM_OUT after BYE finds no bound tuple and is a violation.) */
};
#undef B

static void
violation(struct worker *w, const char *what)
{
	char why[128];

	w->sup->c.worker_violations++;
	snprintf(why, sizeof(why), "protocol violation: %s", what);
	workers_kill(w, why);
}

static void
on_log(struct worker *w, const struct wire_msg *m)
{
	uint64_t now = now_ms();
	uint64_t add = (now - w->log_refill_ms) * LOG_RATE_PER_S / 1000;
	char label[96];

	if (add > 0) {
		w->log_tokens = (uint32_t)MIN((uint64_t)LOG_BURST, w->log_tokens + add);
		w->log_refill_ms = now;
	}
	if (w->log_tokens == 0) {
		w->sup->c.worker_logs_dropped++;
		return;
	}
	w->log_tokens--;
	if (m->u.text.code > LOG_LVL_DEBUG)
		return;
	log_msg(m->u.text.code, "%s: %s", workers_label(w, label, sizeof(label)), m->u.text.text);
}

static void
on_ready(struct worker *w, const struct wire_msg *m)
{
	struct sup *s = w->sup;

	if (m->u.version != WIRE_VERSION) {
		violation(w, "wire version mismatch");
		return;
	}
	w->was_ready = 1;
	s->nspawning--;
	s->start_failures = 0;
	evtimer_del(w->timer);
	if (s->stopping || s->draining) {
		workers_kill(w, "not needed any more");
		return;
	}
	w->state = WS_IDLE;
	w->in_pool = 1;
	TAILQ_INSERT_TAIL(&s->pool, w, pool_link);
	s->nidle++;
	http_offer_dispatch(s);
	workers_refill(s);
}

static void
on_state(struct worker *w, const struct wire_msg *m)
{
	w->st = m->u.state;
	w->phase = m->u.state.phase;
	if (w->phase == PHASE_OPEN && w->state == WS_ASSIGNED)
		workers_set_state(w, WS_CONNECTED);
}

static void
on_bye(struct worker *w, const struct wire_msg *m)
{
	char label[96];

	(void)strlcpy_checked(w->close_reason, m->u.text.text, sizeof(w->close_reason));
	log_info("%s: closed: %s", workers_label(w, label, sizeof(label)), m->u.text.text);
	/* Nothing may reach or leave a worker after its BYE: free its tuples
	 * now so a returning peer (same address) gets a fresh connection. */
	router_forget_worker(w->sup, w);
	rooms_leave_all(w->sup, w);
	if (w->state != WS_CLOSING)
		workers_set_state(w, WS_CLOSING);
}

static void
dispatch(struct worker *w, const uint8_t *buf, size_t n)
{
	struct sup *s = w->sup;
	struct wire_msg m;
	const char *why;

	if (wire_decode(buf, n, &m, &why) < 0) {
		violation(w, why);
		return;
	}
	if (wire_sender(m.type) != 'W') {
		violation(w, "message type reserved for the supervisor");
		return;
	}
	if (!(allowed[w->state] & (1u << m.type))) {
		char what[64];
		snprintf(what, sizeof(what), "%s not allowed while %s",
		    wire_type_name(m.type), wstate_name(w->state));
		violation(w, what);
		return;
	}
	switch (m.type) {
	case WIRE_READY:
		on_ready(w, &m);
		break;
	case WIRE_LOG:
		on_log(w, &m);
		break;
	case WIRE_DGRAM_OUT:
		router_output(s, w, m.tuple_id, m.data, m.data_len);
		break;
	case WIRE_TUPLE_BIND:
		if (router_bind(s, w, m.tuple_id, m.u.code) < 0)
			violation(w, "TUPLE_BIND for a tuple it was never given");
		break;
	case WIRE_STATE:
		on_state(w, &m);
		break;
	case WIRE_BYE:
		on_bye(w, &m);
		break;
	case WIRE_ANSWER:
		if (w->mode != WIRE_MODE_OFFER || w->answered) {
			violation(w, "unexpected ANSWER");
			break;
		}
		w->answered = 1;
		if (router_register_ufrag(s, w, m.u.ufrag) < 0) {
			http_offer_failed(s, w, 500, "ufrag collision");
			workers_kill(w, "answer ufrag rejected");
			break;
		}
		http_offer_answered(s, w, (const char *)m.data, m.data_len);
		break;
	case WIRE_OFFER_FAIL:
		if (w->mode != WIRE_MODE_OFFER || w->answered) {
			violation(w, "unexpected OFFER_FAIL");
			break;
		}
		w->answered = 1;
		http_offer_failed(s, w, 400, m.u.text.text);
		break;
	case WIRE_SIGN_REQ: {
		/* One signature per WebRTC Direct connection, of a Noise static
		 * key in its exact libp2p form; anything else is a violation. */
		struct wire_msg r;
		uint8_t sig[64];
		if (w->mode != WIRE_MODE_DIRECT || w->signed_once || s->id == NULL ||
		    identity_sign_noise(s->id, m.data, m.data_len, sig) < 0) {
			violation(w, "SIGN_REQ refused");
			break;
		}
		w->signed_once = 1;
		wire_init(&r, WIRE_SIGN_RESP, 0);
		r.data = sig;
		r.data_len = sizeof(sig);
		workers_send(w, &r);
		break;
	}
	case WIRE_ROOM_JOIN:
	case WIRE_ROOM_LEAVE:
	case WIRE_ROOM_PUBLISH: {
		const char *refusal = NULL;
		int r = m.type == WIRE_ROOM_JOIN ?
		    rooms_join(s, w, m.u.room, m.data, m.data_len, &refusal) :
		    m.type == WIRE_ROOM_LEAVE ? rooms_leave(s, w, m.u.room, &refusal) :
		    rooms_publish(s, w, m.u.room, m.data, m.data_len, m.gossip, m.gossip_len, &refusal);
		if (r < 0) {
			char label[96];
			s->c.room_refused++;
			log_debug("%s: room %s: %s", workers_label(w, label, sizeof(label)), m.u.room,
			    refusal);
		}
		break;
	}
	default:
		violation(w, "message type not supported by this supervisor");
		break;
	}
}

void
wchan_on_read(evutil_socket_t fd, short ev, void *arg)
{
	static uint8_t bufs[RX_BATCH][WIRE_MAX_MSG];
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct worker *w = arg;
	struct sup *s = w->sup;

	for (int round = 0; round < RX_ROUNDS; round++) {
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
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			n = 0;   /* ECONNRESET etc.: treat like EOF */
		}
		if (n == 0 || (n > 0 && mm[0].msg_len == 0)) {
			/* EOF: the worker is gone or going; stop routing to it now,
			 * free it when SIGCHLD reports the exit. */
			w->eof = 1;
			event_free(w->ev);
			w->ev = NULL;
			router_forget_worker(s, w);
			rooms_leave_all(s, w);
			if (w->state != WS_CLOSING)
				workers_set_state(w, WS_CLOSING);
			break;
		}
		for (int i = 0; i < n && !w->kill_sent; i++) {
			if (mm[i].msg_len == 0)
				break;   /* EOF inside the batch: the next read reports it */
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				violation(w, "oversized message");
				break;
			}
			dispatch(w, bufs[i], mm[i].msg_len);
		}
		listener_flush(s);
		if (w->kill_sent || n < RX_BATCH)
			break;
	}
	(void)ev;
}
