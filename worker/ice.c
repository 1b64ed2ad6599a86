/* ice: ICE-lite request handling and consent freshness (sans-IO). */
#include "ice.h"

#include <string.h>

#include "common/stun.h"

static const char *const libp2p_prefixes[] = { "libp2p+webrtc+v1/", "libp2p+webrtc+v2/" };

void
ice_init(struct ice *ice, const struct ice_cfg *cfg)
{
	memset(ice, 0, sizeof(*ice));
	ice->cfg = *cfg;
	ice->learned = !cfg->learn_libp2p;
}

uint64_t
ice_consent_deadline(const struct ice *ice)
{
	if (ice->last_valid_ms == 0)
		return UINT64_MAX;
	return ice->last_valid_ms + ice->cfg.consent_timeout_ms;
}

const char *
ice_local_ufrag(const struct ice *ice)
{
	return ice->cfg.ufrag;
}

static int
is_ice_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

/* libp2p WebRTC Direct: the local ufrag and password are both the USERNAME
 * part before ':' (v1: "libp2p+webrtc+v1/<rand>", v2 carries the client
 * password after the prefix; the integrity key is the same either way). */
static int
learn(struct ice *ice, const uint8_t *u, size_t ulen)
{
	const uint8_t *colon = memchr(u, ':', ulen);
	size_t ln = colon ? (size_t)(colon - u) : 0;
	int ok = 0;

	if (colon == NULL || ln < 4 || ln > ICE_MAX_CRED || !is_ice_chars((const char *)u, ln))
		return -1;
	for (size_t i = 0; i < sizeof(libp2p_prefixes) / sizeof(libp2p_prefixes[0]); i++) {
		size_t pl = strlen(libp2p_prefixes[i]);
		if (ln > pl && memcmp(u, libp2p_prefixes[i], pl) == 0)
			ok = 1;
	}
	if (!ok)
		return -1;
	memcpy(ice->cfg.ufrag, u, ln);
	ice->cfg.ufrag[ln] = '\0';
	memcpy(ice->cfg.pwd, u, ln);
	ice->cfg.pwd[ln] = '\0';
	return 0;
}

static void
respond_error(struct ice *ice, const struct stun_msg *m, int code, const char *reason,
    int sign, struct ice_result *out)
{
	struct stun_builder b;
	int n;

	stun_build_begin(&b, out->resp, sizeof(out->resp), STUN_BINDING_ERROR, m->txid);
	stun_build_error_code(&b, code, reason);
	if (sign)
		stun_build_integrity(&b, ice->cfg.pwd, strlen(ice->cfg.pwd));
	stun_build_fingerprint(&b);
	n = stun_build_end(&b);
	if (n < 0) {
		out->verdict = ICE_DROP;
		return;
	}
	out->resp_len = (size_t)n;
	out->verdict = ICE_ERROR;
	out->error_code = code;
}

static void
drop(struct ice_result *out, const char *why)
{
	out->verdict = ICE_DROP;
	out->why = why;
}

void
ice_input(struct ice *ice, const struct addr *remote, const uint8_t *p, size_t n,
    uint64_t now_ms, int tuple_authenticated, struct ice_result *out)
{
	struct stun_msg m;
	const struct stun_attr *user;
	struct stun_builder b;
	size_t ul;
	int len;

	memset(out, 0, offsetof(struct ice_result, resp));
	out->resp_len = 0;
	if (stun_parse(&m, p, n) < 0)
		{ drop(out, "malformed STUN"); return; }
	/* ICE requires FINGERPRINT on every check (RFC 8445 §7.2.2). */
	if (stun_check_fingerprint(&m) < 0)
		{ drop(out, "missing or bad FINGERPRINT"); return; }
	if (m.type == STUN_BINDING_INDICATION) {
		out->verdict = ICE_IGNORE;   /* keepalive */
		return;
	}
	if (m.type != STUN_BINDING_REQUEST)
		{ drop(out, "not a Binding request"); return; }
	user = stun_find(&m, STUN_ATTR_USERNAME);
	if (user == NULL || m.integrity_idx < 0) {
		/* RFC 8489 §9.1.3: 400 when credentials are missing. */
		if (tuple_authenticated)
			{ respond_error(ice, &m, 400, "Bad Request", 0, out); return; }
		{ drop(out, "no USERNAME or MESSAGE-INTEGRITY"); return; }
	}
	ul = strlen(ice->cfg.ufrag);
	if (!ice->learned) {
		if (learn(ice, stun_attr_value(&m, user), user->len) < 0)
			{ drop(out, "USERNAME is not a WebRTC Direct ufrag"); return; }
		ul = strlen(ice->cfg.ufrag);
	}
	/* USERNAME must be "<our ufrag>:<their ufrag>" (RFC 8445 §7.3). */
	if (user->len <= ul || memcmp(stun_attr_value(&m, user), ice->cfg.ufrag, ul) != 0 ||
	    stun_attr_value(&m, user)[ul] != ':') {
		ice->checks_bad++;
		if (tuple_authenticated)
			{ respond_error(ice, &m, 401, "Unauthenticated", 0, out); return; }
		{ drop(out, "USERNAME does not match"); return; }
	}
	if (stun_check_integrity(&m, ice->cfg.pwd, strlen(ice->cfg.pwd)) < 0) {
		ice->checks_bad++;
		if (tuple_authenticated)
			{ respond_error(ice, &m, 401, "Unauthenticated", 0, out); return; }
		{ drop(out, "bad MESSAGE-INTEGRITY"); return; }
	}
	if (!ice->learned)
		ice->learned = 1;   /* credentials fixed only once one check verified */
	/* A lite agent is always controlled: a peer that also claims the
	 * controlled role is in conflict (RFC 8445 §7.3.1.1). */
	if (stun_find(&m, STUN_ATTR_ICE_CONTROLLED) != NULL)
		{ respond_error(ice, &m, 487, "Role Conflict", 1, out); return; }
	ice->checks_ok++;
	ice->last_valid_ms = now_ms;
	out->nominated = stun_find(&m, STUN_ATTR_USE_CANDIDATE) != NULL;
	stun_build_begin(&b, out->resp, sizeof(out->resp), STUN_BINDING_SUCCESS, m.txid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, remote);
	stun_build_integrity(&b, ice->cfg.pwd, strlen(ice->cfg.pwd));
	stun_build_fingerprint(&b);
	len = stun_build_end(&b);
	if (len < 0)
		{ drop(out, "response does not fit"); return; }
	out->resp_len = (size_t)len;
	out->verdict = ICE_RESPOND;
}
