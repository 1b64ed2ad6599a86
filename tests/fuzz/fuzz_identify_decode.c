/* fuzz_identify_decode: the libp2p Identify message parser
 * (worker/p2p/identify.c), a length-prefixed protobuf read from a stream.
 * The input is the stream. Invariants: a complete message consumed at most
 * the input; every field view lies inside it and the bounded lists hold;
 * re-encoding the parsed message (identify_encode, which leaves out the
 * signed peer record it never writes) and parsing that gives the same
 * fields; a message cut short is never reported complete. */
#include <string.h>

#include "fuzz.h"
#include "worker/p2p/identify.h"

static void
check_view(const struct identify_bytes *b, const uint8_t *data, size_t size)
{
	if (b->p == NULL)
		return;
	FUZZ_CHECK(b->p >= data && b->len <= size && b->p + b->len <= data + size);
}

static int
same(const struct identify_bytes *a, const struct identify_bytes *b)
{
	if ((a->p == NULL) != (b->p == NULL))
		return 0;
	return a->p == NULL || (a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[IDENTIFY_MAX_MSG + 16];
	struct identify_msg m, m2;
	size_t consumed = 0, c2 = 0;
	int rc = identify_decode(data, size, &m, &consumed), n;

	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
	if (rc != 1)
		return 0;
	FUZZ_CHECK(consumed > 0 && consumed <= size);
	FUZZ_CHECK(m.n_listen_addrs <= IDENTIFY_MAX_ADDRS && m.n_protocols <= IDENTIFY_MAX_PROTOCOLS);
	check_view(&m.public_key, data, size);
	check_view(&m.observed_addr, data, size);
	check_view(&m.protocol_version, data, size);
	check_view(&m.agent_version, data, size);
	check_view(&m.signed_peer_record, data, size);
	for (size_t i = 0; i < m.n_listen_addrs; i++)
		check_view(&m.listen_addrs[i], data, size);
	for (size_t i = 0; i < m.n_protocols; i++)
		check_view(&m.protocols[i], data, size);
	/* One byte short of the message: never complete. */
	{
		struct identify_msg t;
		size_t tc;
		uint8_t *cut = fz_dup(data, consumed - 1);
		FUZZ_CHECK(identify_decode(cut, consumed - 1, &t, &tc) != 1);
		free(cut);
	}
	n = identify_encode(&m, out, sizeof(out));
	if (n < 0)
		return 0;   /* the body with minimal varints cannot grow, but the cap may */
	FUZZ_CHECK(identify_decode(out, (size_t)n, &m2, &c2) == 1 && c2 == (size_t)n);
	FUZZ_CHECK(same(&m.public_key, &m2.public_key) && same(&m.observed_addr, &m2.observed_addr));
	FUZZ_CHECK(same(&m.protocol_version, &m2.protocol_version));
	FUZZ_CHECK(same(&m.agent_version, &m2.agent_version));
	FUZZ_CHECK(m2.signed_peer_record.p == NULL && m2.n_dropped == 0);
	FUZZ_CHECK(m.n_listen_addrs == m2.n_listen_addrs && m.n_protocols == m2.n_protocols);
	for (size_t i = 0; i < m.n_listen_addrs; i++)
		FUZZ_CHECK(same(&m.listen_addrs[i], &m2.listen_addrs[i]));
	for (size_t i = 0; i < m.n_protocols; i++)
		FUZZ_CHECK(same(&m.protocols[i], &m2.protocols[i]));
	return 0;
}
