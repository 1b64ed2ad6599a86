/* check_ice: the ICE-lite responder with a fixed clock: success responses
 * (integrity + fingerprint + XOR-MAPPED-ADDRESS), 400/401/487 only to
 * authenticated tuples, silent drops otherwise, libp2p credential learning
 * (v1 and v2), nomination and consent expiry. */
#include <sys/socket.h>

#include "common/stun.h"
#include "worker/ice.h"
#include "testutil.h"

static struct addr remote;

static size_t
request(uint8_t *out, const char *user, const char *pwd, int use_cand, int controlled,
    int fingerprint)
{
	struct stun_builder b;
	uint8_t txid[12] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
	uint8_t prio[4] = { 0x6e, 0, 1, 0xff }, tie[8] = { 0 };

	stun_build_begin(&b, out, 512, STUN_BINDING_REQUEST, txid);
	if (user)
		stun_build_attr(&b, STUN_ATTR_USERNAME, user, (uint16_t)strlen(user));
	stun_build_attr(&b, STUN_ATTR_PRIORITY, prio, 4);
	stun_build_attr(&b, controlled ? STUN_ATTR_ICE_CONTROLLED : STUN_ATTR_ICE_CONTROLLING, tie, 8);
	if (use_cand)
		stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	if (pwd)
		stun_build_integrity(&b, pwd, strlen(pwd));
	if (fingerprint)
		stun_build_fingerprint(&b);
	return (size_t)stun_build_end(&b);
}

static void
offer_ice(struct ice *ice)
{
	struct ice_cfg c;

	memset(&c, 0, sizeof(c));
	strcpy(c.ufrag, "srvU");
	strcpy(c.pwd, "serverpassword0123456789");
	c.consent_timeout_ms = 30000;
	ice_init(ice, &c);
	addr_parse(&remote, "192.0.2.7:4444");
}

START_TEST(success_response_is_valid)
{
	struct ice ice;
	struct ice_result r;
	uint8_t p[512];
	struct stun_msg m;
	struct addr mapped;
	size_t n;

	offer_ice(&ice);
	n = request(p, "srvU:cli", "serverpassword0123456789", 1, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 0, &r);
	ck_assert_int_eq(r.verdict, ICE_RESPOND);
	ck_assert_int_eq(r.nominated, 1);
	ck_assert_int_eq(stun_parse(&m, r.resp, r.resp_len), 0);
	ck_assert_uint_eq(m.type, STUN_BINDING_SUCCESS);
	ck_assert_int_eq(memcmp(m.txid, p + 8, 12), 0);
	ck_assert_int_eq(stun_check_integrity(&m, "serverpassword0123456789", 24), 0);
	ck_assert_int_eq(stun_check_fingerprint(&m), 0);
	ck_assert_int_eq(stun_get_xor_addr(&m, stun_find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS), &mapped), 0);
	ck_assert(addr_equal(&mapped, &remote));
	ck_assert_uint_eq(ice_consent_deadline(&ice), 31000);
}
END_TEST

START_TEST(unauthenticated_tuples_get_silence)
{
	struct ice ice;
	struct ice_result r;
	uint8_t p[512];
	size_t n;

	offer_ice(&ice);
	n = request(p, "srvU:cli", "wrongpassword", 0, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 0, &r);
	ck_assert_int_eq(r.verdict, ICE_DROP);
	n = request(p, "other:cli", "serverpassword0123456789", 0, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 0, &r);
	ck_assert_int_eq(r.verdict, ICE_DROP);
	n = request(p, NULL, NULL, 0, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 0, &r);
	ck_assert_int_eq(r.verdict, ICE_DROP);
	/* no FINGERPRINT: dropped even when everything else is right */
	n = request(p, "srvU:cli", "serverpassword0123456789", 0, 0, 0);
	ice_input(&ice, &remote, p, n, 1000, 1, &r);
	ck_assert_int_eq(r.verdict, ICE_DROP);
	ck_assert_uint_eq(ice_consent_deadline(&ice), UINT64_MAX);
}
END_TEST

static int
error_code_of(const struct ice_result *r)
{
	struct stun_msg m;
	const struct stun_attr *e;

	ck_assert_int_eq(stun_parse(&m, r->resp, r->resp_len), 0);
	ck_assert_uint_eq(m.type, STUN_BINDING_ERROR);
	e = stun_find(&m, STUN_ATTR_ERROR_CODE);
	ck_assert_ptr_nonnull(e);
	return stun_attr_value(&m, e)[2] * 100 + stun_attr_value(&m, e)[3];
}

START_TEST(authenticated_tuples_get_errors)
{
	struct ice ice;
	struct ice_result r;
	uint8_t p[512];
	size_t n;

	offer_ice(&ice);
	n = request(p, "srvU:cli", "wrongpassword", 0, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 1, &r);
	ck_assert_int_eq(r.verdict, ICE_ERROR);
	ck_assert_int_eq(error_code_of(&r), 401);
	n = request(p, NULL, NULL, 0, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 1, &r);
	ck_assert_int_eq(error_code_of(&r), 400);
	n = request(p, "srvU:cli", "serverpassword0123456789", 0, 1, 1);
	ice_input(&ice, &remote, p, n, 1000, 1, &r);
	ck_assert_int_eq(r.verdict, ICE_ERROR);
	ck_assert_int_eq(error_code_of(&r), 487);
}
END_TEST

START_TEST(libp2p_learns_credentials)
{
	const char *v1 = "libp2p+webrtc+v1/AbCdEfGhIjKlMnOpQrStUvWxYz012345";
	const char *v2 = "libp2p+webrtc+v2/clientpassword0123456789abc";
	struct ice_cfg c;
	struct ice ice;
	struct ice_result r;
	uint8_t p[512];
	char user[256];
	size_t n;

	memset(&c, 0, sizeof(c));
	c.learn_libp2p = 1;
	c.consent_timeout_ms = 5000;
	addr_parse(&remote, "[::1]:5000");
	for (int v = 0; v < 2; v++) {
		const char *u = v ? v2 : v1;
		ice_init(&ice, &c);
		/* wrong password first: nothing is learned for good */
		snprintf(user, sizeof(user), "%s:%s", u, v ? "cliUfrag" : u);
		n = request(p, user, "not-the-ufrag", 0, 0, 1);
		ice_input(&ice, &remote, p, n, 10, 0, &r);
		ck_assert_int_eq(r.verdict, ICE_DROP);
		n = request(p, user, u, 0, 0, 1);
		ice_input(&ice, &remote, p, n, 20, 0, &r);
		ck_assert_int_eq(r.verdict, ICE_RESPOND);
		ck_assert_str_eq(ice_local_ufrag(&ice), u);
		/* once learned, another ufrag is not ours */
		snprintf(user, sizeof(user), "libp2p+webrtc+v1/other:%s", u);
		n = request(p, user, "libp2p+webrtc+v1/other", 0, 0, 1);
		ice_input(&ice, &remote, p, n, 30, 0, &r);
		ck_assert_int_eq(r.verdict, ICE_DROP);
	}
	/* a non-libp2p ufrag is never learned */
	ice_init(&ice, &c);
	n = request(p, "plain:plain", "plain", 0, 0, 1);
	ice_input(&ice, &remote, p, n, 10, 0, &r);
	ck_assert_int_eq(r.verdict, ICE_DROP);
}
END_TEST

START_TEST(consent_moves_with_checks)
{
	struct ice ice;
	struct ice_result r;
	uint8_t p[512];
	size_t n;

	offer_ice(&ice);
	n = request(p, "srvU:cli", "serverpassword0123456789", 0, 0, 1);
	ice_input(&ice, &remote, p, n, 1000, 0, &r);
	ck_assert_uint_eq(ice_consent_deadline(&ice), 31000);
	ice_input(&ice, &remote, p, n, 20000, 1, &r);
	ck_assert_uint_eq(ice_consent_deadline(&ice), 50000);
	/* a bad check does not refresh consent */
	n = request(p, "srvU:cli", "bad", 0, 0, 1);
	ice_input(&ice, &remote, p, n, 40000, 1, &r);
	ck_assert_uint_eq(ice_consent_deadline(&ice), 50000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ice");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, success_response_is_valid);
	tcase_add_test(tc, unauthenticated_tuples_get_silence);
	tcase_add_test(tc, authenticated_tuples_get_errors);
	tcase_add_test(tc, libp2p_learns_credentials);
	tcase_add_test(tc, consent_moves_with_checks);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
