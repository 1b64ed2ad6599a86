/* check_webrtc_msg: libp2p WebRTC framing (known bytes from the spec
 * digest, the byte-stream decoder under every split, limits, garbage) and
 * the half-close state machine (ping, reset, stop-sending, FIN_ACK
 * timeout, random event sequences against invariants). */
#include <stdlib.h>

#include "common/multiformats.h"
#include "worker/p2p/webrtc_msg.h"
#include "testutil.h"

#define NREC 64

/* What the decoder callback saw. */
struct rec {
	int n;
	int has_flag[NREC];
	int flag[NREC];
	int has_message[NREC];
	size_t len[NREC];
	uint8_t data[NREC][64];
	int stop_after;            /* return -7 after this many frames (0 = never) */
};

static int
on_frame(void *arg, const struct webrtc_msg_frame *f)
{
	struct rec *r = arg;

	ck_assert_int_lt(r->n, NREC);
	r->has_flag[r->n] = f->has_flag;
	r->flag[r->n] = f->has_flag ? (int)f->flag : -1;
	r->has_message[r->n] = f->has_message;
	r->len[r->n] = f->len;
	if (f->len > 0)
		memcpy(r->data[r->n], f->payload, f->len < 64 ? f->len : 64);
	r->n++;
	return (r->stop_after && r->n == r->stop_after) ? -7 : 0;
}

static int
count_only(void *arg, const struct webrtc_msg_frame *f)
{
	(*(size_t *)arg)++;
	ck_assert(f->len == 0 || f->payload != NULL);
	return 0;
}

static void
rec_equal(const struct rec *a, const struct rec *b)
{
	ck_assert_int_eq(a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		ck_assert_int_eq(a->has_flag[i], b->has_flag[i]);
		ck_assert_int_eq(a->flag[i], b->flag[i]);
		ck_assert_int_eq(a->has_message[i], b->has_message[i]);
		ck_assert_uint_eq(a->len[i], b->len[i]);
		ck_assert_mem_eq(a->data[i], b->data[i], a->len[i] < 64 ? a->len[i] : 64);
	}
}

START_TEST(flag_frames_exact_bytes)
{
	static const char *want[] = { "020800", "020801", "020802", "020803" };
	uint8_t b[8], w[8];

	for (int f = 0; f < 4; f++) {
		size_t n = unhex(want[f], w, sizeof(w));
		ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 1, (enum webrtc_flag)f, NULL, 0), 3);
		ck_assert_mem_eq(b, w, n);
	}
	ck_assert_int_eq(webrtc_msg_encode(b, 2, 1, WEBRTC_FLAG_FIN, NULL, 0), -1);
	/* No flag, no message: an empty frame. */
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, NULL, 0), 1);
	ck_assert_uint_eq(b[0], 0);
}
END_TEST

START_TEST(data_frame_exact_bytes)
{
	uint8_t p[32], b[64];

	for (int i = 0; i < 32; i++)
		p[i] = (uint8_t)(0xa0 + i);
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, p, 32), 35);
	ck_assert_uint_eq(b[0], 0x22);
	ck_assert_uint_eq(b[1], 0x12);
	ck_assert_uint_eq(b[2], 0x20);
	ck_assert_mem_eq(b + 3, p, 32);
	/* Data and FIN together; an empty but present message. */
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_FIN, p, 2), 7);
	ck_assert_uint_eq(b[0], 6);
	ck_assert_uint_eq(b[1], 0x08);
	ck_assert_uint_eq(b[2], 0x00);
	ck_assert_uint_eq(b[3], 0x12);
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, p, 0), 3);
	ck_assert_uint_eq(b[0], 2);
	ck_assert_uint_eq(b[1], 0x12);
	ck_assert_uint_eq(b[2], 0x00);
}
END_TEST

START_TEST(max_frame_size)
{
	static uint8_t p[20000], b[20000];

	ck_assert_uint_eq(webrtc_msg_max_payload(), 16377);
	/* 16377 payload bytes with a flag is exactly 16384 on the wire. */
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_FIN, p, 16377), 16384);
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_FIN, p, 16378), -1);
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, p, 16377), 16382);
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, p, 16380), -1);
	ck_assert_int_eq(webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, p, sizeof(p)), -1);
	ck_assert_int_eq(webrtc_msg_encode(b, 16383, 1, WEBRTC_FLAG_FIN, p, 16377), -1);
}
END_TEST

START_TEST(parse_bodies)
{
	uint8_t b[32];
	struct webrtc_msg_frame f;
	size_t n;

	n = unhex("0800", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), 0);
	ck_assert(f.has_flag && f.flag == WEBRTC_FLAG_FIN && !f.has_message);
	ck_assert_int_eq(webrtc_msg_parse(b, 0, &f), 0);
	ck_assert(!f.has_flag && !f.has_message);
	/* Unknown flag value = absent (proto2); unknown fields (go's
	 * error_code = 3) skipped. */
	n = unhex("0807", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), 0);
	ck_assert(!f.has_flag);
	n = unhex("0802" "1805" "120161" "2200", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), 0);
	ck_assert(f.has_flag && f.flag == WEBRTC_FLAG_RESET);
	ck_assert(f.has_message && f.len == 1 && f.payload[0] == 'a');
	n = unhex("1200", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), 0);
	ck_assert(f.has_message && f.len == 0);
	/* Wrong wire types for known fields, truncation. */
	n = unhex("0a00", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), -1);
	n = unhex("1000", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), -1);
	n = unhex("1205aa", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), -1);
	n = unhex("08", b, sizeof(b));
	ck_assert_int_eq(webrtc_msg_parse(b, n, &f), -1);
}
END_TEST

/* The js dialer's multistream proposal for ping (webrtc-direct.md §10). */
static const char *PING_FRAME =
    "281226132f6d756c746973747265616d2f312e302e300a112f697066732f70696e672f312e302e300a";

START_TEST(ping_mss_frame_vector)
{
	uint8_t b[64];
	size_t n = unhex(PING_FRAME, b, sizeof(b));
	struct webrtc_msg_dec d;
	struct rec r = { 0 };
	static const char mss[] = "\x13/multistream/1.0.0\n\x11/ipfs/ping/1.0.0\n";

	ck_assert_uint_eq(n, 41);
	webrtc_msg_dec_init(&d);
	ck_assert_int_eq(webrtc_msg_feed(&d, b, n, on_frame, &r), 0);
	ck_assert_int_eq(r.n, 1);
	ck_assert(!r.has_flag[0] && r.has_message[0]);
	ck_assert_uint_eq(r.len[0], sizeof(mss) - 1);
	ck_assert_mem_eq(r.data[0], mss, sizeof(mss) - 1);
	webrtc_msg_dec_free(&d);
}
END_TEST

/* A stream of frames plus the sizes of each encoded frame and its prefix. */
struct stream {
	uint8_t b[4096];
	size_t len;
	size_t frame_len[16], prefix_len[16];
	int nframes;
};

static void
make_stream(struct stream *s)
{
	static uint8_t big[300];
	uint8_t p[40];
	uint64_t blen;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 40; i++)
		p[i] = (uint8_t)(i + 1);
#define ADD(has_flag, flag, pl, l)                                                      \
	do {                                                                            \
		int k = webrtc_msg_encode(s->b + s->len, sizeof(s->b) - s->len, has_flag,  \
		    flag, pl, l);                                                       \
		ck_assert_int_gt(k, 0);                                                 \
		s->frame_len[s->nframes] = (size_t)k;                                   \
		s->prefix_len[s->nframes++] = (size_t)mf_uvarint_decode(s->b + s->len,  \
		    (size_t)k, &blen);                                                  \
		s->len += (size_t)k;                                                    \
	} while (0)
	ADD(0, WEBRTC_FLAG_FIN, p, 32);
	ADD(0, WEBRTC_FLAG_FIN, big, sizeof(big));   /* two-byte length prefix */
	ADD(1, WEBRTC_FLAG_FIN, p, 5);
	ADD(1, WEBRTC_FLAG_FIN_ACK, NULL, 0);
	ADD(0, WEBRTC_FLAG_FIN, NULL, 0);            /* empty frame */
	ADD(1, WEBRTC_FLAG_STOP_SENDING, NULL, 0);
	ADD(0, WEBRTC_FLAG_FIN, p, 0);
	ADD(1, WEBRTC_FLAG_RESET, NULL, 0);
#undef ADD
}

static void
feed_ok(struct webrtc_msg_dec *d, const uint8_t *p, size_t n, struct rec *r)
{
	ck_assert_int_eq(webrtc_msg_feed(d, p, n, on_frame, r), 0);
}

START_TEST(decoder_whole_and_split_prefix_body)
{
	struct stream s;
	struct webrtc_msg_dec d;
	struct rec whole = { 0 }, split = { 0 };
	size_t off = 0;

	make_stream(&s);
	webrtc_msg_dec_init(&d);
	feed_ok(&d, s.b, s.len, &whole);
	ck_assert_int_eq(whole.n, s.nframes);
	ck_assert_uint_eq(d.frames, (uint64_t)s.nframes);
	/* Check what was decoded. */
	ck_assert_uint_eq(whole.len[0], 32);
	ck_assert_uint_eq(whole.len[1], 300);
	ck_assert(whole.has_flag[2] && whole.flag[2] == WEBRTC_FLAG_FIN && whole.len[2] == 5);
	ck_assert(whole.has_flag[3] && whole.flag[3] == WEBRTC_FLAG_FIN_ACK);
	ck_assert(!whole.has_flag[4] && !whole.has_message[4]);
	ck_assert(whole.flag[5] == WEBRTC_FLAG_STOP_SENDING);
	ck_assert(whole.has_message[6] && whole.len[6] == 0);
	ck_assert(whole.flag[7] == WEBRTC_FLAG_RESET);
	webrtc_msg_dec_free(&d);

	/* js >= 6: prefix and body as separate data-channel messages. */
	webrtc_msg_dec_init(&d);
	for (int i = 0; i < s.nframes; i++) {
		feed_ok(&d, s.b + off, s.prefix_len[i], &split);
		/* Nothing before the body, unless the body is empty. */
		ck_assert_int_eq(split.n, s.frame_len[i] == s.prefix_len[i] ? i + 1 : i);
		feed_ok(&d, s.b + off + s.prefix_len[i], s.frame_len[i] - s.prefix_len[i], &split);
		ck_assert_int_eq(split.n, i + 1);
		off += s.frame_len[i];
	}
	rec_equal(&whole, &split);
	webrtc_msg_dec_free(&d);
}
END_TEST

START_TEST(decoder_every_split_point)
{
	struct stream s;
	struct rec whole = { 0 };
	struct webrtc_msg_dec d;

	make_stream(&s);
	webrtc_msg_dec_init(&d);
	feed_ok(&d, s.b, s.len, &whole);
	webrtc_msg_dec_free(&d);
	/* Two chunks split at every position, and three chunks. */
	for (size_t i = 0; i <= s.len; i++) {
		struct rec r = { 0 };

		webrtc_msg_dec_init(&d);
		feed_ok(&d, s.b, i, &r);
		feed_ok(&d, s.b + i, s.len - i, &r);
		rec_equal(&whole, &r);
		webrtc_msg_dec_free(&d);
	}
	for (size_t i = 0; i <= s.len; i += 7) {
		for (size_t j = i; j <= s.len; j += 5) {
			struct rec r = { 0 };

			webrtc_msg_dec_init(&d);
			feed_ok(&d, s.b, i, &r);
			feed_ok(&d, s.b + i, j - i, &r);
			feed_ok(&d, s.b + j, s.len - j, &r);
			rec_equal(&whole, &r);
			webrtc_msg_dec_free(&d);
		}
	}
	/* One byte at a time, and empty feeds in between. */
	{
		struct rec r = { 0 };

		webrtc_msg_dec_init(&d);
		for (size_t i = 0; i < s.len; i++) {
			feed_ok(&d, s.b + i, 1, &r);
			feed_ok(&d, s.b + i, 0, &r);
		}
		rec_equal(&whole, &r);
		ck_assert_int_eq(d.have_len, 0);
		ck_assert_uint_eq(d.hdr_len, 0);
		webrtc_msg_dec_free(&d);
	}
}
END_TEST

START_TEST(decoder_large_frames_and_limits)
{
	size_t body = WEBRTC_MSG_MAX_RECV, plen = body - 1 - 3;
	uint8_t *buf = malloc(body + 16);
	struct webrtc_msg_dec d;
	struct rec r = { 0 };
	size_t n = 0, got = 0;
	uint8_t pre[16];

	ck_assert_ptr_nonnull(buf);
	/* Largest accepted frame: prefix(body) 12 varint(plen) payload. */
	buf[n++] = (uint8_t)(body | 0x80);
	buf[n++] = (uint8_t)((body >> 7) | 0x80);
	buf[n++] = (uint8_t)(body >> 14);
	buf[n++] = 0x12;
	buf[n++] = (uint8_t)(plen | 0x80);
	buf[n++] = (uint8_t)((plen >> 7) | 0x80);
	buf[n++] = (uint8_t)(plen >> 14);
	memset(buf + n, 0x5a, plen);
	n += plen;
	webrtc_msg_dec_init(&d);
	for (size_t off = 0; off < n; off += 16384) {
		size_t k = n - off < 16384 ? n - off : 16384;
		ck_assert_int_eq(webrtc_msg_feed(&d, buf + off, k, count_only, &got), 0);
	}
	ck_assert_uint_eq(got, 1);
	/* The big buffer is released after the frame. */
	ck_assert_ptr_null(d.buf);
	webrtc_msg_dec_free(&d);

	/* One byte more is refused at the prefix, before any body arrives. */
	body++;
	pre[0] = (uint8_t)(body | 0x80);
	pre[1] = (uint8_t)((body >> 7) | 0x80);
	pre[2] = (uint8_t)(body >> 14);
	webrtc_msg_dec_init(&d);
	ck_assert_int_eq(webrtc_msg_feed(&d, pre, 3, on_frame, &r), -1);
	ck_assert_ptr_null(d.buf);
	/* Sticky: even valid input is refused afterwards. */
	ck_assert_int_eq(webrtc_msg_feed(&d, (const uint8_t *)"\x02\x08\x00", 3, on_frame, &r), -1);
	ck_assert_int_eq(r.n, 0);
	webrtc_msg_dec_free(&d);

	/* A prefix longer than 9 bytes, a huge 9-byte prefix. */
	webrtc_msg_dec_init(&d);
	memset(pre, 0x80, sizeof(pre));
	ck_assert_int_eq(webrtc_msg_feed(&d, pre, 10, on_frame, &r), -1);
	webrtc_msg_dec_free(&d);
	webrtc_msg_dec_init(&d);
	memset(pre, 0xff, 8);
	pre[8] = 0x7f;
	ck_assert_int_eq(webrtc_msg_feed(&d, pre, 9, on_frame, &r), -1);
	webrtc_msg_dec_free(&d);
	free(buf);
}
END_TEST

START_TEST(decoder_bad_body_and_callback_stop)
{
	struct webrtc_msg_dec d;
	struct rec r = { 0 };
	uint8_t b[32];
	size_t n;

	/* A frame whose body is not a valid Message. */
	n = unhex("020a00" "020800", b, sizeof(b));
	webrtc_msg_dec_init(&d);
	ck_assert_int_eq(webrtc_msg_feed(&d, b, n, on_frame, &r), -1);
	ck_assert_int_eq(r.n, 0);
	webrtc_msg_dec_free(&d);

	/* The callback can stop decoding; the rest is not delivered. */
	n = unhex("020800" "020801" "020802", b, sizeof(b));
	r.stop_after = 2;
	webrtc_msg_dec_init(&d);
	ck_assert_int_eq(webrtc_msg_feed(&d, b, n, on_frame, &r), -7);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(webrtc_msg_feed(&d, b, 3, on_frame, &r), -1);
	webrtc_msg_dec_free(&d);
}
END_TEST

START_TEST(decoder_garbage)
{
	uint8_t b[2048];
	unsigned seed = 1234;

	for (int it = 0; it < 5000; it++) {
		struct webrtc_msg_dec d;
		size_t n = (size_t)rand_r(&seed) % sizeof(b), off = 0, frames = 0;
		int rc = 0;

		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)rand_r(&seed);
		/* Mostly small length prefixes so bodies get parsed. */
		if (it & 1)
			b[0] = (uint8_t)(rand_r(&seed) % 64);
		webrtc_msg_dec_init(&d);
		while (off < n && rc == 0) {
			size_t k = 1 + (size_t)rand_r(&seed) % 64;
			if (k > n - off)
				k = n - off;
			rc = webrtc_msg_feed(&d, b + off, k, count_only, &frames);
			off += k;
		}
		ck_assert(rc == 0 || rc == -1);
		ck_assert_uint_le(frames, n);
		webrtc_msg_dec_free(&d);
	}
}
END_TEST

/* ---------------- state machine ---------------- */

static unsigned
ev(struct p2p_stream_state *s, enum p2p_stream_ev e, uint64_t now)
{
	return p2p_stream_event(s, e, now);
}

START_TEST(sm_ping_listener)
{
	struct p2p_stream_state s;

	p2p_stream_init(&s);
	ck_assert_uint_eq(p2p_stream_deadline(&s), UINT64_MAX);
	/* Browser: 32 bytes, then FIN. */
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 0), P2P_ACT_DELIVER);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 1), P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF);
	ck_assert(p2p_stream_read_closed(&s));
	ck_assert(!p2p_stream_write_closed(&s));
	/* We echo and close our write side. */
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 2), P2P_ACT_WRITE_OK);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 3), P2P_ACT_SEND_FIN);
	ck_assert_uint_eq(p2p_stream_deadline(&s), 3 + P2P_FIN_ACK_TIMEOUT_MS);
	/* Not closed yet: FIN sent but not acknowledged. */
	ck_assert(!p2p_stream_write_closed(&s));
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 4), P2P_ACT_WRITE_ERROR);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 4), 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN_ACK, 5),
	    P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	ck_assert(p2p_stream_write_closed(&s));
	ck_assert_int_eq(s.send, P2P_SEND_FIN_ACKED);
	ck_assert_uint_eq(p2p_stream_deadline(&s), UINT64_MAX);
	/* Closed: nothing more is sent, data is dropped, writes fail. */
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 6), 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 6), P2P_ACT_DISCARD);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 6), P2P_ACT_WRITE_ERROR);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_RESET, 6), 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_TIMER, 100000), 0);
}
END_TEST

START_TEST(sm_we_close_first)
{
	struct p2p_stream_state s;

	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 0), P2P_ACT_SEND_FIN);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 1), P2P_ACT_DELIVER);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN_ACK, 2), P2P_ACT_WRITE_CLOSED);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 3), P2P_ACT_DELIVER);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 4),
	    P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF | P2P_ACT_CLOSE_CHANNEL);
	ck_assert(s.closed);
}
END_TEST

START_TEST(sm_remote_reset)
{
	struct p2p_stream_state s;

	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 0), P2P_ACT_DELIVER);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_RESET, 1),
	    P2P_ACT_READ_RESET | P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	ck_assert_int_eq(s.send, P2P_SEND_RESET);
	ck_assert_int_eq(s.recv, P2P_RECV_RESET);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 2), P2P_ACT_DISCARD);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 2), P2P_ACT_WRITE_ERROR);

	/* Reset while our FIN is outstanding ends the wait. */
	p2p_stream_init(&s);
	ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_RESET, 1),
	    P2P_ACT_READ_RESET | P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	ck_assert_uint_eq(p2p_stream_deadline(&s), UINT64_MAX);

	/* Reset after the remote's FIN: no error to the reader any more. */
	p2p_stream_init(&s);
	ev(&s, P2P_EV_RX_FIN, 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_RESET, 1),
	    P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
}
END_TEST

START_TEST(sm_local_reset)
{
	struct p2p_stream_state s;

	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_RESET, 0),
	    P2P_ACT_SEND_RESET | P2P_ACT_CLOSE_CHANNEL);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 1), P2P_ACT_DISCARD);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 1), 0);
	/* Reset after a clean write close still resets. */
	p2p_stream_init(&s);
	ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 0);
	ev(&s, P2P_EV_RX_FIN_ACK, 1);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_RESET, 2),
	    P2P_ACT_SEND_RESET | P2P_ACT_CLOSE_CHANNEL);
}
END_TEST

START_TEST(sm_remote_stop_sending)
{
	struct p2p_stream_state s;

	/* The remote stops reading: our write side is done, no FIN needed. */
	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_STOP_SENDING, 0), P2P_ACT_WRITE_CLOSED);
	ck_assert(p2p_stream_write_closed(&s));
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 1), P2P_ACT_WRITE_ERROR);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 1), 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 2), P2P_ACT_DELIVER);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 3),
	    P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF | P2P_ACT_CLOSE_CHANNEL);

	/* STOP_SENDING while waiting for FIN_ACK: stop waiting (js ping
	 * sends STOP_SENDING after reading the echo). */
	p2p_stream_init(&s);
	ev(&s, P2P_EV_RX_DATA, 0);
	ev(&s, P2P_EV_RX_FIN, 0);
	ev(&s, P2P_EV_LOCAL_WRITE, 1);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 1), P2P_ACT_SEND_FIN);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_STOP_SENDING, 2),
	    P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	ck_assert_int_eq(s.send, P2P_SEND_STOPPED);
	/* A late FIN_ACK changes nothing. */
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN_ACK, 3), 0);
}
END_TEST

START_TEST(sm_local_stop_reading)
{
	struct p2p_stream_state s;

	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_READ, 0), P2P_ACT_SEND_STOP_SENDING);
	ck_assert(p2p_stream_read_closed(&s));
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_READ, 0), 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 1), P2P_ACT_DISCARD);
	/* Flags are still acted on after STOP_SENDING (spec MUST). */
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 2), P2P_ACT_SEND_FIN_ACK);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 3), P2P_ACT_WRITE_OK);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 4), P2P_ACT_SEND_FIN);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN_ACK, 5),
	    P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
}
END_TEST

START_TEST(sm_fin_ack_timeout)
{
	struct p2p_stream_state s;

	p2p_stream_init(&s);
	ev(&s, P2P_EV_RX_FIN, 500);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 1000), P2P_ACT_SEND_FIN);
	ck_assert_uint_eq(p2p_stream_deadline(&s), 11000);
	ck_assert_uint_eq(ev(&s, P2P_EV_TIMER, 10999), 0);
	ck_assert_int_eq(s.send, P2P_SEND_FIN_SENT);
	ck_assert_uint_eq(ev(&s, P2P_EV_TIMER, 11000),
	    P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	ck_assert_int_eq(s.send, P2P_SEND_FIN_TIMEOUT);
	ck_assert_uint_eq(p2p_stream_deadline(&s), UINT64_MAX);

	/* Timeout with the read side still open: write closed, channel not. */
	p2p_stream_init(&s);
	ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_TIMER, 20000), P2P_ACT_WRITE_CLOSED);
	ck_assert(!s.closed);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 20001), P2P_ACT_DELIVER);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 20002),
	    P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF | P2P_ACT_CLOSE_CHANNEL);
	/* A timer with nothing pending does nothing. */
	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_TIMER, UINT64_MAX), 0);
	/* The deadline does not wrap. */
	ev(&s, P2P_EV_LOCAL_CLOSE_WRITE, UINT64_MAX - 5);
	ck_assert_uint_gt(p2p_stream_deadline(&s), UINT64_MAX - 6);
}
END_TEST

START_TEST(sm_misc)
{
	struct p2p_stream_state s;
	struct webrtc_msg_frame f = { 0 };
	static const uint8_t x[3] = { 1, 2, 3 };

	/* Duplicate FIN is acknowledged again; unsolicited FIN_ACK ignored. */
	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN_ACK, 0), 0);
	ev(&s, P2P_EV_RX_FIN, 0);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_FIN, 0), P2P_ACT_SEND_FIN_ACK);
	ck_assert_uint_eq(ev(&s, P2P_EV_RX_DATA, 0), P2P_ACT_DISCARD);
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_CLOSE_READ, 0), 0);
	/* The channel vanishing ends both halves. */
	p2p_stream_init(&s);
	ck_assert_uint_eq(ev(&s, P2P_EV_CHANNEL_CLOSED, 0),
	    P2P_ACT_READ_EOF | P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	/* Frame helper: data first, then the flag. */
	p2p_stream_init(&s);
	f.has_message = 1;
	f.payload = x;
	f.len = 3;
	f.has_flag = 1;
	f.flag = WEBRTC_FLAG_FIN;
	ck_assert_uint_eq(p2p_stream_on_frame(&s, &f, 0),
	    P2P_ACT_DELIVER | P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF);
	f.has_flag = 0;
	f.len = 0;
	ck_assert_uint_eq(p2p_stream_on_frame(&s, &f, 0), 0);
	/* Bad input is ignored. */
	ck_assert_uint_eq(ev(&s, P2P_EV_COUNT, 0), 0);
	ck_assert_uint_eq(ev(&s, (enum p2p_stream_ev)-1, 0), 0);
	s.send = 0;
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 0), 0);
	s.send = P2P_SEND_NSTATES;
	ck_assert_uint_eq(ev(&s, P2P_EV_LOCAL_WRITE, 0), 0);
	ck_assert_str_eq(p2p_stream_ev_name(P2P_EV_RX_FIN_ACK), "rx-fin-ack");
	ck_assert_str_eq(p2p_stream_ev_name(P2P_EV_COUNT), "?");
}
END_TEST

/* Random event sequences: invariants that must hold whatever happens. */
START_TEST(sm_random_invariants)
{
	unsigned seed = 77;

	for (int it = 0; it < 20000; it++) {
		struct p2p_stream_state s;
		int fins = 0, closes = 0, closed_write = 0, read_done = 0, resets = 0;
		uint64_t now = 0;

		p2p_stream_init(&s);
		for (int k = 0; k < 24; k++) {
			enum p2p_stream_ev e = (enum p2p_stream_ev)(rand_r(&seed) % P2P_EV_COUNT);
			int was_closed = s.closed;
			unsigned a;

			now += (uint64_t)(rand_r(&seed) % 4000);
			a = p2p_stream_event(&s, e, now);
			fins += !!(a & P2P_ACT_SEND_FIN);
			resets += !!(a & P2P_ACT_SEND_RESET);
			closes += !!(a & P2P_ACT_CLOSE_CHANNEL);
			ck_assert_int_le(fins, 1);
			ck_assert_int_le(resets, 1);
			ck_assert_int_le(closes, 1);
			ck_assert(!((a & P2P_ACT_WRITE_OK) && (a & P2P_ACT_WRITE_ERROR)));
			ck_assert(!((a & P2P_ACT_DELIVER) && (a & P2P_ACT_DISCARD)));
			if (e == P2P_EV_LOCAL_WRITE)
				ck_assert(a == P2P_ACT_WRITE_OK || a == P2P_ACT_WRITE_ERROR);
			if (e == P2P_EV_RX_DATA)
				ck_assert(a == P2P_ACT_DELIVER || a == P2P_ACT_DISCARD);
			/* Nothing is sent once the channel is closed. */
			if (was_closed)
				ck_assert_uint_eq(a & ~(unsigned)(P2P_ACT_WRITE_ERROR |
				    P2P_ACT_DISCARD), 0);
			/* No writes after close-write/reset/stop; no data after EOF. */
			if (closed_write)
				ck_assert(!(a & P2P_ACT_WRITE_OK));
			if (read_done)
				ck_assert(!(a & P2P_ACT_DELIVER));
			if (e == P2P_EV_LOCAL_CLOSE_WRITE || e == P2P_EV_LOCAL_RESET ||
			    p2p_stream_write_closed(&s))
				closed_write = 1;
			if (p2p_stream_read_closed(&s))
				read_done = 1;
			/* Closed exactly when both halves are done. */
			ck_assert_int_eq(s.closed,
			    p2p_stream_write_closed(&s) && p2p_stream_read_closed(&s));
			if (s.send == P2P_SEND_FIN_SENT)
				ck_assert_uint_lt(p2p_stream_deadline(&s), UINT64_MAX);
			else
				ck_assert_uint_eq(p2p_stream_deadline(&s), UINT64_MAX);
		}
	}
}
END_TEST

/* The js ping exchange end to end through the framing and the machine. */
START_TEST(ping_end_to_end)
{
	uint8_t in[256], out[256], ping[32];
	size_t n = 0, o = 0;
	struct webrtc_msg_dec d;
	struct p2p_stream_state s;
	struct rec r = { 0 };
	unsigned act = 0;
	int k;

	for (int i = 0; i < 32; i++)
		ping[i] = (uint8_t)(i * 3);
	/* Browser: 32 bytes, FIN; each as prefix + body messages. */
	n += (size_t)webrtc_msg_encode(in + n, sizeof(in) - n, 0, WEBRTC_FLAG_FIN, ping, 32);
	n += (size_t)webrtc_msg_encode(in + n, sizeof(in) - n, 1, WEBRTC_FLAG_FIN, NULL, 0);
	webrtc_msg_dec_init(&d);
	p2p_stream_init(&s);
	feed_ok(&d, in, 1, &r);
	feed_ok(&d, in + 1, 34, &r);
	feed_ok(&d, in + 35, 1, &r);
	feed_ok(&d, in + 36, 2, &r);
	ck_assert_int_eq(r.n, 2);
	for (int i = 0; i < r.n; i++) {
		struct webrtc_msg_frame f = { r.has_flag[i], (enum webrtc_flag)r.flag[i],
		    r.has_message[i], r.data[i], r.len[i] };
		act |= p2p_stream_on_frame(&s, &f, 10);
	}
	ck_assert_uint_eq(act, P2P_ACT_DELIVER | P2P_ACT_SEND_FIN_ACK | P2P_ACT_READ_EOF);
	/* Server: FIN_ACK, echo, FIN. */
	o += (size_t)webrtc_msg_encode(out + o, sizeof(out) - o, 1, WEBRTC_FLAG_FIN_ACK, NULL, 0);
	ck_assert_uint_eq(p2p_stream_event(&s, P2P_EV_LOCAL_WRITE, 11), P2P_ACT_WRITE_OK);
	k = webrtc_msg_encode(out + o, sizeof(out) - o, 0, WEBRTC_FLAG_FIN, r.data[0], 32);
	ck_assert_int_eq(k, 35);
	o += (size_t)k;
	ck_assert_uint_eq(p2p_stream_event(&s, P2P_EV_LOCAL_CLOSE_WRITE, 12), P2P_ACT_SEND_FIN);
	o += (size_t)webrtc_msg_encode(out + o, sizeof(out) - o, 1, WEBRTC_FLAG_FIN, NULL, 0);
	ck_assert_uint_eq(o, 3 + 35 + 3);
	ck_assert_mem_eq(out, "\x02\x08\x03\x22\x12\x20", 6);
	ck_assert_mem_eq(out + 6, ping, 32);
	ck_assert_mem_eq(out + 38, "\x02\x08\x00", 3);
	/* Browser: FIN_ACK -> the channel may be closed. */
	ck_assert_uint_eq(p2p_stream_event(&s, P2P_EV_RX_FIN_ACK, 13),
	    P2P_ACT_WRITE_CLOSED | P2P_ACT_CLOSE_CHANNEL);
	webrtc_msg_dec_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("webrtc_msg");
	TCase *tc = tcase_create("framing");
	TCase *sm = tcase_create("state");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, flag_frames_exact_bytes);
	tcase_add_test(tc, data_frame_exact_bytes);
	tcase_add_test(tc, max_frame_size);
	tcase_add_test(tc, parse_bodies);
	tcase_add_test(tc, ping_mss_frame_vector);
	tcase_add_test(tc, decoder_whole_and_split_prefix_body);
	tcase_add_test(tc, decoder_every_split_point);
	tcase_add_test(tc, decoder_large_frames_and_limits);
	tcase_add_test(tc, decoder_bad_body_and_callback_stop);
	tcase_add_test(tc, decoder_garbage);
	suite_add_tcase(s, tc);
	tcase_set_timeout(sm, 60);
	tcase_add_test(sm, sm_ping_listener);
	tcase_add_test(sm, sm_we_close_first);
	tcase_add_test(sm, sm_remote_reset);
	tcase_add_test(sm, sm_local_reset);
	tcase_add_test(sm, sm_remote_stop_sending);
	tcase_add_test(sm, sm_local_stop_reading);
	tcase_add_test(sm, sm_fin_ack_timeout);
	tcase_add_test(sm, sm_misc);
	tcase_add_test(sm, sm_random_invariants);
	tcase_add_test(sm, ping_end_to_end);
	suite_add_tcase(s, sm);
	return run_suite(s);
}
