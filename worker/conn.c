/* conn: the worker's connection coordinator (see conn.h). */
#include "conn.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "common/wire.h"
#include "ice.h"

#define MAX_TUPLES 16
#define RX_BATCH 16
#define STATE_INTERVAL_MS 1000

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
	struct tuple_slot tuples[MAX_TUPLES];
	int ntuples;
	int selected;           /* index of the nominated tuple, -1 if none */
	uint8_t phase;
	uint64_t start_ms, handshake_deadline, last_state_ms;
	struct wire_state st;
	int done;
	int exit_code;
};

static struct conn C;

static void
chan_send(struct conn *c, const struct wire_msg *m)
{
	if (c->done)
		return;
	if (wire_send(c->fd, m) < 0) {
		/* The supervisor is gone or not reading: nothing left to do. */
		c->done = 1;
		c->exit_code = 3;
		event_base_loopbreak(c->base);
	}
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

	if (c->done)
		return;
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

static void
arm_timer(struct conn *c)
{
	uint64_t now = now_ms(), next = ice_consent_deadline(&c->ice);
	struct timeval tv;

	if (c->phase < PHASE_OPEN && c->handshake_deadline < next)
		next = c->handshake_deadline;
	if (c->last_state_ms + STATE_INTERVAL_MS < next)
		next = c->last_state_ms + STATE_INTERVAL_MS;
	if (next == UINT64_MAX)
		return;
	next = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(next / 1000);
	tv.tv_usec = (suseconds_t)((next % 1000) * 1000);
	evtimer_add(c->timer, &tv);
}

static void
on_stun(struct conn *c, struct tuple_slot *ts, const uint8_t *p, size_t n)
{
	struct ice_result r;

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
		if (c->phase == PHASE_IDLE)
			set_phase(c, PHASE_ICE);
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
	struct tuple_slot *ts = slot_for(c, m->tuple_id, &m->u.tuple);
	uint8_t b0 = m->data[0];

	if (ts == NULL)
		return;
	c->st.bytes_in += m->data_len;
	/* RFC 7983 demultiplexing by first byte. */
	if (b0 <= 3) {
		on_stun(c, ts, m->data, m->data_len);
	} else if (ts->bind != BIND_ACKED) {
		log_debug("non-STUN datagram from an unauthenticated tuple dropped");
	} else {
		log_debug("datagram class %u not handled yet", b0);
	}
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
	memset(&ic, 0, sizeof(ic));
	ic.learn_libp2p = c->hello.mode == WIRE_MODE_DIRECT;
	ic.consent_timeout_ms = c->hello.consent_timeout_ms;
	ice_init(&c->ice, &ic);
}

static void
on_debug(struct conn *c, uint8_t action)
{
	if (action == DEBUG_FORBIDDEN_SYSCALL) {
		log_warn("debug hook: calling socket(), which the sandbox forbids");
		(void)socket(AF_INET, SOCK_DGRAM, 0);
		conn_close(c, 1, "sandbox did not stop a forbidden system call");
	} else if (action == DEBUG_CRASH) {
		log_warn("debug hook: crashing on purpose");
		raise(SIGSEGV);
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
	case WIRE_DEBUG:
		on_debug(c, m.u.code);
		break;
	case WIRE_OFFER: {
		struct wire_msg f;
		wire_init(&f, WIRE_OFFER_FAIL, 0);
		strlcpy_checked(f.u.text.text, "this worker build does not accept SDP offers",
		    sizeof(f.u.text.text));
		chan_send(c, &f);
		break;
	}
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
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			conn_close(c, 1, "oversized message from the supervisor");
			return;
		}
		dispatch(c, bufs[i], mm[i].msg_len);
	}
	if (!c->done && c->have_hello)
		arm_timer(c);
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
	if (now >= c->last_state_ms + STATE_INTERVAL_MS)
		send_state(c);
	arm_timer(c);
}

int
conn_run(struct event_base *base, int chan_fd)
{
	struct conn *c = &C;
	struct wire_msg m;

	memset(c, 0, sizeof(*c));
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
	log_set_sink(NULL, NULL);
	event_free(c->ev);
	event_free(c->timer);
	return c->exit_code;
}
