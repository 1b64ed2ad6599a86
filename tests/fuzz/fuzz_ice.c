/* fuzz_ice: the worker's ICE-lite responder (worker/ice.c) with a fixed
 * clock, in offer mode (fixed credentials) and in WebRTC Direct mode
 * (credentials learned from the first verified request). One input is a
 * script of STUN messages from one remote:
 *   byte 0: bit 0 = WebRTC Direct (learn_libp2p) mode
 *   then per message: flags (bit 0 tuple already authenticated, bit 1 build
 *   the message from attributes with the real builder, bit 2 add
 *   MESSAGE-INTEGRITY with the right key, bit 3 add FINGERPRINT, bit 4 IPv6
 *   remote, bit 5 use a wrong integrity key), a 16-bit time step, then either
 *   a raw message (16-bit length + bytes) or type, transaction id and
 *   attributes (count, then type + 8-bit length + value each).
 * Building with valid MESSAGE-INTEGRITY and FINGERPRINT lets the fuzzer get
 * past the checks that guard the interesting paths. Invariants: responses
 * are well-formed STUN with a valid FINGERPRINT (and MESSAGE-INTEGRITY with
 * our password on success), success only for a request that verifies,
 * 400/401 only to authenticated tuples, consent refreshed on success. */
#include <string.h>
#include <sys/socket.h>

#include "common/stun.h"
#include "fuzz.h"
#include "worker/ice.h"

#define ICE_FUZZ_MAX_MSGS 16
#define ICE_FUZZ_MAX_ATTRS 20

static const char UFRAG[] = "Fz9q";
static const char PWD[] = "fuzzpasswordfuzzpassword";

/* The integrity key a real peer would use for this message. */
static size_t
peer_key(const struct ice *ice, const uint8_t *user, size_t ulen, const char **key)
{
	const uint8_t *colon;

	if (!ice->cfg.learn_libp2p || ice->learned) {
		*key = ice->cfg.pwd;
		return strlen(ice->cfg.pwd);
	}
	if (user == NULL)
		return *key = "", 0;
	colon = memchr(user, ':', ulen);
	*key = (const char *)user;
	return colon ? (size_t)(colon - user) : ulen;
}

static size_t
build(struct fz *f, const struct ice *ice, uint8_t flags, uint8_t *buf, size_t cap)
{
	struct stun_builder b;
	uint8_t txid[12] = { 0 };
	const uint8_t *user = NULL, *t;
	size_t ulen = 0, got, kl;
	uint16_t type = fz_u16(f);
	int nattr = fz_u8(f) % (ICE_FUZZ_MAX_ATTRS + 1), n;
	const char *key;

	t = fz_take(f, sizeof(txid), &got);
	memcpy(txid, t, got);
	stun_build_begin(&b, buf, cap, type, txid);
	for (int i = 0; i < nattr; i++) {
		uint16_t at = fz_u16(f);
		const uint8_t *v = fz_chunk8(f, &got);
		stun_build_attr(&b, at, v, (uint16_t)got);
		if (at == STUN_ATTR_USERNAME && user == NULL) {
			user = v;
			ulen = got;
		}
	}
	if (flags & 4) {
		kl = peer_key(ice, user, ulen, &key);
		if (flags & 32)
			stun_build_integrity(&b, "wrong", 5);
		else
			stun_build_integrity(&b, key, kl);
	}
	if (flags & 8)
		stun_build_fingerprint(&b);
	n = stun_build_end(&b);
	return n < 0 ? 0 : (size_t)n;
}

static void
check_result(const struct ice *ice, const uint8_t *req, size_t reqlen, int authed,
    const struct addr *remote, const struct ice_result *r, uint64_t now)
{
	struct stun_msg q, m;
	struct addr a;

	FUZZ_CHECK(r->resp_len <= ICE_RESP_MAX);
	if (r->verdict == ICE_DROP || r->verdict == ICE_IGNORE) {
		FUZZ_CHECK(r->resp_len == 0);
		if (r->verdict == ICE_DROP)
			FUZZ_CHECK(r->why != NULL);
		return;
	}
	FUZZ_CHECK(r->verdict == ICE_RESPOND || r->verdict == ICE_ERROR);
	FUZZ_CHECK(stun_parse(&q, req, reqlen) == 0);
	FUZZ_CHECK(stun_parse(&m, r->resp, r->resp_len) == 0);
	FUZZ_CHECK(memcmp(m.txid, q.txid, 12) == 0);
	FUZZ_CHECK(stun_check_fingerprint(&m) == 0);
	if (r->verdict == ICE_RESPOND) {
		FUZZ_CHECK(m.type == STUN_BINDING_SUCCESS);
		FUZZ_CHECK(stun_check_integrity(&q, ice->cfg.pwd, strlen(ice->cfg.pwd)) == 0);
		FUZZ_CHECK(stun_check_integrity(&m, ice->cfg.pwd, strlen(ice->cfg.pwd)) == 0);
		FUZZ_CHECK(stun_find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS) != NULL);
		FUZZ_CHECK(stun_get_xor_addr(&m, stun_find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS), &a) == 0);
		FUZZ_CHECK(a.family == remote->family && a.port == remote->port);
		FUZZ_CHECK(memcmp(a.ip, remote->ip, a.family == AF_INET ? 4 : 16) == 0);
		FUZZ_CHECK(ice_consent_deadline(ice) == now + ice->cfg.consent_timeout_ms);
		FUZZ_CHECK(r->nominated == (stun_find(&q, STUN_ATTR_USE_CANDIDATE) != NULL));
		FUZZ_CHECK(ice->learned);
	} else {
		FUZZ_CHECK(m.type == STUN_BINDING_ERROR);
		FUZZ_CHECK(r->error_code == 400 || r->error_code == 401 || r->error_code == 487);
		if (r->error_code == 487)
			FUZZ_CHECK(stun_check_integrity(&q, ice->cfg.pwd, strlen(ice->cfg.pwd)) == 0);
		else
			FUZZ_CHECK(authed);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[2048];
	struct ice_cfg cfg;
	struct ice ice;
	struct ice_result r;
	struct addr remote;
	struct fz f;
	uint64_t now = 1000;

	fz_init(&f, data, size);
	memset(&cfg, 0, sizeof(cfg));
	cfg.learn_libp2p = fz_u8(&f) & 1;
	if (!cfg.learn_libp2p) {
		strcpy(cfg.ufrag, UFRAG);
		strcpy(cfg.pwd, PWD);
	}
	cfg.consent_timeout_ms = 30000;
	ice_init(&ice, &cfg);
	FUZZ_CHECK(ice_consent_deadline(&ice) == UINT64_MAX);
	for (int i = 0; i < ICE_FUZZ_MAX_MSGS && f.n > 0; i++) {
		uint8_t flags = fz_u8(&f);
		int authed = flags & 1;
		const uint8_t *req;
		uint8_t *copy;
		size_t n;

		now += fz_u16(&f);
		memset(&remote, 0, sizeof(remote));
		remote.family = (flags & 16) ? AF_INET6 : AF_INET;
		remote.port = 50000;
		remote.ip[0] = (flags & 16) ? 0xfe : 192;
		remote.ip[1] = (flags & 16) ? 0x80 : 168;
		remote.ip[15] = 7;
		if (flags & 2) {
			n = build(&f, &ice, flags, buf, sizeof(buf));
			req = buf;
		} else {
			req = fz_chunk16(&f, &n);
		}
		copy = fz_dup(req, n);
		ice_input(&ice, &remote, copy, n, now, authed, &r);
		check_result(&ice, copy, n, authed, &remote, &r, now);
		FUZZ_CHECK(strlen(ice_local_ufrag(&ice)) <= ICE_MAX_CRED);
		free(copy);
	}
	return 0;
}
