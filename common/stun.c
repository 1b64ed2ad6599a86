/* stun: STUN parsing, integrity, fingerprint and response building. */
#include "common/stun.h"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/socket.h>

#define FINGERPRINT_XOR 0x5354554Eu

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint32_t
stun_crc32(const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	uint32_t c = 0xFFFFFFFFu;

	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;
			for (int k = 0; k < 8; k++)
				v = (v & 1) ? 0xEDB88320u ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
		ready = 1;
	}
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

int
stun_is_stun(const uint8_t *p, size_t n)
{
	return n >= STUN_HDR_LEN && p[0] < 4 && get32(p + 4) == STUN_MAGIC;
}

/* Header checks shared by peek and parse: returns body length or -1. */
static int
check_header(const uint8_t *p, size_t n)
{
	uint16_t len;

	if (!stun_is_stun(p, n))
		return -1;
	len = get16(p + 2);
	if ((len & 3) != 0 || (size_t)len + STUN_HDR_LEN != n)
		return -1;
	return len;
}

enum stun_peek_result
stun_peek(const uint8_t *p, size_t n, char *lufrag, size_t cap)
{
	size_t off = STUN_HDR_LEN;

	if (cap > 0)
		lufrag[0] = '\0';
	if (check_header(p, n) < 0)
		return stun_is_stun(p, n) ? STUN_PEEK_OTHER : STUN_PEEK_NOT_STUN;
	if (get16(p) != STUN_BINDING_REQUEST)
		return STUN_PEEK_OTHER;
	while (off + 4 <= n) {
		uint16_t t = get16(p + off), l = get16(p + off + 2);
		size_t padded = ((size_t)l + 3) & ~(size_t)3;
		if (off + 4 + padded > n)
			return STUN_PEEK_OTHER;
		if (t == STUN_ATTR_USERNAME) {
			const uint8_t *u = p + off + 4;
			const uint8_t *colon = memchr(u, ':', l);
			size_t ul = colon ? (size_t)(colon - u) : l;
			if (ul == 0 || ul >= cap || memchr(u, '\0', ul) != NULL)
				return STUN_PEEK_OTHER;
			memcpy(lufrag, u, ul);
			lufrag[ul] = '\0';
			return STUN_PEEK_BINDING;
		}
		off += 4 + padded;
	}
	return STUN_PEEK_OTHER;
}

int
stun_parse(struct stun_msg *m, const uint8_t *p, size_t n)
{
	size_t off = STUN_HDR_LEN;

	memset(m, 0, sizeof(*m));
	m->integrity_idx = m->fingerprint_idx = -1;
	if (check_header(p, n) < 0 || n > 0xFFFF)
		return -1;
	m->raw = p;
	m->len = n;
	m->type = get16(p);
	memcpy(m->txid, p + 8, 12);
	while (off < n) {
		uint16_t t, l;
		size_t padded;

		if (off + 4 > n || m->nattr == STUN_MAX_ATTRS)
			return -1;
		t = get16(p + off);
		l = get16(p + off + 2);
		padded = ((size_t)l + 3) & ~(size_t)3;
		if (off + 4 + padded > n)
			return -1;
		/* Only FINGERPRINT may follow MESSAGE-INTEGRITY; nothing follows
		 * FINGERPRINT (RFC 8489 §14.5, §14.7). */
		if (m->fingerprint_idx >= 0)
			return -1;
		if (m->integrity_idx >= 0 && t != STUN_ATTR_FINGERPRINT)
			return -1;
		if (t == STUN_ATTR_MESSAGE_INTEGRITY) {
			if (l != 20)
				return -1;
			m->integrity_idx = m->nattr;
		} else if (t == STUN_ATTR_FINGERPRINT) {
			if (l != 4)
				return -1;
			m->fingerprint_idx = m->nattr;
		}
		m->attr[m->nattr].type = t;
		m->attr[m->nattr].len = l;
		m->attr[m->nattr].off = (uint16_t)(off + 4);
		m->nattr++;
		off += 4 + padded;
	}
	return 0;
}

const struct stun_attr *
stun_find(const struct stun_msg *m, uint16_t type)
{
	for (int i = 0; i < m->nattr; i++)
		if (m->attr[i].type == type)
			return &m->attr[i];
	return NULL;
}

/* HMAC-SHA1 over the message up to M-I, with the header length field
 * adjusted to end right after M-I (RFC 8489 §14.5). Fed in two pieces so the
 * message is never copied. */
static int
integrity_of(const uint8_t *msg, size_t mi_attr_off, const void *key, size_t keylen,
    uint8_t out[20])
{
	static EVP_MAC *mac;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *c;
	uint8_t hdr[4];
	uint16_t adj = (uint16_t)(mi_attr_off + 24 - STUN_HDR_LEN);
	size_t olen = 0;
	int ok;

	if (mi_attr_off < STUN_HDR_LEN)
		return -1;
	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	c = EVP_MAC_CTX_new(mac);
	if (c == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA1", 0);
	params[1] = OSSL_PARAM_construct_end();
	hdr[0] = msg[0];
	hdr[1] = msg[1];
	hdr[2] = (uint8_t)(adj >> 8);
	hdr[3] = (uint8_t)adj;
	ok = EVP_MAC_init(c, key, keylen, params) && EVP_MAC_update(c, hdr, 4) &&
	    EVP_MAC_update(c, msg + 4, mi_attr_off - 4) &&
	    EVP_MAC_final(c, out, &olen, 20) && olen == 20;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -1;
}

int
stun_check_integrity(const struct stun_msg *m, const void *key, size_t keylen)
{
	const struct stun_attr *a;
	uint8_t mac[20];

	if (m->integrity_idx < 0)
		return -1;
	a = &m->attr[m->integrity_idx];
	if (integrity_of(m->raw, a->off - 4u, key, keylen, mac) < 0)
		return -1;
	return CRYPTO_memcmp(mac, m->raw + a->off, 20) == 0 ? 0 : -1;
}

int
stun_check_fingerprint(const struct stun_msg *m)
{
	const struct stun_attr *a;

	if (m->fingerprint_idx < 0)
		return -1;
	a = &m->attr[m->fingerprint_idx];
	/* The length field already covers FINGERPRINT since it is last. */
	return (stun_crc32(m->raw, a->off - 4u) ^ FINGERPRINT_XOR) == get32(m->raw + a->off) ? 0 : -1;
}

int
stun_get_xor_addr(const struct stun_msg *m, const struct stun_attr *a, struct addr *out)
{
	const uint8_t *v = stun_attr_value(m, a);
	int xored = a->type == STUN_ATTR_XOR_MAPPED_ADDRESS;
	uint8_t fam;

	memset(out, 0, sizeof(*out));
	if (a->len < 8)
		return -1;
	fam = v[1];
	out->port = get16(v + 2) ^ (xored ? (uint16_t)(STUN_MAGIC >> 16) : 0);
	if (fam == 1 && a->len == 8) {
		out->family = AF_INET;
		for (int i = 0; i < 4; i++)
			out->ip[i] = v[4 + i] ^ (xored ? m->raw[4 + i] : 0);
		return 0;
	}
	if (fam == 2 && a->len == 20) {
		out->family = AF_INET6;
		for (int i = 0; i < 16; i++)
			out->ip[i] = v[4 + i] ^ (xored ? m->raw[4 + i] : 0); /* cookie + txid */
		return 0;
	}
	return -1;
}

void
stun_build_begin(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
    const uint8_t txid[12])
{
	wr_init(&b->w, buf, cap);
	wr_u16(&b->w, type);
	wr_u16(&b->w, 0);
	wr_u32(&b->w, STUN_MAGIC);
	wr_bytes(&b->w, txid, 12);
}

static void
set_len(struct stun_builder *b, size_t total)
{
	if (b->w.err)
		return;
	/* The length field has 16 bits (RFC 8489 §5): a longer message
	 * cannot be expressed, so building fails instead of wrapping. */
	if (total - STUN_HDR_LEN > 0xFFFF) {
		b->w.err = 1;
		return;
	}
	b->w.p[2] = (uint8_t)((total - STUN_HDR_LEN) >> 8);
	b->w.p[3] = (uint8_t)(total - STUN_HDR_LEN);
}

void
stun_build_attr(struct stun_builder *b, uint16_t type, const void *v, uint16_t len)
{
	static const uint8_t zero[4];

	wr_u16(&b->w, type);
	wr_u16(&b->w, len);
	wr_bytes(&b->w, v, len);
	wr_bytes(&b->w, zero, (4 - (len & 3)) & 3);
}

void
stun_build_xor_addr(struct stun_builder *b, uint16_t type, const struct addr *a)
{
	uint8_t v[20];
	const uint8_t *hdr = b->w.p;
	int xored = type == STUN_ATTR_XOR_MAPPED_ADDRESS;
	uint16_t port = a->port ^ (xored ? (uint16_t)(STUN_MAGIC >> 16) : 0);
	size_t alen = a->family == AF_INET6 ? 16 : 4;

	if (b->w.err || b->w.len < STUN_HDR_LEN) {
		b->w.err = 1;
		return;
	}
	v[0] = 0;
	v[1] = a->family == AF_INET6 ? 2 : 1;
	v[2] = (uint8_t)(port >> 8);
	v[3] = (uint8_t)port;
	for (size_t i = 0; i < alen; i++)
		v[4 + i] = a->ip[i] ^ (xored ? hdr[4 + i] : 0);
	stun_build_attr(b, type, v, (uint16_t)(4 + alen));
}

void
stun_build_error_code(struct stun_builder *b, int code, const char *reason)
{
	uint8_t v[4 + 128];
	size_t rl = strnlen(reason, 128);

	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rl);
	stun_build_attr(b, STUN_ATTR_ERROR_CODE, v, (uint16_t)(4 + rl));
}

void
stun_build_integrity(struct stun_builder *b, const void *key, size_t keylen)
{
	uint8_t mac[20];
	size_t at = b->w.len;

	if (b->w.err)
		return;
	set_len(b, at + 24);
	if (integrity_of(b->w.p, at, key, keylen, mac) < 0) {
		b->w.err = 1;
		return;
	}
	stun_build_attr(b, STUN_ATTR_MESSAGE_INTEGRITY, mac, 20);
}

void
stun_build_fingerprint(struct stun_builder *b)
{
	uint8_t v[4];
	size_t at = b->w.len;
	uint32_t crc;

	if (b->w.err)
		return;
	set_len(b, at + 8);
	crc = stun_crc32(b->w.p, at) ^ FINGERPRINT_XOR;
	v[0] = (uint8_t)(crc >> 24);
	v[1] = (uint8_t)(crc >> 16);
	v[2] = (uint8_t)(crc >> 8);
	v[3] = (uint8_t)crc;
	stun_build_attr(b, STUN_ATTR_FINGERPRINT, v, 4);
}

int
stun_build_end(struct stun_builder *b)
{
	if (b->w.err)
		return -1;
	set_len(b, b->w.len);
	return (int)b->w.len;
}
