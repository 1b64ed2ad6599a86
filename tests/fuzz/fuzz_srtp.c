/* fuzz_srtp: libsrtp through our wrapper (worker/srtp_sess.c) with fixed
 * keys: a mirrored session pair (A's outbound key is B's inbound key) per
 * input, for AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM (byte 0, bit 0).
 * Then per step a control byte and a 16-bit-length chunk:
 *   bit 0: RTCP instead of RTP;
 *   bit 1: the chunk is plaintext: A protects it (real SRTP) and B
 *          unprotects it; bit 2 first flips one byte (16-bit index, xor byte);
 *   else:  the chunk goes to B's unprotect as it is.
 * Every buffer handed to srtp_sess_unprotect has exactly the packet's length
 * (ASan sees any read past it). Invariants: an unmodified protected packet
 * that B accepts decrypts to the original plaintext; a modified one is never
 * accepted with different bytes; the RTP helpers stay in bounds. */
#include <string.h>
#include <srtp2/srtp.h>

#include "fuzz.h"
#include "worker/srtp_sess.h"

#define SRTP_FUZZ_MAX_STEPS 32

static void
keys(int gcm, struct dtls_srtp_keys *a, struct dtls_srtp_keys *b)
{
	size_t sl = gcm ? 12 : 14;

	memset(a, 0, sizeof(*a));
	a->profile = gcm ? DTLS_SRTP_AEAD_AES_128_GCM : DTLS_SRTP_AES128_CM_SHA1_80;
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

static void
rtp_helpers(const uint8_t *p, size_t n)
{
	struct rtp_hdr h;
	uint8_t *copy;

	(void)rtp_is_rtcp(p, n);
	if (rtp_parse_header(p, n, &h) == 0) {
		FUZZ_CHECK(h.version == 2);
		FUZZ_CHECK(h.hdr_len <= n && h.hdr_len + h.payload_len <= n);
		if (h.extension)
			FUZZ_CHECK(h.ext_off + h.ext_len <= h.hdr_len);
	}
	copy = fz_dup(p, n);
	if (rtp_set_ssrc(copy, n, 0x12345678u) == 0)
		FUZZ_CHECK(n >= RTP_HDR_MIN && copy[8] == 0x12 && copy[11] == 0x78);
	free(copy);
}

/* Unprotect on B in an exact-size buffer; returns the result, *out the
 * plaintext (malloc'd) on success. */
static int
unprotect(struct srtp_sess *b, const uint8_t *p, size_t n, int rtcp, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = fz_dup(p, n);
	size_t len = n;
	int r = srtp_sess_unprotect(b, buf, &len, rtcp);

	FUZZ_CHECK(r == 0 || r == SRTP_SESS_ERR || r == SRTP_SESS_REPLAY || r == SRTP_SESS_AUTH);
	if (r == 0) {
		FUZZ_CHECK(len <= n);
		rtp_helpers(buf, len);
		*out = buf;
		*outlen = len;
	} else {
		free(buf);
	}
	return r;
}

static void
step(struct fz *f, struct srtp_sess *a, struct srtp_sess *b)
{
	uint8_t ctl = fz_u8(f), *plain = NULL;
	int rtcp = ctl & 1;
	size_t n, len, plen = 0;
	const uint8_t *p = fz_chunk16(f, &n);
	uint8_t *buf;

	rtp_helpers(p, n);
	if (!(ctl & 2)) {
		if (unprotect(b, p, n, rtcp, &plain, &plen) == 0)
			free(plain);
		return;
	}
	buf = malloc(n + SRTP_SESS_TRAILER_MAX);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, p, n);
	len = n;
	if (srtp_sess_protect(a, buf, &len, n + SRTP_SESS_TRAILER_MAX, rtcp) < 0) {
		free(buf);
		return;
	}
	FUZZ_CHECK(len >= n && len <= n + SRTP_SESS_TRAILER_MAX);
	if (ctl & 4) {
		uint16_t at = fz_u16(f);
		uint8_t x = fz_u8(f);
		buf[at % len] ^= x ? x : 1;
	}
	if (unprotect(b, buf, len, rtcp, &plain, &plen) == 0) {
		/* Accepted: it must be exactly what A protected. */
		FUZZ_CHECK(plen == n && memcmp(plain, p, n) == 0);
		free(plain);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct dtls_srtp_keys ka, kb;
	struct srtp_sess *a, *b;
	char err[128];
	struct fz f;

	if (!inited) {
		FUZZ_CHECK(srtp_init() == srtp_err_status_ok);
		FUZZ_CHECK(srtp_sess_warmup() == 0);
		inited = 1;
	}
	fz_init(&f, data, size);
	keys(fz_u8(&f) & 1, &ka, &kb);
	a = srtp_sess_new(&ka, err, sizeof(err));
	b = srtp_sess_new(&kb, err, sizeof(err));
	FUZZ_CHECK(a != NULL && b != NULL);
	FUZZ_CHECK(srtp_sess_profile(a) == ka.profile);
	for (int i = 0; i < SRTP_FUZZ_MAX_STEPS && f.n > 0; i++)
		step(&f, a, b);
	srtp_sess_free(a);
	srtp_sess_free(b);
	return 0;
}
