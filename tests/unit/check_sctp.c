/* check_sctp: two usrsctp AF_CONN associations in one process, linked by an
 * in-memory queue and driven by a simulated clock. Proves: the association
 * comes up on both sides (simultaneous INIT) with 1024 streams; messages
 * both ways keep sid/PPID/content; unordered and partially reliable sends
 * deliver; a 256 KiB message arrives whole; 1000 random-size messages arrive
 * in order byte-exact through EAGAIN/on_writable back-pressure; size limits
 * on send and receive; stream resets in both directions; graceful shutdown
 * and abort report on_down once; re-entrant calls from callbacks; garbage
 * packets never crash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sctppair.h"
#include "testutil.h"
#include "worker/sctp.h"

struct end {
	struct pair *pair;
	int idx;
	struct sctp_assoc *a;
	int up, down, writable;
	char reason[160];
	int nmsg;
	uint16_t sid;
	uint32_t ppid;
	uint8_t *data;                 /* copy of the last message */
	size_t len;
	int resets_in, last_reset_in;
	int resets_done, last_reset_done, last_reset_ok;
	/* bulk verification */
	const uint32_t *sizes;
	int expect, bulk_errors;
	const uint8_t *big;            /* when set: compare a message of big_len */
	size_t big_len;
	int big_ok, big_order;
	/* re-entrancy probes */
	int free_on_message, busy_probe, busy_seen, abort_in_output;
};

static struct pair P;
static struct end E[2];

static int
end_send(void *arg, const uint8_t *p, size_t n)
{
	struct end *e = arg;

	if (e->busy_probe) {
		uint8_t b = 1;

		e->busy_probe = 0;
		if (sctp_send(e->a, 1, 51, &b, 1, 0, SCTP_REL_FULL, 0) < 0 && errno == EBUSY &&
		    sctp_reset_stream(e->a, 1) < 0 && errno == EBUSY)
			e->busy_seen = 1;
	}
	if (e->abort_in_output) {
		e->abort_in_output = 0;
		sctp_abort(e->a);      /* deferred: we are inside usrsctp */
	}
	return pair_send(e->pair, 1 - e->idx, p, n);
}

static void
end_up(void *arg)
{
	((struct end *)arg)->up++;
}

static void
end_down(void *arg, const char *reason)
{
	struct end *e = arg;

	e->down++;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

static uint8_t
pattern(uint32_t msg, size_t j)
{
	return (uint8_t)(msg * 131u + j * 7u + (j >> 9));
}

static void
end_message(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	struct end *e = arg;

	e->nmsg++;
	e->sid = sid;
	e->ppid = ppid;
	if (e->sizes != NULL) {
		uint32_t i = (uint32_t)e->expect++;

		if (n != e->sizes[i]) {
			e->bulk_errors++;
			return;
		}
		for (size_t j = 0; j < n; j++) {
			if (p[j] != pattern(i, j)) {
				e->bulk_errors++;
				return;
			}
		}
		return;
	}
	if (e->big != NULL && n == e->big_len) {
		e->big_ok = memcmp(p, e->big, n) == 0;
		e->big_order = e->nmsg;
		return;
	}
	free(e->data);
	e->data = malloc(n);
	ck_assert_ptr_nonnull(e->data);
	memcpy(e->data, p, n);
	e->len = n;
	if (e->free_on_message) {
		sctp_free(e->a);       /* deferred until the receive loop returns */
		e->a = NULL;
		e->pair->a[e->idx] = NULL;
	}
}

static void
end_stream_reset(void *arg, uint16_t sid)
{
	struct end *e = arg;

	e->resets_in++;
	e->last_reset_in = sid;
}

static void
end_reset_done(void *arg, uint16_t sid, int ok)
{
	struct end *e = arg;

	e->resets_done++;
	e->last_reset_done = sid;
	e->last_reset_ok = ok;
}

static void
end_writable(void *arg)
{
	((struct end *)arg)->writable++;
}

static struct sctp_assoc *
make_end(int i, uint32_t max_msg, uint32_t rcvbuf)
{
	struct sctp_cfg c;

	free(E[i].data);
	memset(&E[i], 0, sizeof(E[i]));
	E[i].pair = &P;
	E[i].idx = i;
	memset(&c, 0, sizeof(c));
	c.max_message_size = max_msg;
	c.rcvbuf = rcvbuf;
	c.arg = &E[i];
	c.send = end_send;
	c.on_up = end_up;
	c.on_down = end_down;
	c.on_message = end_message;
	c.on_stream_reset = end_stream_reset;
	c.on_reset_done = end_reset_done;
	c.on_writable = end_writable;
	E[i].a = sctp_new(&c);
	ck_assert_ptr_nonnull(E[i].a);
	P.a[i] = E[i].a;
	return E[i].a;
}

static int
both_up(void *arg)
{
	return E[0].up && E[1].up;
}

static int
both_down(void *arg)
{
	return E[0].down && E[1].down;
}

/* Two associations, both connecting (as both WebRTC ends do), up. */
static void
setup_pair(uint32_t max0, uint32_t max1)
{
	pair_init(&P);
	make_end(0, max0, 0);
	make_end(1, max1, 0);
	ck_assert_int_eq(sctp_connect(E[0].a), 0);
	ck_assert_int_eq(sctp_connect(E[1].a), 0);
	ck_assert(pair_run(&P, both_up, NULL, 500));
}

static void
teardown_pair(void)
{
	pair_fini(&P);
	for (int i = 0; i < 2; i++) {
		free(E[i].data);
		E[i].data = NULL;
		E[i].a = NULL;
	}
}

static int
got_msg(void *arg)
{
	struct end *e = arg;
	return e->nmsg > 0;
}

START_TEST(association_comes_up)
{
	setup_pair(0, 0);
	ck_assert_int_eq(E[0].up, 1);
	ck_assert_int_eq(E[1].up, 1);
	ck_assert_int_eq(E[0].down + E[1].down, 0);
	ck_assert(sctp_is_up(E[0].a) && sctp_is_up(E[1].a));
	ck_assert_uint_eq(sctp_streams_out(E[0].a), SCTP_DEFAULT_STREAMS);
	ck_assert_uint_eq(sctp_streams_in(E[1].a), SCTP_DEFAULT_STREAMS);
	ck_assert_uint_eq(sctp_max_message_size(E[0].a), SCTP_DEFAULT_MAX_MESSAGE);
	ck_assert_uint_gt(sctp_get_stats(E[0].a)->pkts_out, 0);
	teardown_pair();
}
END_TEST

START_TEST(input_before_connect_connects)
{
	pair_init(&P);
	make_end(0, 0, 0);
	make_end(1, 0, 0);
	/* Only side 0 connects; side 1 connects when the first packet arrives. */
	ck_assert_int_eq(sctp_connect(E[0].a), 0);
	ck_assert(pair_run(&P, both_up, NULL, 500));
	teardown_pair();
}
END_TEST

START_TEST(messages_both_ways)
{
	static const uint8_t bin[] = { 0, 1, 2, 0xff, 0x80 };

	setup_pair(0, 0);
	ck_assert_int_eq(sctp_send(E[0].a, 3, SCTP_PPID_STRING, (const uint8_t *)"hello", 5, 0,
	    SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, got_msg, &E[1], 100));
	ck_assert_uint_eq(E[1].sid, 3);
	ck_assert_uint_eq(E[1].ppid, SCTP_PPID_STRING);
	ck_assert_uint_eq(E[1].len, 5);
	ck_assert_mem_eq(E[1].data, "hello", 5);
	ck_assert_int_eq(sctp_send(E[1].a, 1022, SCTP_PPID_BINARY, bin, sizeof(bin), 0,
	    SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, got_msg, &E[0], 100));
	ck_assert_uint_eq(E[0].sid, 1022);
	ck_assert_uint_eq(E[0].ppid, SCTP_PPID_BINARY);
	ck_assert_uint_eq(E[0].len, sizeof(bin));
	ck_assert_mem_eq(E[0].data, bin, sizeof(bin));
	ck_assert_uint_eq(sctp_get_stats(E[1].a)->msgs_in, 1);
	teardown_pair();
}
END_TEST

START_TEST(bad_sends_are_refused)
{
	uint8_t b = 0;

	setup_pair(0, 0);
	errno = 0;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, &b, 0, 0, SCTP_REL_FULL, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sctp_send(E[0].a, SCTP_DEFAULT_STREAMS, 51, &b, 1, 0, SCTP_REL_FULL, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, &b, 1, 0, 7, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sctp_reset_stream(E[0].a, SCTP_DEFAULT_STREAMS), -1);
	teardown_pair();
}
END_TEST

START_TEST(not_up_refuses_send)
{
	uint8_t b = 0;

	pair_init(&P);
	make_end(0, 0, 0);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, &b, 1, 0, SCTP_REL_FULL, 0), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert_uint_eq(sctp_streams_out(E[0].a), 0);
	teardown_pair();
}
END_TEST

START_TEST(unordered_and_partial_reliability)
{
	setup_pair(0, 0);
	ck_assert_int_eq(sctp_send(E[0].a, 5, 53, (const uint8_t *)"u", 1, 1, SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, got_msg, &E[1], 100));
	ck_assert_uint_eq(E[1].sid, 5);
	E[1].nmsg = 0;
	ck_assert_int_eq(sctp_send(E[0].a, 7, 53, (const uint8_t *)"r", 1, 0, SCTP_REL_REXMIT, 0), 0);
	ck_assert(pair_run(&P, got_msg, &E[1], 100));
	ck_assert_uint_eq(E[1].sid, 7);
	ck_assert_mem_eq(E[1].data, "r", 1);
	E[1].nmsg = 0;
	ck_assert_int_eq(sctp_send(E[0].a, 9, 53, (const uint8_t *)"t", 1, 1, SCTP_REL_TIMED, 3000), 0);
	ck_assert(pair_run(&P, got_msg, &E[1], 100));
	ck_assert_uint_eq(E[1].sid, 9);
	ck_assert_mem_eq(E[1].data, "t", 1);
	teardown_pair();
}
END_TEST

START_TEST(large_message_arrives_whole)
{
	size_t n = SCTP_DEFAULT_MAX_MESSAGE;
	uint8_t *m = malloc(n);
	uint32_t seed = 12345;

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)pair_rand(&seed);
	setup_pair(0, 0);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 53, m, n, 0, SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, got_msg, &E[1], 1000));
	ck_assert_int_eq(E[1].nmsg, 1);
	ck_assert_uint_eq(E[1].len, n);
	ck_assert_mem_eq(E[1].data, m, n);
	teardown_pair();
	free(m);
}
END_TEST

/* A message over usrsctp's partial delivery point (half the receive buffer)
 * comes up in pieces; the upper layer still sees it whole. */
START_TEST(partial_delivery_is_reassembled)
{
	size_t n = 1024 * 1024;
	uint8_t *m = malloc(n);
	uint32_t seed = 31337;

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)pair_rand(&seed);
	pair_init(&P);
	make_end(0, (uint32_t)n, 0);
	make_end(1, (uint32_t)n, 128 * 1024);
	ck_assert_int_eq(sctp_connect(E[0].a), 0);
	ck_assert_int_eq(sctp_connect(E[1].a), 0);
	ck_assert(pair_run(&P, both_up, NULL, 500));
	E[1].big = m;
	E[1].big_len = n;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 53, m, n, 0, SCTP_REL_FULL, 0), 0);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"after", 5, 0, SCTP_REL_FULL, 0), 0);
	for (int i = 0; i < 2000 && E[1].nmsg < 2; i++)
		pair_step(&P);
	ck_assert_int_eq(E[1].nmsg, 2);
	ck_assert_int_eq(E[1].big_ok, 1);
	ck_assert_int_eq(E[1].big_order, 1);    /* whole, and before "after" */
	ck_assert_uint_eq(E[1].sid, 1);
	ck_assert_uint_eq(E[1].len, 5);
	ck_assert_mem_eq(E[1].data, "after", 5);
	teardown_pair();
	free(m);
}
END_TEST

START_TEST(oversize_refused_on_send)
{
	size_t n = SCTP_DEFAULT_MAX_MESSAGE + 1;
	uint8_t *m = calloc(1, n);

	ck_assert_ptr_nonnull(m);
	setup_pair(0, 0);
	errno = 0;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 53, m, n, 0, SCTP_REL_FULL, 0), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert(sctp_is_up(E[0].a));
	teardown_pair();
	free(m);
}
END_TEST

START_TEST(oversize_aborts_on_receive)
{
	size_t n = 100 * 1024;
	uint8_t *m = calloc(1, n);

	ck_assert_ptr_nonnull(m);
	setup_pair(0, 64 * 1024);      /* side 1 accepts 64 KiB at most */
	ck_assert_int_eq(sctp_send(E[0].a, 1, 53, m, n, 0, SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, both_down, NULL, 1000));
	ck_assert_int_eq(E[1].nmsg, 0);
	ck_assert_int_eq(E[1].down, 1);
	ck_assert_int_eq(E[0].down, 1);
	ck_assert_ptr_nonnull(strstr(E[1].reason, "max-message-size"));
	ck_assert(!sctp_is_up(E[1].a));
	/* more steps: down stays reported once */
	for (int i = 0; i < 50; i++)
		pair_step(&P);
	ck_assert_int_eq(E[0].down + E[1].down, 2);
	teardown_pair();
	free(m);
}
END_TEST

static int
bulk_done(void *arg)
{
	return E[1].expect == *(int *)arg || E[1].bulk_errors > 0;
}

START_TEST(thousand_messages_in_order)
{
	enum { N = 1000 };
	static uint32_t sizes[N];
	uint32_t seed = 777;
	uint8_t *buf = malloc(65536);
	int sent = 0, steps = 0, total = N;

	ck_assert_ptr_nonnull(buf);
	for (int i = 0; i < N; i++)
		sizes[i] = 1 + pair_rand(&seed) % 65536;
	setup_pair(0, 0);
	E[1].sizes = sizes;
	while (sent < N && steps < 20000) {
		for (size_t j = 0; j < sizes[sent]; j++)
			buf[j] = pattern((uint32_t)sent, j);
		if (sctp_send(E[0].a, 1, 53, buf, sizes[sent], 0, SCTP_REL_FULL, 0) == 0) {
			sent++;
			continue;
		}
		ck_assert_int_eq(errno, EAGAIN);
		ck_assert_uint_gt(sctp_buffered(E[0].a), 0);
		pair_step(&P);
		steps++;
	}
	ck_assert_int_eq(sent, N);
	ck_assert(pair_run(&P, bulk_done, &total, 20000));
	ck_assert_int_eq(E[1].bulk_errors, 0);
	ck_assert_int_eq(E[1].expect, N);
	ck_assert_int_gt(E[0].writable, 0);    /* back-pressure was exercised */
	for (int i = 0; i < 100 && sctp_buffered(E[0].a) > 0; i++)
		pair_step(&P);
	ck_assert_uint_eq(sctp_buffered(E[0].a), 0);
	teardown_pair();
	free(buf);
}
END_TEST

static int
resets_settled(void *arg)
{
	return E[1].resets_in > 0 && E[0].resets_done > 0;
}

START_TEST(stream_reset_reported)
{
	setup_pair(0, 0);
	ck_assert_int_eq(sctp_send(E[0].a, 3, 51, (const uint8_t *)"x", 1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert_int_eq(sctp_reset_stream(E[0].a, 3), 0);
	ck_assert(pair_run(&P, resets_settled, NULL, 500));
	ck_assert_int_eq(E[1].nmsg, 1);         /* data before the reset arrived first */
	ck_assert_int_eq(E[1].last_reset_in, 3);
	ck_assert_int_eq(E[0].last_reset_done, 3);
	ck_assert_int_eq(E[0].last_reset_ok, 1);
	ck_assert_int_eq(E[0].resets_in, 0);
	/* the stream is usable again after the reset */
	E[1].nmsg = 0;
	ck_assert_int_eq(sctp_send(E[0].a, 3, 51, (const uint8_t *)"y", 1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert(pair_run(&P, got_msg, &E[1], 100));
	ck_assert_mem_eq(E[1].data, "y", 1);
	teardown_pair();
}
END_TEST

START_TEST(shutdown_is_graceful)
{
	setup_pair(0, 0);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"bye", 3, 0, SCTP_REL_FULL, 0), 0);
	sctp_shutdown(E[0].a);
	ck_assert(pair_run(&P, both_down, NULL, 500));
	ck_assert_int_eq(E[1].nmsg, 1);         /* queued data went out first */
	ck_assert_int_eq(E[0].down, 1);
	ck_assert_int_eq(E[1].down, 1);
	teardown_pair();
}
END_TEST

START_TEST(abort_reports_down_once)
{
	uint8_t b = 1;

	setup_pair(0, 0);
	sctp_abort(E[0].a);
	ck_assert_int_eq(E[0].down, 1);
	ck_assert_str_eq(E[0].reason, "local abort");
	ck_assert(pair_run(&P, both_down, NULL, 100));
	sctp_abort(E[0].a);
	sctp_shutdown(E[1].a);
	for (int i = 0; i < 20; i++)
		pair_step(&P);
	ck_assert_int_eq(E[0].down, 1);
	ck_assert_int_eq(E[1].down, 1);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, &b, 1, 0, SCTP_REL_FULL, 0), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	sctp_input(E[0].a, &b, 1);              /* after close: dropped, no crash */
	teardown_pair();
}
END_TEST

START_TEST(peer_silence_times_out)
{
	setup_pair(0, 0);
	P.drop_all = 1;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"?", 1, 0, SCTP_REL_FULL, 0), 0);
	/* 5 retransmissions with RTO backing off to 10 s: well under 120 s */
	for (int i = 0; i < 12000 && !E[0].down; i++)
		pair_step(&P);
	ck_assert_int_eq(E[0].down, 1);
	ck_assert_ptr_nonnull(strstr(E[0].reason, "lost"));
	teardown_pair();
}
END_TEST

START_TEST(reentrant_calls_are_safe)
{
	setup_pair(0, 0);
	/* From inside cfg.send: sending is refused, abort is deferred. */
	E[0].busy_probe = 1;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"a", 1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert_int_eq(E[0].busy_seen, 1);
	pair_step(&P);
	E[0].abort_in_output = 1;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"b", 1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert_int_eq(E[0].down, 0);
	ck_assert(pair_run(&P, both_down, NULL, 100));
	ck_assert_str_eq(E[0].reason, "local abort");
	teardown_pair();

	/* sctp_free from inside on_message: destroyed after the loop. */
	setup_pair(0, 0);
	E[1].free_on_message = 1;
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"c", 1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"d", 1, 0, SCTP_REL_FULL, 0), 0);
	for (int i = 0; i < 20; i++)
		pair_step(&P);
	ck_assert_int_eq(E[1].nmsg, 1);         /* no callback after sctp_free */
	ck_assert_ptr_null(P.a[1]);
	teardown_pair();
}
END_TEST

/* A packet with the association's ports and verification tag (copied from a
 * real packet towards side 1) and random chunks, with a valid CRC32c. */
START_TEST(garbage_never_crashes)
{
	uint8_t pkt[1500], captured[12];
	uint32_t seed = 4242;

	setup_pair(0, 0);
	/* learn the header side 0 uses */
	ck_assert_int_eq(sctp_send(E[0].a, 1, 51, (const uint8_t *)"h", 1, 0, SCTP_REL_FULL, 0), 0);
	ck_assert_uint_gt(P.count, 0);
	memcpy(captured, P.q[P.head].p, sizeof(captured));
	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + pair_rand(&seed) % sizeof(pkt);

		for (size_t j = 0; j < n; j++)
			pkt[j] = (uint8_t)pair_rand(&seed);
		if (round % 2 == 0 && n >= 16) {
			uint32_t c;

			memcpy(pkt, captured, 8);
			/* a plausible chunk header half of the time */
			pkt[12] = (uint8_t)(pair_rand(&seed) % 16);
			pkt[14] = (uint8_t)((n - 12) >> 8);
			pkt[15] = (uint8_t)(n - 12);
			memset(pkt + 8, 0, 4);
			c = pair_crc32c(pkt, n);
			pkt[8] = (uint8_t)c;
			pkt[9] = (uint8_t)(c >> 8);
			pkt[10] = (uint8_t)(c >> 16);
			pkt[11] = (uint8_t)(c >> 24);
		}
		if (P.a[1] != NULL)
			sctp_input(P.a[1], pkt, n);
		if (round % 100 == 0)
			pair_step(&P);
	}
	for (int i = 0; i < 50; i++)
		pair_step(&P);
	/* up or aborted: both are fine, but a down is reported at most once */
	ck_assert_int_le(E[1].down, 1);
	ck_assert_int_le(E[0].down, 1);
	teardown_pair();
}
END_TEST

static int
null_send(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

/* The table holds SCTP_MAX_ASSOCS associations (its size cannot change once
 * initialised); a freed slot, in the middle or at the end, is reused. */
START_TEST(association_table_is_bounded)
{
	static struct sctp_assoc *t[SCTP_MAX_ASSOCS];
	struct sctp_cfg c;

	pair_init(&P);
	ck_assert_int_eq(sctp_set_max_assocs(8), -1);
	ck_assert_int_eq(sctp_set_max_assocs(0), -1);
	ck_assert_int_eq(sctp_set_max_assocs(SCTP_MAX_ASSOCS_LIMIT + 1), -1);
	memset(&c, 0, sizeof(c));
	c.send = null_send;
	for (size_t i = 0; i < SCTP_MAX_ASSOCS; i++) {
		t[i] = sctp_new(&c);
		ck_assert_ptr_nonnull(t[i]);
	}
	ck_assert_ptr_null(sctp_new(&c));
	sctp_free(t[SCTP_MAX_ASSOCS / 2]);
	t[SCTP_MAX_ASSOCS / 2] = sctp_new(&c);
	ck_assert_ptr_nonnull(t[SCTP_MAX_ASSOCS / 2]);
	ck_assert_ptr_null(sctp_new(&c));
	sctp_free(t[SCTP_MAX_ASSOCS - 1]);
	t[SCTP_MAX_ASSOCS - 1] = sctp_new(&c);
	ck_assert_ptr_nonnull(t[SCTP_MAX_ASSOCS - 1]);
	for (size_t i = 0; i < SCTP_MAX_ASSOCS; i++)
		sctp_free(t[i]);
	/* Empty again: a pair still comes up and talks. */
	teardown_pair();
	setup_pair(0, 0);
	teardown_pair();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sctp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, association_comes_up);
	tcase_add_test(tc, input_before_connect_connects);
	tcase_add_test(tc, messages_both_ways);
	tcase_add_test(tc, bad_sends_are_refused);
	tcase_add_test(tc, not_up_refuses_send);
	tcase_add_test(tc, unordered_and_partial_reliability);
	tcase_add_test(tc, large_message_arrives_whole);
	tcase_add_test(tc, partial_delivery_is_reassembled);
	tcase_add_test(tc, oversize_refused_on_send);
	tcase_add_test(tc, oversize_aborts_on_receive);
	tcase_add_test(tc, thousand_messages_in_order);
	tcase_add_test(tc, stream_reset_reported);
	tcase_add_test(tc, shutdown_is_graceful);
	tcase_add_test(tc, abort_reports_down_once);
	tcase_add_test(tc, peer_silence_times_out);
	tcase_add_test(tc, reentrant_calls_are_safe);
	tcase_add_test(tc, garbage_never_crashes);
	tcase_add_test(tc, association_table_is_bounded);
	suite_add_tcase(s, tc);
	return pair_run_suite_nofork(s);
}
