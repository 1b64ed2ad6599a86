/* check_datachannel: the DCEP codec (RFC 8832 byte layout, every truncation
 * rejected, lengths past the end rejected) and two channel managers over a
 * pair of real associations (side 0 = DTLS server, odd ids; side 1 = DTLS
 * client, even ids). Proves: OPEN -> on_open with label/protocol and ACK ->
 * open; data right after OPEN; string/binary/empty messages both ways with
 * the right PPIDs; every channel type; 256 KiB messages; close from either
 * side resets both directions and reports on_close exactly once, after which
 * the id is reused; size limits; the pre-negotiated channel 0 without DCEP;
 * unknown streams, deprecated PPIDs, wrong parity, duplicate and truncated
 * opens and garbage; association loss closes every channel; the stream
 * limit; back-pressure; dc_free and dc_close from inside callbacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sctppair.h"
#include "testutil.h"
#include "worker/datachannel.h"
#include "worker/sctp.h"

#define MAX_CLOSES 1100

struct dend {
	int idx;
	struct sctp_assoc *a;
	struct dc_mgr *dc;
	int up, down, writable;
	uint32_t last_ppid;            /* raw SCTP view of the last message */
	size_t last_raw_len;
	int opens;
	struct dc_channel *open_ch;
	char open_label[DC_MAX_LABEL + 1], open_proto[DC_MAX_PROTOCOL + 1];
	uint16_t open_sid;
	uint8_t open_type;
	uint32_t open_rel;
	int msgs, msg_binary;
	uint16_t msg_sid;
	uint8_t *data;
	size_t len;
	int closes;
	uint16_t close_sid[MAX_CLOSES];
	int resets_in;                 /* incoming stream resets seen */
	int free_dc_on_message, close_on_message;
};

static struct pair P;
static struct dend D[2];

static int
d_send(void *arg, const uint8_t *p, size_t n)
{
	return pair_send(&P, 1 - ((struct dend *)arg)->idx, p, n);
}

static void
d_up(void *arg)
{
	((struct dend *)arg)->up++;
}

static void
d_down(void *arg, const char *reason)
{
	struct dend *e = arg;

	e->down++;
	if (e->dc != NULL)
		dc_handle_down(e->dc);
}

static void
d_sctp_message(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	struct dend *e = arg;

	e->last_ppid = ppid;
	e->last_raw_len = n;
	if (e->dc != NULL)
		dc_handle_message(e->dc, sid, ppid, p, n);
}

static void
d_stream_reset(void *arg, uint16_t sid)
{
	struct dend *e = arg;

	e->resets_in++;
	if (e->dc != NULL)
		dc_handle_stream_reset(e->dc, sid);
}

static void
d_reset_done(void *arg, uint16_t sid, int ok)
{
	struct dend *e = arg;

	if (e->dc != NULL)
		dc_handle_reset_done(e->dc, sid, ok);
}

static void
d_sctp_writable(void *arg)
{
	struct dend *e = arg;

	if (e->dc != NULL)
		dc_handle_writable(e->dc);
}

static void
d_open(void *arg, struct dc_channel *ch)
{
	struct dend *e = arg;

	e->opens++;
	e->open_ch = ch;
	memcpy(e->open_label, ch->label, ch->label_len + 1);
	memcpy(e->open_proto, ch->protocol, ch->protocol_len + 1);
	e->open_sid = ch->sid;
	e->open_type = ch->type;
	e->open_rel = ch->rel_param;
	ck_assert_int_eq(ch->negotiated, 0);
	ck_assert_int_eq(ch->state, DC_OPEN);
}

static void
d_message(void *arg, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	struct dend *e = arg;

	e->msgs++;
	e->msg_sid = ch->sid;
	e->msg_binary = binary;
	ck_assert_ptr_nonnull(p);
	free(e->data);
	e->data = malloc(n + 1);
	ck_assert_ptr_nonnull(e->data);
	memcpy(e->data, p, n);
	e->len = n;
	if (e->close_on_message)
		ck_assert_int_eq(dc_close(e->dc, ch), 0);
	if (e->free_dc_on_message) {
		dc_free(e->dc);         /* deferred until the handler returns */
		e->dc = NULL;
	}
}

static void
d_close(void *arg, struct dc_channel *ch)
{
	struct dend *e = arg;

	ck_assert_int_lt(e->closes, MAX_CLOSES);
	e->close_sid[e->closes++] = ch->sid;
	ck_assert_int_eq(ch->state, DC_CLOSED);
}

static void
d_writable(void *arg)
{
	((struct dend *)arg)->writable++;
}

static void
make_side(int i, uint32_t dc_max)
{
	struct sctp_cfg sc;
	struct dc_cfg dc;

	free(D[i].data);
	memset(&D[i], 0, sizeof(D[i]));
	D[i].idx = i;
	memset(&sc, 0, sizeof(sc));
	sc.arg = &D[i];
	sc.send = d_send;
	sc.on_up = d_up;
	sc.on_down = d_down;
	sc.on_message = d_sctp_message;
	sc.on_stream_reset = d_stream_reset;
	sc.on_reset_done = d_reset_done;
	sc.on_writable = d_sctp_writable;
	D[i].a = sctp_new(&sc);
	ck_assert_ptr_nonnull(D[i].a);
	P.a[i] = D[i].a;
	memset(&dc, 0, sizeof(dc));
	dc.sctp = D[i].a;
	dc.dtls_server = i == 0;
	dc.max_message_size = dc_max;
	dc.arg = &D[i];
	dc.on_open = d_open;
	dc.on_message = d_message;
	dc.on_close = d_close;
	dc.on_writable = d_writable;
	D[i].dc = dc_new(&dc);
	ck_assert_ptr_nonnull(D[i].dc);
}

static int
both_up(void *arg)
{
	return D[0].up && D[1].up;
}

static void
setup(uint32_t dc_max1)
{
	pair_init(&P);
	make_side(0, 0);
	make_side(1, dc_max1);
}

static void
connect_both(void)
{
	ck_assert_int_eq(sctp_connect(D[0].a), 0);
	ck_assert_int_eq(sctp_connect(D[1].a), 0);
	ck_assert(pair_run(&P, both_up, NULL, 500));
}

static void
teardown(void)
{
	for (int i = 0; i < 2; i++) {
		dc_free(D[i].dc);
		D[i].dc = NULL;
		free(D[i].data);
		D[i].data = NULL;
	}
	pair_fini(&P);
}

static void
settle(int steps)
{
	for (int i = 0; i < steps; i++)
		pair_step(&P);
}

static int
opened_on_b(void *arg)
{
	return D[1].opens >= *(int *)arg;
}

static int
msg_on(void *arg)
{
	struct dend *e = arg;
	return e->msgs > 0;
}

/* Open from side 0 and wait until side 1 has it and side 0 got the ACK. */
static struct dc_channel *
open_a(const char *label, const char *proto, uint8_t type, uint32_t rel)
{
	struct dc_channel *ch = dc_open(D[0].dc, label, proto, type, rel);
	int want = D[1].opens + 1;

	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(ch->state, DC_CONNECTING);
	ck_assert(pair_run(&P, opened_on_b, &want, 100));
	settle(3);
	ck_assert_int_eq(ch->state, DC_OPEN);
	return ch;
}

/* --- codec ---------------------------------------------------------------- */

static const uint8_t open_vec[] = {
	0x03, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x04, 0x00, 0x04,
	'c', 'h', 'a', 't', 'j', 's', 'o', 'n',
};

START_TEST(dcep_open_layout)
{
	struct dcep_open o, q;
	uint8_t out[64];

	memset(&o, 0, sizeof(o));
	o.type = DC_REXMIT_UNORDERED;
	o.priority = 256;
	o.rel_param = 5;
	o.label = (const uint8_t *)"chat";
	o.label_len = 4;
	o.protocol = (const uint8_t *)"json";
	o.protocol_len = 4;
	ck_assert_int_eq(dcep_build_open(out, sizeof(out), &o), (int)sizeof(open_vec));
	ck_assert_mem_eq(out, open_vec, sizeof(open_vec));
	ck_assert_int_eq(dcep_parse_open(open_vec, sizeof(open_vec), &q), 0);
	ck_assert_uint_eq(q.type, DC_REXMIT_UNORDERED);
	ck_assert_uint_eq(q.priority, 256);
	ck_assert_uint_eq(q.rel_param, 5);
	ck_assert_uint_eq(q.label_len, 4);
	ck_assert_mem_eq(q.label, "chat", 4);
	ck_assert_uint_eq(q.protocol_len, 4);
	ck_assert_mem_eq(q.protocol, "json", 4);
	ck_assert_int_eq(dcep_build_ack(out, sizeof(out)), 1);
	ck_assert_uint_eq(out[0], 0x02);
	ck_assert_int_eq(dcep_build_ack(out, 0), -1);
	/* too small a buffer, bad type, too long a label */
	ck_assert_int_eq(dcep_build_open(out, sizeof(open_vec) - 1, &o), -1);
	o.type = 0x03;
	ck_assert_int_eq(dcep_build_open(out, sizeof(out), &o), -1);
	o.type = DC_RELIABLE;
	o.label_len = DC_MAX_LABEL + 1;
	ck_assert_int_eq(dcep_build_open(out, sizeof(out), &o), -1);
}
END_TEST

START_TEST(dcep_rejects_truncation_and_bad_lengths)
{
	struct dcep_open q;
	uint8_t b[2 * DC_MAX_LABEL + 64];

	for (size_t k = 0; k < sizeof(open_vec); k++)
		ck_assert_int_eq(dcep_parse_open(open_vec, k, &q), -1);
	ck_assert_int_eq(dcep_parse_open(NULL, 0, &q), -1);
	/* label length pointing past the end */
	memcpy(b, open_vec, sizeof(open_vec));
	b[9] = 9;
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec), &q), -1);
	b[8] = 0xff;
	b[9] = 0xff;
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec), &q), -1);
	/* protocol length past the end */
	memcpy(b, open_vec, sizeof(open_vec));
	b[11] = 5;
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec), &q), -1);
	/* wrong message type, unknown channel type */
	memcpy(b, open_vec, sizeof(open_vec));
	b[0] = 0x02;
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec), &q), -1);
	b[0] = 0x03;
	b[1] = 0x03;
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec), &q), -1);
	b[1] = 0x7f;
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec), &q), -1);
	/* a label over the limit is refused even when the bytes are there */
	memset(b, 'x', sizeof(b));
	memcpy(b, open_vec, DCEP_OPEN_HDR);
	b[8] = (DC_MAX_LABEL + 1) >> 8;
	b[9] = (DC_MAX_LABEL + 1) & 0xff;
	b[10] = b[11] = 0;
	ck_assert_int_eq(dcep_parse_open(b, DCEP_OPEN_HDR + DC_MAX_LABEL + 1, &q), -1);
	b[8] = DC_MAX_LABEL >> 8;
	b[9] = DC_MAX_LABEL & 0xff;
	ck_assert_int_eq(dcep_parse_open(b, DCEP_OPEN_HDR + DC_MAX_LABEL, &q), 0);
	/* bytes after the protocol are ignored */
	memcpy(b, open_vec, sizeof(open_vec));
	ck_assert_int_eq(dcep_parse_open(b, sizeof(open_vec) + 3, &q), 0);
	ck_assert_uint_eq(q.protocol_len, 4);
	/* every type is accepted or rejected as RFC 8832 lists */
	for (int t = 0; t < 256; t++) {
		int ok = t == 0x00 || t == 0x80 || t == 0x01 || t == 0x81 || t == 0x02 || t == 0x82;

		ck_assert_int_eq(dc_type_valid((uint8_t)t), ok);
	}
}
END_TEST

/* --- channels over a real association ------------------------------------ */

START_TEST(open_from_server_side)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ch = open_a("chat", "proto", DC_RELIABLE, 0);
	ck_assert_uint_eq(ch->sid, 1);             /* DTLS server: odd ids */
	ck_assert_int_eq(D[1].opens, 1);
	ck_assert_str_eq(D[1].open_label, "chat");
	ck_assert_str_eq(D[1].open_proto, "proto");
	ck_assert_uint_eq(D[1].open_sid, 1);
	ck_assert_uint_eq(D[1].open_type, DC_RELIABLE);
	ck_assert_ptr_eq(dc_get(D[1].dc, 1), D[1].open_ch);
	ck_assert_int_eq(D[0].opens, 0);           /* on_open is for peer opens */
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->opened_in, 1);
	ck_assert_uint_eq(dc_get_stats(D[0].dc)->opened_out, 1);
	/* and from the client side: even ids */
	ch = dc_open(D[1].dc, "", "", DC_RELIABLE, 0);
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(ch->sid % 2, 0);
	settle(5);
	ck_assert_int_eq(D[0].opens, 1);
	ck_assert_uint_eq(D[0].open_sid, ch->sid);
	ck_assert_int_eq(ch->state, DC_OPEN);
	teardown();
}
END_TEST

START_TEST(data_right_after_open)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ch = dc_open(D[0].dc, "early", "", DC_RELIABLE_UNORDERED, 0);
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"first", 5), 0);
	ck_assert(pair_run(&P, msg_on, &D[1], 100));
	ck_assert_int_eq(D[1].opens, 1);
	ck_assert_uint_eq(D[1].len, 5);
	ck_assert_mem_eq(D[1].data, "first", 5);
	teardown();
}
END_TEST

static void
expect_msg(int to, const void *p, size_t n, int binary, uint32_t ppid, size_t raw_len)
{
	D[to].msgs = 0;
	ck_assert(pair_run(&P, msg_on, &D[to], 100));
	ck_assert_uint_eq(D[to].len, n);
	if (n)
		ck_assert_mem_eq(D[to].data, p, n);
	ck_assert_int_eq(D[to].msg_binary, binary);
	ck_assert_uint_eq(D[to].last_ppid, ppid);
	ck_assert_uint_eq(D[to].last_raw_len, raw_len);
}

START_TEST(string_binary_and_empty_messages)
{
	static const uint8_t bin[] = { 0xde, 0xad, 0, 0xbe, 0xef };
	struct dc_channel *ch;
	struct dc_channel *peer;

	setup(0);
	connect_both();
	ch = open_a("msgs", "", DC_RELIABLE, 0);
	peer = D[1].open_ch;
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"text", 4), 0);
	expect_msg(1, "text", 4, 0, SCTP_PPID_STRING, 4);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 1, bin, sizeof(bin)), 0);
	expect_msg(1, bin, sizeof(bin), 1, SCTP_PPID_BINARY, sizeof(bin));
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, NULL, 0), 0);
	expect_msg(1, "", 0, 0, SCTP_PPID_STRING_EMPTY, 1);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 1, NULL, 0), 0);
	expect_msg(1, "", 0, 1, SCTP_PPID_BINARY_EMPTY, 1);
	/* the other way on the same channel */
	ck_assert_int_eq(dc_send(D[1].dc, peer, 0, (const uint8_t *)"back", 4), 0);
	expect_msg(0, "back", 4, 0, SCTP_PPID_STRING, 4);
	ck_assert_uint_eq(D[0].msg_sid, ch->sid);
	ck_assert_int_eq(dc_send(D[1].dc, peer, 1, NULL, 0), 0);
	expect_msg(0, "", 0, 1, SCTP_PPID_BINARY_EMPTY, 1);
	teardown();
}
END_TEST

START_TEST(every_channel_type_delivers)
{
	static const struct { uint8_t type; uint32_t rel; } kinds[] = {
		{ DC_RELIABLE, 0 }, { DC_RELIABLE_UNORDERED, 0 }, { DC_REXMIT, 0 },
		{ DC_REXMIT_UNORDERED, 3 }, { DC_TIMED, 1000 }, { DC_TIMED_UNORDERED, 50 },
	};

	setup(0);
	connect_both();
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		struct dc_channel *ch = open_a("k", "", kinds[i].type, kinds[i].rel);
		uint8_t m[3000];

		ck_assert_uint_eq(D[1].open_type, kinds[i].type);
		ck_assert_uint_eq(D[1].open_rel, kinds[i].rel);
		memset(m, (int)i, sizeof(m));
		ck_assert_int_eq(dc_send(D[0].dc, ch, 1, m, sizeof(m)), 0);
		expect_msg(1, m, sizeof(m), 1, SCTP_PPID_BINARY, sizeof(m));
		ck_assert_uint_eq(D[1].msg_sid, ch->sid);
		ck_assert_int_eq(dc_send(D[1].dc, D[1].open_ch, 0, (const uint8_t *)"ok", 2), 0);
		expect_msg(0, "ok", 2, 0, SCTP_PPID_STRING, 2);
	}
	teardown();
}
END_TEST

START_TEST(large_message_over_channel)
{
	size_t n = SCTP_DEFAULT_MAX_MESSAGE;
	uint8_t *m = malloc(n + 1);
	uint32_t seed = 99;
	struct dc_channel *ch;

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < n + 1; i++)
		m[i] = (uint8_t)pair_rand(&seed);
	setup(0);
	connect_both();
	ch = open_a("big", "", DC_RELIABLE, 0);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 1, m, n), 0);
	D[1].msgs = 0;
	ck_assert(pair_run(&P, msg_on, &D[1], 1000));
	ck_assert_uint_eq(D[1].len, n);
	ck_assert_mem_eq(D[1].data, m, n);
	errno = 0;
	ck_assert_int_eq(dc_send(D[0].dc, ch, 1, m, n + 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	teardown();
	free(m);
}
END_TEST

static int
closes_at_least_one_each(void *arg)
{
	return D[0].closes >= 1 && D[1].closes >= 1;
}

static void
check_closed_once(uint16_t sid)
{
	settle(30);
	ck_assert_int_eq(D[0].closes, 1);
	ck_assert_int_eq(D[1].closes, 1);
	ck_assert_uint_eq(D[0].close_sid[0], sid);
	ck_assert_uint_eq(D[1].close_sid[0], sid);
	ck_assert_ptr_null(dc_get(D[0].dc, sid));
	ck_assert_ptr_null(dc_get(D[1].dc, sid));
	ck_assert(sctp_is_up(D[0].a) && sctp_is_up(D[1].a));
}

START_TEST(close_from_opener_then_reuse)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ch = open_a("c", "", DC_RELIABLE, 0);
	ck_assert_int_eq(dc_close(D[0].dc, ch), 0);
	ck_assert_int_eq(ch->state, DC_CLOSING);
	errno = 0;
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert(pair_run(&P, closes_at_least_one_each, NULL, 200));
	check_closed_once(1);
	/* both directions were reset: the id is reused and works */
	ch = open_a("again", "", DC_RELIABLE, 0);
	ck_assert_uint_eq(ch->sid, 1);
	ck_assert_str_eq(D[1].open_label, "again");
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"new", 3), 0);
	expect_msg(1, "new", 3, 0, SCTP_PPID_STRING, 3);
	teardown();
}
END_TEST

START_TEST(close_from_receiver)
{
	setup(0);
	connect_both();
	open_a("c", "", DC_RELIABLE, 0);
	ck_assert_int_eq(dc_close(D[1].dc, D[1].open_ch), 0);
	ck_assert(pair_run(&P, closes_at_least_one_each, NULL, 200));
	check_closed_once(1);
	teardown();
}
END_TEST

START_TEST(close_from_both_at_once)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ch = open_a("c", "", DC_RELIABLE, 0);
	ck_assert_int_eq(dc_close(D[0].dc, ch), 0);
	ck_assert_int_eq(dc_close(D[1].dc, D[1].open_ch), 0);
	ck_assert(pair_run(&P, closes_at_least_one_each, NULL, 200));
	check_closed_once(1);
	teardown();
}
END_TEST

START_TEST(close_inside_on_message)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ch = open_a("c", "", DC_RELIABLE, 0);
	D[1].close_on_message = 1;
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"x", 1), 0);
	ck_assert(pair_run(&P, closes_at_least_one_each, NULL, 200));
	check_closed_once(1);
	teardown();
}
END_TEST

START_TEST(oversize_on_receive_closes_channel)
{
	size_t n = 100 * 1024;
	uint8_t *m = calloc(1, n);
	struct dc_channel *ch;

	ck_assert_ptr_nonnull(m);
	setup(64 * 1024);              /* side 1's channels take 64 KiB at most */
	connect_both();
	ch = open_a("c", "", DC_RELIABLE, 0);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 1, m, n), 0);
	ck_assert(pair_run(&P, closes_at_least_one_each, NULL, 500));
	check_closed_once(1);
	ck_assert_int_eq(D[1].msgs, 0);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->too_big, 1);
	teardown();
	free(m);
}
END_TEST

START_TEST(negotiated_channel_zero_without_dcep)
{
	struct dc_channel *c0, *c1, *ch;

	setup(0);
	/* libp2p: both sides create it before the association is up */
	c0 = dc_open_negotiated(D[0].dc, 0, "", "", DC_RELIABLE, 0);
	c1 = dc_open_negotiated(D[1].dc, 0, "", "", DC_RELIABLE, 0);
	ck_assert_ptr_nonnull(c0);
	ck_assert_ptr_nonnull(c1);
	ck_assert_int_eq(c0->negotiated, 1);
	ck_assert_ptr_null(dc_open_negotiated(D[0].dc, 0, "", "", DC_RELIABLE, 0));
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(dc_send(D[0].dc, c0, 1, (const uint8_t *)"n", 1), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	connect_both();
	ck_assert_int_eq(dc_send(D[0].dc, c0, 1, (const uint8_t *)"noise", 5), 0);
	expect_msg(1, "noise", 5, 1, SCTP_PPID_BINARY, 5);
	ck_assert_uint_eq(D[1].msg_sid, 0);
	ck_assert_int_eq(dc_send(D[1].dc, c1, 1, (const uint8_t *)"reply", 5), 0);
	expect_msg(0, "reply", 5, 1, SCTP_PPID_BINARY, 5);
	ck_assert_int_eq(D[0].opens + D[1].opens, 0);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->opened_in, 0);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->bad_dcep, 0);
	/* id 0 is taken: the client side's first DCEP channel is 2 */
	ch = dc_open(D[1].dc, "", "", DC_RELIABLE, 0);
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(ch->sid, 2);
	teardown();
}
END_TEST

START_TEST(unknown_stream_and_bad_ppids)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ck_assert_int_eq(sctp_send(D[0].a, 7, SCTP_PPID_STRING, (const uint8_t *)"?", 1, 0,
	    SCTP_REL_FULL, 0), 0);
	settle(5);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->unknown_sid, 1);
	ck_assert_int_eq(D[1].msgs + D[1].opens, 0);
	ch = open_a("c", "", DC_RELIABLE, 0);
	/* an unknown PPID is ignored, the channel stays */
	ck_assert_int_eq(sctp_send(D[0].a, ch->sid, 99, (const uint8_t *)"?", 1, 0, SCTP_REL_FULL,
	    0), 0);
	settle(5);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->bad_ppid, 1);
	ck_assert_ptr_nonnull(dc_get(D[1].dc, ch->sid));
	/* a deprecated partial PPID closes the channel */
	ck_assert_int_eq(sctp_send(D[0].a, ch->sid, SCTP_PPID_BINARY_PARTIAL, (const uint8_t *)"?",
	    1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, closes_at_least_one_each, NULL, 200));
	check_closed_once(1);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->bad_ppid, 2);
	teardown();
}
END_TEST

START_TEST(bad_opens_are_rejected)
{
	uint8_t m[64];
	uint32_t seed = 5;
	struct dc_channel *ch;
	int resets;

	setup(0);
	connect_both();
	/* every truncation of a valid OPEN, each on its own odd stream */
	for (size_t k = 1; k < sizeof(open_vec); k++)
		ck_assert_int_eq(sctp_send(D[0].a, (uint16_t)(2 * k + 1), SCTP_PPID_DCEP, open_vec, k,
		    0, SCTP_REL_FULL, 0), 0);
	/* label length past the end */
	memcpy(m, open_vec, sizeof(open_vec));
	m[9] = 200;
	ck_assert_int_eq(sctp_send(D[0].a, 101, SCTP_PPID_DCEP, m, sizeof(open_vec), 0,
	    SCTP_REL_FULL, 0), 0);
	/* random DCEP garbage */
	for (int i = 0; i < 40; i++) {
		size_t n = 1 + pair_rand(&seed) % sizeof(m);

		for (size_t j = 0; j < n; j++)
			m[j] = (uint8_t)pair_rand(&seed);
		if (i % 2)
			m[0] = DCEP_MSG_OPEN;
		ck_assert_int_eq(sctp_send(D[0].a, (uint16_t)(201 + 2 * i), SCTP_PPID_DCEP, m, n, 0,
		    SCTP_REL_FULL, 0), 0);
	}
	/* a valid OPEN on the "wrong" parity (even ids belong to the client):
	 * accepted when free, because aiortc chooses parity by ICE role */
	ck_assert_int_eq(sctp_send(D[0].a, 4, SCTP_PPID_DCEP, open_vec, sizeof(open_vec), 0,
	    SCTP_REL_FULL, 0), 0);
	settle(50);
	/* each rejected stream: one reset each way, no reset ping-pong */
	resets = D[0].resets_in + D[1].resets_in;
	ck_assert_int_le(resets, 2 * 70);
	settle(50);
	ck_assert_int_eq(D[0].resets_in + D[1].resets_in, resets);
	ck_assert_int_eq(D[1].opens, 1);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->opened_in, 1);
	ck_assert_uint_eq(dc_get_stats(D[1].dc)->wrong_parity, 1);
	ck_assert_uint_ge(dc_get_stats(D[1].dc)->bad_dcep, sizeof(open_vec));
	ck_assert(sctp_is_up(D[0].a) && sctp_is_up(D[1].a));
	/* the association still works, and a duplicate OPEN is ignored */
	ch = open_a("fine", "", DC_RELIABLE, 0);
	ck_assert_int_eq(sctp_send(D[0].a, ch->sid, SCTP_PPID_DCEP, open_vec, sizeof(open_vec), 0,
	    SCTP_REL_FULL, 0), 0);
	settle(5);
	ck_assert_int_eq(D[1].opens, 2);
	ck_assert_str_eq(dc_get(D[1].dc, ch->sid)->label, "fine");
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"ok", 2), 0);
	expect_msg(1, "ok", 2, 0, SCTP_PPID_STRING, 2);
	teardown();
}
END_TEST

START_TEST(association_loss_closes_all)
{
	setup(0);
	ck_assert_ptr_nonnull(dc_open_negotiated(D[0].dc, 0, "", "", DC_RELIABLE, 0));
	ck_assert_ptr_nonnull(dc_open_negotiated(D[1].dc, 0, "", "", DC_RELIABLE, 0));
	connect_both();
	open_a("a", "", DC_RELIABLE, 0);
	open_a("b", "", DC_RELIABLE, 0);
	open_a("c", "", DC_RELIABLE, 0);
	sctp_abort(D[0].a);
	ck_assert_int_eq(D[0].closes, 4);
	settle(10);
	ck_assert_int_eq(D[1].down, 1);
	ck_assert_int_eq(D[1].closes, 4);
	ck_assert_ptr_null(dc_get(D[1].dc, 0));
	ck_assert_ptr_null(dc_open(D[0].dc, "", "", DC_RELIABLE, 0));
	ck_assert_int_eq(errno, ENOTCONN);
	teardown();
}
END_TEST

START_TEST(stream_ids_run_out)
{
	int n = 0, want;

	setup(0);
	connect_both();
	for (;;) {
		struct dc_channel *ch = dc_open(D[0].dc, "", "", DC_RELIABLE, 0);

		if (ch == NULL)
			break;
		ck_assert_uint_eq(ch->sid, 2 * n + 1);
		n++;
		if (n % 64 == 0)
			settle(1);
	}
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(n, DC_MAX_STREAMS / 2);
	want = n;
	ck_assert(pair_run(&P, opened_on_b, &want, 200));
	ck_assert_int_eq(D[1].opens, n);
	teardown();
}
END_TEST

START_TEST(back_pressure_and_writable)
{
	static uint8_t m[60000];
	struct dc_channel *ch;
	int sent = 0;

	setup(0);
	connect_both();
	ch = open_a("bp", "", DC_RELIABLE, 0);
	while (dc_send(D[0].dc, ch, 1, m, sizeof(m)) == 0)
		ck_assert_int_lt(++sent, 1000);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_gt(sent, 0);
	ck_assert_uint_gt(sctp_buffered(D[0].a), SCTP_DEFAULT_BUF / 2);
	for (int i = 0; i < 100 && D[0].writable == 0; i++)
		pair_step(&P);
	ck_assert_int_eq(D[0].writable, 1);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 1, m, sizeof(m)), 0);
	teardown();
}
END_TEST

START_TEST(dc_free_inside_callback)
{
	struct dc_channel *ch;

	setup(0);
	connect_both();
	ch = open_a("f", "", DC_RELIABLE, 0);
	D[1].free_dc_on_message = 1;
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"1", 1), 0);
	ck_assert_int_eq(dc_send(D[0].dc, ch, 0, (const uint8_t *)"2", 1), 0);
	settle(10);
	ck_assert_int_eq(D[1].msgs, 1);
	ck_assert_ptr_null(D[1].dc);
	teardown();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("datachannel");
	TCase *codec = tcase_create("dcep");
	TCase *tc = tcase_create("channels");

	tcase_add_test(codec, dcep_open_layout);
	tcase_add_test(codec, dcep_rejects_truncation_and_bad_lengths);
	suite_add_tcase(s, codec);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, open_from_server_side);
	tcase_add_test(tc, data_right_after_open);
	tcase_add_test(tc, string_binary_and_empty_messages);
	tcase_add_test(tc, every_channel_type_delivers);
	tcase_add_test(tc, large_message_over_channel);
	tcase_add_test(tc, close_from_opener_then_reuse);
	tcase_add_test(tc, close_from_receiver);
	tcase_add_test(tc, close_from_both_at_once);
	tcase_add_test(tc, close_inside_on_message);
	tcase_add_test(tc, oversize_on_receive_closes_channel);
	tcase_add_test(tc, negotiated_channel_zero_without_dcep);
	tcase_add_test(tc, unknown_stream_and_bad_ppids);
	tcase_add_test(tc, bad_opens_are_rejected);
	tcase_add_test(tc, association_loss_closes_all);
	tcase_add_test(tc, stream_ids_run_out);
	tcase_add_test(tc, back_pressure_and_writable);
	tcase_add_test(tc, dc_free_inside_callback);
	suite_add_tcase(s, tc);
	return pair_run_suite_nofork(s);
}
