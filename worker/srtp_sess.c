/* srtp_sess: libsrtp2 inbound/outbound session pair keyed from DTLS-SRTP,
 * RTP/RTCP demultiplexing and the RTP header reader (see srtp_sess.h). */
#include "worker/srtp_sess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "common/buf.h"

_Static_assert(SRTP_SESS_TRAILER_MAX >= SRTP_MAX_TRAILER_LEN + 4,
    "SRTP_SESS_TRAILER_MAX must cover libsrtp's trailer and the SRTCP index");

struct srtp_sess {
	srtp_t in, out;
	int profile;
};

static int
set_policy(srtp_policy_t *pol, int profile)
{
	switch (profile) {
	case DTLS_SRTP_AES128_CM_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
		return 0;
	case DTLS_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
		return 0;
	default:
		return -1;
	}
}

/* libsrtp takes the master key and salt concatenated. */
static int
create(srtp_t *out, int profile, srtp_ssrc_type_t dir, const uint8_t *key,
    const uint8_t *salt, size_t kl, size_t sl)
{
	uint8_t master[32 + 14];
	srtp_policy_t pol;
	srtp_err_status_t st;

	memset(&pol, 0, sizeof(pol));
	if (set_policy(&pol, profile) < 0 || kl + sl > sizeof(master))
		return -1;
	memcpy(master, key, kl);
	memcpy(master + kl, salt, sl);
	pol.ssrc.type = dir;
	pol.key = master;
	pol.window_size = 0;   /* libsrtp default (128) */
	/* The echo path may legitimately resend a packet with the same index. */
	pol.allow_repeat_tx = dir == ssrc_any_outbound;
	pol.next = NULL;
	st = srtp_create(out, &pol);
	OPENSSL_cleanse(master, sizeof(master));
	return st == srtp_err_status_ok ? 0 : -1;
}

static int
lengths_ok(const struct dtls_srtp_keys *k)
{
	if (k->profile == DTLS_SRTP_AES128_CM_SHA1_80)
		return k->key_len == 16 && k->salt_len == 14;
	if (k->profile == DTLS_SRTP_AEAD_AES_128_GCM)
		return k->key_len == 16 && k->salt_len == 12;
	return 0;
}

struct srtp_sess *
srtp_sess_new(const struct dtls_srtp_keys *k, char *err, size_t errlen)
{
	struct srtp_sess *s;

	if (!lengths_ok(k)) {
		snprintf(err, errlen, "srtp: unsupported profile %d (key %zu, salt %zu)",
		    k->profile, k->key_len, k->salt_len);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "srtp: out of memory");
		return NULL;
	}
	s->profile = k->profile;
	if (create(&s->in, k->profile, ssrc_any_inbound, k->remote_key, k->remote_salt,
	    k->key_len, k->salt_len) < 0 ||
	    create(&s->out, k->profile, ssrc_any_outbound, k->local_key, k->local_salt,
	    k->key_len, k->salt_len) < 0) {
		snprintf(err, errlen, "srtp: cannot create sessions (is srtp_init() done?)");
		srtp_sess_free(s);
		return NULL;
	}
	return s;
}

void
srtp_sess_free(struct srtp_sess *s)
{
	if (s == NULL)
		return;
	if (s->in)
		(void)srtp_dealloc(s->in);
	if (s->out)
		(void)srtp_dealloc(s->out);
	free(s);
}

int
srtp_sess_profile(const struct srtp_sess *s)
{
	return s->profile;
}

/* Fixed header, CSRCs and extension, all bounded by n. */
static int
parse_fixed(const uint8_t *p, size_t n, struct rtp_hdr *h)
{
	struct rd r;
	uint8_t b0, b1;

	memset(h, 0, sizeof(*h));
	rd_init(&r, p, n);
	b0 = rd_u8(&r);
	b1 = rd_u8(&r);
	h->version = b0 >> 6;
	h->padding = (b0 >> 5) & 1;
	h->extension = (b0 >> 4) & 1;
	h->csrc_count = b0 & 0x0f;
	h->marker = b1 >> 7;
	h->pt = b1 & 0x7f;
	h->seq = rd_u16(&r);
	h->ts = rd_u32(&r);
	h->ssrc = rd_u32(&r);
	(void)rd_bytes(&r, 4u * h->csrc_count);
	if (h->extension) {   /* RFC 3550 §5.3.1: profile, length in words */
		h->ext_profile = rd_u16(&r);
		h->ext_len = 4u * rd_u16(&r);
		h->ext_off = r.off;
		(void)rd_bytes(&r, h->ext_len);
	}
	if (r.err || h->version != 2)
		return -1;
	h->hdr_len = r.off;
	h->payload_len = n - r.off;
	return 0;
}

int
rtp_parse_header(const uint8_t *p, size_t n, struct rtp_hdr *h)
{
	size_t pad;

	if (parse_fixed(p, n, h) < 0)
		return -1;
	if (h->padding) {   /* RFC 3550 §5.1: last octet counts the padding */
		pad = h->payload_len ? p[n - 1] : 0;
		if (pad == 0 || pad > h->payload_len)
			return -1;
		h->payload_len -= pad;
	}
	return 0;
}

int
rtp_set_ssrc(uint8_t *p, size_t n, uint32_t ssrc)
{
	if (n < RTP_HDR_MIN)
		return -1;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	return 0;
}

int
rtp_is_rtcp(const uint8_t *p, size_t n)
{
	return n >= 2 && (p[0] >> 6) == 2 && p[1] >= 192 && p[1] <= 223;
}

/* Reject what libsrtp should never see: short packets and (for RTP) headers
 * whose CSRC list or extension overrun the packet. */
static int
plausible(const uint8_t *p, size_t n, int rtcp)
{
	struct rtp_hdr h;

	if (n > SRTP_SESS_MAX_PACKET)
		return 0;
	if (rtcp)
		return n >= RTCP_HDR_MIN && (p[0] >> 6) == 2;
	return parse_fixed(p, n, &h) == 0;
}

int
srtp_sess_unprotect(struct srtp_sess *s, uint8_t *p, size_t *len, int rtcp)
{
	srtp_err_status_t st;
	int n;

	if (!plausible(p, *len, rtcp))
		return SRTP_SESS_ERR;
	n = (int)*len;
	st = rtcp ? srtp_unprotect_rtcp(s->in, p, &n) : srtp_unprotect(s->in, p, &n);
	switch (st) {
	case srtp_err_status_ok:
		if (n < 0 || (size_t)n > *len)
			return SRTP_SESS_ERR;
		*len = (size_t)n;
		return 0;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return SRTP_SESS_REPLAY;
	case srtp_err_status_auth_fail:
		return SRTP_SESS_AUTH;
	default:
		return SRTP_SESS_ERR;
	}
}

int
srtp_sess_protect(struct srtp_sess *s, uint8_t *p, size_t *len, size_t cap, int rtcp)
{
	srtp_err_status_t st;
	int n;

	if (*len > cap || cap - *len < SRTP_SESS_TRAILER_MAX || !plausible(p, *len, rtcp))
		return -1;
	n = (int)*len;
	st = rtcp ? srtp_protect_rtcp(s->out, p, &n) : srtp_protect(s->out, p, &n);
	if (st != srtp_err_status_ok || n < (int)*len || (size_t)n > cap)
		return -1;
	*len = (size_t)n;
	return 0;
}

/* Debian's libsrtp2 is built on NSS, which loads and initialises its
 * softoken lazily (dlopen, files) on the first crypto operation and unloads
 * it when the last context goes away. A worker does one protect/unprotect
 * round per profile here, before its sandbox forbids those calls, and keeps
 * the last session alive so NSS stays loaded for the process lifetime. */
static struct srtp_sess *keepalive;

void
srtp_sess_warmup_release(void)
{
	srtp_sess_free(keepalive);
	keepalive = NULL;
}

int
srtp_sess_warmup(void)
{
	static const int profiles[] = { DTLS_SRTP_AES128_CM_SHA1_80, DTLS_SRTP_AEAD_AES_128_GCM };

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		struct dtls_srtp_keys k;
		struct srtp_sess *s;
		uint8_t pkt[64 + SRTP_SESS_TRAILER_MAX];
		size_t n = 64;
		char err[128];

		memset(&k, 0x5a, sizeof(k));
		k.profile = profiles[i];
		k.key_len = 16;
		k.salt_len = profiles[i] == DTLS_SRTP_AEAD_AES_128_GCM ? 12 : 14;
		/* local and remote keys equal: what we protect, we can unprotect */
		memcpy(k.remote_key, k.local_key, sizeof(k.local_key));
		memcpy(k.remote_salt, k.local_salt, sizeof(k.local_salt));
		s = srtp_sess_new(&k, err, sizeof(err));
		if (s == NULL)
			return -1;
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		pkt[1] = 96;
		pkt[11] = 1;   /* ssrc 1 */
		if (srtp_sess_protect(s, pkt, &n, sizeof(pkt), 0) < 0 ||
		    srtp_sess_unprotect(s, pkt, &n, 0) != 0) {
			srtp_sess_free(s);
			return -1;
		}
		if (keepalive)
			srtp_sess_free(keepalive);
		keepalive = s;
	}
	return 0;
}
