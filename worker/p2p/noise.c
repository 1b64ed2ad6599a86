/* noise: libp2p Noise XX for WebRTC Direct on top of noise_xx: stream
 * framing (2-byte big-endian length, libp2p noise spec §Wire Format), the
 * NoiseHandshakePayload protobuf (identity_key = 1, identity_sig = 2,
 * extensions = 4 ignored), Ed25519 identity signatures over
 * "noise-libp2p-static-key:" || X25519 static key, and the remote peer id. */
#include "worker/p2p/noise.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/util.h"

#define WEBRTC_PROLOGUE_PREFIX "libp2p-webrtc-noise:"
#define WEBRTC_PROLOGUE_PREFIX_LEN 20
#define MH_SHA256 0x12                /* multihash code sha2-256 */
#define MH_IDENTITY 0x00              /* multihash code identity */
#define KEYTYPE_ED25519 1             /* libp2p PublicKey.Type */
#define ED25519_LEN 32
#define OUR_PAYLOAD_LEN (2 + NOISE_ED25519_PB_LEN + 2 + NOISE_SIG_LEN)   /* 104 */

_Static_assert(WEBRTC_PROLOGUE_PREFIX_LEN + 2 * (2 + NOISE_FP_LEN) == NOISE_PROLOGUE_LEN,
    "WebRTC Direct prologue layout");

/* protobuf wire types */
#define WT_VARINT 0
#define WT_I64 1
#define WT_LEN 2
#define WT_I32 5

struct noise {
	struct noise_xx hs;
	enum noise_state state;
	char err[NOISE_ERR_MAX];
	uint8_t id_key[NOISE_ED25519_PB_LEN];   /* ours, canonical */
	uint8_t sig[NOISE_SIG_LEN];
	int have_sig;
	uint8_t remote_pub[ED25519_LEN];        /* remote Ed25519 identity */
	int have_remote;
	/* inbound framing: the 2-byte length, then the message body */
	uint8_t hdr[2];
	size_t hdr_have;
	size_t msg_len, msg_have;
	uint8_t msg[NOISE_MAX_IN_MSG];
	uint8_t payload[NOISE_MAX_PAYLOAD];
};

static const uint8_t ED25519_PB_PREFIX[4] = { 0x08, KEYTYPE_ED25519, 0x12, ED25519_LEN };

static int
failf(struct noise *n, const char *fmt, ...)
{
	va_list ap;

	if (n->state != NOISE_FAILED) {
		va_start(ap, fmt);
		vsnprintf(n->err, sizeof(n->err), fmt, ap);
		va_end(ap);
		n->state = NOISE_FAILED;
	}
	return -1;
}

void
noise_webrtc_prologue(const uint8_t client_fp[NOISE_FP_LEN],
    const uint8_t server_fp[NOISE_FP_LEN], uint8_t out[NOISE_PROLOGUE_LEN])
{
	/* Fixed layout: prefix (20) | 12 20 | client (32) | 12 20 | server (32). */
	uint8_t *c = out + WEBRTC_PROLOGUE_PREFIX_LEN, *s = c + 2 + NOISE_FP_LEN;

	memcpy(out, WEBRTC_PROLOGUE_PREFIX, WEBRTC_PROLOGUE_PREFIX_LEN);
	c[0] = MH_SHA256;
	c[1] = NOISE_FP_LEN;
	memcpy(c + 2, client_fp, NOISE_FP_LEN);
	s[0] = MH_SHA256;
	s[1] = NOISE_FP_LEN;
	memcpy(s + 2, server_fp, NOISE_FP_LEN);
}

/* ---- Ed25519 --------------------------------------------------------- */

static int
ed25519_verify(const uint8_t pub[ED25519_LEN], const uint8_t *msg, size_t len,
    const uint8_t sig[NOISE_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_LEN);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = 0;

	/* Ed25519 is a one-shot scheme: no digest (NULL md), RFC 8032. */
	if (k != NULL && c != NULL)
		ok = EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
		    EVP_DigestVerify(c, sig, NOISE_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

static void
to_sign(const uint8_t static_pub[NOISE_XX_DHLEN], uint8_t out[NOISE_TO_SIGN_LEN])
{
	memcpy(out, NOISE_SIGN_PREFIX, NOISE_SIGN_PREFIX_LEN);
	memcpy(out + NOISE_SIGN_PREFIX_LEN, static_pub, NOISE_XX_DHLEN);
}

/* ---- minimal protobuf reader ----------------------------------------- */

static uint64_t
pb_varint(struct rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b = rd_u8(r);
		if (r->err)
			return 0;
		if (shift == 63 && b > 1)
			break;   /* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return v;
	}
	r->err = 1;
	return 0;
}

struct pb_field {
	uint32_t num;
	int wt;
	uint64_t v;              /* WT_VARINT value */
	const uint8_t *val;      /* WT_LEN value */
	size_t vlen;
};

/* Next field of a message. Fixed-width values are skipped. 0, or -1 when
 * malformed (groups, field 0, overruns). */
static int
pb_next(struct rd *r, struct pb_field *f)
{
	uint64_t tag = pb_varint(r), len;

	memset(f, 0, sizeof(*f));
	if (r->err || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
		return -1;
	f->num = (uint32_t)(tag >> 3);
	f->wt = (int)(tag & 7);
	switch (f->wt) {
	case WT_VARINT:
		f->v = pb_varint(r);
		break;
	case WT_I64:
		(void)rd_bytes(r, 8);
		break;
	case WT_I32:
		(void)rd_bytes(r, 4);
		break;
	case WT_LEN:
		len = pb_varint(r);
		if (r->err || len > rd_left(r))
			return -1;
		f->vlen = (size_t)len;
		f->val = rd_bytes(r, f->vlen);
		break;
	default:
		return -1;
	}
	return r->err ? -1 : 0;
}

/* PublicKey { required KeyType Type = 1; required bytes Data = 2; }
 * (libp2p/specs peer-ids.md). 0 with type and Data, or -1 if malformed. */
static int
parse_public_key(const uint8_t *p, size_t len, uint64_t *type, const uint8_t **data,
    size_t *dlen)
{
	struct rd r;
	struct pb_field f;
	int have_type = 0;

	*data = NULL;
	*dlen = 0;
	rd_init(&r, p, len);
	while (rd_left(&r) > 0) {
		if (pb_next(&r, &f) < 0)
			return -1;
		if (f.num == 1 && f.wt == WT_VARINT) {
			*type = f.v;
			have_type = 1;
		} else if (f.num == 2 && f.wt == WT_LEN) {
			*data = f.val;
			*dlen = f.vlen;
		} else if (f.num <= 2) {
			return -1;   /* known field with the wrong wire type */
		}
	}
	return have_type && *data != NULL ? 0 : -1;
}

/* ---- handshake payload ----------------------------------------------- */

static size_t
build_payload(const struct noise *n, uint8_t out[OUR_PAYLOAD_LEN])
{
	struct wr w;

	wr_init(&w, out, OUR_PAYLOAD_LEN);
	wr_u8(&w, (1 << 3) | WT_LEN);
	wr_u8(&w, NOISE_ED25519_PB_LEN);
	wr_bytes(&w, n->id_key, NOISE_ED25519_PB_LEN);
	wr_u8(&w, (2 << 3) | WT_LEN);
	wr_u8(&w, NOISE_SIG_LEN);
	wr_bytes(&w, n->sig, NOISE_SIG_LEN);
	return w.err ? 0 : w.len;
}

/* Check the remote NoiseHandshakePayload: Ed25519 identity whose signature
 * covers the static key the handshake just authenticated. */
static int
check_payload(struct noise *n, const uint8_t *p, size_t len)
{
	struct rd r;
	struct pb_field f;
	const uint8_t *key = NULL, *sig = NULL, *kdata, *rs;
	size_t keylen = 0, siglen = 0, kdlen;
	uint64_t type = 0;
	uint8_t msg[NOISE_TO_SIGN_LEN];

	rd_init(&r, p, len);
	while (rd_left(&r) > 0) {
		if (pb_next(&r, &f) < 0)
			return failf(n, "malformed handshake payload");
		if ((f.num == 1 || f.num == 2) && f.wt != WT_LEN)
			return failf(n, "malformed handshake payload (field %u)", (unsigned)f.num);
		if (f.num == 1) {
			key = f.val;
			keylen = f.vlen;
		} else if (f.num == 2) {
			sig = f.val;
			siglen = f.vlen;
		}   /* extensions (4) and unknown fields are ignored */
	}
	if (key == NULL || sig == NULL)
		return failf(n, "handshake payload lacks identity key or signature");
	if (parse_public_key(key, keylen, &type, &kdata, &kdlen) < 0)
		return failf(n, "malformed identity key");
	if (type != KEYTYPE_ED25519)
		return failf(n, "unsupported identity key type %llu (only Ed25519)",
		    (unsigned long long)type);
	if (kdlen != ED25519_LEN)
		return failf(n, "Ed25519 identity key of %zu bytes", kdlen);
	if (siglen != NOISE_SIG_LEN)
		return failf(n, "identity signature of %zu bytes", siglen);
	rs = noise_xx_remote_static(&n->hs);
	if (rs == NULL)
		return failf(n, "no remote static key");
	to_sign(rs, msg);
	if (ed25519_verify(kdata, msg, sizeof(msg), sig) < 0)
		return failf(n, "identity signature does not verify");
	memcpy(n->remote_pub, kdata, ED25519_LEN);
	n->have_remote = 1;
	return 0;
}

/* ---- engine ---------------------------------------------------------- */

struct noise *
noise_new(const struct noise_cfg *cfg)
{
	struct noise *n;

	if (cfg->prologue_len > NOISE_XX_MAX_PROLOGUE ||
	    (cfg->prologue == NULL && cfg->prologue_len > 0) ||
	    (cfg->role != NOISE_INITIATOR && cfg->role != NOISE_RESPONDER) ||
	    memcmp(cfg->identity_key, ED25519_PB_PREFIX, sizeof(ED25519_PB_PREFIX)) != 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	if (noise_xx_init(&n->hs, cfg->role == NOISE_INITIATOR, cfg->prologue, cfg->prologue_len,
	    cfg->static_priv, cfg->ephemeral_priv) < 0) {
		noise_free(n);
		return NULL;
	}
	memcpy(n->id_key, cfg->identity_key, NOISE_ED25519_PB_LEN);
	n->state = NOISE_HANDSHAKE;
	return n;
}

void
noise_free(struct noise *n)
{
	if (n != NULL)
		OPENSSL_clear_free(n, sizeof(*n));
}

void
noise_static_to_sign(const struct noise *n, uint8_t out[NOISE_TO_SIGN_LEN])
{
	to_sign(noise_xx_static_pub(&n->hs), out);
}

int
noise_set_signature(struct noise *n, const uint8_t *sig, size_t len)
{
	uint8_t msg[NOISE_TO_SIGN_LEN];

	if (n->state == NOISE_FAILED)
		return -1;
	if (len != NOISE_SIG_LEN)
		return failf(n, "identity signature of %zu bytes", len);
	/* Catch a wrong signer here rather than as a remote failure. */
	noise_static_to_sign(n, msg);
	if (ed25519_verify(n->id_key + sizeof(ED25519_PB_PREFIX), msg, sizeof(msg), sig) < 0)
		return failf(n, "our identity signature does not verify");
	memcpy(n->sig, sig, NOISE_SIG_LEN);
	n->have_sig = 1;
	return 0;
}

/* One complete inbound handshake message. */
static int
process_message(struct noise *n)
{
	size_t plen;

	if (noise_xx_read(&n->hs, n->msg, n->msg_len, n->payload, sizeof(n->payload), &plen) < 0)
		return failf(n, "%s", n->hs.err);
	/* Message 1 carries no identity; its payload (empty per the libp2p
	 * spec) is ignored. Messages 2 and 3 carry the sender's identity. */
	if (n->hs.step > 1 && check_payload(n, n->payload, plen) < 0)
		return -1;
	if (noise_xx_done(&n->hs))
		n->state = NOISE_DONE;
	return 0;
}

int
noise_feed(struct noise *n, const uint8_t *p, size_t len)
{
	size_t take;

	if (n->state == NOISE_FAILED)
		return -1;
	while (len > 0) {
		if (n->state != NOISE_HANDSHAKE || noise_xx_our_turn(&n->hs))
			return failf(n, "unexpected data from the peer");
		if (n->hdr_have < sizeof(n->hdr)) {
			n->hdr[n->hdr_have++] = *p++;
			len--;
			if (n->hdr_have < sizeof(n->hdr))
				continue;
			n->msg_len = ((size_t)n->hdr[0] << 8) | n->hdr[1];
			n->msg_have = 0;
			if (n->msg_len > NOISE_MAX_IN_MSG)
				return failf(n, "handshake message of %zu bytes (limit %d)",
				    n->msg_len, NOISE_MAX_IN_MSG);
		} else {
			take = MIN(len, n->msg_len - n->msg_have);
			memcpy(n->msg + n->msg_have, p, take);
			n->msg_have += take;
			p += take;
			len -= take;
		}
		if (n->msg_have == n->msg_len) {
			n->hdr_have = 0;
			if (process_message(n) < 0)
				return -1;
		}
	}
	return 0;
}

int
noise_write_message(struct noise *n, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t payload[OUR_PAYLOAD_LEN];
	size_t plen = 0, mlen;

	*outlen = 0;
	if (n->state == NOISE_FAILED)
		return NOISE_RC_ERR;
	if (n->state != NOISE_HANDSHAKE || !noise_xx_our_turn(&n->hs))
		return NOISE_RC_NONE;
	/* Our first message (initiator msg1) has an empty payload; the one
	 * with our static key also carries our signed identity. */
	if (n->hs.step > 0) {
		if (!n->have_sig)
			return NOISE_RC_NEED_SIGNATURE;
		plen = build_payload(n, payload);
	}
	if (cap < NOISE_OUT_MAX) {
		failf(n, "output buffer too small");
		return NOISE_RC_ERR;
	}
	if (noise_xx_write(&n->hs, payload, plen, out + 2, cap - 2, &mlen) < 0) {
		failf(n, "%s", n->hs.err);
		return NOISE_RC_ERR;
	}
	out[0] = (uint8_t)(mlen >> 8);
	out[1] = (uint8_t)mlen;
	*outlen = mlen + 2;
	if (noise_xx_done(&n->hs))
		n->state = NOISE_DONE;
	return NOISE_RC_MSG;
}

enum noise_state
noise_state(const struct noise *n)
{
	return n->state;
}

int
noise_is_done(const struct noise *n)
{
	return n->state == NOISE_DONE;
}

int
noise_is_failed(const struct noise *n)
{
	return n->state == NOISE_FAILED;
}

const char *
noise_error(const struct noise *n)
{
	return n->err;
}

int
noise_remote_identity_key(const struct noise *n, uint8_t out[NOISE_ED25519_PB_LEN])
{
	if (!n->have_remote || n->state == NOISE_FAILED)
		return -1;
	memcpy(out, ED25519_PB_PREFIX, sizeof(ED25519_PB_PREFIX));
	memcpy(out + sizeof(ED25519_PB_PREFIX), n->remote_pub, ED25519_LEN);
	return 0;
}

int
noise_remote_peer_id(const struct noise *n, uint8_t out[NOISE_PEER_ID_LEN])
{
	/* Keys of at most 42 bytes use the identity multihash (peer-ids.md);
	 * the PublicKey is re-encoded canonically. */
	out[0] = MH_IDENTITY;
	out[1] = NOISE_ED25519_PB_LEN;
	return noise_remote_identity_key(n, out + 2);
}

const uint8_t *
noise_handshake_hash(const struct noise *n)
{
	return n->state == NOISE_DONE ? noise_xx_hash(&n->hs) : NULL;
}
