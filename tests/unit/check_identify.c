/* check_identify: the /ipfs/id/1.0.0 Identify message: exact bytes of a
 * small message, a full server message round trip (key -> peer id as js
 * checks it, binary multiaddrs), the 8192-byte limit, stream decoding and
 * garbage. */
#include <stdlib.h>

#include "common/multiformats.h"
#include "worker/p2p/identify.h"
#include "testutil.h"

static const char *PUB_PB =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
static const char *MADDR =
    "/ip4/127.0.0.1/udp/39901/webrtc-direct/certhash/"
    "uEiDikp5KVUgkLta1EjUN-IKbHk-dUBg8VzKgf5nXxLK46w/p2p/"
    "12D3KooWNpDk9w6WrEEcdsEH1y47W71S36yFjw4sd3j7omzgCSMS";

static int
bytes_eq(struct identify_bytes b, const void *p, size_t n)
{
	return b.p != NULL && b.len == n && memcmp(b.p, p, n) == 0;
}

START_TEST(small_message_exact_bytes)
{
	uint8_t pk[40], out[128], want[128];
	struct identify_msg m;
	size_t pkl = unhex(PUB_PB, pk, sizeof(pk)), wn;

	memset(&m, 0, sizeof(m));
	m.public_key.p = pk;
	m.public_key.len = pkl;
	m.protocols[m.n_protocols++] = identify_str("/ipfs/ping/1.0.0");
	m.protocol_version = identify_str("ipfs/0.1.0");
	wn = unhex("44" "0a24" "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
	    "1a10" "2f697066732f70696e672f312e302e30" "2a0a" "697066732f302e312e30", want,
	    sizeof(want));
	ck_assert_int_eq(identify_encode(&m, out, sizeof(out)), (int)wn);
	ck_assert_mem_eq(out, want, wn);
	ck_assert_int_eq(identify_encode(&m, out, wn - 1), -1);
}
END_TEST

START_TEST(server_message_round_trip)
{
	static const char *const protos[] = { "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0" };
	uint8_t pk[40], la[MF_MADDR_BIN_MAX], ob[MF_MADDR_BIN_MAX], out[1024];
	struct identify_msg m, d;
	struct mf_maddr ma, mo;
	struct mf_peerid id;
	struct addr obs;
	size_t pkl = unhex(PUB_PB, pk, sizeof(pk)), used;
	char txt[MF_PEERID_TEXT_MAX];
	int lal, obl, n;

	memset(&m, 0, sizeof(m));
	m.public_key.p = pk;
	m.public_key.len = pkl;
	ck_assert_int_eq(mf_maddr_parse(MADDR, strlen(MADDR), &ma), 0);
	lal = mf_maddr_to_bin(&ma, la, sizeof(la));
	ck_assert_int_gt(lal, 0);
	m.listen_addrs[0].p = la;
	m.listen_addrs[0].len = (size_t)lal;
	m.n_listen_addrs = 1;
	for (size_t i = 0; i < 2; i++)
		m.protocols[m.n_protocols++] = identify_str(protos[i]);
	memset(&mo, 0, sizeof(mo));
	ck_assert_int_eq(addr_parse(&obs, "[2001:db8::7]:50000"), 0);
	mo.addr = obs;
	mo.webrtc_direct = 1;
	obl = mf_maddr_to_bin(&mo, ob, sizeof(ob));
	ck_assert_int_gt(obl, 0);
	m.observed_addr.p = ob;
	m.observed_addr.len = (size_t)obl;
	identify_set_server_versions(&m);
	ck_assert(bytes_eq(m.agent_version, "rtcd/" PACKAGE_VERSION, strlen("rtcd/" PACKAGE_VERSION)));

	n = identify_encode(&m, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(identify_decode(out, (size_t)n, &d, &used), 1);
	ck_assert_uint_eq(used, (size_t)n);
	ck_assert(bytes_eq(d.public_key, pk, pkl));
	ck_assert_uint_eq(d.n_listen_addrs, 1);
	ck_assert(bytes_eq(d.listen_addrs[0], la, (size_t)lal));
	ck_assert_uint_eq(d.n_protocols, 2);
	ck_assert(bytes_eq(d.protocols[0], "/ipfs/id/1.0.0", 14));
	ck_assert(bytes_eq(d.protocols[1], "/ipfs/ping/1.0.0", 16));
	ck_assert(bytes_eq(d.observed_addr, ob, (size_t)obl));
	ck_assert(bytes_eq(d.protocol_version, "ipfs/0.1.0", 10));
	ck_assert(bytes_eq(d.agent_version, "rtcd/" PACKAGE_VERSION, strlen("rtcd/" PACKAGE_VERSION)));
	ck_assert_ptr_null(d.signed_peer_record.p);
	ck_assert_uint_eq(d.n_dropped, 0);

	/* js: the public key must hash to the peer id of the connection. */
	ck_assert_int_eq(mf_peerid_from_pubkey(d.public_key.p, d.public_key.len, &id), 0);
	mf_peerid_to_text(&id, txt, sizeof(txt));
	ck_assert_str_eq(txt, "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq");
	/* The binary multiaddrs decode back. */
	ck_assert_int_eq(mf_maddr_from_bin(d.listen_addrs[0].p, d.listen_addrs[0].len, &mo), 0);
	ck_assert_uint_eq(mo.addr.port, 39901);
	ck_assert_int_eq(mf_maddr_from_bin(d.observed_addr.p, d.observed_addr.len, &mo), 0);
	ck_assert(addr_equal(&mo.addr, &obs));

	/* Every strict prefix asks for more; nothing is consumed. */
	for (int k = 0; k < n; k++) {
		ck_assert_int_eq(identify_decode(out, (size_t)k, &d, &used), 0);
		ck_assert_uint_eq(used, 0);
	}
}
END_TEST

START_TEST(size_limit)
{
	static uint8_t big[IDENTIFY_MAX_MSG + 16], out[IDENTIFY_MAX_MSG + 64];
	struct identify_msg m, d;
	size_t used;

	/* A body of exactly 8192 bytes: tag + 2-byte length + 8189. */
	memset(big, 'v', sizeof(big));
	memset(&m, 0, sizeof(m));
	m.protocol_version.p = big;
	m.protocol_version.len = IDENTIFY_MAX_MSG - 3;
	ck_assert_int_eq(identify_encode(&m, out, sizeof(out)), IDENTIFY_MAX_MSG + 2);
	ck_assert_int_eq(identify_decode(out, IDENTIFY_MAX_MSG + 2, &d, &used), 1);
	ck_assert_uint_eq(d.protocol_version.len, IDENTIFY_MAX_MSG - 3);
	m.protocol_version.len++;
	ck_assert_int_eq(identify_encode(&m, out, sizeof(out)), -1);
	/* A larger prefix is refused before the body arrives. */
	ck_assert_int_eq(identify_decode((const uint8_t *)"\x81\x40", 2, &d, &used), -1);
	/* Too many entries for the encoder. */
	memset(&m, 0, sizeof(m));
	m.n_listen_addrs = IDENTIFY_MAX_ADDRS + 1;
	ck_assert_int_eq(identify_encode(&m, out, sizeof(out)), -1);
	m.n_listen_addrs = 0;
	m.n_protocols = IDENTIFY_MAX_PROTOCOLS + 1;
	ck_assert_int_eq(identify_encode(&m, out, sizeof(out)), -1);
}
END_TEST

START_TEST(decode_tolerance_and_rejects)
{
	uint8_t b[2048];
	struct identify_msg d;
	size_t n, used;

	/* Unknown fields of all wire types are skipped; signedPeerRecord kept;
	 * the last singular value wins; a second message stays unread. */
	n = unhex("1d" "3801" "4a0178" "5500000000" "420173" "2a0161" "2a0162" "b90600000000000000"
	    "0400" "02" "0800", b, sizeof(b));
	ck_assert_int_eq(identify_decode(b, n, &d, &used), 1);
	ck_assert_uint_eq(used, 30);
	ck_assert(bytes_eq(d.signed_peer_record, "s", 1));
	ck_assert(bytes_eq(d.protocol_version, "b", 1));
	ck_assert_ptr_null(d.public_key.p);
	/* Empty message. */
	ck_assert_int_eq(identify_decode((const uint8_t *)"\x00", 1, &d, &used), 1);
	ck_assert_uint_eq(used, 1);
	ck_assert_int_eq(identify_decode(b, 0, &d, &used), 0);
	/* Known fields with the wrong wire type; malformed protobuf. */
	n = unhex("02" "0801", b, sizeof(b));
	ck_assert_int_eq(identify_decode(b, n, &d, &used), -1);
	n = unhex("02" "1a05", b, sizeof(b));
	ck_assert_int_eq(identify_decode(b, n, &d, &used), -1);
	n = unhex("01" "1b", b, sizeof(b));
	ck_assert_int_eq(identify_decode(b, n, &d, &used), -1);
	/* Over-long varint prefix. */
	n = unhex("ffffffffffffffffffff", b, sizeof(b));
	ck_assert_int_eq(identify_decode(b, n, &d, &used), -1);
	/* More protocols than stored: the rest is counted, not kept. */
	n = (size_t)mf_uvarint_encode((IDENTIFY_MAX_PROTOCOLS + 5) * 3, b, sizeof(b));
	for (int i = 0; i < IDENTIFY_MAX_PROTOCOLS + 5; i++) {
		b[n++] = 0x1a;
		b[n++] = 1;
		b[n++] = (uint8_t)('a' + i % 26);
	}
	ck_assert_int_eq(identify_decode(b, n, &d, &used), 1);
	ck_assert_uint_eq(d.n_protocols, IDENTIFY_MAX_PROTOCOLS);
	ck_assert_uint_eq(d.n_dropped, 5);
	ck_assert(bytes_eq(d.protocols[1], "b", 1));
}
END_TEST

START_TEST(garbage)
{
	uint8_t b[600];
	unsigned seed = 8080;

	for (int it = 0; it < 30000; it++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(b), used = 0;
		struct identify_msg d;
		int rc;

		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)rand_r(&seed);
		if (n >= 2 && (it & 1)) {
			b[0] = (uint8_t)(0x80 | ((n - 2) & 0x7f));
			b[1] = (uint8_t)((n - 2) >> 7);
		}
		rc = identify_decode(b, n, &d, &used);
		ck_assert(rc >= -1 && rc <= 1);
		if (rc == 1) {
			ck_assert_uint_le(used, n);
			ck_assert_uint_le(d.n_protocols, IDENTIFY_MAX_PROTOCOLS);
			ck_assert_uint_le(d.n_listen_addrs, IDENTIFY_MAX_ADDRS);
			for (size_t i = 0; i < d.n_protocols; i++)
				ck_assert(d.protocols[i].p + d.protocols[i].len <= b + n);
		} else {
			ck_assert_uint_eq(used, 0);
		}
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("identify");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, small_message_exact_bytes);
	tcase_add_test(tc, server_message_round_trip);
	tcase_add_test(tc, size_limit);
	tcase_add_test(tc, decode_tolerance_and_rejects);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
