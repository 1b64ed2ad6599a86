/* fuzz_multiformats: the multiformats decoders (common/multiformats.c) the
 * worker and the supervisor apply to peer-supplied text and bytes:
 * multiaddr text and binary, peer ids (text and bytes), certhashes,
 * base58btc, base64url, base32, multibase, multihash, PublicKey protobufs
 * and unsigned varints. Byte 0 picks the decoder, the rest is its input.
 * Invariants: whatever decodes encodes back to something that decodes to the
 * same value (exactly the same text where the encoding is canonical), and
 * outputs respect the caller's capacity. */
#include <string.h>
#include <sys/socket.h>

#include "common/multiformats.h"
#include "fuzz.h"

static int
maddr_equal(const struct mf_maddr *a, const struct mf_maddr *b)
{
	if (a->addr.family != b->addr.family || a->addr.port != b->addr.port ||
	    memcmp(a->addr.ip, b->addr.ip, a->addr.family == AF_INET ? 4 : 16) != 0 ||
	    a->webrtc_direct != b->webrtc_direct || a->n_certhash != b->n_certhash ||
	    a->has_peer != b->has_peer)
		return 0;
	for (int i = 0; i < a->n_certhash; i++)
		if (memcmp(a->certhash[i], b->certhash[i], MF_SHA256_LEN) != 0)
			return 0;
	return !a->has_peer || mf_peerid_equal(&a->peer, &b->peer);
}

/* A parsed multiaddr survives text and binary round trips. */
static void
maddr_round_trips(const struct mf_maddr *m)
{
	char text[MF_MADDR_TEXT_MAX + 1];
	uint8_t bin[MF_MADDR_BIN_MAX];
	struct mf_maddr t;
	int n;

	FUZZ_CHECK(m->addr.family == AF_INET || m->addr.family == AF_INET6);
	FUZZ_CHECK(m->n_certhash >= 0 && m->n_certhash <= MF_MADDR_MAX_CERTHASH);
	n = mf_maddr_format(m, text, sizeof(text));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(text));
	FUZZ_CHECK(mf_maddr_parse(text, (size_t)n, &t) == 0 && maddr_equal(m, &t));
	n = mf_maddr_to_bin(m, bin, sizeof(bin));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(mf_maddr_from_bin(bin, (size_t)n, &t) == 0 && maddr_equal(m, &t));
}

static void
peerid_round_trip(const struct mf_peerid *id)
{
	char text[MF_PEERID_TEXT_MAX + 1];
	struct mf_peerid t;
	uint8_t key[MF_ED25519_KEY_LEN];
	int n;

	FUZZ_CHECK(id->len > 0 && id->len <= MF_PEERID_MAX);
	FUZZ_CHECK(mf_peerid_from_bytes(id->b, id->len, &t) == 0 && mf_peerid_equal(id, &t));
	n = mf_peerid_to_text(id, text, sizeof(text));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(text));
	FUZZ_CHECK(mf_peerid_from_text(text, (size_t)n, &t) == 0 && mf_peerid_equal(id, &t));
	(void)mf_peerid_ed25519_key(id, key);
}

typedef int (*decode_fn)(const char *, size_t, uint8_t *, size_t);
typedef int (*encode_fn)(const uint8_t *, size_t, char *, size_t);

/* decode -> encode -> decode gives the same bytes; canonical bases give
 * back the same text too. */
static void
base_round_trip(decode_fn dec, encode_fn enc, const char *s, size_t n, int canonical)
{
	uint8_t b[512], b2[512];
	char t[1024];
	int k, tl, k2;

	k = dec(s, n, b, sizeof(b));
	if (k < 0)
		return;
	FUZZ_CHECK((size_t)k <= sizeof(b));
	tl = enc(b, (size_t)k, t, sizeof(t));
	if (tl < 0)
		return;   /* an output longer than our buffer */
	FUZZ_CHECK((size_t)tl == strlen(t));
	k2 = dec(t, (size_t)tl, b2, sizeof(b2));
	FUZZ_CHECK(k2 == k && memcmp(b, b2, (size_t)k) == 0);
	if (canonical)
		FUZZ_CHECK((size_t)tl == n && memcmp(t, s, n) == 0);
	/* A buffer one byte too small fails instead of overflowing. */
	if (k > 0) {
		uint8_t *tight = malloc((size_t)k - 1 + 1);
		FUZZ_CHECK(tight != NULL);
		FUZZ_CHECK(dec(s, n, tight, (size_t)k - 1) < 0);
		free(tight);
	}
}

static void
varints(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	int k = mf_uvarint_decode(p, n, &v);
	uint8_t out[MF_UVARINT_MAX];
	struct rd r;

	FUZZ_CHECK(k >= -1 && k <= MF_UVARINT_MAX && (k < 0 || (size_t)k <= n));
	if (k > 0) {
		int w = mf_uvarint_encode(v, out, sizeof(out));
		FUZZ_CHECK(v < MF_UVARINT_LIMIT && w > 0 && w <= k);
		FUZZ_CHECK((size_t)w == mf_uvarint_len(v));
	}
	rd_init(&r, p, n);
	(void)mf_rd_uvarint(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mf_maddr m;
	struct mf_peerid id;
	struct mf_multihash mh;
	uint8_t fp[MF_SHA256_LEN], buf[512];
	const uint8_t *kd;
	size_t n, kl;
	int type;
	char *s;
	uint8_t *b;

	if (size == 0)
		return 0;
	n = size - 1;
	s = fz_strdup(data + 1, n);
	b = fz_dup(data + 1, n);
	switch (data[0] % 12) {
	case 0:
		if (mf_maddr_parse(s, n, &m) == 0)
			maddr_round_trips(&m);
		break;
	case 1:
		if (mf_maddr_from_bin(b, n, &m) == 0)
			maddr_round_trips(&m);
		break;
	case 2:
		if (mf_peerid_from_text(s, n, &id) == 0)
			peerid_round_trip(&id);
		break;
	case 3:
		if (mf_peerid_from_bytes(b, n, &id) == 0)
			peerid_round_trip(&id);
		break;
	case 4:
		base_round_trip(mf_base58_decode, mf_base58_encode, s, n, 1);
		break;
	case 5:
		base_round_trip(mf_base64url_decode, mf_base64url_encode, s, n, 1);
		break;
	case 6:
		base_round_trip(mf_base32_decode, mf_base32_encode, s, n, 0);
		break;
	case 7:
		base_round_trip(mf_multibase_decode, mf_multibase_encode_u, s, n, 0);
		break;
	case 8:
		if (mf_multihash_decode(b, n, &mh) == 0) {
			FUZZ_CHECK(mh.len <= MF_MH_MAX_DIGEST && mh.digest >= b && mh.digest + mh.len <= b + n);
			FUZZ_CHECK(mf_multihash_encode(mh.code, mh.digest, mh.len, buf, sizeof(buf)) > 0);
		}
		break;
	case 9:
		if (mf_pubkey_decode(b, n, &type, &kd, &kl) == 0)
			FUZZ_CHECK(kd >= b && kd + kl <= b + n);
		if (mf_peerid_from_pubkey(b, n, &id) == 0)
			peerid_round_trip(&id);
		break;
	case 10:
		if (mf_certhash_parse(s, n, fp) == 0) {
			char t[MF_CERTHASH_TEXT_LEN + 1];
			uint8_t fp2[MF_SHA256_LEN];
			FUZZ_CHECK(mf_certhash_from_fingerprint(fp, t, sizeof(t)) == MF_CERTHASH_TEXT_LEN);
			FUZZ_CHECK(mf_certhash_parse(t, strlen(t), fp2) == 0 && memcmp(fp, fp2, 32) == 0);
		}
		break;
	default:
		varints(b, n);
		break;
	}
	free(s);
	free(b);
	return 0;
}
