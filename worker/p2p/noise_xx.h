/* noise_xx: the Noise Protocol Framework (rev 34) objects CipherState,
 * SymmetricState and HandshakeState for the one protocol libp2p uses,
 * Noise_XX_25519_ChaChaPoly_SHA256, in both roles. Pure computation on
 * caller buffers (OpenSSL 3.0 EVP for X25519, ChaCha20-Poly1305, SHA-256 and
 * HMAC); no framing, no payload format, no I/O. Private keys can be injected
 * so the published test vectors reproduce byte for byte. */
#ifndef RTCD_NOISE_XX_H
#define RTCD_NOISE_XX_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_XX_DHLEN 32
#define NOISE_XX_HASHLEN 32
#define NOISE_XX_KEYLEN 32
#define NOISE_XX_TAGLEN 16
#define NOISE_XX_MAX_MSG 65535     /* Noise spec §3: message size limit */
#define NOISE_XX_MAX_PROLOGUE 1024
#define NOISE_XX_MESSAGES 3        /* XX: -> e; <- e, ee, s, es; -> s, se */

/* CipherState (Noise spec §5.1). */
struct noise_cipher {
	uint8_t k[NOISE_XX_KEYLEN];
	uint64_t n;
	int has_key;
};

/* SymmetricState (Noise spec §5.2). */
struct noise_sym {
	struct noise_cipher cs;
	uint8_t ck[NOISE_XX_HASHLEN];
	uint8_t h[NOISE_XX_HASHLEN];
};

/* HandshakeState (Noise spec §5.3) restricted to the XX pattern. */
struct noise_xx {
	struct noise_sym ss;
	int initiator;
	int step;                           /* messages processed so far, 0..3 */
	int failed;
	const char *err;                    /* reason once failed */
	uint8_t s_priv[NOISE_XX_DHLEN], s_pub[NOISE_XX_DHLEN];
	uint8_t e_priv[NOISE_XX_DHLEN], e_pub[NOISE_XX_DHLEN];
	int e_fixed;                        /* e_priv injected (tests) */
	uint8_t rs[NOISE_XX_DHLEN], re[NOISE_XX_DHLEN];
	int has_rs, has_re;
};

/* Initialize for one handshake. s_priv is our static X25519 private key
 * (NULL: random). e_priv fixes the ephemeral key for test vectors (NULL:
 * random when the e token is written). Returns 0 or -1 (hs->err set). */
int noise_xx_init(struct noise_xx *hs, int initiator, const uint8_t *prologue, size_t plen,
    const uint8_t *s_priv, const uint8_t *e_priv);
/* Wipe every secret. */
void noise_xx_clear(struct noise_xx *hs);

/* 1 when it is our turn to write the next handshake message. */
int noise_xx_our_turn(const struct noise_xx *hs);
int noise_xx_done(const struct noise_xx *hs);
/* Exact length of our next message for a payload of plen bytes (0 when not
 * our turn). */
size_t noise_xx_write_len(const struct noise_xx *hs, size_t plen);

/* WriteMessage: the next message of the pattern with the payload encrypted
 * (or plain before any key). out must hold noise_xx_write_len() bytes.
 * Returns 0 or -1; any failure is final (hs->failed, hs->err). */
int noise_xx_write(struct noise_xx *hs, const uint8_t *payload, size_t plen, uint8_t *out,
    size_t cap, size_t *outlen);
/* ReadMessage: process the peer's next message; the decrypted payload goes
 * to payload (cap bytes). Returns 0 or -1 (final, hs->err). */
int noise_xx_read(struct noise_xx *hs, const uint8_t *msg, size_t n, uint8_t *payload,
    size_t cap, size_t *plen);

/* Our static public key (valid after init). */
const uint8_t *noise_xx_static_pub(const struct noise_xx *hs);
/* The peer's static public key, or NULL before it was received. */
const uint8_t *noise_xx_remote_static(const struct noise_xx *hs);
/* The handshake hash h (channel binding value); meaningful once done. */
const uint8_t *noise_xx_hash(const struct noise_xx *hs);
/* Split (Noise spec §5.2): c1 encrypts initiator->responder, c2 the other
 * way. Only after the handshake; returns 0 or -1. */
int noise_xx_split(const struct noise_xx *hs, struct noise_cipher *c1, struct noise_cipher *c2);

/* CipherState EncryptWithAd/DecryptWithAd: out gets n + 16 (encrypt) or
 * n - 16 (decrypt) bytes; out may not overlap in. 0 or -1 (bad tag, nonce
 * exhausted, no key, or a library error). */
int noise_cipher_encrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t n, uint8_t *out);
int noise_cipher_decrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t n, uint8_t *out);

/* X25519 public key of a 32-byte private key: 0 or -1. */
int noise_x25519_pub(const uint8_t priv[NOISE_XX_DHLEN], uint8_t pub[NOISE_XX_DHLEN]);

#endif
