/* multiformats: the multiformats encodings libp2p WebRTC Direct needs:
 * unsigned varints, base58btc, base64url, base32 (CIDs), multibase ('u', 'z',
 * 'b'), multihash (sha2-256, identity), the libp2p Ed25519 PublicKey protobuf
 * and peer ids, certhashes, and /ip4|ip6/udp/webrtc-direct/certhash/p2p
 * multiaddrs in text and binary form. Pure: no I/O; every decoder takes
 * untrusted bytes and checks every length. Functions return a length (>= 0)
 * or -1; text outputs are NUL-terminated. */
#ifndef RTCD_MULTIFORMATS_H
#define RTCD_MULTIFORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/buf.h"

/* unsigned-varint: at most 9 bytes, so values up to 2^63 - 1. */
#define MF_UVARINT_MAX 9
#define MF_UVARINT_LIMIT ((uint64_t)1 << 63)

/* Bounds for the quadratic base58 conversion and for identifiers. */
#define MF_BASE58_MAX_BYTES 128
#define MF_BASE58_MAX_TEXT 176          /* ceil(128 * log(256) / log(58)) */
#define MF_SHA256_LEN 32
#define MF_MH_SHA2_256 0x12
#define MF_MH_IDENTITY 0x00
#define MF_MH_MAX_DIGEST 64
#define MF_CID_LIBP2P_KEY 0x72
#define MF_ED25519_KEY_LEN 32
#define MF_KEYTYPE_ED25519 1
#define MF_PUBKEY_ED25519_LEN 36        /* 08 01 12 20 <32> */
#define MF_PEERID_IDENTITY_MAX 42       /* larger keys are sha2-256 hashed */
#define MF_PEERID_MAX 46                /* identity multihash of 42 bytes + header */
#define MF_PEERID_TEXT_MAX 128
#define MF_CERTHASH_TEXT_LEN 47         /* "uEi" + 44 */
#define MF_MADDR_TEXT_MAX 384
#define MF_MADDR_BIN_MAX 160
#define MF_MADDR_MAX_CERTHASH 4

/* Multiaddr protocol codes (multicodec table). */
#define MF_P_IP4 0x04
#define MF_P_IP6 0x29
#define MF_P_UDP 0x0111
#define MF_P_WEBRTC_DIRECT 0x0118
#define MF_P_CERTHASH 0x01d2
#define MF_P_P2P 0x01a5

/* ---- unsigned varint ---- */
size_t mf_uvarint_len(uint64_t v);
/* Bytes written, or -1 when v >= 2^63 or cap is too small. */
int mf_uvarint_encode(uint64_t v, uint8_t *out, size_t cap);
/* > 0: bytes consumed; 0: truncated (need more input); -1: invalid (longer
 * than 9 bytes). Non-minimal encodings are accepted. */
int mf_uvarint_decode(const uint8_t *p, size_t n, uint64_t *v);
/* struct rd / struct wr flavours: errors set r->err / w->err. */
uint64_t mf_rd_uvarint(struct rd *r);
void mf_wr_uvarint(struct wr *w, uint64_t v);

/* ---- bases ---- */
int mf_base58_encode(const uint8_t *p, size_t n, char *out, size_t cap);
int mf_base58_decode(const char *s, size_t slen, uint8_t *out, size_t cap);
/* base64url (RFC 4648 §5) without padding; decoding rejects '=' and
 * non-canonical trailing bits. */
int mf_base64url_encode(const uint8_t *p, size_t n, char *out, size_t cap);
int mf_base64url_decode(const char *s, size_t slen, uint8_t *out, size_t cap);
/* base32 lower case, no padding (multibase 'b'). */
int mf_base32_encode(const uint8_t *p, size_t n, char *out, size_t cap);
int mf_base32_decode(const char *s, size_t slen, uint8_t *out, size_t cap);
/* Multibase: decode 'u' (base64url), 'z' (base58btc) and 'b' (base32). */
int mf_multibase_decode(const char *s, size_t slen, uint8_t *out, size_t cap);
/* Encode as 'u' + base64url. */
int mf_multibase_encode_u(const uint8_t *p, size_t n, char *out, size_t cap);

/* ---- multihash ---- */
struct mf_multihash {
	uint64_t code;
	const uint8_t *digest;          /* points into the decoded input */
	size_t len;
};
int mf_multihash_encode(uint64_t code, const uint8_t *digest, size_t len, uint8_t *out,
    size_t cap);
/* Decodes exactly n bytes. Known codes must have their fixed size (sha2-256:
 * 32); digests are at most MF_MH_MAX_DIGEST bytes. 0 or -1. */
int mf_multihash_decode(const uint8_t *p, size_t n, struct mf_multihash *mh);

/* ---- keys and peer ids ---- */
struct mf_peerid {
	uint8_t b[MF_PEERID_MAX];       /* the multihash bytes */
	size_t len;
};
/* PublicKey protobuf for an Ed25519 key: exactly 08 01 12 20 <32>. */
void mf_pubkey_ed25519_encode(const uint8_t pub[MF_ED25519_KEY_LEN],
    uint8_t out[MF_PUBKEY_ED25519_LEN]);
/* Parse a PublicKey protobuf (fields Type = 1, Data = 2, canonical order,
 * nothing else); returns the key type and points *data into p. 0 or -1. */
int mf_pubkey_decode(const uint8_t *p, size_t n, int *type, const uint8_t **data, size_t *dlen);
/* Peer id of a serialized PublicKey: identity multihash if <= 42 bytes,
 * else sha2-256. 0 or -1. */
int mf_peerid_from_pubkey(const uint8_t *pb, size_t n, struct mf_peerid *id);
int mf_peerid_from_ed25519(const uint8_t pub[MF_ED25519_KEY_LEN], struct mf_peerid *id);
/* Validate binary peer id bytes (identity or sha2-256 multihash). */
int mf_peerid_from_bytes(const uint8_t *p, size_t n, struct mf_peerid *id);
/* Legacy text form: base58btc of the multihash ("12D3KooW..."). */
int mf_peerid_to_text(const struct mf_peerid *id, char *out, size_t cap);
/* Accepts base58btc ("1...", "Qm...") and CIDv1 libp2p-key in multibase
 * ('b' base32, 'z' base58btc, 'u' base64url). */
int mf_peerid_from_text(const char *s, size_t slen, struct mf_peerid *id);
int mf_peerid_equal(const struct mf_peerid *a, const struct mf_peerid *b);
/* The inlined Ed25519 public key of an identity peer id. 0 or -1. */
int mf_peerid_ed25519_key(const struct mf_peerid *id, uint8_t pub[MF_ED25519_KEY_LEN]);

/* ---- certhash (multibase(multihash(sha-256 of the DER certificate))) ---- */
int mf_certhash_from_fingerprint(const uint8_t fp[MF_SHA256_LEN], char *out, size_t cap);
int mf_certhash_from_der(const uint8_t *der, size_t n, char *out, size_t cap,
    uint8_t fp[MF_SHA256_LEN]);
/* Any supported multibase; the multihash must be sha2-256 / 32. 0 or -1. */
int mf_certhash_parse(const char *s, size_t slen, uint8_t fp[MF_SHA256_LEN]);

/* ---- multiaddr: ip4|ip6 / udp [/ webrtc-direct [/ certhash]*] [/ p2p] ---- */
struct mf_maddr {
	struct addr addr;               /* family, ip, port */
	int webrtc_direct;
	int n_certhash;
	uint8_t certhash[MF_MADDR_MAX_CERTHASH][MF_SHA256_LEN];
	int has_peer;
	struct mf_peerid peer;
};
int mf_maddr_format(const struct mf_maddr *m, char *out, size_t cap);
/* /ip4|ip6/<ip>/udp/<port>/webrtc-direct/certhash/<u...>/p2p/<peer>; peer may
 * be NULL to leave out /p2p. */
int mf_maddr_webrtc_direct(const struct addr *a, const uint8_t fp[MF_SHA256_LEN],
    const struct mf_peerid *peer, char *out, size_t cap);
/* Text parser; anything but the protocols above is rejected. 0 or -1. */
int mf_maddr_parse(const char *s, size_t slen, struct mf_maddr *m);
int mf_maddr_to_bin(const struct mf_maddr *m, uint8_t *out, size_t cap);
int mf_maddr_from_bin(const uint8_t *p, size_t n, struct mf_maddr *m);

#endif
