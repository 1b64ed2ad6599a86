/* check_wire: supervisor <-> worker messages: round trips for every type,
 * every truncation and every trailing byte rejected, wrong length/type/flags
 * rejected, and delivery over a real SOCK_SEQPACKET socketpair. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/wire.h"
#include "testutil.h"

static void
sample(struct wire_msg *m, uint16_t type)
{
	static const uint8_t blob[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";

	wire_init(m, type, 0);
	memset(&m->u, 0, sizeof(m->u));
	m->tuple_id = 77;
	switch (type) {
	case WIRE_READY: m->u.version = WIRE_VERSION; break;
	case WIRE_HELLO:
		m->u.hello.conn_id = 9;
		m->u.hello.mode = WIRE_MODE_DIRECT;
		m->u.hello.consent_timeout_ms = 30000;
		m->u.hello.ncand = 2;
		addr_parse(&m->u.hello.cand[0], "127.0.0.1:9000");
		addr_parse(&m->u.hello.cand[1], "[::1]:9000");
		m->u.hello.cert_len = 3;
		memcpy(m->u.hello.cert, "abc", 3);
		m->u.hello.key_len = 2;
		memcpy(m->u.hello.key, "kk", 2);
		break;
	case WIRE_DGRAM_IN:
		addr_parse(&m->u.tuple.local, "127.0.0.1:9000");
		addr_parse(&m->u.tuple.remote, "127.0.0.1:5555");
		/* fall through */
	case WIRE_DGRAM_OUT: case WIRE_OFFER: case WIRE_SIGN_REQ: case WIRE_SIGN_RESP:
		m->data = blob;
		m->data_len = sizeof(blob) - 1;
		break;
	case WIRE_ANSWER:
		strcpy(m->u.ufrag, "abcd");
		m->data = blob;
		m->data_len = sizeof(blob) - 1;
		break;
	case WIRE_PEER_ERROR:
		m->u.peer_error.err = ECONNREFUSED;
		m->u.peer_error.origin = 2;
		m->u.peer_error.type = 3;
		m->u.peer_error.code = 3;
		break;
	case WIRE_STATE:
		m->u.state.phase = PHASE_OPEN;
		m->u.state.bytes_in = 1ull << 40;
		strcpy(m->u.state.peer, "12D3KooW");
		break;
	case WIRE_LOG: case WIRE_BYE: case WIRE_OFFER_FAIL:
		m->u.text.code = 2;
		strcpy(m->u.text.text, "hello");
		break;
	case WIRE_ROOM_LEAVE:
		strcpy(m->u.room, "lobby");
		break;
	case WIRE_ROOM_JOIN:
	case WIRE_ROOM_PUBLISH:
		strcpy(m->u.room, "lobby");
		m->data = blob;
		m->data_len = 5;
		if (type == WIRE_ROOM_PUBLISH) {
			m->gossip = blob + 3;
			m->gossip_len = 7;
		}
		break;
	case WIRE_ROOM_DELIVER:
		strcpy(m->u.deliver.room, "lobby");
		m->u.deliver.lost = 4;
		m->u.deliver.from_conn = 9;
		m->gossip = blob + 1;
		m->gossip_len = 6;
		m->data = blob;
		m->data_len = 5;
		break;
	default:
		m->u.code = 1;
		break;
	}
}

START_TEST(round_trip_every_type)
{
	for (uint16_t t = 1; t < WIRE_TYPE_MAX; t++) {
		uint8_t buf[WIRE_MAX_MSG], again[WIRE_MAX_MSG];
		struct wire_msg m, d;
		const char *why;
		ssize_t n, n2;

		sample(&m, t);
		n = wire_encode(buf, sizeof(buf), &m);
		ck_assert_msg(n >= WIRE_HDR_LEN, "encode %s", wire_type_name(t));
		ck_assert_int_eq(wire_decode(buf, (size_t)n, &d, &why), 0);
		ck_assert_uint_eq(d.type, t);
		ck_assert_uint_eq(d.tuple_id, 77);
		ck_assert_uint_eq(d.data_len, m.data_len);
		ck_assert_uint_eq(d.gossip_len, m.gossip_len);
		if (m.gossip_len)
			ck_assert_int_eq(memcmp(d.gossip, m.gossip, m.gossip_len), 0);
		/* Re-encoding the decoded message gives the same bytes. */
		n2 = wire_encode(again, sizeof(again), &d);
		ck_assert_int_eq(n2, n);
		ck_assert_int_eq(memcmp(buf, again, (size_t)n), 0);

		/* Every truncation of the fixed part and one trailing byte must be
		 * refused (a shorter variable payload is just a shorter payload). */
		for (ssize_t k = 0; k < n - (ssize_t)m.data_len; k++) {
			uint32_t len = (uint32_t)(k >= WIRE_HDR_LEN ? k - WIRE_HDR_LEN : 0);
			uint8_t tr[WIRE_MAX_MSG];
			memcpy(tr, buf, (size_t)k);
			if (k >= WIRE_HDR_LEN)
				memcpy(tr + 4, &len, 4);   /* consistent header, short body */
			ck_assert_msg(wire_decode(tr, (size_t)k, &d, &why) < 0,
			    "%s truncated to %zd accepted", wire_type_name(t), k);
		}
		if (t != WIRE_DGRAM_IN && t != WIRE_DGRAM_OUT && t != WIRE_OFFER &&
		    t != WIRE_ANSWER && t != WIRE_SIGN_REQ && t != WIRE_SIGN_RESP &&
		    t != WIRE_ROOM_PUBLISH && t != WIRE_ROOM_DELIVER && t != WIRE_ROOM_JOIN) {
			uint32_t len;
			buf[n] = 0;
			memcpy(&len, buf + 4, 4);
			len++;
			memcpy(buf + 4, &len, 4);
			ck_assert_msg(wire_decode(buf, (size_t)n + 1, &d, &why) < 0,
			    "%s with a trailing byte accepted", wire_type_name(t));
		}
	}
}
END_TEST

START_TEST(header_checks)
{
	uint8_t buf[WIRE_MAX_MSG];
	struct wire_msg m, d;
	const char *why;
	ssize_t n;
	uint16_t bad;

	sample(&m, WIRE_LOG);
	n = wire_encode(buf, sizeof(buf), &m);
	/* header length field disagreeing with the datagram size */
	ck_assert_int_lt(wire_decode(buf, (size_t)n - 1, &d, &why), 0);
	/* unknown type, type 0 */
	bad = WIRE_TYPE_MAX;
	memcpy(buf, &bad, 2);
	ck_assert_int_lt(wire_decode(buf, (size_t)n, &d, &why), 0);
	bad = 0;
	memcpy(buf, &bad, 2);
	ck_assert_int_lt(wire_decode(buf, (size_t)n, &d, &why), 0);
	/* unknown flags */
	n = wire_encode(buf, sizeof(buf), &m);
	buf[2] = 1;
	ck_assert_int_lt(wire_decode(buf, (size_t)n, &d, &why), 0);
	/* a NUL inside a string */
	n = wire_encode(buf, sizeof(buf), &m);
	buf[WIRE_HDR_LEN + 3] = 0;
	ck_assert_int_lt(wire_decode(buf, (size_t)n, &d, &why), 0);
	/* an over-long string cannot even be encoded */
	memset(m.u.text.text, 'x', sizeof(m.u.text.text));
	ck_assert_int_lt(wire_encode(buf, sizeof(buf), &m), 0);
	/* oversize datagram */
	sample(&m, WIRE_DGRAM_OUT);
	m.data_len = WIRE_MAX_DGRAM + 1;
	ck_assert_int_lt(wire_encode(buf, sizeof(buf), &m), 0);
	/* bad phase and bad mode values */
	sample(&m, WIRE_STATE);
	m.u.state.phase = PHASE_MAX;
	n = wire_encode(buf, sizeof(buf), &m);
	ck_assert_int_lt(wire_decode(buf, (size_t)n, &d, &why), 0);
	sample(&m, WIRE_HELLO);
	m.u.hello.mode = 7;
	n = wire_encode(buf, sizeof(buf), &m);
	ck_assert_int_lt(wire_decode(buf, (size_t)n, &d, &why), 0);
}
END_TEST

START_TEST(seqpacket_delivery)
{
	int sv[2];
	uint8_t buf[WIRE_MAX_MSG];
	struct wire_msg m, d;
	const char *why;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	sample(&m, WIRE_ANSWER);
	ck_assert_int_eq(wire_send(sv[0], &m), 0);
	sample(&m, WIRE_STATE);
	ck_assert_int_eq(wire_send(sv[0], &m), 0);
	n = wire_recv(sv[1], buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &d, &why), 0);
	ck_assert_uint_eq(d.type, WIRE_ANSWER);
	ck_assert_str_eq(d.u.ufrag, "abcd");
	n = wire_recv(sv[1], buf, sizeof(buf));
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &d, &why), 0);
	ck_assert_uint_eq(d.type, WIRE_STATE);
	/* Empty queue: EAGAIN, not a block. */
	ck_assert_int_lt(wire_recv(sv[1], buf, sizeof(buf)), 0);
	ck_assert_int_eq(errno, EAGAIN);
	/* A message bigger than the receive buffer is reported as truncated. */
	ck_assert_int_eq(wire_send(sv[0], &m), 0);
	ck_assert_int_lt(wire_recv(sv[1], buf, 10), 0);
	ck_assert_int_eq(errno, EMSGSIZE);
	close(sv[0]);
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf)), 0);   /* EOF */
	close(sv[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, round_trip_every_type);
	tcase_add_test(tc, header_checks);
	tcase_add_test(tc, seqpacket_delivery);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
