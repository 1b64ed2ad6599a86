/* noise: the libp2p Noise handshake (libp2p/specs noise/README.md) as used
 * by WebRTC Direct (webrtc/webrtc-direct.md), sans-IO. It owns the 2-byte
 * length framing of the handshake byte stream, the NoiseHandshakePayload
 * protobuf, the identity-key signature check and the remote peer id.
 *
 * The worker never holds the libp2p identity private key: the engine makes
 * its X25519 static key, noise_static_to_sign() gives the exact bytes the
 * supervisor must sign, and noise_set_signature() hands the signature back.
 * Until then the message that carries our payload is held back
 * (noise_write_message returns NOISE_RC_NEED_SIGNATURE).
 *
 * Usage: noise_new(); then, whenever anything changed (after new, after
 * noise_feed, after noise_set_signature), call noise_write_message until it
 * returns something other than NOISE_RC_MSG, and send those bytes. Check
 * noise_is_done / noise_is_failed after each step. In WebRTC Direct the
 * server is the Noise initiator. */
#ifndef RTCD_NOISE_H
#define RTCD_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "worker/p2p/noise_xx.h"

#define NOISE_FP_LEN 32              /* SHA-256 certificate fingerprint */
#define NOISE_PROLOGUE_LEN 88        /* "libp2p-webrtc-noise:" + 2 x 34 */
#define NOISE_ED25519_PB_LEN 36      /* PublicKey protobuf 08 01 12 20 <32> */
#define NOISE_PEER_ID_LEN 38         /* identity multihash 00 24 <36> */
#define NOISE_SIG_LEN 64             /* Ed25519 signature */
#define NOISE_SIGN_PREFIX "noise-libp2p-static-key:"
#define NOISE_SIGN_PREFIX_LEN 24
#define NOISE_TO_SIGN_LEN (NOISE_SIGN_PREFIX_LEN + NOISE_XX_DHLEN)   /* 56 */
#define NOISE_MAX_PAYLOAD 4096       /* largest remote payload we parse */
/* Largest handshake message we accept: e + enc(s) + enc(payload). */
#define NOISE_MAX_IN_MSG (NOISE_XX_DHLEN * 2 + NOISE_XX_TAGLEN * 2 + NOISE_MAX_PAYLOAD)
/* Largest message we emit, with its 2-byte length: our payload is fixed
 * (identity key + signature, 104 bytes), so msg2 is 2 + 32 + 48 + 120. */
#define NOISE_OUT_MAX 256
#define NOISE_ERR_MAX 96

enum noise_role {
	NOISE_INITIATOR = 0,   /* WebRTC Direct server */
	NOISE_RESPONDER = 1,   /* WebRTC Direct browser (tests) */
};

enum noise_state {
	NOISE_HANDSHAKE = 0,
	NOISE_DONE,
	NOISE_FAILED,
};

enum noise_rc {
	NOISE_RC_ERR = -1,             /* failed: see noise_error */
	NOISE_RC_NONE = 0,             /* nothing to send now (peer's turn, or done) */
	NOISE_RC_MSG = 1,              /* out holds one framed message */
	NOISE_RC_NEED_SIGNATURE = 2,   /* our turn, but noise_set_signature first */
};

struct noise_cfg {
	enum noise_role role;
	const uint8_t *prologue;       /* copied into the hash at noise_new */
	size_t prologue_len;
	uint8_t identity_key[NOISE_ED25519_PB_LEN];   /* our PublicKey protobuf */
	const uint8_t *static_priv;    /* optional fixed X25519 static key (tests) */
	const uint8_t *ephemeral_priv; /* optional fixed X25519 ephemeral key (tests) */
};

struct noise;

/* The WebRTC Direct prologue: "libp2p-webrtc-noise:" || 12 20 client_fp ||
 * 12 20 server_fp (client = browser = DTLS client). */
void noise_webrtc_prologue(const uint8_t client_fp[NOISE_FP_LEN],
    const uint8_t server_fp[NOISE_FP_LEN], uint8_t out[NOISE_PROLOGUE_LEN]);

/* NULL on allocation or key setup failure, or an identity key that is not
 * an Ed25519 PublicKey protobuf. */
struct noise *noise_new(const struct noise_cfg *cfg);
void noise_free(struct noise *n);

/* The bytes to sign with the identity key: prefix || our static key. */
void noise_static_to_sign(const struct noise *n, uint8_t out[NOISE_TO_SIGN_LEN]);
/* Hand in the Ed25519 signature over noise_static_to_sign(). It is checked
 * against our identity key; a bad one fails the engine. 0 or -1. */
int noise_set_signature(struct noise *n, const uint8_t *sig, size_t len);

/* Bytes of the handshake stream, split anywhere. 0, or -1 when the engine
 * is (now) FAILED: any byte that arrives when no message is expected, a
 * length over NOISE_MAX_IN_MSG, an AEAD failure, a bad payload. */
int noise_feed(struct noise *n, const uint8_t *p, size_t len);
/* Our next framed message (2-byte big-endian length || message) into out,
 * which must hold NOISE_OUT_MAX bytes. Returns enum noise_rc. */
int noise_write_message(struct noise *n, uint8_t *out, size_t cap, size_t *outlen);

enum noise_state noise_state(const struct noise *n);
int noise_is_done(const struct noise *n);
int noise_is_failed(const struct noise *n);
/* Why the engine failed ("" while not failed). */
const char *noise_error(const struct noise *n);
/* Remote identity, valid once its payload verified (responder's at msg2,
 * initiator's at msg3). 0, or -1 while unknown. */
int noise_remote_peer_id(const struct noise *n, uint8_t out[NOISE_PEER_ID_LEN]);
int noise_remote_identity_key(const struct noise *n, uint8_t out[NOISE_ED25519_PB_LEN]);
/* Handshake hash once done (NULL before). */
const uint8_t *noise_handshake_hash(const struct noise *n);

#endif
