/* fuzz_stun_full: the worker's STUN codec on one datagram: stun_parse, then
 * MESSAGE-INTEGRITY (with the RFC 5769 password and with the USERNAME's
 * local part, the libp2p convention), FINGERPRINT and the (XOR-)MAPPED-
 * ADDRESS decoder on every attribute. Invariants: attribute views lie inside
 * the message, only FINGERPRINT follows MESSAGE-INTEGRITY, and rebuilding
 * the attributes with the builder (new MESSAGE-INTEGRITY and FINGERPRINT)
 * gives a message that parses to the same attributes and verifies. */
#include <string.h>
#include <sys/socket.h>

#include "common/stun.h"
#include "fuzz.h"

static const char PWD[] = "VOkJxbRl1RmTxUk/WvJxBt";   /* RFC 5769 §2 */

static void
check_views(const struct stun_msg *m, size_t size)
{
	FUZZ_CHECK(m->len == size && m->nattr <= STUN_MAX_ATTRS);
	for (int i = 0; i < m->nattr; i++) {
		const struct stun_attr *a = &m->attr[i];
		FUZZ_CHECK(a->off >= STUN_HDR_LEN + 4 && (size_t)a->off + a->len <= size);
		if (m->integrity_idx >= 0 && i > m->integrity_idx)
			FUZZ_CHECK(a->type == STUN_ATTR_FINGERPRINT);
	}
	if (m->fingerprint_idx >= 0)
		FUZZ_CHECK(m->fingerprint_idx == m->nattr - 1);
	if (m->integrity_idx >= 0)
		FUZZ_CHECK(m->attr[m->integrity_idx].len == 20);
}

static void
check_addrs(const struct stun_msg *m)
{
	for (int i = 0; i < m->nattr; i++) {
		struct addr a;
		if (stun_get_xor_addr(m, &m->attr[i], &a) == 0)
			FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
	}
}

/* The key libp2p peers use: the USERNAME part before ':'. */
static size_t
username_key(const struct stun_msg *m, const uint8_t **key)
{
	const struct stun_attr *u = stun_find(m, STUN_ATTR_USERNAME);
	const uint8_t *v, *colon;

	if (u == NULL)
		return 0;
	v = stun_attr_value(m, u);
	colon = memchr(v, ':', u->len);
	*key = v;
	return colon ? (size_t)(colon - v) : u->len;
}

static void
rebuild(const struct stun_msg *m)
{
	static uint8_t buf[70000];
	struct stun_builder b;
	struct stun_msg r;
	int n, k = 0;

	stun_build_begin(&b, buf, sizeof(buf), m->type, m->txid);
	for (int i = 0; i < m->nattr; i++) {
		const struct stun_attr *a = &m->attr[i];
		if (i == m->integrity_idx || i == m->fingerprint_idx)
			continue;
		stun_build_attr(&b, a->type, stun_attr_value(m, a), a->len);
	}
	stun_build_integrity(&b, PWD, strlen(PWD));
	stun_build_fingerprint(&b);
	n = stun_build_end(&b);
	if (n < 0)
		return;   /* too long once the two attributes are added */
	/* The length field has 16 bits: a longer message must be refused. */
	FUZZ_CHECK(n >= STUN_HDR_LEN && n - STUN_HDR_LEN <= 0xFFFF && (n & 3) == 0);
	if (stun_parse(&r, buf, (size_t)n) < 0) {
		/* Only too many attributes once M-I and FINGERPRINT are added. */
		FUZZ_CHECK(m->nattr + 2 > STUN_MAX_ATTRS);
		return;
	}
	FUZZ_CHECK(r.type == m->type && memcmp(r.txid, m->txid, 12) == 0);
	FUZZ_CHECK(stun_check_integrity(&r, PWD, strlen(PWD)) == 0);
	FUZZ_CHECK(stun_check_fingerprint(&r) == 0);
	for (int i = 0; i < m->nattr; i++) {
		const struct stun_attr *a = &m->attr[i], *c;
		if (i == m->integrity_idx || i == m->fingerprint_idx)
			continue;
		c = &r.attr[k++];
		FUZZ_CHECK(c->type == a->type && c->len == a->len);
		FUZZ_CHECK(memcmp(stun_attr_value(&r, c), stun_attr_value(m, a), a->len) == 0);
	}
	FUZZ_CHECK(r.nattr == k + 2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg m;
	const uint8_t *key = NULL;
	size_t kl;

	if (stun_parse(&m, data, size) < 0)
		return 0;
	FUZZ_CHECK(stun_is_stun(data, size));
	check_views(&m, size);
	check_addrs(&m);
	(void)stun_check_integrity(&m, PWD, strlen(PWD));
	kl = username_key(&m, &key);
	(void)stun_check_integrity(&m, key, kl);
	(void)stun_check_fingerprint(&m);
	rebuild(&m);
	return 0;
}
