/* webrtc_msg: stream framing codec and half-close state machine for libp2p
 * WebRTC data channels (see webrtc_msg.h). */
#include "worker/p2p/webrtc_msg.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/multiformats.h"
#include "worker/p2p/pb.h"

#define FIELD_FLAG 1
#define FIELD_MESSAGE 2

/* ------------------------------------------------------------------ */
/* framing codec                                                      */

void
webrtc_msg_dec_init(struct webrtc_msg_dec *d)
{
	memset(d, 0, sizeof(*d));
}

void
webrtc_msg_dec_free(struct webrtc_msg_dec *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

int
webrtc_msg_parse(const uint8_t *body, size_t n, struct webrtc_msg_frame *f)
{
	struct pb_reader pr;
	struct pb_field fl;
	int rc;

	memset(f, 0, sizeof(*f));
	pb_reader_init(&pr, body, n);
	while ((rc = pb_next(&pr, &fl)) == 1) {
		if (fl.num == FIELD_FLAG) {
			if (fl.wt != PB_WT_VARINT)
				return -1;
			/* proto2: an unknown enum value is an unknown field. */
			f->has_flag = fl.v <= WEBRTC_FLAG_FIN_ACK;
			f->flag = f->has_flag ? (enum webrtc_flag)fl.v : WEBRTC_FLAG_FIN;
		} else if (fl.num == FIELD_MESSAGE) {
			if (fl.wt != PB_WT_LEN)
				return -1;
			f->has_message = 1;
			f->payload = fl.p;
			f->len = fl.len;
		}
	}
	return rc;
}

int
webrtc_msg_encode(uint8_t *out, size_t cap, int has_flag, enum webrtc_flag flag,
    const uint8_t *payload, size_t len)
{
	size_t body = 0;
	struct wr w;

	if (has_flag)
		body += 2;
	if (payload != NULL) {
		if (len > WEBRTC_MSG_MAX_SEND)
			return -1;
		body += pb_bytes_field_len(FIELD_MESSAGE, len);
	}
	if (mf_uvarint_len(body) + body > WEBRTC_MSG_MAX_SEND)
		return -1;
	wr_init(&w, out, cap);
	mf_wr_uvarint(&w, body);
	/* proto2 optional: FIN (0) is written explicitly, presence matters. */
	if (has_flag)
		pb_wr_varint_field(&w, FIELD_FLAG, (uint64_t)flag);
	if (payload != NULL)
		pb_wr_bytes_field(&w, FIELD_MESSAGE, payload, len);
	return w.err ? -1 : (int)w.len;
}

size_t
webrtc_msg_max_payload(void)
{
	return WEBRTC_MSG_MAX_PAYLOAD;
}

static int
deliver(struct webrtc_msg_dec *d, const uint8_t *body, size_t n, webrtc_msg_cb cb, void *arg)
{
	struct webrtc_msg_frame f;
	int rc;

	d->have_len = 0;
	if (webrtc_msg_parse(body, n, &f) < 0)
		return -1;
	d->frames++;
	rc = cb(arg, &f);
	return rc < 0 ? rc : 0;
}

/* Take one byte of the length prefix; 0 when more are needed. */
static int
take_prefix_byte(struct webrtc_msg_dec *d, uint8_t b)
{
	uint64_t v;
	int k;

	d->hdr[d->hdr_len++] = b;
	k = mf_uvarint_decode(d->hdr, d->hdr_len, &v);
	if (k < 0 || (k == 0 && d->hdr_len == sizeof(d->hdr)))
		return -1;
	if (k == 0)
		return 0;
	if (v > WEBRTC_MSG_MAX_RECV)
		return -1;
	d->hdr_len = 0;
	d->have_len = 1;
	d->body_len = (size_t)v;
	return 0;
}

static int
grow(struct webrtc_msg_dec *d, size_t need)
{
	uint8_t *nb;

	if (d->buf_cap >= need)
		return 0;
	nb = realloc(d->buf, need);
	if (nb == NULL)
		return -1;
	d->buf = nb;
	d->buf_cap = need;
	return 0;
}

/* Release a large body buffer once its frame is done. */
static void
trim(struct webrtc_msg_dec *d)
{
	if (d->buf_cap > WEBRTC_MSG_KEEP_BUF) {
		free(d->buf);
		d->buf = NULL;
		d->buf_cap = 0;
	}
}

static int
feed_body(struct webrtc_msg_dec *d, const uint8_t **p, size_t *n, webrtc_msg_cb cb, void *arg)
{
	size_t take;
	int rc;

	/* Fast path: a whole body in the input, nothing buffered. */
	if (d->buf_len == 0 && *n >= d->body_len) {
		const uint8_t *body = *p;

		*p += d->body_len;
		*n -= d->body_len;
		return deliver(d, body, d->body_len, cb, arg);
	}
	if (grow(d, d->body_len) < 0)
		return -1;
	take = d->body_len - d->buf_len;
	if (take > *n)
		take = *n;
	memcpy(d->buf + d->buf_len, *p, take);
	d->buf_len += take;
	*p += take;
	*n -= take;
	if (d->buf_len < d->body_len)
		return 0;
	d->buf_len = 0;
	rc = deliver(d, d->buf, d->body_len, cb, arg);
	trim(d);
	return rc;
}

int
webrtc_msg_feed(struct webrtc_msg_dec *d, const uint8_t *p, size_t n, webrtc_msg_cb cb,
    void *arg)
{
	int rc = 0;

	if (d->err)
		return -1;
	while (rc == 0 && (n > 0 || d->have_len)) {
		if (!d->have_len) {
			rc = take_prefix_byte(d, *p);
			p++;
			n--;
		} else if (d->body_len == 0 || n > 0) {
			rc = feed_body(d, &p, &n, cb, arg);
		} else {
			break;
		}
	}
	if (rc != 0)
		d->err = 1;
	return rc;
}

/* ------------------------------------------------------------------ */
/* half-close state machine                                           */

struct p2p_tr {
	uint8_t next;              /* 0 = stay */
	uint16_t act;
};

#define SEND_TERMINAL_EVENTS(st)                                                    \
	[st] = {                                                                    \
		[P2P_EV_LOCAL_WRITE] = { 0, P2P_ACT_WRITE_ERROR },                  \
		[P2P_EV_LOCAL_RESET] = { P2P_SEND_RESET, P2P_ACT_SEND_RESET },      \
		[P2P_EV_RX_RESET] = { P2P_SEND_RESET, 0 },                          \
		[P2P_EV_CHANNEL_CLOSED] = { P2P_SEND_RESET, 0 },                    \
	}

/* Send half: unlisted entries keep the state and do nothing. */
static const struct p2p_tr SEND_TABLE[P2P_SEND_NSTATES][P2P_EV_COUNT] = {
	[P2P_SEND_OPEN] = {
		[P2P_EV_LOCAL_WRITE] = { 0, P2P_ACT_WRITE_OK },
		[P2P_EV_LOCAL_CLOSE_WRITE] = { P2P_SEND_FIN_SENT, P2P_ACT_SEND_FIN },
		[P2P_EV_LOCAL_RESET] = { P2P_SEND_RESET, P2P_ACT_SEND_RESET },
		[P2P_EV_RX_STOP_SENDING] = { P2P_SEND_STOPPED, P2P_ACT_WRITE_CLOSED },
		[P2P_EV_RX_RESET] = { P2P_SEND_RESET, P2P_ACT_WRITE_CLOSED },
		[P2P_EV_CHANNEL_CLOSED] = { P2P_SEND_RESET, P2P_ACT_WRITE_CLOSED },
	},
	[P2P_SEND_FIN_SENT] = {
		[P2P_EV_LOCAL_WRITE] = { 0, P2P_ACT_WRITE_ERROR },
		[P2P_EV_LOCAL_RESET] = { P2P_SEND_RESET, P2P_ACT_SEND_RESET },
		[P2P_EV_RX_FIN_ACK] = { P2P_SEND_FIN_ACKED, P2P_ACT_WRITE_CLOSED },
		/* The remote may never FIN_ACK once it stopped reading (go does
		 * the same). */
		[P2P_EV_RX_STOP_SENDING] = { P2P_SEND_STOPPED, P2P_ACT_WRITE_CLOSED },
		[P2P_EV_RX_RESET] = { P2P_SEND_RESET, P2P_ACT_WRITE_CLOSED },
		[P2P_EV_TIMER] = { P2P_SEND_FIN_TIMEOUT, P2P_ACT_WRITE_CLOSED },
		[P2P_EV_CHANNEL_CLOSED] = { P2P_SEND_RESET, P2P_ACT_WRITE_CLOSED },
	},
	SEND_TERMINAL_EVENTS(P2P_SEND_FIN_ACKED),
	SEND_TERMINAL_EVENTS(P2P_SEND_FIN_TIMEOUT),
	SEND_TERMINAL_EVENTS(P2P_SEND_STOPPED),
	[P2P_SEND_RESET] = {
		[P2P_EV_LOCAL_WRITE] = { 0, P2P_ACT_WRITE_ERROR },
	},
};

/* Receive half. */
static const struct p2p_tr RECV_TABLE[P2P_RECV_NSTATES][P2P_EV_COUNT] = {
	[P2P_RECV_OPEN] = {
		[P2P_EV_RX_DATA] = { 0, P2P_ACT_DELIVER },
		[P2P_EV_RX_FIN] = { P2P_RECV_FIN, P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF },
		[P2P_EV_LOCAL_CLOSE_READ] = { P2P_RECV_STOPPED, P2P_ACT_SEND_STOP_SENDING },
		[P2P_EV_LOCAL_RESET] = { P2P_RECV_RESET, 0 },
		[P2P_EV_RX_RESET] = { P2P_RECV_RESET, P2P_ACT_READ_RESET },
		/* js treats a closed channel as the remote's end of writing. */
		[P2P_EV_CHANNEL_CLOSED] = { P2P_RECV_FIN, P2P_ACT_READ_EOF },
	},
	[P2P_RECV_FIN] = {
		[P2P_EV_RX_DATA] = { 0, P2P_ACT_DISCARD },
		[P2P_EV_RX_FIN] = { 0, P2P_ACT_SEND_FIN_ACK },
		[P2P_EV_LOCAL_RESET] = { P2P_RECV_RESET, 0 },
		[P2P_EV_RX_RESET] = { P2P_RECV_RESET, 0 },
	},
	/* After STOP_SENDING flags are still acted on (spec: MUST). */
	[P2P_RECV_STOPPED] = {
		[P2P_EV_RX_DATA] = { 0, P2P_ACT_DISCARD },
		[P2P_EV_RX_FIN] = { 0, P2P_ACT_SEND_FIN_ACK },
		[P2P_EV_LOCAL_RESET] = { P2P_RECV_RESET, 0 },
		[P2P_EV_RX_RESET] = { P2P_RECV_RESET, 0 },
		[P2P_EV_CHANNEL_CLOSED] = { P2P_RECV_RESET, 0 },
	},
	[P2P_RECV_RESET] = {
		[P2P_EV_RX_DATA] = { 0, P2P_ACT_DISCARD },
	},
};

void
p2p_stream_init(struct p2p_stream_state *s)
{
	s->send = P2P_SEND_OPEN;
	s->recv = P2P_RECV_OPEN;
	s->closed = 0;
	s->fin_deadline_ms = UINT64_MAX;
}

int
p2p_stream_write_closed(const struct p2p_stream_state *s)
{
	return s->send != P2P_SEND_OPEN && s->send != P2P_SEND_FIN_SENT;
}

int
p2p_stream_read_closed(const struct p2p_stream_state *s)
{
	return s->recv != P2P_RECV_OPEN;
}

uint64_t
p2p_stream_deadline(const struct p2p_stream_state *s)
{
	return (!s->closed && s->send == P2P_SEND_FIN_SENT) ? s->fin_deadline_ms : UINT64_MAX;
}

unsigned
p2p_stream_event(struct p2p_stream_state *s, enum p2p_stream_ev ev, uint64_t now_ms)
{
	struct p2p_tr ts, tr;
	unsigned act;

	if ((unsigned)ev >= P2P_EV_COUNT || s->send == 0 || s->send >= P2P_SEND_NSTATES ||
	    s->recv == 0 || s->recv >= P2P_RECV_NSTATES)
		return 0;
	if (ev == P2P_EV_TIMER && now_ms < p2p_stream_deadline(s))
		return 0;
	ts = SEND_TABLE[s->send][ev];
	tr = RECV_TABLE[s->recv][ev];
	act = (unsigned)ts.act | tr.act;
	if (s->closed)
		return act & (P2P_ACT_WRITE_ERROR | P2P_ACT_DISCARD);
	if (ts.next == P2P_SEND_FIN_SENT)
		s->fin_deadline_ms = now_ms > UINT64_MAX - P2P_FIN_ACK_TIMEOUT_MS ?
		    UINT64_MAX - 1 : now_ms + P2P_FIN_ACK_TIMEOUT_MS;
	if (ts.next)
		s->send = ts.next;
	if (tr.next)
		s->recv = tr.next;
	/* Spec: once our FIN is acknowledged (or given up on) and the remote
	 * is done writing, the data channel may be closed. */
	if (p2p_stream_write_closed(s) && p2p_stream_read_closed(s)) {
		s->closed = 1;
		act |= P2P_ACT_CLOSE_CHANNEL;
	}
	return act;
}

unsigned
p2p_stream_on_frame(struct p2p_stream_state *s, const struct webrtc_msg_frame *f,
    uint64_t now_ms)
{
	static const enum p2p_stream_ev FLAG_EV[] = {
		[WEBRTC_FLAG_FIN] = P2P_EV_RX_FIN,
		[WEBRTC_FLAG_STOP_SENDING] = P2P_EV_RX_STOP_SENDING,
		[WEBRTC_FLAG_RESET] = P2P_EV_RX_RESET,
		[WEBRTC_FLAG_FIN_ACK] = P2P_EV_RX_FIN_ACK,
	};
	unsigned act = 0;

	if (f->has_message && f->len > 0)
		act |= p2p_stream_event(s, P2P_EV_RX_DATA, now_ms);
	if (f->has_flag && (unsigned)f->flag <= WEBRTC_FLAG_FIN_ACK)
		act |= p2p_stream_event(s, FLAG_EV[f->flag], now_ms);
	return act;
}

const char *
p2p_stream_ev_name(enum p2p_stream_ev ev)
{
	static const char *const NAMES[P2P_EV_COUNT] = {
		"local-write", "local-close-write", "local-close-read", "local-reset",
		"rx-data", "rx-fin", "rx-stop-sending", "rx-reset", "rx-fin-ack", "timer",
		"channel-closed",
	};

	return (unsigned)ev < P2P_EV_COUNT ? NAMES[ev] : "?";
}
