/* fuzz_webrtc_msg: libp2p WebRTC stream framing (worker/p2p/webrtc_msg.c)
 * as one data channel receives it, split anywhere, driving the half-close
 * state machine (p2p_stream_*) together with random local events and time.
 * Each step is an op byte and its arguments:
 *   0 feed an 8-bit-length chunk, 1 feed a 16-bit-length chunk,
 *   2 a local or channel event (any p2p_stream_ev), 3 time passes (16 bits)
 *   and the timer fires if due.
 * Every decoded frame goes through p2p_stream_on_frame and is re-encoded
 * with webrtc_msg_encode: decoding that in one piece gives the same frame.
 * Invariants: only known action bits; a local write is either allowed or
 * refused and received data either delivered or discarded, never both;
 * CLOSE_CHANNEL once, and only when both halves are closed; closed halves
 * stay closed; the decoder's buffer stays bounded and errors are sticky. */
#include <string.h>

#include "fuzz.h"
#include "worker/p2p/webrtc_msg.h"

#define WMSG_FUZZ_MAX_OPS 128
#define ACT_ALL 0xFFFu

struct wmsg_ctx {
	struct p2p_stream_state st;
	uint64_t now;
	int closes;
	int wclosed, rclosed;
};

static void
check_after(struct wmsg_ctx *c, unsigned act, int recv_was_open)
{
	FUZZ_CHECK((act & ~ACT_ALL) == 0);
	FUZZ_CHECK((act & (P2P_ACT_DELIVER | P2P_ACT_DISCARD)) !=
	    (P2P_ACT_DELIVER | P2P_ACT_DISCARD));
	if (act & P2P_ACT_DELIVER)
		FUZZ_CHECK(recv_was_open);
	if (act & P2P_ACT_CLOSE_CHANNEL) {
		c->closes++;
		FUZZ_CHECK(c->closes == 1);
		FUZZ_CHECK(p2p_stream_write_closed(&c->st) && p2p_stream_read_closed(&c->st));
	}
	/* Closed halves stay closed. */
	if (c->wclosed)
		FUZZ_CHECK(p2p_stream_write_closed(&c->st));
	if (c->rclosed)
		FUZZ_CHECK(p2p_stream_read_closed(&c->st));
	c->wclosed = p2p_stream_write_closed(&c->st);
	c->rclosed = p2p_stream_read_closed(&c->st);
	if (c->st.closed)
		FUZZ_CHECK(p2p_stream_deadline(&c->st) == UINT64_MAX);
}

static const struct webrtc_msg_frame *expect;
static int ncopied;

/* The re-encoded frame, decoded: compared while its payload is valid. */
static int
copy_cb(void *arg, const struct webrtc_msg_frame *f)
{
	ncopied++;
	FUZZ_CHECK(f->has_flag == expect->has_flag && f->has_message == expect->has_message);
	if (f->has_flag)
		FUZZ_CHECK(f->flag == expect->flag);
	if (f->has_message) {
		FUZZ_CHECK(f->len == expect->len);
		FUZZ_CHECK(f->len == 0 || memcmp(f->payload, expect->payload, f->len) == 0);
	}
	return 0;
}

/* Encode the frame again and decode it in one piece: the same frame. */
static void
round_trip(const struct webrtc_msg_frame *f)
{
	static uint8_t buf[WEBRTC_MSG_MAX_SEND];
	static const uint8_t empty[1];
	struct webrtc_msg_dec d;
	const uint8_t *payload = f->has_message ? (f->payload ? f->payload : empty) : NULL;
	int n;

	if (f->has_message && f->len > WEBRTC_MSG_MAX_PAYLOAD)
		return;
	n = webrtc_msg_encode(buf, sizeof(buf), f->has_flag, f->flag, payload, f->len);
	FUZZ_CHECK(n > 0);
	webrtc_msg_dec_init(&d);
	ncopied = 0;
	expect = f;
	FUZZ_CHECK(webrtc_msg_feed(&d, buf, (size_t)n, copy_cb, NULL) == 0);
	FUZZ_CHECK(ncopied == 1);
	webrtc_msg_dec_free(&d);
}

static int
frame_cb(void *arg, const struct webrtc_msg_frame *f)
{
	struct wmsg_ctx *c = arg;
	int recv_open = c->st.recv == P2P_RECV_OPEN;
	unsigned act;

	FUZZ_CHECK(f->len <= WEBRTC_MSG_MAX_RECV);
	if (f->has_flag)
		FUZZ_CHECK((unsigned)f->flag <= WEBRTC_FLAG_FIN_ACK);
	round_trip(f);
	act = p2p_stream_on_frame(&c->st, f, c->now);
	check_after(c, act, recv_open);
	if (f->has_message && f->len > 0)
		FUZZ_CHECK(act & (P2P_ACT_DELIVER | P2P_ACT_DISCARD));
	return 0;
}

static void
event(struct wmsg_ctx *c, enum p2p_stream_ev ev)
{
	int recv_open = c->st.recv == P2P_RECV_OPEN;
	unsigned act = p2p_stream_event(&c->st, ev, c->now);
	unsigned w = act & (P2P_ACT_WRITE_OK | P2P_ACT_WRITE_ERROR);
	unsigned r = act & (P2P_ACT_DELIVER | P2P_ACT_DISCARD);

	FUZZ_CHECK(strcmp(p2p_stream_ev_name(ev), "?") != 0);
	check_after(c, act, recv_open);
	if (ev == P2P_EV_LOCAL_WRITE)
		FUZZ_CHECK(w == P2P_ACT_WRITE_OK || w == P2P_ACT_WRITE_ERROR);
	else
		FUZZ_CHECK(w == 0);
	if (ev == P2P_EV_RX_DATA)
		FUZZ_CHECK(r == P2P_ACT_DELIVER || r == P2P_ACT_DISCARD);
	else
		FUZZ_CHECK(r == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webrtc_msg_dec d;
	struct wmsg_ctx c;
	struct fz f;

	memset(&c, 0, sizeof(c));
	c.now = 1000;
	p2p_stream_init(&c.st);
	webrtc_msg_dec_init(&d);
	fz_init(&f, data, size);
	for (int i = 0; i < WMSG_FUZZ_MAX_OPS && f.n > 0; i++) {
		uint8_t op = fz_u8(&f);
		const uint8_t *p;
		uint8_t *copy;
		size_t n;
		int rc, was_err = d.err;

		switch (op & 3) {
		case 0:
		case 1:
			p = (op & 3) == 0 ? fz_chunk8(&f, &n) : fz_chunk16(&f, &n);
			copy = fz_dup(p, n);
			rc = webrtc_msg_feed(&d, copy, n, frame_cb, &c);
			free(copy);
			FUZZ_CHECK(rc == 0 || rc == -1);
			if (was_err)
				FUZZ_CHECK(rc == -1);
			FUZZ_CHECK(d.buf_cap <= WEBRTC_MSG_MAX_RECV);
			break;
		case 2:
			event(&c, (enum p2p_stream_ev)(fz_u8(&f) % P2P_EV_COUNT));
			break;
		case 3:
			c.now += fz_u16(&f);
			if (c.now >= p2p_stream_deadline(&c.st))
				event(&c, P2P_EV_TIMER);
			break;
		}
	}
	webrtc_msg_dec_free(&d);
	return 0;
}
