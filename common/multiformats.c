/* multiformats: varints, bases, multihash, peer ids, certhashes and the
 * WebRTC Direct multiaddrs (see multiformats.h). */
#include "common/multiformats.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* ------------------------------------------------------------------ */
/* unsigned varint (multiformats/unsigned-varint)                      */

size_t
mf_uvarint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

int
mf_uvarint_encode(uint64_t v, uint8_t *out, size_t cap)
{
	size_t n = mf_uvarint_len(v);

	if (v >= MF_UVARINT_LIMIT || n > cap)
		return -1;
	for (size_t i = 0; i + 1 < n; i++) {
		out[i] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n - 1] = (uint8_t)v;
	return (int)n;
}

int
mf_uvarint_decode(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t r = 0;

	/* 9 groups of 7 bits = 63 bits: the shift never overflows. */
	for (size_t i = 0; i < MF_UVARINT_MAX; i++) {
		if (i == n)
			return 0;
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			*v = r;
			return (int)(i + 1);
		}
	}
	return -1;
}

uint64_t
mf_rd_uvarint(struct rd *r)
{
	uint64_t v = 0;
	int k;

	if (r->err)
		return 0;
	k = mf_uvarint_decode(r->p + r->off, r->len - r->off, &v);
	if (k <= 0) {
		r->err = 1;
		return 0;
	}
	r->off += (size_t)k;
	return v;
}

/* Identifiers (multihash, CID, key, binary multiaddr) are compared and
 * hashed as bytes, so inside them only minimal varints are accepted. */
static uint64_t
rd_uvarint_min(struct rd *r)
{
	size_t start = r->off;
	uint64_t v = mf_rd_uvarint(r);

	if (!r->err && r->off - start != mf_uvarint_len(v))
		r->err = 1;
	return r->err ? 0 : v;
}

void
mf_wr_uvarint(struct wr *w, uint64_t v)
{
	uint8_t tmp[MF_UVARINT_MAX];
	int k = mf_uvarint_encode(v, tmp, sizeof(tmp));

	if (k < 0) {
		w->err = 1;
		return;
	}
	wr_bytes(w, tmp, (size_t)k);
}

/* ------------------------------------------------------------------ */
/* base58btc: big-number base conversion, bounded to keep it cheap      */

int
mf_base58_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	uint8_t digits[MF_BASE58_MAX_TEXT];
	size_t zeros = 0, nd = 0, total;

	if (n > MF_BASE58_MAX_BYTES)
		return -1;
	while (zeros < n && p[zeros] == 0)
		zeros++;
	for (size_t i = zeros; i < n; i++) {
		uint32_t carry = p[i];
		for (size_t j = 0; j < nd; j++) {
			carry += (uint32_t)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			if (nd == sizeof(digits))
				return -1;
			digits[nd++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	total = zeros + nd;
	if (total + 1 > cap)
		return -1;
	memset(out, '1', zeros);
	for (size_t i = 0; i < nd; i++)
		out[zeros + i] = B58[digits[nd - 1 - i]];
	out[total] = '\0';
	return (int)total;
}

static int
alpha_index(const char *alpha, size_t alen, char c)
{
	const char *q = memchr(alpha, c, alen);

	return (c == '\0' || q == NULL) ? -1 : (int)(q - alpha);
}

int
mf_base58_decode(const char *s, size_t slen, uint8_t *out, size_t cap)
{
	uint8_t num[MF_BASE58_MAX_TEXT];    /* little-endian base-256 digits */
	size_t zeros = 0, nb = 0, total;

	if (slen > MF_BASE58_MAX_TEXT)
		return -1;
	while (zeros < slen && s[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < slen; i++) {
		int d = alpha_index(B58, 58, s[i]);
		uint32_t carry;

		if (d < 0)
			return -1;
		carry = (uint32_t)d;
		for (size_t j = 0; j < nb; j++) {
			carry += (uint32_t)num[j] * 58;
			num[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry > 0) {
			if (nb == sizeof(num))
				return -1;
			num[nb++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	total = zeros + nb;
	if (total > cap)
		return -1;
	memset(out, 0, zeros);
	for (size_t i = 0; i < nb; i++)
		out[zeros + i] = num[nb - 1 - i];
	return (int)total;
}

/* ------------------------------------------------------------------ */
/* base64url / base32: k bits per character, no padding, canonical      */

static int
bits_encode(const uint8_t *p, size_t n, const char *alpha, unsigned k, char *out, size_t cap)
{
	size_t need = (n * 8 + k - 1) / k, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0, mask = (1u << k) - 1;

	if (n > SIZE_MAX / 8 - k || need + 1 > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= k) {
			bits -= k;
			out[o++] = alpha[(acc >> bits) & mask];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (k - bits)) & mask];
	out[o] = '\0';
	return (int)o;
}

static int
bits_decode(const char *s, size_t slen, const char *alpha, unsigned k, uint8_t *out,
    size_t cap)
{
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (slen > SIZE_MAX / 8)
		return -1;
	if (slen * k / 8 > cap)
		return -1;
	for (size_t i = 0; i < slen; i++) {
		int d = alpha_index(alpha, (size_t)1 << k, s[i]);

		if (d < 0)
			return -1;
		acc = (acc << k) | (uint32_t)d;
		bits += k;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	/* A whole leftover character, or non-zero padding bits, means the
	 * text is not the canonical encoding of any byte string. */
	if (bits >= k || acc != 0)
		return -1;
	return (int)o;
}

int
mf_base64url_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	return bits_encode(p, n, B64URL, 6, out, cap);
}

int
mf_base64url_decode(const char *s, size_t slen, uint8_t *out, size_t cap)
{
	return bits_decode(s, slen, B64URL, 6, out, cap);
}

int
mf_base32_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	return bits_encode(p, n, B32, 5, out, cap);
}

int
mf_base32_decode(const char *s, size_t slen, uint8_t *out, size_t cap)
{
	return bits_decode(s, slen, B32, 5, out, cap);
}

int
mf_multibase_decode(const char *s, size_t slen, uint8_t *out, size_t cap)
{
	if (slen < 1)
		return -1;
	switch (s[0]) {
	case 'u':
		return mf_base64url_decode(s + 1, slen - 1, out, cap);
	case 'z':
		return mf_base58_decode(s + 1, slen - 1, out, cap);
	case 'b':
		return mf_base32_decode(s + 1, slen - 1, out, cap);
	default:
		return -1;
	}
}

int
mf_multibase_encode_u(const uint8_t *p, size_t n, char *out, size_t cap)
{
	int k;

	if (cap < 2)
		return -1;
	out[0] = 'u';
	k = mf_base64url_encode(p, n, out + 1, cap - 1);
	return k < 0 ? -1 : k + 1;
}

/* ------------------------------------------------------------------ */
/* multihash                                                          */

int
mf_multihash_encode(uint64_t code, const uint8_t *digest, size_t len, uint8_t *out, size_t cap)
{
	struct wr w;

	if (len > MF_MH_MAX_DIGEST)
		return -1;
	wr_init(&w, out, cap);
	mf_wr_uvarint(&w, code);
	mf_wr_uvarint(&w, len);
	wr_bytes(&w, digest, len);
	return w.err ? -1 : (int)w.len;
}

int
mf_multihash_decode(const uint8_t *p, size_t n, struct mf_multihash *mh)
{
	struct rd r;
	uint64_t len;

	rd_init(&r, p, n);
	mh->code = rd_uvarint_min(&r);
	len = rd_uvarint_min(&r);
	if (r.err || len > MF_MH_MAX_DIGEST || len != rd_left(&r))
		return -1;
	if (mh->code == MF_MH_SHA2_256 && len != MF_SHA256_LEN)
		return -1;
	mh->len = (size_t)len;
	mh->digest = rd_bytes(&r, mh->len);
	return rd_done(&r) ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* keys and peer ids (libp2p/specs peer-ids/peer-ids.md)                 */

void
mf_pubkey_ed25519_encode(const uint8_t pub[MF_ED25519_KEY_LEN], uint8_t out[MF_PUBKEY_ED25519_LEN])
{
	out[0] = 0x08;                  /* field 1 (Type), varint */
	out[1] = MF_KEYTYPE_ED25519;
	out[2] = 0x12;                  /* field 2 (Data), length-delimited */
	out[3] = MF_ED25519_KEY_LEN;
	memcpy(out + 4, pub, MF_ED25519_KEY_LEN);
}

int
mf_pubkey_decode(const uint8_t *p, size_t n, int *type, const uint8_t **data, size_t *dlen)
{
	struct rd r;
	uint64_t t, len;

	/* Keys are compared and hashed as bytes, so only the canonical
	 * encoding (Type then Data, nothing else) is accepted. */
	rd_init(&r, p, n);
	if (rd_u8(&r) != 0x08)
		return -1;
	t = rd_uvarint_min(&r);
	if (rd_u8(&r) != 0x12)
		return -1;
	len = rd_uvarint_min(&r);
	if (r.err || t > 3 || len != rd_left(&r))
		return -1;
	*type = (int)t;
	*dlen = (size_t)len;
	*data = rd_bytes(&r, *dlen);
	return rd_done(&r) ? 0 : -1;
}

int
mf_peerid_from_pubkey(const uint8_t *pb, size_t n, struct mf_peerid *id)
{
	uint8_t digest[MF_SHA256_LEN];
	unsigned int dl = 0;
	int k;

	if (n <= MF_PEERID_IDENTITY_MAX) {
		k = mf_multihash_encode(MF_MH_IDENTITY, pb, n, id->b, sizeof(id->b));
	} else {
		if (!EVP_Digest(pb, n, digest, &dl, EVP_sha256(), NULL) || dl != sizeof(digest))
			return -1;
		k = mf_multihash_encode(MF_MH_SHA2_256, digest, dl, id->b, sizeof(id->b));
	}
	if (k < 0)
		return -1;
	id->len = (size_t)k;
	return 0;
}

int
mf_peerid_from_ed25519(const uint8_t pub[MF_ED25519_KEY_LEN], struct mf_peerid *id)
{
	uint8_t pb[MF_PUBKEY_ED25519_LEN];

	mf_pubkey_ed25519_encode(pub, pb);
	return mf_peerid_from_pubkey(pb, sizeof(pb), id);
}

int
mf_peerid_from_bytes(const uint8_t *p, size_t n, struct mf_peerid *id)
{
	struct mf_multihash mh;

	if (n > sizeof(id->b) || mf_multihash_decode(p, n, &mh) < 0)
		return -1;
	if (!(mh.code == MF_MH_SHA2_256 ||
	    (mh.code == MF_MH_IDENTITY && mh.len <= MF_PEERID_IDENTITY_MAX)))
		return -1;
	memcpy(id->b, p, n);
	id->len = n;
	return 0;
}

int
mf_peerid_to_text(const struct mf_peerid *id, char *out, size_t cap)
{
	return mf_base58_encode(id->b, id->len, out, cap);
}

/* CIDv1 (multiformats/cid): <version 1><codec libp2p-key><multihash>. */
static int
peerid_from_cid(const uint8_t *p, size_t n, struct mf_peerid *id)
{
	struct rd r;

	rd_init(&r, p, n);
	if (rd_uvarint_min(&r) != 1 || rd_uvarint_min(&r) != MF_CID_LIBP2P_KEY || r.err)
		return -1;
	return mf_peerid_from_bytes(p + r.off, rd_left(&r), id);
}

int
mf_peerid_from_text(const char *s, size_t slen, struct mf_peerid *id)
{
	uint8_t buf[MF_BASE58_MAX_BYTES];
	int k;

	if (slen == 0 || slen > MF_PEERID_TEXT_MAX)
		return -1;
	if (s[0] == '1' || (slen >= 2 && s[0] == 'Q' && s[1] == 'm')) {
		k = mf_base58_decode(s, slen, buf, sizeof(buf));
		return k < 0 ? -1 : mf_peerid_from_bytes(buf, (size_t)k, id);
	}
	k = mf_multibase_decode(s, slen, buf, sizeof(buf));
	return k < 0 ? -1 : peerid_from_cid(buf, (size_t)k, id);
}

int
mf_peerid_equal(const struct mf_peerid *a, const struct mf_peerid *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

int
mf_peerid_ed25519_key(const struct mf_peerid *id, uint8_t pub[MF_ED25519_KEY_LEN])
{
	struct mf_multihash mh;
	const uint8_t *data;
	size_t dlen;
	int type;

	if (mf_multihash_decode(id->b, id->len, &mh) < 0 || mh.code != MF_MH_IDENTITY)
		return -1;
	if (mf_pubkey_decode(mh.digest, mh.len, &type, &data, &dlen) < 0 ||
	    type != MF_KEYTYPE_ED25519 || dlen != MF_ED25519_KEY_LEN)
		return -1;
	memcpy(pub, data, MF_ED25519_KEY_LEN);
	return 0;
}

/* ------------------------------------------------------------------ */
/* certhash                                                           */

int
mf_certhash_from_fingerprint(const uint8_t fp[MF_SHA256_LEN], char *out, size_t cap)
{
	uint8_t mh[2 + MF_SHA256_LEN];
	int k = mf_multihash_encode(MF_MH_SHA2_256, fp, MF_SHA256_LEN, mh, sizeof(mh));

	return k < 0 ? -1 : mf_multibase_encode_u(mh, (size_t)k, out, cap);
}

int
mf_certhash_from_der(const uint8_t *der, size_t n, char *out, size_t cap,
    uint8_t fp[MF_SHA256_LEN])
{
	unsigned int dl = 0;

	if (!EVP_Digest(der, n, fp, &dl, EVP_sha256(), NULL) || dl != MF_SHA256_LEN)
		return -1;
	return mf_certhash_from_fingerprint(fp, out, cap);
}

int
mf_certhash_parse(const char *s, size_t slen, uint8_t fp[MF_SHA256_LEN])
{
	uint8_t buf[MF_BASE58_MAX_BYTES];
	struct mf_multihash mh;
	int k = mf_multibase_decode(s, slen, buf, sizeof(buf));

	if (k < 0 || mf_multihash_decode(buf, (size_t)k, &mh) < 0 ||
	    mh.code != MF_MH_SHA2_256)
		return -1;
	memcpy(fp, mh.digest, MF_SHA256_LEN);
	return 0;
}

/* ------------------------------------------------------------------ */
/* multiaddr                                                          */

/* Accepted component order: ip, udp, [webrtc-direct, [certhash...]], [p2p]. */
enum maddr_stage { ST_START, ST_IP, ST_UDP, ST_WEBRTC, ST_CERTHASH, ST_P2P };

static const struct {
	const char *name;
	uint64_t code;
} MADDR_PROTOS[] = {
	{ "ip4", MF_P_IP4 }, { "ip6", MF_P_IP6 }, { "udp", MF_P_UDP },
	{ "webrtc-direct", MF_P_WEBRTC_DIRECT }, { "certhash", MF_P_CERTHASH },
	{ "p2p", MF_P_P2P },
};

static int
maddr_next_stage(int stage, uint64_t code)
{
	switch (code) {
	case MF_P_IP4:
	case MF_P_IP6:
		return stage == ST_START ? ST_IP : -1;
	case MF_P_UDP:
		return stage == ST_IP ? ST_UDP : -1;
	case MF_P_WEBRTC_DIRECT:
		return stage == ST_UDP ? ST_WEBRTC : -1;
	case MF_P_CERTHASH:
		return (stage == ST_WEBRTC || stage == ST_CERTHASH) ? ST_CERTHASH : -1;
	case MF_P_P2P:
		return (stage >= ST_UDP && stage <= ST_CERTHASH) ? ST_P2P : -1;
	default:
		return -1;
	}
}

/* Text output with one overflow flag (like struct wr). */
struct tbuf {
	char *p;
	size_t cap, len;
	int err;
};

static void
tb_put(struct tbuf *t, const char *s)
{
	size_t n = strlen(s);

	if (t->err || n + 1 > t->cap - t->len) {
		t->err = 1;
		return;
	}
	memcpy(t->p + t->len, s, n + 1);
	t->len += n;
}

int
mf_maddr_format(const struct mf_maddr *m, char *out, size_t cap)
{
	struct tbuf t = { out, cap, 0, 0 };
	char ip[INET6_ADDRSTRLEN], tmp[MF_PEERID_TEXT_MAX];
	int af = m->addr.family;

	if (cap == 0 || (af != AF_INET && af != AF_INET6) ||
	    inet_ntop(af, m->addr.ip, ip, sizeof(ip)) == NULL)
		return -1;
	out[0] = '\0';
	tb_put(&t, af == AF_INET ? "/ip4/" : "/ip6/");
	tb_put(&t, ip);
	snprintf(tmp, sizeof(tmp), "/udp/%u", (unsigned)m->addr.port);
	tb_put(&t, tmp);
	if (m->webrtc_direct)
		tb_put(&t, "/webrtc-direct");
	if (m->n_certhash < 0 || m->n_certhash > MF_MADDR_MAX_CERTHASH ||
	    (m->n_certhash > 0 && !m->webrtc_direct))
		return -1;
	for (int i = 0; i < m->n_certhash; i++) {
		if (mf_certhash_from_fingerprint(m->certhash[i], tmp, sizeof(tmp)) < 0)
			return -1;
		tb_put(&t, "/certhash/");
		tb_put(&t, tmp);
	}
	if (m->has_peer) {
		if (mf_peerid_to_text(&m->peer, tmp, sizeof(tmp)) < 0)
			return -1;
		tb_put(&t, "/p2p/");
		tb_put(&t, tmp);
	}
	return t.err ? -1 : (int)t.len;
}

int
mf_maddr_webrtc_direct(const struct addr *a, const uint8_t fp[MF_SHA256_LEN],
    const struct mf_peerid *peer, char *out, size_t cap)
{
	struct mf_maddr m;

	memset(&m, 0, sizeof(m));
	m.addr = *a;
	m.webrtc_direct = 1;
	m.n_certhash = 1;
	memcpy(m.certhash[0], fp, MF_SHA256_LEN);
	if (peer != NULL) {
		m.has_peer = 1;
		m.peer = *peer;
	}
	return mf_maddr_format(&m, out, cap);
}

/* Next '/'-separated token of s[*off..n); the text must be at '/'. */
static int
next_token(const char *s, size_t n, size_t *off, const char **tok, size_t *tlen)
{
	size_t i = *off;

	if (i >= n || s[i] != '/')
		return -1;
	i++;
	*tok = s + i;
	while (i < n && s[i] != '/' && s[i] != '\0')
		i++;
	*tlen = (size_t)(s + i - *tok);
	*off = i;
	return *tlen == 0 ? -1 : 0;
}

static int
parse_port(const char *tok, size_t len, uint16_t *port)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(tok[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int
parse_ip(int af, const char *tok, size_t len, struct addr *a)
{
	char tmp[INET6_ADDRSTRLEN];

	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, tok, len);
	tmp[len] = '\0';
	if (inet_pton(af, tmp, a->ip) != 1)
		return -1;
	a->family = (uint8_t)af;
	return 0;
}

/* Apply one text component (protocol code + value token) to m. */
static int
maddr_text_value(struct mf_maddr *m, uint64_t code, const char *tok, size_t len)
{
	switch (code) {
	case MF_P_IP4:
		return parse_ip(AF_INET, tok, len, &m->addr);
	case MF_P_IP6:
		return parse_ip(AF_INET6, tok, len, &m->addr);
	case MF_P_UDP:
		return parse_port(tok, len, &m->addr.port);
	case MF_P_CERTHASH:
		if (m->n_certhash == MF_MADDR_MAX_CERTHASH ||
		    mf_certhash_parse(tok, len, m->certhash[m->n_certhash]) < 0)
			return -1;
		m->n_certhash++;
		return 0;
	case MF_P_P2P:
		m->has_peer = 1;
		return mf_peerid_from_text(tok, len, &m->peer);
	default:
		return -1;
	}
}

static int
maddr_code_of(const char *tok, size_t len, uint64_t *code)
{
	for (size_t i = 0; i < sizeof(MADDR_PROTOS) / sizeof(MADDR_PROTOS[0]); i++) {
		if (strlen(MADDR_PROTOS[i].name) == len &&
		    memcmp(MADDR_PROTOS[i].name, tok, len) == 0) {
			*code = MADDR_PROTOS[i].code;
			return 0;
		}
	}
	return -1;
}

int
mf_maddr_parse(const char *s, size_t slen, struct mf_maddr *m)
{
	size_t off = 0;
	int stage = ST_START;

	memset(m, 0, sizeof(*m));
	if (slen > MF_MADDR_TEXT_MAX)
		return -1;
	while (off < slen) {
		const char *tok;
		size_t tlen;
		uint64_t code;

		if (next_token(s, slen, &off, &tok, &tlen) < 0 ||
		    maddr_code_of(tok, tlen, &code) < 0 ||
		    (stage = maddr_next_stage(stage, code)) < 0)
			return -1;
		if (code == MF_P_WEBRTC_DIRECT) {
			m->webrtc_direct = 1;
			continue;
		}
		if (next_token(s, slen, &off, &tok, &tlen) < 0 ||
		    maddr_text_value(m, code, tok, tlen) < 0)
			return -1;
	}
	return stage >= ST_UDP ? 0 : -1;
}

int
mf_maddr_to_bin(const struct mf_maddr *m, uint8_t *out, size_t cap)
{
	struct wr w;
	int af = m->addr.family;

	if ((af != AF_INET && af != AF_INET6) || m->n_certhash < 0 ||
	    m->n_certhash > MF_MADDR_MAX_CERTHASH || (m->n_certhash > 0 && !m->webrtc_direct))
		return -1;
	wr_init(&w, out, cap);
	mf_wr_uvarint(&w, af == AF_INET ? MF_P_IP4 : MF_P_IP6);
	wr_bytes(&w, m->addr.ip, af == AF_INET ? 4 : 16);
	mf_wr_uvarint(&w, MF_P_UDP);
	wr_u16(&w, m->addr.port);
	if (m->webrtc_direct)
		mf_wr_uvarint(&w, MF_P_WEBRTC_DIRECT);
	for (int i = 0; i < m->n_certhash; i++) {
		mf_wr_uvarint(&w, MF_P_CERTHASH);
		mf_wr_uvarint(&w, 2 + MF_SHA256_LEN);
		wr_u8(&w, MF_MH_SHA2_256);
		wr_u8(&w, MF_SHA256_LEN);
		wr_bytes(&w, m->certhash[i], MF_SHA256_LEN);
	}
	if (m->has_peer) {
		mf_wr_uvarint(&w, MF_P_P2P);
		mf_wr_uvarint(&w, m->peer.len);
		wr_bytes(&w, m->peer.b, m->peer.len);
	}
	return w.err ? -1 : (int)w.len;
}

/* Apply one binary component's value (read from r) to m. */
static int
maddr_bin_value(struct mf_maddr *m, uint64_t code, struct rd *r)
{
	struct mf_multihash mh;
	const uint8_t *v;
	uint64_t len;

	switch (code) {
	case MF_P_IP4:
	case MF_P_IP6:
		m->addr.family = code == MF_P_IP4 ? AF_INET : AF_INET6;
		return rd_copy(r, m->addr.ip, code == MF_P_IP4 ? 4 : 16);
	case MF_P_UDP:
		m->addr.port = rd_u16(r);
		return r->err ? -1 : 0;
	case MF_P_WEBRTC_DIRECT:
		m->webrtc_direct = 1;
		return 0;
	default:
		break;
	}
	len = rd_uvarint_min(r);
	if (r->err || len > rd_left(r))
		return -1;
	v = rd_bytes(r, (size_t)len);
	if (code == MF_P_P2P) {
		m->has_peer = 1;
		return mf_peerid_from_bytes(v, (size_t)len, &m->peer);
	}
	if (m->n_certhash == MF_MADDR_MAX_CERTHASH ||
	    mf_multihash_decode(v, (size_t)len, &mh) < 0 || mh.code != MF_MH_SHA2_256)
		return -1;
	memcpy(m->certhash[m->n_certhash++], mh.digest, MF_SHA256_LEN);
	return 0;
}

int
mf_maddr_from_bin(const uint8_t *p, size_t n, struct mf_maddr *m)
{
	struct rd r;
	int stage = ST_START;

	memset(m, 0, sizeof(*m));
	if (n > MF_MADDR_BIN_MAX)
		return -1;
	rd_init(&r, p, n);
	while (rd_left(&r) > 0) {
		uint64_t code = rd_uvarint_min(&r);

		if (r.err || (stage = maddr_next_stage(stage, code)) < 0 ||
		    maddr_bin_value(m, code, &r) < 0)
			return -1;
	}
	return (rd_done(&r) && stage >= ST_UDP) ? 0 : -1;
}
