/* check_stun: the STUN codec against the RFC 5769 test vectors, the
 * supervisor's stun_peek, the response builder, and hostile inputs. */
#include <stdio.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "common/stun.h"
#include "testutil.h"

static const char *PWD = "VOkJxbRl1RmTxUk/WvJxBt";
static const char *REQ =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
    "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70c"
    "bfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
static const char *RESP4 =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147"
    "e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
static const char *RESP6 =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a147"
    "0113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004"
    "c8fb0b4c";

START_TEST(rfc5769_request)
{
	uint8_t b[256];
	size_t n = unhex(REQ, b, sizeof(b));
	struct stun_msg m;
	const struct stun_attr *u;

	ck_assert_uint_eq(n, 108);
	ck_assert_int_eq(stun_parse(&m, b, n), 0);
	ck_assert_uint_eq(m.type, STUN_BINDING_REQUEST);
	u = stun_find(&m, STUN_ATTR_USERNAME);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(u->len, 9);
	ck_assert_int_eq(memcmp(stun_attr_value(&m, u), "evtj:h6vY", 9), 0);
	ck_assert_int_eq(stun_check_integrity(&m, PWD, strlen(PWD)), 0);
	ck_assert_int_eq(stun_check_fingerprint(&m), 0);
	ck_assert_int_ne(stun_check_integrity(&m, "wrong", 5), 0);
	/* Flip one bit of the message body: both checks must fail. */
	b[30] ^= 1;
	ck_assert_int_eq(stun_parse(&m, b, n), 0);
	ck_assert_int_ne(stun_check_integrity(&m, PWD, strlen(PWD)), 0);
	ck_assert_int_ne(stun_check_fingerprint(&m), 0);
}
END_TEST

static void
check_response(const char *hex, int family, const char *ip)
{
	uint8_t b[256], want[16];
	size_t n = unhex(hex, b, sizeof(b));
	struct stun_msg m;
	struct addr a;

	ck_assert_int_eq(stun_parse(&m, b, n), 0);
	ck_assert_uint_eq(m.type, STUN_BINDING_SUCCESS);
	ck_assert_int_eq(stun_check_integrity(&m, PWD, strlen(PWD)), 0);
	ck_assert_int_eq(stun_check_fingerprint(&m), 0);
	ck_assert_int_eq(stun_get_xor_addr(&m, stun_find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS), &a), 0);
	ck_assert_int_eq(a.family, family);
	ck_assert_uint_eq(a.port, 32853);
	inet_pton(family, ip, want);
	ck_assert_int_eq(memcmp(a.ip, want, family == AF_INET ? 4 : 16), 0);
}

START_TEST(rfc5769_responses)
{
	check_response(RESP4, AF_INET, "192.0.2.1");
	check_response(RESP6, AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677");
}
END_TEST

/* Rebuild the RFC 5769 IPv4 and IPv6 responses with our builder: same bytes. */
START_TEST(builder_reproduces_vectors)
{
	const char *hexes[] = { RESP4, RESP6 };
	const char *ips[] = { "192.0.2.1", "2001:db8:1234:5678:11:2233:4455:6677" };
	const int fams[] = { AF_INET, AF_INET6 };

	for (int i = 0; i < 2; i++) {
		uint8_t want[256], out[256];
		size_t wn = unhex(hexes[i], want, sizeof(want));
		struct stun_builder b;
		struct addr a;
		int n;

		memset(&a, 0, sizeof(a));
		a.family = (uint8_t)fams[i];
		a.port = 32853;
		inet_pton(fams[i], ips[i], a.ip);
		stun_build_begin(&b, out, sizeof(out), STUN_BINDING_SUCCESS, want + 8);
		stun_build_attr(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
		/* RFC 5769 pads with a space, we pad with zero: patch to compare. */
		out[b.w.len - 1] = ' ';
		stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
		stun_build_integrity(&b, PWD, strlen(PWD));
		stun_build_fingerprint(&b);
		n = stun_build_end(&b);
		ck_assert_int_eq(n, (int)wn);
		ck_assert_int_eq(memcmp(out, want, wn), 0);
	}
}
END_TEST

START_TEST(peek_extracts_local_ufrag)
{
	uint8_t b[256];
	size_t n = unhex(REQ, b, sizeof(b));
	char u[64];

	ck_assert_int_eq(stun_peek(b, n, u, sizeof(u)), STUN_PEEK_BINDING);
	ck_assert_str_eq(u, "evtj");
	/* Too small a buffer for the ufrag: not routable, never overflowed. */
	ck_assert_int_eq(stun_peek(b, n, u, 4), STUN_PEEK_OTHER);
	/* A response is STUN but not routable. */
	n = unhex(RESP4, b, sizeof(b));
	ck_assert_int_eq(stun_peek(b, n, u, sizeof(u)), STUN_PEEK_OTHER);
	/* DTLS-looking bytes are not STUN. */
	memset(b, 0x16, 40);
	ck_assert_int_eq(stun_peek(b, 40, u, sizeof(u)), STUN_PEEK_NOT_STUN);
}
END_TEST

/* Every truncation of a valid message is rejected by parse and peek. */
START_TEST(truncations_rejected)
{
	uint8_t b[256];
	size_t n = unhex(REQ, b, sizeof(b));
	struct stun_msg m;
	char u[64];

	for (size_t k = 0; k < n; k++) {
		ck_assert_int_eq(stun_parse(&m, b, k), -1);
		ck_assert_int_ne(stun_peek(b, k, u, sizeof(u)), STUN_PEEK_BINDING);
	}
}
END_TEST

START_TEST(bad_attribute_layouts)
{
	uint8_t b[256];
	size_t n = unhex(REQ, b, sizeof(b));
	struct stun_msg m;
	uint8_t c[256];

	/* attribute length running past the end */
	memcpy(c, b, n);
	c[20 + 2] = 0x7f;
	ck_assert_int_eq(stun_parse(&m, c, n), -1);
	/* an attribute after FINGERPRINT */
	memcpy(c, b, n);
	memcpy(c + n, "\x00\x24\x00\x04\x00\x00\x00\x00", 8);
	c[3] = (uint8_t)(c[3] + 8);
	ck_assert_int_eq(stun_parse(&m, c, n + 8), -1);
	/* bad magic cookie */
	memcpy(c, b, n);
	c[4] = 0;
	ck_assert_int_eq(stun_parse(&m, c, n), -1);
	/* length not a multiple of 4 */
	memcpy(c, b, n);
	c[3] = (uint8_t)(c[3] - 1);
	ck_assert_int_eq(stun_parse(&m, c, n - 1), -1);
}
END_TEST

/* Random garbage never crashes the parser (smoke test; see tests/fuzz). */
START_TEST(random_garbage)
{
	uint8_t b[600];
	struct stun_msg m;
	char u[300];
	unsigned seed = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(b));
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand_r(&seed);
		if (n >= 8 && (i & 1)) {
			b[0] = 0;
			b[1] = 1;
			b[2] = (uint8_t)((n - 20) >> 8);
			b[3] = (uint8_t)(n - 20);
			b[4] = 0x21; b[5] = 0x12; b[6] = 0xa4; b[7] = 0x42;
		}
		if (stun_parse(&m, b, n) == 0) {
			(void)stun_check_integrity(&m, "k", 1);
			(void)stun_check_fingerprint(&m);
		}
		(void)stun_peek(b, n, u, sizeof(u));
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stun");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, rfc5769_request);
	tcase_add_test(tc, rfc5769_responses);
	tcase_add_test(tc, builder_reproduces_vectors);
	tcase_add_test(tc, peek_extracts_local_ufrag);
	tcase_add_test(tc, truncations_rejected);
	tcase_add_test(tc, bad_attribute_layouts);
	tcase_add_test(tc, random_garbage);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
