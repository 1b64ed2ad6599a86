/* check_srtp: the SRTP session pair against libsrtp's published reference
 * packets (RFC 3711 test key; AES-GCM), round trips with mirrored keys
 * (fixed and from a real DTLS handshake), replay and tag checks, buffer
 * limits, RTP/RTCP demultiplexing and the RTP header reader. */
#include <srtp2/srtp.h>

#include "dtlspair.h"
#include "testutil.h"
#include "worker/srtp_sess.h"

/* RFC 3711 Appendix B master key/salt with libsrtp's srtp_validate()
 * reference packets (SSRC 0xcafebabe, seq 0x1234). */
static const char *CM_KEY = "e1f97a0d3e018be0d64fa32c06de4139";
static const char *CM_SALT = "0ec675ad498afeebb6960b3aabe6";
static const char *CM_SRTP = "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402"
			     "b78d6acc99ea179b8dbb";
static const char *CM_SRTCP = "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001"
			      "993e08cd54d6c1230798";
/* libsrtp's srtp_validate_gcm() reference (AEAD_AES_128_GCM, 16-byte tag). */
static const char *GCM_KEY = "000102030405060708090a0b0c0d0e0f";
static const char *GCM_SALT = "a0a1a2a3a4a5a6a7a8a9aaab";
static const char *GCM_SRTP = "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06e"
			      "d2976826f796b201df3131a127e8a392";
static const char *GCM_SRTCP = "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbe"
			       "a2b3b446ea31123ba88ce61e80000001";
static const char *RTP_PLAIN = "800f1234decafbadcafebabeabababababababababababababababab";
static const char *RTCP_PLAIN = "81c8000bcafebabeabababababababababababababababab";

static void
setup(void)
{
	ck_assert_int_eq(srtp_init(), srtp_err_status_ok);
}

static void
teardown(void)
{
	(void)srtp_shutdown();
}

/* Keys for side A (local = k1) and side B (local = k2): mirror images. */
static void
keys_pair(int profile, struct dtls_srtp_keys *a, struct dtls_srtp_keys *b)
{
	size_t sl = profile == DTLS_SRTP_AEAD_AES_128_GCM ? 12 : 14;

	memset(a, 0, sizeof(*a));
	a->profile = profile;
	a->key_len = 16;
	a->salt_len = sl;
	for (size_t i = 0; i < 16; i++) {
		a->local_key[i] = (uint8_t)(0x10 + i);
		a->remote_key[i] = (uint8_t)(0x80 + i);
	}
	for (size_t i = 0; i < sl; i++) {
		a->local_salt[i] = (uint8_t)(0x40 + i);
		a->remote_salt[i] = (uint8_t)(0xc0 + i);
	}
	*b = *a;
	memcpy(b->local_key, a->remote_key, 16);
	memcpy(b->remote_key, a->local_key, 16);
	memcpy(b->local_salt, a->remote_salt, sl);
	memcpy(b->remote_salt, a->local_salt, sl);
}

static struct srtp_sess *
sess(const struct dtls_srtp_keys *k)
{
	char err[128];
	struct srtp_sess *s = srtp_sess_new(k, err, sizeof(err));

	ck_assert_msg(s != NULL, "srtp_sess_new: %s", err);
	return s;
}

/* Both directions of one reference vector through our API. */
static void
known_answer(int profile, const char *key, const char *salt, const char *plain,
    const char *cipher, int rtcp)
{
	struct dtls_srtp_keys tx, rx;
	uint8_t p[256], want[256], ref[256];
	size_t n, wn, rn;
	struct srtp_sess *s, *r;

	memset(&tx, 0, sizeof(tx));
	tx.profile = profile;
	tx.key_len = unhex(key, tx.local_key, sizeof(tx.local_key));
	tx.salt_len = unhex(salt, tx.local_salt, sizeof(tx.local_salt));
	memcpy(tx.remote_key, tx.local_key, tx.key_len);
	memcpy(tx.remote_salt, tx.local_salt, tx.salt_len);
	rx = tx;
	s = sess(&tx);
	r = sess(&rx);
	n = unhex(plain, p, sizeof(p));
	rn = unhex(plain, ref, sizeof(ref));
	wn = unhex(cipher, want, sizeof(want));
	ck_assert_int_eq(srtp_sess_protect(s, p, &n, sizeof(p), rtcp), 0);
	ck_assert_uint_eq(n, wn);
	ck_assert_int_eq(memcmp(p, want, wn), 0);
	ck_assert_int_eq(srtp_sess_unprotect(r, want, &wn, rtcp), 0);
	ck_assert_uint_eq(wn, rn);
	ck_assert_int_eq(memcmp(want, ref, rn), 0);
	srtp_sess_free(s);
	srtp_sess_free(r);
}

START_TEST(vectors_cm)
{
	known_answer(DTLS_SRTP_AES128_CM_SHA1_80, CM_KEY, CM_SALT, RTP_PLAIN, CM_SRTP, 0);
	known_answer(DTLS_SRTP_AES128_CM_SHA1_80, CM_KEY, CM_SALT, RTCP_PLAIN, CM_SRTCP, 1);
}
END_TEST

START_TEST(vectors_gcm)
{
	known_answer(DTLS_SRTP_AEAD_AES_128_GCM, GCM_KEY, GCM_SALT, RTP_PLAIN, GCM_SRTP, 0);
	known_answer(DTLS_SRTP_AEAD_AES_128_GCM, GCM_KEY, GCM_SALT, RTCP_PLAIN, GCM_SRTCP, 1);
}
END_TEST

static size_t
make_rtp(uint8_t *p, uint16_t seq, size_t payload)
{
	p[0] = 0x80;
	p[1] = 96;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	memcpy(p + 4, "\x00\x01\x02\x03\x11\x22\x33\x44", 8);
	for (size_t i = 0; i < payload; i++)
		p[12 + i] = (uint8_t)(i ^ seq);
	return 12 + payload;
}

static size_t
make_rtcp_rr(uint8_t *p)
{
	static const uint8_t rr[] = { 0x81, 0xc9, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
		0x77, 0x88, 0, 0, 0, 1, 0, 0, 0x12, 0x34, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0 };

	memcpy(p, rr, sizeof(rr));
	return sizeof(rr);
}

/* Protect on A, unprotect on B (and back), then replay and tampering. */
static void
round_trip(int profile, int rtcp)
{
	struct dtls_srtp_keys ka, kb;
	struct srtp_sess *a, *b;
	uint8_t p[1500], orig[1500], saved[1500];
	size_t n, on, sn, tag = profile == DTLS_SRTP_AEAD_AES_128_GCM ? 16 : 10;

	keys_pair(profile, &ka, &kb);
	a = sess(&ka);
	b = sess(&kb);
	ck_assert_int_eq(srtp_sess_profile(a), profile);
	for (uint16_t seq = 1; seq <= 50; seq++) {
		n = rtcp ? make_rtcp_rr(p) : make_rtp(p, seq, 20u + seq * 10u);
		memcpy(orig, p, n);
		on = n;
		ck_assert_int_eq(srtp_sess_protect(a, p, &n, sizeof(p), rtcp), 0);
		ck_assert_uint_eq(n, on + tag + (rtcp ? 4 : 0));
		ck_assert_int_ne(memcmp(p + 12, orig + 12, on - 12), 0);   /* encrypted */
		memcpy(saved, p, n);
		sn = n;
		ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, rtcp), 0);
		ck_assert_uint_eq(n, on);
		ck_assert_int_eq(memcmp(p, orig, on), 0);
		/* The same packet again is a replay. */
		memcpy(p, saved, sn);
		n = sn;
		ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, rtcp), SRTP_SESS_REPLAY);
	}
	/* Tag and body tampering. */
	n = rtcp ? make_rtcp_rr(p) : make_rtp(p, 1000, 100);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, sizeof(p), rtcp), 0);
	memcpy(saved, p, n);
	sn = n;
	/* The tag: last bytes for SRTP; before the SRTCP index with GCM. */
	p[rtcp ? n - 5 : n - 1] ^= 0x01;
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, rtcp), SRTP_SESS_AUTH);
	memcpy(p, saved, sn);
	n = sn;
	p[14] ^= 0x80;
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, rtcp), SRTP_SESS_AUTH);
	/* The wrong direction's key does not authenticate either. */
	memcpy(p, saved, sn);
	n = sn;
	ck_assert_int_eq(srtp_sess_unprotect(a, p, &n, rtcp), SRTP_SESS_AUTH);
	/* The untouched packet still verifies on the right side. */
	memcpy(p, saved, sn);
	n = sn;
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, rtcp), 0);
	srtp_sess_free(a);
	srtp_sess_free(b);
}

START_TEST(rtp_cm)
{
	round_trip(DTLS_SRTP_AES128_CM_SHA1_80, 0);
}
END_TEST

START_TEST(rtcp_cm)
{
	round_trip(DTLS_SRTP_AES128_CM_SHA1_80, 1);
}
END_TEST

START_TEST(rtp_gcm)
{
	round_trip(DTLS_SRTP_AEAD_AES_128_GCM, 0);
}
END_TEST

START_TEST(rtcp_gcm)
{
	round_trip(DTLS_SRTP_AEAD_AES_128_GCM, 1);
}
END_TEST

/* The echo path may protect the same sequence number twice. */
START_TEST(repeat_tx_allowed)
{
	struct dtls_srtp_keys ka, kb;
	struct srtp_sess *a;
	uint8_t p[256];
	size_t n;

	keys_pair(DTLS_SRTP_AEAD_AES_128_GCM, &ka, &kb);
	a = sess(&ka);
	n = make_rtp(p, 7, 40);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, sizeof(p), 0), 0);
	n = make_rtp(p, 7, 40);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, sizeof(p), 0), 0);
	srtp_sess_free(a);
}
END_TEST

START_TEST(buffer_limits)
{
	struct dtls_srtp_keys ka, kb;
	struct srtp_sess *a, *b;
	uint8_t p[512], copy[512];
	size_t n, n0;

	keys_pair(DTLS_SRTP_AES128_CM_SHA1_80, &ka, &kb);
	a = sess(&ka);
	b = sess(&kb);
	n0 = n = make_rtp(p, 1, 100);
	memcpy(copy, p, n);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, n + SRTP_SESS_TRAILER_MAX - 1, 0), -1);
	ck_assert_uint_eq(n, n0);
	ck_assert_int_eq(memcmp(p, copy, n), 0);   /* untouched */
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, n - 1, 0), -1);
	n = make_rtcp_rr(p);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, n + SRTP_SESS_TRAILER_MAX - 1, 1), -1);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, n + SRTP_SESS_TRAILER_MAX, 1), 0);
	/* Truncated or malformed input never reaches libsrtp. */
	n = 11;
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, 0), SRTP_SESS_ERR);
	n = 7;
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, 1), SRTP_SESS_ERR);
	n = make_rtp(p, 2, 4);
	p[0] = 0x8f;   /* 15 CSRCs in a 16-byte packet */
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, 0), SRTP_SESS_ERR);
	ck_assert_int_eq(srtp_sess_protect(a, p, &n, sizeof(p), 0), -1);
	n = SRTP_SESS_MAX_PACKET + 1;
	ck_assert_int_eq(srtp_sess_unprotect(b, p, &n, 0), SRTP_SESS_ERR);
	/* Short SRTP packets that pass the header check fail authentication. */
	n = make_rtp(p, 3, 4);
	ck_assert_int_lt(srtp_sess_unprotect(b, p, &n, 0), 0);
	srtp_sess_free(a);
	srtp_sess_free(b);
}
END_TEST

START_TEST(random_input)
{
	struct dtls_srtp_keys ka, kb;
	struct srtp_sess *b;
	uint8_t p[1600];
	uint32_t x = 12345;

	keys_pair(DTLS_SRTP_AEAD_AES_128_GCM, &ka, &kb);
	b = sess(&kb);
	for (int i = 0; i < 3000; i++) {
		size_t n = 0;
		int rtcp = i & 1;
		x = x * 1103515245u + 12345u;
		n = (x >> 8) % 1400;
		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			p[k] = (uint8_t)(x >> 16);
		}
		if (n > 0)
			p[0] = (uint8_t)(0x80 | (p[0] & 0x3f));
		ck_assert_int_lt(srtp_sess_unprotect(b, p, &n, rtcp), 0);
	}
	srtp_sess_free(b);
}
END_TEST

START_TEST(bad_keys)
{
	struct dtls_srtp_keys k, kb;
	char err[128];

	keys_pair(DTLS_SRTP_AES128_CM_SHA1_80, &k, &kb);
	k.salt_len = 12;
	ck_assert_ptr_null(srtp_sess_new(&k, err, sizeof(err)));
	keys_pair(DTLS_SRTP_AEAD_AES_128_GCM, &k, &kb);
	k.salt_len = 14;
	ck_assert_ptr_null(srtp_sess_new(&k, err, sizeof(err)));
	k.profile = 99;
	ck_assert_ptr_null(srtp_sess_new(&k, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "profile"));
	srtp_sess_free(NULL);
}
END_TEST

/* Keys from a real handshake drive a working media path both ways. */
START_TEST(from_dtls_handshake)
{
	struct ident *ci = calloc(1, sizeof(*ci)), *si = calloc(1, sizeof(*si));
	struct side *c = side_new(), *s = side_new();
	struct dtls_cfg cc, sc;
	struct dtls_srtp_keys ck, sk;
	struct srtp_sess *cs, *ss;
	uint8_t p[512], orig[512];
	size_t n, on;

	ck_assert_ptr_nonnull(ci);
	ck_assert_ptr_nonnull(si);
	ident_make(ci);
	ident_make(si);
	side_cfg(c, &cc, DTLS_ROLE_CLIENT, ci, si);
	side_cfg(s, &sc, DTLS_ROLE_SERVER, si, ci);
	cc.use_srtp = sc.use_srtp = 1;
	side_open(c, &cc);
	side_open(s, &sc);
	pair_handshake(c, s);
	ck_assert_int_eq(dtls_srtp_keys(c->d, &ck), 0);
	ck_assert_int_eq(dtls_srtp_keys(s->d, &sk), 0);
	cs = sess(&ck);
	ss = sess(&sk);
	on = n = make_rtp(p, 100, 160);
	memcpy(orig, p, n);
	ck_assert_int_eq(srtp_sess_protect(cs, p, &n, sizeof(p), 0), 0);
	ck_assert_int_eq(srtp_sess_unprotect(ss, p, &n, 0), 0);
	ck_assert_uint_eq(n, on);
	ck_assert_int_eq(memcmp(p, orig, on), 0);
	n = make_rtcp_rr(p);
	ck_assert_int_eq(srtp_sess_protect(ss, p, &n, sizeof(p), 1), 0);
	ck_assert_int_eq(srtp_sess_unprotect(cs, p, &n, 1), 0);
	/* A session must not accept its own output (keys differ per direction). */
	n = make_rtp(p, 101, 10);
	ck_assert_int_eq(srtp_sess_protect(ss, p, &n, sizeof(p), 0), 0);
	ck_assert_int_eq(srtp_sess_unprotect(ss, p, &n, 0), SRTP_SESS_AUTH);
	srtp_sess_free(cs);
	srtp_sess_free(ss);
	side_free(c);
	side_free(s);
	free(ci);
	free(si);
}
END_TEST

START_TEST(rtcp_demux)
{
	static const struct { uint8_t b0, b1; int rtcp; } cases[] = {
		{ 0x80, 200, 1 },   /* SR */
		{ 0x81, 201, 1 },   /* RR */
		{ 0x80, 192, 1 },   /* lowest RTCP type (FIR, historic) */
		{ 0x80, 223, 1 },   /* highest */
		{ 0x80, 205, 1 },   /* RTPFB */
		{ 0x80, 96, 0 },    /* RTP PT 96 */
		{ 0x80, 0x80 | 96, 0 },   /* PT 96 with marker = 224 */
		{ 0x80, 191, 0 },   /* PT 63 with marker */
		{ 0x80, 0, 0 },     /* PCMU */
		{ 0x80, 0x80 | 111, 0 },
		{ 0x40, 200, 0 },   /* version 1 */
	};
	uint8_t p[8] = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p[0] = cases[i].b0;
		p[1] = cases[i].b1;
		ck_assert_msg(rtp_is_rtcp(p, sizeof(p)) == cases[i].rtcp, "case %zu", i);
	}
	p[0] = 0x80;
	p[1] = 200;
	ck_assert_int_eq(rtp_is_rtcp(p, 1), 0);
	ck_assert_int_eq(rtp_is_rtcp(p, 0), 0);
}
END_TEST

START_TEST(rtp_header_parse)
{
	/* V=2 X=1 CC=2, M=1 PT=111, seq 0xabcd, ts, ssrc, 2 CSRCs, one-byte
	 * extension (0xBEDE, 1 word: id 1 len 1 + padding), 3-byte payload. */
	static const char *pkt = "92efabcd0102030411223344"
				 "aaaaaaaabbbbbbbb"
				 "bede0001" "10ff0000"
				 "c0ffee";
	uint8_t p[64];
	size_t n = unhex(pkt, p, sizeof(p));
	struct rtp_hdr h;

	ck_assert_uint_eq(n, 31);
	ck_assert_int_eq(rtp_parse_header(p, n, &h), 0);
	ck_assert_uint_eq(h.version, 2);
	ck_assert_uint_eq(h.padding, 0);
	ck_assert_uint_eq(h.extension, 1);
	ck_assert_uint_eq(h.csrc_count, 2);
	ck_assert_uint_eq(h.marker, 1);
	ck_assert_uint_eq(h.pt, 111);
	ck_assert_uint_eq(h.seq, 0xabcd);
	ck_assert_uint_eq(h.ts, 0x01020304);
	ck_assert_uint_eq(h.ssrc, 0x11223344);
	ck_assert_uint_eq(h.ext_profile, 0xbede);
	ck_assert_uint_eq(h.ext_off, 24);
	ck_assert_uint_eq(h.ext_len, 4);
	ck_assert_uint_eq(h.hdr_len, 28);
	ck_assert_uint_eq(h.payload_len, 3);
	ck_assert_int_eq(memcmp(p + h.hdr_len, "\xc0\xff\xee", 3), 0);
	/* Every truncation inside the header is refused. */
	for (size_t k = 0; k < h.hdr_len; k++)
		ck_assert_msg(rtp_parse_header(p, k, &h) < 0, "len %zu", k);
	ck_assert_int_eq(rtp_parse_header(p, 28, &h), 0);
	ck_assert_uint_eq(h.payload_len, 0);
	/* Extension length running past the packet. */
	p[23] = 0x03;
	ck_assert_int_lt(rtp_parse_header(p, n, &h), 0);
	p[23] = 0x01;
	/* Wrong version. */
	p[0] = 0x52;
	ck_assert_int_lt(rtp_parse_header(p, n, &h), 0);
	p[0] = 0x92;
	/* SSRC rewrite (the echo path). */
	ck_assert_int_eq(rtp_set_ssrc(p, n, 0xdeadbeef), 0);
	ck_assert_int_eq(rtp_parse_header(p, n, &h), 0);
	ck_assert_uint_eq(h.ssrc, 0xdeadbeef);
	ck_assert_int_eq(rtp_set_ssrc(p, 11, 1), -1);
}
END_TEST

START_TEST(rtp_padding)
{
	uint8_t p[32];
	struct rtp_hdr h;
	size_t n = make_rtp(p, 1, 8);

	p[0] |= 0x20;   /* P bit */
	p[n - 1] = 3;
	ck_assert_int_eq(rtp_parse_header(p, n, &h), 0);
	ck_assert_uint_eq(h.padding, 1);
	ck_assert_uint_eq(h.payload_len, 5);
	p[n - 1] = 8;   /* all of the payload is padding */
	ck_assert_int_eq(rtp_parse_header(p, n, &h), 0);
	ck_assert_uint_eq(h.payload_len, 0);
	p[n - 1] = 9;   /* more padding than payload */
	ck_assert_int_lt(rtp_parse_header(p, n, &h), 0);
	p[n - 1] = 0;   /* a padding count of zero is invalid */
	ck_assert_int_lt(rtp_parse_header(p, n, &h), 0);
	ck_assert_int_lt(rtp_parse_header(p, 12, &h), 0);   /* P set, no payload */
}
END_TEST

static Suite *
srtp_suite(void)
{
	Suite *s = suite_create("srtp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, vectors_cm);
	tcase_add_test(tc, vectors_gcm);
	tcase_add_test(tc, rtp_cm);
	tcase_add_test(tc, rtcp_cm);
	tcase_add_test(tc, rtp_gcm);
	tcase_add_test(tc, rtcp_gcm);
	tcase_add_test(tc, repeat_tx_allowed);
	tcase_add_test(tc, buffer_limits);
	tcase_add_test(tc, random_input);
	tcase_add_test(tc, bad_keys);
	tcase_add_test(tc, from_dtls_handshake);
	tcase_add_test(tc, rtcp_demux);
	tcase_add_test(tc, rtp_header_parse);
	tcase_add_test(tc, rtp_padding);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(srtp_suite());
}
