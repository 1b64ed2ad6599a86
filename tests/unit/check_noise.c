/* check_noise: the generic Noise XX layer against published
 * Noise_XX_25519_ChaChaPoly_SHA256 vectors (cacophony and noise-c), the
 * WebRTC Direct prologue vector, the Ed25519 static-key signature sample,
 * and the libp2p engine: initiator vs responder in memory, hand-crafted
 * peers with bad or unusual payloads, every split position of the framed
 * stream, the NEED_SIGNATURE flow, and garbage/truncation robustness. */
#include <openssl/evp.h>

#include "common/util.h"
#include "worker/p2p/noise.h"
#include "testutil.h"

/* ---- shared keys ------------------------------------------------------- */

/* Noise test vector keys (cacophony / noise-c). */
static const char *V_INIT_S = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1";
static const char *V_INIT_E = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a";
static const char *V_RESP_S = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893";
static const char *V_RESP_E = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b";

/* libp2p/specs peer-ids.md Ed25519 test key (seed, then public key). */
static const char *SPEC_SEED = "7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d";
static const char *SPEC_PUB_PB =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
/* RFC 7748 §6.1 Alice's X25519 key pair. */
static const char *ALICE_PRIV = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char *ALICE_PUB = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

/* WebRTC Direct fingerprints from webrtc-direct.md §Test vectors. */
static const char *CLIENT_FP = "3e79af40d6059617a0d83b83a52ce73b0c1f37a72c6043ad2969e2351bdca870";
static const char *SERVER_FP = "30fc9f469c207419dfdd0aab5f27a86c973c94e40548db9375cca2e915973b99";

static uint8_t seed_a[32], seed_b[32], seed_c[32];
static uint8_t prologue[NOISE_PROLOGUE_LEN], prologue_swapped[NOISE_PROLOGUE_LEN];

static void
hexbuf(const char *hex, uint8_t *out, size_t n)
{
	ck_assert_uint_eq(unhex(hex, out, n), n);
}

/* ---- Ed25519 helpers (the supervisor's job in rtcd; local here) -------- */

static EVP_PKEY *
ed_key(const uint8_t seed[32])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	ck_assert_ptr_nonnull(k);
	return k;
}

static void
ed_sign(const uint8_t seed[32], const uint8_t *msg, size_t n, uint8_t sig[64])
{
	EVP_PKEY *k = ed_key(seed);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t len = 64;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_DigestSignInit(c, NULL, NULL, NULL, k), 1);
	ck_assert_int_eq(EVP_DigestSign(c, sig, &len, msg, n), 1);
	ck_assert_uint_eq(len, 64);
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
}

static void
ed_pub_pb(const uint8_t seed[32], uint8_t pb[NOISE_ED25519_PB_LEN])
{
	EVP_PKEY *k = ed_key(seed);
	size_t len = 32;

	memcpy(pb, "\x08\x01\x12\x20", 4);
	ck_assert_int_eq(EVP_PKEY_get_raw_public_key(k, pb + 4, &len), 1);
	EVP_PKEY_free(k);
}

static void
sign_engine(struct noise *n, const uint8_t seed[32])
{
	uint8_t msg[NOISE_TO_SIGN_LEN], sig[64];

	noise_static_to_sign(n, msg);
	ed_sign(seed, msg, sizeof(msg), sig);
	ck_assert_int_eq(noise_set_signature(n, sig, sizeof(sig)), 0);
}

static void
setup(void)
{
	uint8_t c[32], s[32];

	hexbuf(SPEC_SEED, seed_a, 32);
	memset(seed_b, 0x42, 32);
	memset(seed_c, 0x17, 32);
	hexbuf(CLIENT_FP, c, 32);
	hexbuf(SERVER_FP, s, 32);
	noise_webrtc_prologue(c, s, prologue);
	noise_webrtc_prologue(s, c, prologue_swapped);
}

/* ---- generic Noise XX against published vectors ----------------------- */

struct vec {
	const char *prologue;
	const char *hash;        /* handshake hash, or NULL when not published */
	const char *payload[6];
	const char *ct[6];
};

/* rweather/noise-c tests/vector/cacophony.txt, Noise_XX_25519_ChaChaPoly_SHA256. */
static const struct vec CACOPHONY = {
	"4a6f686e2047616c74", NULL,
	{ "4c756477696720766f6e204d69736573", "4d757272617920526f746862617264",
	  "462e20412e20486179656b", "4361726c204d656e676572", "4a65616e2d426170746973746520536179",
	  "457567656e2042f6686d20766f6e2042617765726b" },
	{ "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573",
	  "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285"
	  "e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f"
	  "8814c7194e83f23dbd8d162c9326ad",
	  "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f"
	  "58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030",
	  "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df",
	  "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5",
	  "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f" },
};

/* rweather/noise-c tests/vector/noise-c-basic.txt (with handshake_hash). */
static const struct vec NOISEC = {
	"50726f6c6f677565313233",
	"852a28d2146785c54bd8334f4e460c80d7fe4fd0cc5bc0abef2a24a3c4d44d5f",
	{ "4c756477696720766f6e204d69736573", "4d757272617920526f746862617264",
	  "462e20412e20486179656b", "4361726c204d656e676572", "4a65616e2d426170746973746520536179",
	  "457567656e2042f6686d20766f6e2042617765726b" },
	{ "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573",
	  "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285"
	  "e08d6b68aaa3629a5a8639392490e5b94a6d8798832d5372f220f161d9c2df035528f8982ffe09be9b5c412f8a0db5d2"
	  "1351f20af1370d0bf8ef1a8c59a30e",
	  "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a8589981dfbd651e6ff4724a781cc2aa61"
	  "58c9fea0d4ec82a286427484c5b8c8123a7a6002b1de9f9775fc97",
	  "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df",
	  "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5",
	  "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f" },
};

static void
init_vector_pair(struct noise_xx *i, struct noise_xx *r, const char *prologue_hex)
{
	uint8_t pro[64], is[32], ie[32], rs[32], re[32];
	size_t plen = unhex(prologue_hex, pro, sizeof(pro));

	hexbuf(V_INIT_S, is, 32);
	hexbuf(V_INIT_E, ie, 32);
	hexbuf(V_RESP_S, rs, 32);
	hexbuf(V_RESP_E, re, 32);
	ck_assert_int_eq(noise_xx_init(i, 1, pro, plen, is, ie), 0);
	ck_assert_int_eq(noise_xx_init(r, 0, pro, plen, rs, re), 0);
}

static void
run_vector(const struct vec *v)
{
	struct noise_xx i, r, *w, *rd;
	struct noise_cipher ic1, ic2, rc1, rc2, *enc, *dec;
	uint8_t pl[64], want[256], out[256], back[256], h[32];
	size_t plen, wlen, olen, blen;

	init_vector_pair(&i, &r, v->prologue);
	for (int m = 0; m < 3; m++) {
		w = m % 2 == 0 ? &i : &r;
		rd = m % 2 == 0 ? &r : &i;
		plen = unhex(v->payload[m], pl, sizeof(pl));
		wlen = unhex(v->ct[m], want, sizeof(want));
		ck_assert_int_eq(noise_xx_our_turn(w), 1);
		ck_assert_int_eq(noise_xx_our_turn(rd), 0);
		ck_assert_uint_eq(noise_xx_write_len(w, plen), wlen);
		ck_assert_int_eq(noise_xx_write(w, pl, plen, out, sizeof(out), &olen), 0);
		ck_assert_uint_eq(olen, wlen);
		ck_assert_mem_eq(out, want, wlen);
		ck_assert_int_eq(noise_xx_read(rd, out, olen, back, sizeof(back), &blen), 0);
		ck_assert_uint_eq(blen, plen);
		ck_assert_mem_eq(back, pl, plen);
	}
	ck_assert(noise_xx_done(&i) && noise_xx_done(&r));
	ck_assert_mem_eq(noise_xx_hash(&i), noise_xx_hash(&r), 32);
	if (v->hash != NULL) {
		hexbuf(v->hash, h, 32);
		ck_assert_mem_eq(noise_xx_hash(&i), h, 32);
	}
	/* The remote static keys are the peers' public keys. */
	ck_assert_mem_eq(noise_xx_remote_static(&i), noise_xx_static_pub(&r), 32);
	ck_assert_mem_eq(noise_xx_remote_static(&r), noise_xx_static_pub(&i), 32);
	/* Transport messages 4..6 after Split: c1 initiator->responder. */
	ck_assert_int_eq(noise_xx_split(&i, &ic1, &ic2), 0);
	ck_assert_int_eq(noise_xx_split(&r, &rc1, &rc2), 0);
	for (int m = 3; m < 6; m++) {
		enc = m % 2 == 0 ? &ic1 : &rc2;
		dec = m % 2 == 0 ? &rc1 : &ic2;
		plen = unhex(v->payload[m], pl, sizeof(pl));
		wlen = unhex(v->ct[m], want, sizeof(want));
		ck_assert_int_eq(noise_cipher_encrypt(enc, NULL, 0, pl, plen, out), 0);
		ck_assert_mem_eq(out, want, wlen);
		ck_assert_int_eq(noise_cipher_decrypt(dec, NULL, 0, out, wlen, back), 0);
		ck_assert_mem_eq(back, pl, plen);
	}
	noise_xx_clear(&i);
	noise_xx_clear(&r);
}

START_TEST(xx_cacophony_vector)
{
	run_vector(&CACOPHONY);
}
END_TEST

START_TEST(xx_noise_c_vector_with_hash)
{
	run_vector(&NOISEC);
}
END_TEST

/* Generic layer failures: tampering, wrong turn, short messages. */
START_TEST(xx_failures)
{
	struct noise_xx i, r;
	struct noise_cipher c = { .has_key = 0 };
	uint8_t m1[64] = { 0 }, m2[256], pl[256];
	size_t n1, n2, plen;

	init_vector_pair(&i, &r, "00");
	/* responder may not write first; initiator may not read first */
	ck_assert_int_eq(noise_xx_read(&i, m1, 32, pl, sizeof(pl), &plen), -1);
	ck_assert_ptr_nonnull(strstr(i.err, "unexpected"));
	init_vector_pair(&i, &r, "00");
	ck_assert_int_eq(noise_xx_write(&r, NULL, 0, m1, sizeof(m1), &n1), -1);
	init_vector_pair(&i, &r, "00");
	ck_assert_int_eq(noise_xx_write(&i, NULL, 0, m1, sizeof(m1), &n1), 0);
	ck_assert_uint_eq(n1, 32);
	ck_assert_int_eq(noise_xx_read(&r, m1, 31, pl, sizeof(pl), &plen), -1);   /* short e */
	init_vector_pair(&i, &r, "00");
	ck_assert_int_eq(noise_xx_write(&i, NULL, 0, m1, sizeof(m1), &n1), 0);
	ck_assert_int_eq(noise_xx_read(&r, m1, n1, pl, sizeof(pl), &plen), 0);
	ck_assert_int_eq(noise_xx_write(&r, (const uint8_t *)"x", 1, m2, sizeof(m2), &n2), 0);
	ck_assert_uint_eq(n2, 32 + 48 + 1 + 16);
	m2[40] ^= 0x01;   /* inside the encrypted static key */
	ck_assert_int_eq(noise_xx_read(&i, m2, n2, pl, sizeof(pl), &plen), -1);
	ck_assert_ptr_nonnull(strstr(i.err, "AEAD"));
	/* once failed, always failed */
	m2[40] ^= 0x01;
	ck_assert_int_eq(noise_xx_read(&i, m2, n2, pl, sizeof(pl), &plen), -1);
	/* message 2 cut inside the payload tag */
	init_vector_pair(&i, &r, "00");
	ck_assert_int_eq(noise_xx_write(&i, NULL, 0, m1, sizeof(m1), &n1), 0);
	ck_assert_int_eq(noise_xx_read(&r, m1, n1, pl, sizeof(pl), &plen), 0);
	ck_assert_int_eq(noise_xx_write(&r, NULL, 0, m2, sizeof(m2), &n2), 0);
	ck_assert_int_eq(noise_xx_read(&i, m2, 32 + 48 + 15, pl, sizeof(pl), &plen), -1);
	/* output buffer too small is refused before anything is written */
	init_vector_pair(&i, &r, "00");
	ck_assert_int_eq(noise_xx_write(&i, NULL, 0, m1, 31, &n1), -1);
	/* split before the end, cipher without a key */
	ck_assert_int_eq(noise_xx_split(&r, &c, &c), -1);
	ck_assert_int_eq(noise_cipher_encrypt(&c, NULL, 0, pl, 1, m2), -1);
	c.has_key = 1;
	c.n = UINT64_MAX;   /* reserved nonce (Noise spec §5.1) */
	ck_assert_int_eq(noise_cipher_encrypt(&c, NULL, 0, pl, 1, m2), -1);
}
END_TEST

/* ---- WebRTC Direct vectors --------------------------------------------- */

START_TEST(webrtc_prologue_vector)
{
	uint8_t want[NOISE_PROLOGUE_LEN];
	char hex[2 * NOISE_PROLOGUE_LEN + 1];

	snprintf(hex, sizeof(hex), "%s%s%s%s", "6c69627032702d7765627274632d6e6f6973653a1220",
	    CLIENT_FP, "1220", SERVER_FP);
	hexbuf(hex, want, sizeof(want));
	ck_assert_mem_eq(prologue, want, sizeof(want));
	/* The order matters (rust noise_prologue_tests). */
	ck_assert(memcmp(prologue, prologue_swapped, sizeof(want)) != 0);
}
END_TEST

/* webrtc-direct.md §10: spec Ed25519 key signs the prefix || Alice's X25519
 * public key; our engine builds the same to-be-signed bytes and accepts it. */
START_TEST(ed25519_signature_sample)
{
	static const char *SIG =
	    "c84e1c84bb80d0bb332cf313de42c71c5570c4a9f60603bbdd0a9cfff22b7a96"
	    "75f648f5399717439405ec5137d900a4bbb9f1cdf7884833f7c0dfa9c84a8502";
	struct noise_cfg cfg = { .role = NOISE_INITIATOR };
	uint8_t alice[32], alice_pub[32], msg[NOISE_TO_SIGN_LEN], sig[64], want[64];
	struct noise *n;

	hexbuf(ALICE_PRIV, alice, 32);
	hexbuf(ALICE_PUB, alice_pub, 32);
	hexbuf(SIG, want, 64);
	hexbuf(SPEC_PUB_PB, cfg.identity_key, NOISE_ED25519_PB_LEN);
	ed_pub_pb(seed_a, msg);
	ck_assert_mem_eq(msg, cfg.identity_key, NOISE_ED25519_PB_LEN);
	cfg.static_priv = alice;
	cfg.prologue = prologue;
	cfg.prologue_len = sizeof(prologue);
	n = noise_new(&cfg);
	ck_assert_ptr_nonnull(n);
	noise_static_to_sign(n, msg);
	ck_assert_mem_eq(msg, "noise-libp2p-static-key:", 24);
	ck_assert_mem_eq(msg + 24, alice_pub, 32);
	ed_sign(seed_a, msg, sizeof(msg), sig);
	ck_assert_mem_eq(sig, want, 64);
	/* a flipped bit is refused (and fails the engine) ... */
	sig[10] ^= 0x20;
	ck_assert_int_eq(noise_set_signature(n, sig, 64), -1);
	ck_assert_int_eq(noise_is_failed(n), 1);
	ck_assert_ptr_nonnull(strstr(noise_error(n), "does not verify"));
	noise_free(n);
	/* ... the published one is accepted */
	n = noise_new(&cfg);
	ck_assert_int_eq(noise_set_signature(n, want, 64), 0);
	ck_assert_int_eq(noise_is_failed(n), 0);
	noise_free(n);
}
END_TEST

/* ---- libp2p engine pairs ----------------------------------------------- */

struct keys {
	const uint8_t *s, *e;    /* fixed X25519 keys or NULL */
};

static struct noise *
mk(enum noise_role role, const uint8_t *pro, const uint8_t seed[32], const struct keys *k,
    int sign_now)
{
	struct noise_cfg cfg = { .role = role, .prologue = pro, .prologue_len = NOISE_PROLOGUE_LEN };
	struct noise *n;

	ed_pub_pb(seed, cfg.identity_key);
	if (k != NULL) {
		cfg.static_priv = k->s;
		cfg.ephemeral_priv = k->e;
	}
	n = noise_new(&cfg);
	ck_assert_ptr_nonnull(n);
	if (sign_now)
		sign_engine(n, seed);
	return n;
}

/* Write one message from n, or fail the test. */
static size_t
take(struct noise *n, uint8_t *out)
{
	size_t len = 0;

	ck_assert_int_eq(noise_write_message(n, out, NOISE_OUT_MAX, &len), NOISE_RC_MSG);
	ck_assert_uint_gt(len, 2);
	ck_assert_uint_eq(((size_t)out[0] << 8 | out[1]) + 2, len);
	return len;
}

/* Run a full handshake between two signed engines; record the frames. */
static void
handshake(struct noise *i, struct noise *r, uint8_t f[3][NOISE_OUT_MAX], size_t fl[3])
{
	fl[0] = take(i, f[0]);
	ck_assert_int_eq(noise_feed(r, f[0], fl[0]), 0);
	fl[1] = take(r, f[1]);
	ck_assert_int_eq(noise_feed(i, f[1], fl[1]), 0);
	fl[2] = take(i, f[2]);
	ck_assert_int_eq(noise_feed(r, f[2], fl[2]), 0);
}

static void
expect_peer_id(const struct noise *n, const uint8_t seed[32])
{
	uint8_t id[NOISE_PEER_ID_LEN], pb[NOISE_ED25519_PB_LEN];

	ed_pub_pb(seed, pb);
	ck_assert_int_eq(noise_remote_peer_id(n, id), 0);
	ck_assert_uint_eq(id[0], 0x00);
	ck_assert_uint_eq(id[1], 0x24);
	ck_assert_mem_eq(id + 2, pb, sizeof(pb));
}

START_TEST(libp2p_handshake)
{
	struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	struct noise *r = mk(NOISE_RESPONDER, prologue, seed_b, NULL, 1);
	uint8_t f[3][NOISE_OUT_MAX], id[NOISE_PEER_ID_LEN], spec_id[NOISE_PEER_ID_LEN], buf[8];
	size_t fl[3], len;

	ck_assert_int_eq(noise_remote_peer_id(i, id), -1);
	ck_assert_ptr_null(noise_handshake_hash(i));
	ck_assert_int_eq(noise_write_message(r, buf, sizeof(buf), &len), NOISE_RC_NONE);
	handshake(i, r, f, fl);
	/* Sizes from webrtc-direct.md §6: msg1 = 00 20 <e>, msg3 = 168 bytes. */
	ck_assert_uint_eq(fl[0], 34);
	ck_assert_uint_eq(f[0][0], 0x00);
	ck_assert_uint_eq(f[0][1], 0x20);
	ck_assert_uint_eq(fl[1], 2 + 32 + 48 + 104 + 16);
	ck_assert_uint_eq(fl[2], 2 + 168);
	ck_assert_uint_eq(f[2][1], 0xa8);
	ck_assert(noise_is_done(i) && noise_is_done(r));
	ck_assert_int_eq(noise_state(i), NOISE_DONE);
	ck_assert_str_eq(noise_error(i), "");
	expect_peer_id(i, seed_b);
	expect_peer_id(r, seed_a);
	/* The spec key's peer id is 00 24 || its PublicKey protobuf. */
	hexbuf("0024", spec_id, 2);
	hexbuf(SPEC_PUB_PB, spec_id + 2, NOISE_ED25519_PB_LEN);
	ck_assert_int_eq(noise_remote_peer_id(r, id), 0);
	ck_assert_mem_eq(id, spec_id, sizeof(id));
	ck_assert_mem_eq(noise_handshake_hash(i), noise_handshake_hash(r), 32);
	/* Nothing more to write; any further byte is a protocol violation. */
	ck_assert_int_eq(noise_write_message(i, f[0], NOISE_OUT_MAX, &len), NOISE_RC_NONE);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(noise_feed(i, (const uint8_t *)"\0", 1), -1);
	ck_assert_int_eq(noise_is_failed(i), 1);
	ck_assert_int_eq(noise_remote_peer_id(i, id), -1);
	noise_free(i);
	noise_free(r);
}
END_TEST

START_TEST(swapped_prologue_fails)
{
	struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	struct noise *r = mk(NOISE_RESPONDER, prologue_swapped, seed_b, NULL, 1);
	uint8_t f[NOISE_OUT_MAX];
	size_t len;

	len = take(i, f);
	ck_assert_int_eq(noise_feed(r, f, len), 0);   /* msg1 is not authenticated */
	len = take(r, f);
	ck_assert_int_eq(noise_feed(i, f, len), -1);
	ck_assert_int_eq(noise_is_failed(i), 1);
	ck_assert_ptr_nonnull(strstr(noise_error(i), "AEAD"));
	ck_assert_int_eq(noise_write_message(i, f, sizeof(f), &len), NOISE_RC_ERR);
	ck_assert_int_eq(noise_feed(i, f, 1), -1);
	noise_free(i);
	noise_free(r);
}
END_TEST

START_TEST(tampered_messages_fail)
{
	uint8_t f[3][NOISE_OUT_MAX];
	size_t fl[3], len;

	for (size_t pos = 2; pos < 2 + 32 + 48 + 120; pos += 7) {
		struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
		struct noise *r = mk(NOISE_RESPONDER, prologue, seed_b, NULL, 1);

		fl[0] = take(i, f[0]);
		ck_assert_int_eq(noise_feed(r, f[0], fl[0]), 0);
		len = take(r, f[1]);
		f[1][pos] ^= 0x80;
		ck_assert_int_eq(noise_feed(i, f[1], len), -1);
		ck_assert_int_eq(noise_is_failed(i), 1);
		noise_free(i);
		noise_free(r);
	}
	/* and message 3 at the responder */
	{
		struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
		struct noise *r = mk(NOISE_RESPONDER, prologue, seed_b, NULL, 1);

		fl[0] = take(i, f[0]);
		ck_assert_int_eq(noise_feed(r, f[0], fl[0]), 0);
		fl[1] = take(r, f[1]);
		ck_assert_int_eq(noise_feed(i, f[1], fl[1]), 0);
		fl[2] = take(i, f[2]);
		f[2][fl[2] - 1] ^= 1;
		ck_assert_int_eq(noise_feed(r, f[2], fl[2]), -1);
		ck_assert_ptr_nonnull(strstr(noise_error(r), "AEAD"));
		noise_free(i);
		noise_free(r);
	}
}
END_TEST

/* ---- hand-crafted peers (generic layer + arbitrary payloads) ------------ */

enum craft {
	C_GOOD,
	C_EXTRAS,          /* unknown fields, extensions, non-canonical order */
	C_BAD_SIG,
	C_OTHER_SIGNER,    /* announced key A, signed by key C */
	C_WRONG_STATIC,    /* signature over some other static key */
	C_SECP256K1,
	C_RSA,
	C_NO_SIG,
	C_NO_KEY,
	C_SHORT_KEY,
	C_SHORT_SIG,
	C_KEY_VARINT,      /* identity_key with wire type varint */
	C_TRUNC_FIELD,     /* length runs past the end */
	C_GROUP,           /* wire type 3 */
};

static size_t
pb_bytes(uint8_t *out, unsigned field, const uint8_t *v, size_t n)
{
	out[0] = (uint8_t)(field << 3 | 2);
	out[1] = (uint8_t)n;
	memcpy(out + 2, v, n);
	return n + 2;
}

/* Build a NoiseHandshakePayload for static key `spub` per mode. */
static size_t
craft_payload(enum craft mode, const uint8_t spub[32], uint8_t *out)
{
	uint8_t key[64], msg[NOISE_TO_SIGN_LEN], sig[64];
	size_t klen = NOISE_ED25519_PB_LEN, n = 0;

	ed_pub_pb(seed_b, key);
	memcpy(msg, "noise-libp2p-static-key:", 24);
	memcpy(msg + 24, spub, 32);
	if (mode == C_WRONG_STATIC)
		msg[30] ^= 1;
	ed_sign(mode == C_OTHER_SIGNER ? seed_c : seed_b, msg, sizeof(msg), sig);
	if (mode == C_BAD_SIG)
		sig[63] ^= 0x40;
	if (mode == C_SECP256K1 || mode == C_RSA)
		key[1] = mode == C_RSA ? 0 : 2;
	if (mode == C_SHORT_KEY) {
		key[3] = 31;
		klen = 35;
	}
	if (mode == C_EXTRAS) {
		/* unknown varint field 9, extensions { stream_muxers: "/yamux" },
		 * fixed32 field 7, then signature before key */
		memcpy(out, "\x48\x96\x01", 3);
		n += 3;
		n += pb_bytes(out + n, 4, (const uint8_t *)"\x12\x06/yamux", 8);
		memcpy(out + n, "\x3d\x01\x02\x03\x04", 5);
		n += 5;
		n += pb_bytes(out + n, 2, sig, 64);
		n += pb_bytes(out + n, 1, key, klen);
		return n;
	}
	if (mode == C_KEY_VARINT) {
		memcpy(out, "\x08\x01", 2);
		n += 2;
	} else if (mode != C_NO_KEY) {
		n += pb_bytes(out + n, 1, key, klen);
	}
	if (mode != C_NO_SIG)
		n += pb_bytes(out + n, 2, sig, mode == C_SHORT_SIG ? 63 : 64);
	if (mode == C_TRUNC_FIELD) {
		memcpy(out + n, "\x22\x10\x00", 3);
		n += 3;
	}
	if (mode == C_GROUP) {
		out[n++] = 0x2b;   /* field 5, start group */
	}
	return n;
}

/* Our libp2p initiator against a raw responder whose msg2 payload is
 * crafted. Returns the initiator after it processed msg2. */
static struct noise *
craft_vs_initiator(enum craft mode)
{
	struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	struct noise_xx r;
	uint8_t f[NOISE_OUT_MAX], pl[256], out[512], tmp[64];
	size_t len, plen, olen;

	len = take(i, f);
	ck_assert_int_eq(noise_xx_init(&r, 0, prologue, sizeof(prologue), NULL, NULL), 0);
	ck_assert_int_eq(noise_xx_read(&r, f + 2, len - 2, tmp, sizeof(tmp), &plen), 0);
	ck_assert_uint_eq(plen, 0);   /* libp2p msg1 carries no payload */
	plen = craft_payload(mode, noise_xx_static_pub(&r), pl);
	ck_assert_int_eq(noise_xx_write(&r, pl, plen, out + 2, sizeof(out) - 2, &olen), 0);
	out[0] = (uint8_t)(olen >> 8);
	out[1] = (uint8_t)olen;
	(void)noise_feed(i, out, olen + 2);
	noise_xx_clear(&r);
	return i;
}

/* Our libp2p responder against a raw initiator whose msg3 is crafted. */
static struct noise *
craft_vs_responder(enum craft mode)
{
	struct noise *r = mk(NOISE_RESPONDER, prologue, seed_a, NULL, 1);
	struct noise_xx i;
	uint8_t f[NOISE_OUT_MAX], pl[256], out[512];
	size_t len, plen, olen;

	ck_assert_int_eq(noise_xx_init(&i, 1, prologue, sizeof(prologue), NULL, NULL), 0);
	ck_assert_int_eq(noise_xx_write(&i, NULL, 0, out + 2, sizeof(out) - 2, &olen), 0);
	out[0] = 0;
	out[1] = (uint8_t)olen;
	ck_assert_int_eq(noise_feed(r, out, olen + 2), 0);
	len = take(r, f);
	ck_assert_int_eq(noise_xx_read(&i, f + 2, len - 2, pl, sizeof(pl), &plen), 0);
	plen = craft_payload(mode, noise_xx_static_pub(&i), pl);
	ck_assert_int_eq(noise_xx_write(&i, pl, plen, out + 2, sizeof(out) - 2, &olen), 0);
	out[0] = (uint8_t)(olen >> 8);
	out[1] = (uint8_t)olen;
	(void)noise_feed(r, out, olen + 2);
	noise_xx_clear(&i);
	return r;
}

static void
expect_craft(enum craft mode, const char *why)
{
	struct noise *n[2] = { craft_vs_initiator(mode), craft_vs_responder(mode) };

	for (int k = 0; k < 2; k++) {
		if (why == NULL) {
			ck_assert_msg(!noise_is_failed(n[k]), "mode %d: %s", mode, noise_error(n[k]));
			expect_peer_id(n[k], seed_b);
		} else {
			ck_assert_int_eq(noise_is_failed(n[k]), 1);
			ck_assert_msg(strstr(noise_error(n[k]), why) != NULL, "mode %d: got '%s'",
			    mode, noise_error(n[k]));
		}
		noise_free(n[k]);
	}
}

START_TEST(crafted_payloads)
{
	expect_craft(C_GOOD, NULL);
	expect_craft(C_EXTRAS, NULL);
	expect_craft(C_BAD_SIG, "does not verify");
	expect_craft(C_OTHER_SIGNER, "does not verify");
	expect_craft(C_WRONG_STATIC, "does not verify");
	expect_craft(C_SECP256K1, "unsupported identity key type 2");
	expect_craft(C_RSA, "unsupported identity key type 0");
	expect_craft(C_NO_SIG, "lacks");
	expect_craft(C_NO_KEY, "lacks");
	expect_craft(C_SHORT_KEY, "key of 31 bytes");
	expect_craft(C_SHORT_SIG, "signature of 63 bytes");
	expect_craft(C_KEY_VARINT, "malformed");
	expect_craft(C_TRUNC_FIELD, "malformed");
	expect_craft(C_GROUP, "malformed");
}
END_TEST

/* ---- framing: every split position -------------------------------------- */

static uint8_t ks_i_s[32], ks_i_e[32], ks_r_s[32], ks_r_e[32];

static void
fixed_keys(struct keys *ki, struct keys *kr)
{
	hexbuf(V_INIT_S, ks_i_s, 32);
	hexbuf(V_INIT_E, ks_i_e, 32);
	hexbuf(V_RESP_S, ks_r_s, 32);
	hexbuf(V_RESP_E, ks_r_e, 32);
	ki->s = ks_i_s;
	ki->e = ks_i_e;
	kr->s = ks_r_s;
	kr->e = ks_r_e;
}

/* Feed buf as chunks: split at a and b (a <= b), or one byte at a time. */
static int
feed_split(struct noise *n, const uint8_t *buf, size_t len, size_t a, size_t b, int bytewise)
{
	if (bytewise) {
		for (size_t k = 0; k < len; k++)
			if (noise_feed(n, buf + k, 1) < 0)
				return -1;
		return 0;
	}
	if (noise_feed(n, buf, a) < 0 || noise_feed(n, buf + a, b - a) < 0)
		return -1;
	return noise_feed(n, buf + b, len - b);
}

START_TEST(every_split_position)
{
	struct keys ki, kr;
	uint8_t f[3][NOISE_OUT_MAX], out[NOISE_OUT_MAX];
	size_t fl[3], len;
	struct noise *i, *r;

	fixed_keys(&ki, &kr);
	i = mk(NOISE_INITIATOR, prologue, seed_a, &ki, 1);
	r = mk(NOISE_RESPONDER, prologue, seed_b, &kr, 1);
	handshake(i, r, f, fl);
	noise_free(i);
	noise_free(r);
	/* Deterministic keys: the same messages come out every time. */
	for (size_t a = 0; a <= fl[1] + 1; a++) {
		int bytewise = a == fl[1] + 1;
		size_t b = bytewise ? 0 : a + (fl[1] - a) / 2;

		i = mk(NOISE_INITIATOR, prologue, seed_a, &ki, 1);
		len = take(i, out);
		ck_assert_mem_eq(out, f[0], len);
		ck_assert_int_eq(feed_split(i, f[1], fl[1], a, b, bytewise), 0);
		len = take(i, out);
		ck_assert_uint_eq(len, fl[2]);
		ck_assert_mem_eq(out, f[2], len);
		ck_assert_int_eq(noise_is_done(i), 1);
		expect_peer_id(i, seed_b);
		noise_free(i);
	}
	for (size_t a = 0; a <= fl[2] + 1; a++) {
		int bytewise = a == fl[2] + 1;
		size_t a1 = MIN(a, fl[0]);

		r = mk(NOISE_RESPONDER, prologue, seed_b, &kr, 1);
		ck_assert_int_eq(feed_split(r, f[0], fl[0], a1, a1, bytewise), 0);
		len = take(r, out);
		ck_assert_mem_eq(out, f[1], len);
		ck_assert_int_eq(feed_split(r, f[2], fl[2], a, a, bytewise), 0);
		ck_assert_int_eq(noise_is_done(r), 1);
		expect_peer_id(r, seed_a);
		noise_free(r);
	}
}
END_TEST

/* ---- the privilege-split signature flow --------------------------------- */

START_TEST(need_signature_flow)
{
	struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 0);
	struct noise *r = mk(NOISE_RESPONDER, prologue, seed_b, NULL, 0);
	uint8_t f[NOISE_OUT_MAX], msg[NOISE_TO_SIGN_LEN], sig[64];
	size_t len;

	/* msg1 needs no signature */
	len = take(i, f);
	ck_assert_int_eq(noise_feed(r, f, len), 0);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(noise_write_message(r, f, sizeof(f), &len), NOISE_RC_NEED_SIGNATURE);
		ck_assert_uint_eq(len, 0);
	}
	sign_engine(r, seed_b);
	len = take(r, f);
	ck_assert_int_eq(noise_feed(i, f, len), 0);
	/* the initiator knows the responder before it can answer */
	expect_peer_id(i, seed_b);
	ck_assert_int_eq(noise_write_message(i, f, sizeof(f), &len), NOISE_RC_NEED_SIGNATURE);
	ck_assert_int_eq(noise_is_done(i), 0);
	ck_assert_int_eq(noise_state(i), NOISE_HANDSHAKE);
	/* wrong-length signature: refused, engine failed */
	{
		struct noise *x = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 0);
		ck_assert_int_eq(noise_set_signature(x, sig, 63), -1);
		ck_assert_int_eq(noise_is_failed(x), 1);
		ck_assert_int_eq(noise_write_message(x, f, sizeof(f), &len), NOISE_RC_ERR);
		noise_free(x);
	}
	/* signature by the wrong identity: refused */
	{
		struct noise *x = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 0);
		noise_static_to_sign(x, msg);
		ed_sign(seed_c, msg, sizeof(msg), sig);
		ck_assert_int_eq(noise_set_signature(x, sig, 64), -1);
		ck_assert_ptr_nonnull(strstr(noise_error(x), "does not verify"));
		noise_free(x);
	}
	sign_engine(i, seed_a);
	len = take(i, f);
	ck_assert_int_eq(noise_is_done(i), 1);
	ck_assert_int_eq(noise_feed(r, f, len), 0);
	ck_assert_int_eq(noise_is_done(r), 1);
	expect_peer_id(r, seed_a);
	noise_free(i);
	noise_free(r);
}
END_TEST

START_TEST(bad_config_and_small_buffer)
{
	struct noise_cfg cfg = { .role = NOISE_INITIATOR, .prologue = prologue,
		.prologue_len = sizeof(prologue) };
	struct noise *n;
	uint8_t out[NOISE_OUT_MAX];
	size_t len;

	/* identity key must be an Ed25519 PublicKey protobuf */
	ck_assert_ptr_null(noise_new(&cfg));
	ed_pub_pb(seed_a, cfg.identity_key);
	cfg.prologue_len = NOISE_XX_MAX_PROLOGUE + 1;
	ck_assert_ptr_null(noise_new(&cfg));
	cfg.prologue_len = sizeof(prologue);
	cfg.role = (enum noise_role)7;
	ck_assert_ptr_null(noise_new(&cfg));
	cfg.role = NOISE_INITIATOR;
	n = noise_new(&cfg);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(noise_write_message(n, out, NOISE_OUT_MAX - 1, &len), NOISE_RC_ERR);
	ck_assert_int_eq(noise_is_failed(n), 1);
	noise_free(n);
	noise_free(NULL);
}
END_TEST

/* ---- hostile input ------------------------------------------------------ */

START_TEST(unexpected_and_oversize)
{
	struct noise *i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	struct noise *r;
	uint8_t f[3][NOISE_OUT_MAX], big[4];
	size_t fl[3];

	/* bytes before our msg1 */
	ck_assert_int_eq(noise_feed(i, (const uint8_t *)"\x00\x20", 2), -1);
	ck_assert_ptr_nonnull(strstr(noise_error(i), "unexpected"));
	noise_free(i);
	/* msg2 followed by extra bytes in the same chunk */
	i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	r = mk(NOISE_RESPONDER, prologue, seed_b, NULL, 1);
	fl[0] = take(i, f[0]);
	ck_assert_int_eq(noise_feed(r, f[0], fl[0]), 0);
	fl[1] = take(r, f[1]);
	f[1][fl[1]] = 0;
	ck_assert_int_eq(noise_feed(i, f[1], fl[1] + 1), -1);
	ck_assert_ptr_nonnull(strstr(noise_error(i), "unexpected"));
	noise_free(i);
	noise_free(r);
	/* a length over the limit fails at once, before any body arrives */
	i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	(void)take(i, f[0]);
	big[0] = 0xff;
	big[1] = 0xff;
	ck_assert_int_eq(noise_feed(i, big, 2), -1);
	ck_assert_ptr_nonnull(strstr(noise_error(i), "limit"));
	noise_free(i);
	i = mk(NOISE_INITIATOR, prologue, seed_a, NULL, 1);
	(void)take(i, f[0]);
	big[0] = (uint8_t)((NOISE_MAX_IN_MSG + 1) >> 8);
	big[1] = (uint8_t)(NOISE_MAX_IN_MSG + 1);
	ck_assert_int_eq(noise_feed(i, big, 2), -1);
	noise_free(i);
	/* an empty message is too short */
	r = mk(NOISE_RESPONDER, prologue, seed_b, NULL, 1);
	ck_assert_int_eq(noise_feed(r, (const uint8_t *)"\x00\x00", 2), -1);
	ck_assert_ptr_nonnull(strstr(noise_error(r), "short"));
	noise_free(r);
}
END_TEST

/* Every truncation of msg2 (re-framed with the shorter length) and of
 * msg3 fails; a stream that stops early just waits. */
START_TEST(truncated_messages)
{
	struct keys ki, kr;
	uint8_t f[3][NOISE_OUT_MAX], t[NOISE_OUT_MAX];
	size_t fl[3];
	struct noise *i, *r;

	fixed_keys(&ki, &kr);
	i = mk(NOISE_INITIATOR, prologue, seed_a, &ki, 1);
	r = mk(NOISE_RESPONDER, prologue, seed_b, &kr, 1);
	handshake(i, r, f, fl);
	noise_free(i);
	noise_free(r);
	for (size_t n = 0; n < fl[1] - 2; n++) {
		i = mk(NOISE_INITIATOR, prologue, seed_a, &ki, 1);
		(void)take(i, t);
		t[0] = (uint8_t)(n >> 8);
		t[1] = (uint8_t)n;
		memcpy(t + 2, f[1] + 2, n);
		ck_assert_int_eq(noise_feed(i, t, n + 2), -1);
		noise_free(i);
		/* same bytes, original length: incomplete, still waiting */
		i = mk(NOISE_INITIATOR, prologue, seed_a, &ki, 1);
		(void)take(i, t);
		ck_assert_int_eq(noise_feed(i, f[1], n + 2), 0);
		ck_assert_int_eq(noise_state(i), NOISE_HANDSHAKE);
		noise_free(i);
	}
	for (size_t n = 0; n < fl[2] - 2; n++) {
		r = mk(NOISE_RESPONDER, prologue, seed_b, &kr, 1);
		ck_assert_int_eq(noise_feed(r, f[0], fl[0]), 0);
		(void)take(r, t);
		t[0] = (uint8_t)(n >> 8);
		t[1] = (uint8_t)n;
		memcpy(t + 2, f[2] + 2, n);
		ck_assert_int_eq(noise_feed(r, t, n + 2), -1);
		ck_assert_int_eq(noise_is_done(r), 0);
		noise_free(r);
	}
}
END_TEST

/* Random garbage at every stage never crashes and never completes. */
START_TEST(random_garbage)
{
	unsigned seed = 4242;
	uint8_t buf[600], f[NOISE_OUT_MAX];
	size_t len;

	for (int it = 0; it < 4000; it++) {
		int role = it % 3;
		struct noise *n = mk(role == 0 ? NOISE_RESPONDER : NOISE_INITIATOR, prologue,
		    seed_a, NULL, it & 1);
		size_t total = (size_t)(rand_r(&seed) % sizeof(buf));

		if (role != 0)
			(void)take(n, f);
		for (size_t k = 0; k < total; k++)
			buf[k] = (uint8_t)rand_r(&seed);
		/* often give it a plausible length prefix */
		if (total >= 2 && (it & 2)) {
			size_t body = total - 2 - (size_t)(rand_r(&seed) % 3 == 0 ? rand_r(&seed) % 3 : 0);
			buf[0] = (uint8_t)(body >> 8);
			buf[1] = (uint8_t)body;
		}
		for (size_t off = 0; off < total;) {
			size_t chunk = 1 + (size_t)rand_r(&seed) % (total - off);
			(void)noise_feed(n, buf + off, chunk);
			(void)noise_write_message(n, f, sizeof(f), &len);
			off += chunk;
		}
		ck_assert_int_eq(noise_is_done(n), 0);
		(void)noise_remote_peer_id(n, f);
		noise_free(n);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("noise");
	TCase *tv = tcase_create("vectors");
	TCase *tl = tcase_create("libp2p");
	TCase *th = tcase_create("hostile");

	tcase_add_checked_fixture(tv, setup, NULL);
	tcase_add_checked_fixture(tl, setup, NULL);
	tcase_add_checked_fixture(th, setup, NULL);
	tcase_set_timeout(th, 120);
	tcase_set_timeout(tl, 60);
	tcase_add_test(tv, xx_cacophony_vector);
	tcase_add_test(tv, xx_noise_c_vector_with_hash);
	tcase_add_test(tv, xx_failures);
	tcase_add_test(tv, webrtc_prologue_vector);
	tcase_add_test(tv, ed25519_signature_sample);
	tcase_add_test(tl, libp2p_handshake);
	tcase_add_test(tl, swapped_prologue_fails);
	tcase_add_test(tl, tampered_messages_fail);
	tcase_add_test(tl, crafted_payloads);
	tcase_add_test(tl, every_split_position);
	tcase_add_test(tl, need_signature_flow);
	tcase_add_test(tl, bad_config_and_small_buffer);
	tcase_add_test(th, unexpected_and_oversize);
	tcase_add_test(th, truncated_messages);
	tcase_add_test(th, random_garbage);
	suite_add_tcase(s, tv);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, th);
	return run_suite(s);
}
