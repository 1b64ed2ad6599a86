/* check_multistream: multistream-select 1.0 listener and dialer: the js
 * ping proposal end to end through the webrtc framing, "na", "ls", split
 * input, limits, leftover protocol bytes, and garbage. */
#include <stdlib.h>

#include "worker/p2p/multistream.h"
#include "worker/p2p/webrtc_msg.h"
#include "testutil.h"

static const char *const PROTOS[] = { "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0" };
static const char HDR[] = "\x13/multistream/1.0.0\n";
static const char PING[] = "\x11/ipfs/ping/1.0.0\n";
static const char NA_MSG[] = "\x03na\n";

/* Concatenate C strings into b (they carry their own length bytes). */
static size_t
cat(uint8_t *b, const char *a, const char *c)
{
	size_t n = strlen(a);

	memcpy(b, a, n);
	if (c != NULL) {
		memcpy(b + n, c, strlen(c));
		n += strlen(c);
	}
	return n;
}

static void
listener(struct mss_listener *l)
{
	ck_assert_int_eq(mss_listener_init(l, PROTOS, 2), 0);
}

START_TEST(happy_path_and_leftover)
{
	struct mss_listener l;
	uint8_t in[128], ob[MSS_OUT_MAX];
	struct wr out;
	size_t n = cat(in, HDR, PING), used;

	/* Protocol bytes right behind the proposal belong to ping. */
	memset(in + n, 0xab, 32);
	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	ck_assert_int_eq(mss_listener_input(&l, in, n + 32, &out, &used), MSS_SELECTED);
	ck_assert_uint_eq(used, n);
	ck_assert_str_eq(mss_listener_protocol(&l), "/ipfs/ping/1.0.0");
	ck_assert_uint_eq(out.len, n);
	ck_assert_mem_eq(ob, in, n);      /* header echo + protocol echo */
	/* Once selected, every further byte is the protocol's. */
	ck_assert_int_eq(mss_listener_input(&l, in, 5, &out, &used), MSS_SELECTED);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(out.len, n);
}
END_TEST

START_TEST(split_everywhere)
{
	uint8_t in[128], ob[MSS_OUT_MAX];
	size_t n = cat(in, HDR, PING);

	memset(in + n, 0xcd, 8);
	for (size_t i = 0; i <= n + 8; i++) {
		struct mss_listener l;
		struct wr out;
		size_t used = 0, total = 0;
		enum mss_result r;

		listener(&l);
		wr_init(&out, ob, sizeof(ob));
		r = mss_listener_input(&l, in, i, &out, &used);
		total += used;
		if (r == MSS_CONTINUE) {
			ck_assert_uint_eq(used, i);
			/* The header is answered as soon as it is complete. */
			ck_assert_uint_eq(out.len, i >= strlen(HDR) ? strlen(HDR) : 0);
			r = mss_listener_input(&l, in + i, n + 8 - i, &out, &used);
			total += used;
		}
		ck_assert_int_eq(r, MSS_SELECTED);
		ck_assert_uint_eq(total, n);
		ck_assert_uint_eq(out.len, n);
		ck_assert_mem_eq(ob, in, n);
	}
	/* One byte at a time. */
	{
		struct mss_listener l;
		struct wr out;
		size_t used, i;
		enum mss_result r = MSS_CONTINUE;

		listener(&l);
		wr_init(&out, ob, sizeof(ob));
		for (i = 0; i < n && r == MSS_CONTINUE; i++) {
			r = mss_listener_input(&l, in + i, 1, &out, &used);
			ck_assert_uint_eq(used, 1);
		}
		ck_assert_int_eq(r, MSS_SELECTED);
		ck_assert_uint_eq(i, n);
		ck_assert_mem_eq(ob, in, n);
	}
}
END_TEST

START_TEST(na_then_selected)
{
	struct mss_listener l;
	uint8_t in[128], ob[MSS_OUT_MAX], want[128];
	struct wr out;
	size_t n, used, wn;

	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	n = cat(in, HDR, "\x0b/foo/1.0.0\n");
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_CONTINUE);
	ck_assert_uint_eq(used, n);
	wn = cat(want, HDR, NA_MSG);
	ck_assert_uint_eq(out.len, wn);
	ck_assert_mem_eq(ob, want, wn);
	/* Same protocol but without the leading '/' or with a suffix: na. */
	n = cat(in, "\x10ipfs/ping/1.0.0\n", "\x12/ipfs/ping/1.0.0x\n");
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_CONTINUE);
	ck_assert_uint_eq(out.len, wn + 8);
	n = cat(in, "\x0f/ipfs/id/1.0.0\n", NULL);
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_SELECTED);
	ck_assert_str_eq(mss_listener_protocol(&l), "/ipfs/id/1.0.0");
	ck_assert_mem_eq(ob + wn + 8, in, n);
}
END_TEST

START_TEST(too_many_attempts)
{
	struct mss_listener l;
	uint8_t in[64], ob[MSS_OUT_MAX];
	struct wr out;
	size_t n, used;

	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	n = cat(in, HDR, NULL);
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_CONTINUE);
	n = cat(in, "\x05/bad\n", NULL);
	for (int i = 0; i < MSS_MAX_ATTEMPTS; i++)
		ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_CONTINUE);
	ck_assert_uint_eq(out.len, strlen(HDR) + MSS_MAX_ATTEMPTS * strlen(NA_MSG));
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_ERROR);
	/* Failed for good. */
	n = cat(in, PING, NULL);
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_ERROR);
	ck_assert_ptr_null(mss_listener_protocol(&l));
}
END_TEST

START_TEST(line_length_limits)
{
	static uint8_t in[2100], ob[MSS_OUT_MAX];
	struct mss_listener l;
	struct wr out;
	size_t n, used;

	/* 1024 bytes including '\n' is allowed (answered with na). */
	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	n = cat(in, HDR, NULL);
	in[n++] = 0x80;
	in[n++] = 0x08;          /* 1024 */
	memset(in + n, 'a', 1023);
	n += 1023;
	in[n++] = '\n';
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_CONTINUE);
	ck_assert_uint_eq(out.len, strlen(HDR) + strlen(NA_MSG));
	/* 1025 is refused at the length prefix. */
	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	n = cat(in, HDR, NULL);
	in[n++] = 0x81;
	in[n++] = 0x08;
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_ERROR);
	/* Overlong prefixes and zero-length messages. */
	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	ck_assert_int_eq(mss_listener_input(&l, (const uint8_t *)"\x80\x80\x80\x01", 4, &out,
	    &used), MSS_ERROR);
	listener(&l);
	ck_assert_int_eq(mss_listener_input(&l, (const uint8_t *)"\x00", 1, &out, &used),
	    MSS_ERROR);
}
END_TEST

START_TEST(malformed_messages)
{
	static const struct {
		const char *b;
		size_t n;
	} bad[] = {
		{ "\x13/multistream/2.0.0\n", 20 },       /* other version */
		{ "\x12/multistream/1.0.0", 19 },         /* no newline */
		{ "\x13/multistream/1.0.0 ", 20 },        /* wrong terminator */
		{ "\x11/ipfs/ping/1.0.0\n", 18 },         /* proposal before the header */
		{ "\x13/multistream\n1.0.0\n", 20 },      /* embedded newline */
		{ "\x13/multistream/1.0.0\n\x04/a\0\n", 25 }, /* embedded NUL */
		{ "\x13/multistream/1.0.0\n\x03" "a\nb", 24 },
	};
	uint8_t ob[MSS_OUT_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mss_listener l;
		struct wr out;
		size_t used;

		listener(&l);
		wr_init(&out, ob, sizeof(ob));
		ck_assert_msg(mss_listener_input(&l, (const uint8_t *)bad[i].b, bad[i].n, &out,
		    &used) == MSS_ERROR, "case %zu", i);
	}
}
END_TEST

START_TEST(ls_listing)
{
	struct mss_listener l;
	uint8_t in[64], ob[MSS_OUT_MAX];
	struct wr out;
	size_t n, used;
	static const char want[] =
	    "\x13/multistream/1.0.0\n"
	    "\x23" "\x0f/ipfs/id/1.0.0\n" "\x11/ipfs/ping/1.0.0\n" "\n";

	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	n = cat(in, HDR, "\x03ls\n");
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_CONTINUE);
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert_mem_eq(ob, want, sizeof(want) - 1);
}
END_TEST

START_TEST(output_overflow_and_init)
{
	struct mss_listener l;
	uint8_t in[64], ob[8];
	struct wr out;
	size_t n, used;
	const char *bad1[] = { "/a\nb" };
	const char *bad2[] = { "" };
	const char *bad3[] = { NULL };
	const char *many[MSS_MAX_PROTOCOLS + 1];

	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	n = cat(in, HDR, NULL);
	ck_assert_int_eq(mss_listener_input(&l, in, n, &out, &used), MSS_ERROR);
	ck_assert_int_eq(mss_listener_init(&l, bad1, 1), -1);
	ck_assert_int_eq(mss_listener_init(&l, bad2, 1), -1);
	ck_assert_int_eq(mss_listener_init(&l, bad3, 1), -1);
	for (int i = 0; i <= MSS_MAX_PROTOCOLS; i++)
		many[i] = "/x";
	ck_assert_int_eq(mss_listener_init(&l, many, MSS_MAX_PROTOCOLS + 1), -1);
	ck_assert_int_eq(mss_listener_init(&l, many, MSS_MAX_PROTOCOLS), 0);
}
END_TEST

/* Dialer and listener pumped against each other in memory. */
START_TEST(dialer_against_listener)
{
	struct mss_listener l;
	struct mss_dialer d;
	uint8_t db[256], lb[MSS_OUT_MAX];
	struct wr dw, lw;
	size_t used;

	listener(&l);
	wr_init(&dw, db, sizeof(db));
	ck_assert_int_eq(mss_dialer_start(&d, "/unknown/1", &dw), 0);
	wr_init(&lw, lb, sizeof(lb));
	ck_assert_int_eq(mss_listener_input(&l, db, dw.len, &lw, &used), MSS_CONTINUE);
	ck_assert_int_eq(mss_dialer_input(&d, lb, lw.len, &used), MSS_NA);
	ck_assert_uint_eq(used, lw.len);
	/* Nothing may arrive before the next proposal. */
	ck_assert_int_eq(mss_dialer_propose(&d, "/ipfs/ping/1.0.0", &dw), 0);
	ck_assert_int_eq(mss_dialer_propose(&d, "/ipfs/ping/1.0.0", &dw), -1);
	wr_init(&lw, lb, sizeof(lb));
	ck_assert_int_eq(mss_listener_input(&l, db + 32, dw.len - 32, &lw, &used), MSS_SELECTED);
	/* Listener echo followed by protocol bytes. */
	lb[lw.len] = 0x77;
	ck_assert_int_eq(mss_dialer_input(&d, lb, lw.len + 1, &used), MSS_SELECTED);
	ck_assert_uint_eq(used, lw.len);
	ck_assert_int_eq(mss_dialer_input(&d, lb, 1, &used), MSS_SELECTED);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(dialer_rejects)
{
	struct mss_dialer d;
	uint8_t db[256];
	struct wr dw;
	size_t used;

	wr_init(&dw, db, sizeof(db));
	ck_assert_int_eq(mss_dialer_start(&d, "/ipfs/ping/1.0.0", &dw), 0);
	ck_assert_uint_eq(dw.len, strlen(HDR) + strlen(PING));
	ck_assert_mem_eq(db, HDR, strlen(HDR));
	/* Wrong header. */
	ck_assert_int_eq(mss_dialer_input(&d, (const uint8_t *)"\x03na\n", 4, &used), MSS_ERROR);
	ck_assert_int_eq(mss_dialer_input(&d, (const uint8_t *)HDR, strlen(HDR), &used), MSS_ERROR);
	/* Wrong echo. */
	wr_init(&dw, db, sizeof(db));
	mss_dialer_start(&d, "/ipfs/ping/1.0.0", &dw);
	ck_assert_int_eq(mss_dialer_input(&d, (const uint8_t *)HDR, strlen(HDR), &used),
	    MSS_CONTINUE);
	ck_assert_int_eq(mss_dialer_input(&d, (const uint8_t *)"\x0f/ipfs/id/1.0.0\n", 16, &used),
	    MSS_ERROR);
	/* Proposal out of turn, bad names, output overflow. */
	wr_init(&dw, db, sizeof(db));
	mss_dialer_start(&d, "/ipfs/ping/1.0.0", &dw);
	ck_assert_int_eq(mss_dialer_propose(&d, "/x", &dw), -1);
	ck_assert_int_eq(mss_dialer_start(&d, "bad\nname", &dw), -1);
	wr_init(&dw, db, 10);
	ck_assert_int_eq(mss_dialer_start(&d, "/ipfs/ping/1.0.0", &dw), -1);
	ck_assert_int_eq(mss_dialer_input(&d, (const uint8_t *)HDR, strlen(HDR), &used), MSS_ERROR);
}
END_TEST

struct collect {
	uint8_t b[256];
	size_t n;
};

static int
collect_payload(void *arg, const struct webrtc_msg_frame *f)
{
	struct collect *c = arg;

	ck_assert_uint_le(c->n + f->len, sizeof(c->b));
	if (f->len > 0)
		memcpy(c->b + c->n, f->payload, f->len);
	c->n += f->len;
	return 0;
}

/* The js browser's first frame on a ping stream (webrtc-direct.md §10),
 * through the framing decoder into the listener and back out. */
START_TEST(js_ping_frame_end_to_end)
{
	static const char *frame_hex =
	    "281226132f6d756c746973747265616d2f312e302e300a112f697066732f70696e672f312e302e300a";
	uint8_t frame[64], ob[MSS_OUT_MAX], resp[64];
	size_t fn = unhex(frame_hex, frame, sizeof(frame)), used;
	struct webrtc_msg_dec d;
	struct collect c = { .n = 0 };
	struct mss_listener l;
	struct wr out;
	int k;

	/* js >= 6 splits prefix and body into two data-channel messages. */
	webrtc_msg_dec_init(&d);
	ck_assert_int_eq(webrtc_msg_feed(&d, frame, 1, collect_payload, &c), 0);
	ck_assert_int_eq(webrtc_msg_feed(&d, frame + 1, fn - 1, collect_payload, &c), 0);
	webrtc_msg_dec_free(&d);
	listener(&l);
	wr_init(&out, ob, sizeof(ob));
	ck_assert_int_eq(mss_listener_input(&l, c.b, c.n, &out, &used), MSS_SELECTED);
	ck_assert_uint_eq(used, c.n);
	ck_assert_str_eq(mss_listener_protocol(&l), "/ipfs/ping/1.0.0");
	/* The answer (header + echo) framed is byte-identical to the proposal. */
	k = webrtc_msg_encode(resp, sizeof(resp), 0, WEBRTC_FLAG_FIN, ob, out.len);
	ck_assert_int_eq(k, (int)fn);
	ck_assert_mem_eq(resp, frame, fn);
}
END_TEST

START_TEST(garbage)
{
	uint8_t in[512], ob[MSS_OUT_MAX];
	unsigned seed = 31337;

	for (int it = 0; it < 20000; it++) {
		struct mss_listener l;
		struct mss_dialer d;
		struct wr out;
		size_t n = (size_t)rand_r(&seed) % sizeof(in), used, off = 0;
		enum mss_result r = MSS_CONTINUE;

		/* Half the runs start with a valid header to reach proposals. */
		size_t start = (it & 1) ? cat(in, HDR, NULL) : 0;
		for (size_t i = start; i < n; i++)
			in[i] = (it & 2) ? (uint8_t)(rand_r(&seed) % 24) : (uint8_t)rand_r(&seed);
		if (n < start)
			n = start;
		listener(&l);
		wr_init(&out, ob, sizeof(ob));
		while (off < n && r == MSS_CONTINUE) {
			size_t k = 1 + (size_t)rand_r(&seed) % 40;
			if (k > n - off)
				k = n - off;
			r = mss_listener_input(&l, in + off, k, &out, &used);
			ck_assert_uint_le(used, k);
			off += used;
		}
		ck_assert_uint_le(out.len, sizeof(ob));
		wr_init(&out, ob, sizeof(ob));
		mss_dialer_start(&d, "/ipfs/ping/1.0.0", &out);
		(void)mss_dialer_input(&d, in, n, &used);
		ck_assert_uint_le(used, n);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("multistream");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, happy_path_and_leftover);
	tcase_add_test(tc, split_everywhere);
	tcase_add_test(tc, na_then_selected);
	tcase_add_test(tc, too_many_attempts);
	tcase_add_test(tc, line_length_limits);
	tcase_add_test(tc, malformed_messages);
	tcase_add_test(tc, ls_listing);
	tcase_add_test(tc, output_overflow_and_init);
	tcase_add_test(tc, dialer_against_listener);
	tcase_add_test(tc, dialer_rejects);
	tcase_add_test(tc, js_ping_frame_end_to_end);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
