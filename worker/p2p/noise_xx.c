/* noise_xx: Noise_XX_25519_ChaChaPoly_SHA256 handshake objects (Noise spec
 * rev 34 §5) on OpenSSL 3.0 EVP. The pattern is a token table so each rule
 * of the spec appears once; only XX is listed because libp2p uses only XX. */
#include "worker/p2p/noise_xx.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

/* Noise spec §8: the full name; exactly HASHLEN bytes, so h = name (§5.2). */
static const char PROTOCOL_NAME[] = "Noise_XX_25519_ChaChaPoly_SHA256";

enum token { T_END = 0, T_E, T_S, T_EE, T_ES, T_SE };

/* Noise spec §7.5: XX. Message i is written by the initiator when i is even. */
static const uint8_t XX[NOISE_XX_MESSAGES][5] = {
	{ T_E, T_END },
	{ T_E, T_EE, T_S, T_ES, T_END },
	{ T_S, T_SE, T_END },
};

static int
fail(struct noise_xx *hs, const char *why)
{
	hs->failed = 1;
	hs->err = why;
	return -1;
}

/* ---- primitives ------------------------------------------------------ */

static int
sha256_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    uint8_t out[NOISE_XX_HASHLEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int olen = 0;
	int ok;

	if (c == NULL)
		return -1;
	ok = EVP_DigestInit_ex2(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, a, alen) &&
	    (blen == 0 || EVP_DigestUpdate(c, b, blen)) && EVP_DigestFinal_ex(c, out, &olen) &&
	    olen == NOISE_XX_HASHLEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

static int
hmac(const uint8_t key[NOISE_XX_HASHLEN], const uint8_t *data, size_t n,
    uint8_t out[NOISE_XX_HASHLEN])
{
	size_t olen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, NOISE_XX_HASHLEN, data, n, out,
	    NOISE_XX_HASHLEN, &olen) == NULL || olen != NOISE_XX_HASHLEN)
		return -1;
	return 0;
}

/* Noise spec §4.3 HKDF with two outputs: temp = HMAC(ck, ikm);
 * o1 = HMAC(temp, 0x01); o2 = HMAC(temp, o1 || 0x02). */
static int
hkdf2(const uint8_t ck[NOISE_XX_HASHLEN], const uint8_t *ikm, size_t ikmlen,
    uint8_t o1[NOISE_XX_HASHLEN], uint8_t o2[NOISE_XX_HASHLEN])
{
	uint8_t temp[NOISE_XX_HASHLEN], buf[NOISE_XX_HASHLEN + 1];
	uint8_t one = 0x01;
	int rc = -1;

	if (hmac(ck, ikm, ikmlen, temp) == 0 && hmac(temp, &one, 1, o1) == 0) {
		memcpy(buf, o1, NOISE_XX_HASHLEN);
		buf[NOISE_XX_HASHLEN] = 0x02;
		rc = hmac(temp, buf, sizeof(buf), o2);
	}
	OPENSSL_cleanse(temp, sizeof(temp));
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int
noise_x25519_pub(const uint8_t priv[NOISE_XX_DHLEN], uint8_t pub[NOISE_XX_DHLEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, NOISE_XX_DHLEN);
	size_t len = NOISE_XX_DHLEN;
	int ok;

	if (k == NULL)
		return -1;
	ok = EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == NOISE_XX_DHLEN;
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

/* DH(priv, pub) (Noise spec §4.1). OpenSSL refuses an all-zero result (a
 * low-order peer key), which the spec allows an implementation to reject. */
static int
x25519(const uint8_t priv[NOISE_XX_DHLEN], const uint8_t pub[NOISE_XX_DHLEN],
    uint8_t out[NOISE_XX_DHLEN])
{
	EVP_PKEY *me = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, NOISE_XX_DHLEN);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, NOISE_XX_DHLEN);
	EVP_PKEY_CTX *c = NULL;
	size_t len = NOISE_XX_DHLEN;
	int ok = 0;

	if (me != NULL && peer != NULL && (c = EVP_PKEY_CTX_new_from_pkey(NULL, me, NULL)) != NULL)
		ok = EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
		    EVP_PKEY_derive(c, out, &len) == 1 && len == NOISE_XX_DHLEN;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(me);
	return ok ? 0 : -1;
}

/* ChaChaPoly (Noise spec §12.3): 96-bit nonce = 32 zero bits || 64-bit
 * little-endian counter; the 16-byte tag follows the ciphertext. */
static int
chachapoly(int enc, const uint8_t key[NOISE_XX_KEYLEN], uint64_t n, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[NOISE_XX_TAGLEN])
{
	EVP_CIPHER_CTX *c;
	OSSL_PARAM p[2];
	uint8_t iv[12] = { 0 }, fin[16];
	int ol = 0, ok;

	if (len > NOISE_XX_MAX_MSG || adlen > NOISE_XX_MAX_MSG || (c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	for (int i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(n >> (8 * i));
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, NOISE_XX_TAGLEN);
	p[1] = OSSL_PARAM_construct_end();
	ok = EVP_CipherInit_ex2(c, EVP_chacha20_poly1305(), key, iv, enc, NULL) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_set_params(c, p) == 1;
	if (ok && adlen > 0)
		ok = EVP_CipherUpdate(c, NULL, &ol, ad, (int)adlen) == 1;
	if (ok && len > 0)
		ok = EVP_CipherUpdate(c, out, &ol, in, (int)len) == 1 && ol == (int)len;
	if (ok)
		ok = EVP_CipherFinal_ex(c, fin, &ol) == 1 && ol == 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_get_params(c, p) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok && !enc && len > 0)
		OPENSSL_cleanse(out, len);   /* never leave unauthenticated plaintext */
	return ok ? 0 : -1;
}

/* ---- CipherState ----------------------------------------------------- */

int
noise_cipher_encrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t n, uint8_t *out)
{
	/* Noise spec §5.1: nonce 2^64-1 is reserved. */
	if (!c->has_key || c->n == UINT64_MAX)
		return -1;
	if (chachapoly(1, c->k, c->n, ad, adlen, in, n, out, out + n) < 0)
		return -1;
	c->n++;
	return 0;
}

int
noise_cipher_decrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t n, uint8_t *out)
{
	uint8_t tag[NOISE_XX_TAGLEN];

	if (!c->has_key || c->n == UINT64_MAX || n < NOISE_XX_TAGLEN)
		return -1;
	memcpy(tag, in + n - NOISE_XX_TAGLEN, NOISE_XX_TAGLEN);
	if (chachapoly(0, c->k, c->n, ad, adlen, in, n - NOISE_XX_TAGLEN, out, tag) < 0)
		return -1;
	c->n++;
	return 0;
}

/* ---- SymmetricState -------------------------------------------------- */

static int
mix_hash(struct noise_sym *ss, const uint8_t *data, size_t n)
{
	return sha256_2(ss->h, sizeof(ss->h), data, n, ss->h);
}

static int
mix_key(struct noise_sym *ss, const uint8_t *ikm, size_t n)
{
	uint8_t ck[NOISE_XX_HASHLEN];
	int rc = hkdf2(ss->ck, ikm, n, ck, ss->cs.k);

	if (rc == 0) {
		memcpy(ss->ck, ck, sizeof(ck));
		ss->cs.n = 0;
		ss->cs.has_key = 1;
	}
	OPENSSL_cleanse(ck, sizeof(ck));
	return rc;
}

/* EncryptAndHash: out gets n (+16 once a key exists) bytes. */
static int
encrypt_and_hash(struct noise_sym *ss, const uint8_t *in, size_t n, uint8_t *out,
    size_t *outlen)
{
	if (ss->cs.has_key) {
		if (noise_cipher_encrypt(&ss->cs, ss->h, sizeof(ss->h), in, n, out) < 0)
			return -1;
		n += NOISE_XX_TAGLEN;
	} else if (n > 0) {
		memmove(out, in, n);
	}
	*outlen = n;
	return mix_hash(ss, out, n);
}

/* DecryptAndHash: out gets n (-16 once a key exists) bytes. */
static int
decrypt_and_hash(struct noise_sym *ss, const uint8_t *in, size_t n, uint8_t *out)
{
	if (ss->cs.has_key) {
		if (noise_cipher_decrypt(&ss->cs, ss->h, sizeof(ss->h), in, n, out) < 0)
			return -1;
	} else if (n > 0) {
		memmove(out, in, n);
	}
	return mix_hash(ss, in, n);
}

/* ---- HandshakeState -------------------------------------------------- */

int
noise_xx_init(struct noise_xx *hs, int initiator, const uint8_t *prologue, size_t plen,
    const uint8_t *s_priv, const uint8_t *e_priv)
{
	memset(hs, 0, sizeof(*hs));
	hs->initiator = initiator != 0;
	memcpy(hs->ss.h, PROTOCOL_NAME, NOISE_XX_HASHLEN);
	memcpy(hs->ss.ck, hs->ss.h, NOISE_XX_HASHLEN);
	if (plen > NOISE_XX_MAX_PROLOGUE)
		return fail(hs, "prologue too long");
	if (mix_hash(&hs->ss, prologue, plen) < 0)
		return fail(hs, "SHA-256 failed");
	if (s_priv != NULL)
		memcpy(hs->s_priv, s_priv, NOISE_XX_DHLEN);
	else if (RAND_bytes(hs->s_priv, NOISE_XX_DHLEN) != 1)
		return fail(hs, "no randomness for the static key");
	if (noise_x25519_pub(hs->s_priv, hs->s_pub) < 0)
		return fail(hs, "X25519 static key setup failed");
	if (e_priv != NULL) {
		memcpy(hs->e_priv, e_priv, NOISE_XX_DHLEN);
		hs->e_fixed = 1;
	}
	return 0;
}

void
noise_xx_clear(struct noise_xx *hs)
{
	OPENSSL_cleanse(hs, sizeof(*hs));
}

int
noise_xx_our_turn(const struct noise_xx *hs)
{
	return !hs->failed && hs->step < NOISE_XX_MESSAGES && (hs->step % 2 == 0) == hs->initiator;
}

int
noise_xx_done(const struct noise_xx *hs)
{
	return !hs->failed && hs->step == NOISE_XX_MESSAGES;
}

size_t
noise_xx_write_len(const struct noise_xx *hs, size_t plen)
{
	int keyed = hs->ss.cs.has_key;
	size_t len = 0;

	if (!noise_xx_our_turn(hs))
		return 0;
	for (const uint8_t *t = XX[hs->step]; *t != T_END; t++) {
		if (*t == T_E)
			len += NOISE_XX_DHLEN;
		else if (*t == T_S)
			len += NOISE_XX_DHLEN + (keyed ? NOISE_XX_TAGLEN : 0);
		else
			keyed = 1;
	}
	return len + plen + (keyed ? NOISE_XX_TAGLEN : 0);
}

/* The DH token rules (Noise spec §5.3): "es" is the initiator's e with the
 * responder's s, "se" the initiator's s with the responder's e. */
static int
mix_dh(struct noise_xx *hs, int tok)
{
	const uint8_t *priv, *pub;
	uint8_t out[NOISE_XX_DHLEN];
	int rc;

	if (tok == T_EE) {
		priv = hs->e_priv;
		pub = hs->re;
	} else if ((tok == T_ES) == hs->initiator) {
		priv = hs->e_priv;
		pub = hs->rs;
	} else {
		priv = hs->s_priv;
		pub = hs->re;
	}
	rc = x25519(priv, pub, out);
	if (rc == 0)
		rc = mix_key(&hs->ss, out, sizeof(out));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

static int
write_e(struct noise_xx *hs, uint8_t *out)
{
	if (!hs->e_fixed && RAND_bytes(hs->e_priv, NOISE_XX_DHLEN) != 1)
		return fail(hs, "no randomness for the ephemeral key");
	if (noise_x25519_pub(hs->e_priv, hs->e_pub) < 0)
		return fail(hs, "X25519 ephemeral key setup failed");
	memcpy(out, hs->e_pub, NOISE_XX_DHLEN);
	if (mix_hash(&hs->ss, out, NOISE_XX_DHLEN) < 0)
		return fail(hs, "SHA-256 failed");
	return 0;
}

int
noise_xx_write(struct noise_xx *hs, const uint8_t *payload, size_t plen, uint8_t *out,
    size_t cap, size_t *outlen)
{
	size_t want = noise_xx_write_len(hs, plen), off = 0, n;

	*outlen = 0;
	if (hs->failed)
		return -1;
	if (!noise_xx_our_turn(hs))
		return fail(hs, "not our turn to write");
	if (want > NOISE_XX_MAX_MSG || want > cap)
		return fail(hs, "handshake message does not fit");
	for (const uint8_t *t = XX[hs->step]; *t != T_END; t++) {
		if (*t == T_E) {
			if (write_e(hs, out + off) < 0)
				return -1;
			off += NOISE_XX_DHLEN;
		} else if (*t == T_S) {
			if (encrypt_and_hash(&hs->ss, hs->s_pub, NOISE_XX_DHLEN, out + off, &n) < 0)
				return fail(hs, "encrypting the static key failed");
			off += n;
		} else if (mix_dh(hs, *t) < 0) {
			return fail(hs, "X25519 or HKDF failed");
		}
	}
	if (encrypt_and_hash(&hs->ss, payload, plen, out + off, &n) < 0)
		return fail(hs, "encrypting the payload failed");
	*outlen = off + n;
	hs->step++;
	return 0;
}

static int
read_s(struct noise_xx *hs, const uint8_t *msg, size_t n, size_t *off)
{
	size_t len = NOISE_XX_DHLEN + (hs->ss.cs.has_key ? NOISE_XX_TAGLEN : 0);

	if (n - *off < len)
		return fail(hs, "handshake message too short");
	if (decrypt_and_hash(&hs->ss, msg + *off, len, hs->rs) < 0)
		return fail(hs, "AEAD failure decrypting the remote static key");
	hs->has_rs = 1;
	*off += len;
	return 0;
}

int
noise_xx_read(struct noise_xx *hs, const uint8_t *msg, size_t n, uint8_t *payload,
    size_t cap, size_t *plen)
{
	size_t off = 0, clen;

	*plen = 0;
	if (hs->failed)
		return -1;
	if (hs->step >= NOISE_XX_MESSAGES || noise_xx_our_turn(hs))
		return fail(hs, "unexpected handshake message");
	if (n > NOISE_XX_MAX_MSG)
		return fail(hs, "handshake message too large");
	for (const uint8_t *t = XX[hs->step]; *t != T_END; t++) {
		if (*t == T_E) {
			if (n - off < NOISE_XX_DHLEN)
				return fail(hs, "handshake message too short");
			memcpy(hs->re, msg + off, NOISE_XX_DHLEN);
			hs->has_re = 1;
			off += NOISE_XX_DHLEN;
			if (mix_hash(&hs->ss, hs->re, NOISE_XX_DHLEN) < 0)
				return fail(hs, "SHA-256 failed");
		} else if (*t == T_S) {
			if (read_s(hs, msg, n, &off) < 0)
				return -1;
		} else if (mix_dh(hs, *t) < 0) {
			return fail(hs, "X25519 or HKDF failed (bad remote key)");
		}
	}
	clen = n - off;
	if (hs->ss.cs.has_key && clen < NOISE_XX_TAGLEN)
		return fail(hs, "handshake message too short");
	if (clen - (hs->ss.cs.has_key ? NOISE_XX_TAGLEN : 0) > cap)
		return fail(hs, "handshake payload too large");
	if (decrypt_and_hash(&hs->ss, msg + off, clen, payload) < 0)
		return fail(hs, "AEAD failure decrypting the payload");
	*plen = clen - (hs->ss.cs.has_key ? NOISE_XX_TAGLEN : 0);
	hs->step++;
	return 0;
}

const uint8_t *
noise_xx_static_pub(const struct noise_xx *hs)
{
	return hs->s_pub;
}

const uint8_t *
noise_xx_remote_static(const struct noise_xx *hs)
{
	return hs->has_rs ? hs->rs : NULL;
}

const uint8_t *
noise_xx_hash(const struct noise_xx *hs)
{
	return hs->ss.h;
}

int
noise_xx_split(const struct noise_xx *hs, struct noise_cipher *c1, struct noise_cipher *c2)
{
	if (!noise_xx_done(hs))
		return -1;
	memset(c1, 0, sizeof(*c1));
	memset(c2, 0, sizeof(*c2));
	if (hkdf2(hs->ss.ck, (const uint8_t *)"", 0, c1->k, c2->k) < 0)
		return -1;
	c1->has_key = 1;
	c2->has_key = 1;
	return 0;
}
