/* srtp_sess: the SRTP/SRTCP contexts of one connection (RFC 3711, RFC 7714
 * AES-GCM), keyed from the DTLS-SRTP export (RFC 5764): one inbound session
 * with the peer's key and one outbound with ours. Also the small RTP/RTCP
 * helpers the media path needs: RFC 5761 RTP/RTCP demultiplexing and a
 * bounded RTP header reader. Pure: libsrtp does no I/O. The process must
 * have called srtp_init() once (worker/main.c does). */
#ifndef RTCD_SRTP_SESS_H
#define RTCD_SRTP_SESS_H

#include <stddef.h>
#include <stdint.h>

#include "worker/dtls.h"

/* Room srtp_sess_protect needs after the packet: libsrtp's
 * SRTP_MAX_TRAILER_LEN plus the 4-byte SRTCP index (checked in the .c). */
#define SRTP_SESS_TRAILER_MAX (16 + 128 + 4)
#define RTP_HDR_MIN 12
#define RTCP_HDR_MIN 8
#define SRTP_SESS_MAX_PACKET 8192   /* larger packets are refused */

/* srtp_sess_unprotect results besides 0. */
#define SRTP_SESS_ERR -1      /* malformed, wrong length, other failure */
#define SRTP_SESS_REPLAY -2   /* replayed or too old (not an attack per se) */
#define SRTP_SESS_AUTH -3     /* authentication tag did not verify */

struct srtp_sess;

struct srtp_sess *srtp_sess_new(const struct dtls_srtp_keys *k, char *err, size_t errlen);
void srtp_sess_free(struct srtp_sess *s);
/* In place. *len is updated. 0 or SRTP_SESS_* (< 0). */
int srtp_sess_unprotect(struct srtp_sess *s, uint8_t *p, size_t *len, int rtcp);
/* In place; cap is the buffer size and must leave SRTP_SESS_TRAILER_MAX
 * bytes after *len. 0 or -1. */
int srtp_sess_protect(struct srtp_sess *s, uint8_t *p, size_t *len, size_t cap, int rtcp);
int srtp_sess_profile(const struct srtp_sess *s);
/* Run every crypto path once before the sandbox (NSS loads lazily). 0 or -1. */
int srtp_sess_warmup(void);
void srtp_sess_warmup_release(void);

/* RFC 5761 §4: a version-2 packet whose second byte is 192..223 (RTCP
 * packet types SR, RR, SDES, BYE, APP, feedback...) is RTCP. */
int rtp_is_rtcp(const uint8_t *p, size_t n);

struct rtp_hdr {
	uint8_t version, padding, extension, csrc_count, marker, pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint16_t ext_profile;   /* 0xBEDE = one-byte, 0x100x = two-byte (RFC 8285) */
	size_t ext_off;         /* offset of the extension data (after its header) */
	size_t ext_len;         /* extension data bytes */
	size_t hdr_len;         /* fixed header + CSRCs + extension */
	size_t payload_len;     /* excluding padding */
};

/* Parse the header of an (unencrypted) RTP packet. 0 or -1 when truncated,
 * not version 2, or padding overruns the packet. */
int rtp_parse_header(const uint8_t *p, size_t n, struct rtp_hdr *h);
/* Rewrite the SSRC field (the echo path). 0 or -1 when too short. */
int rtp_set_ssrc(uint8_t *p, size_t n, uint32_t ssrc);

#endif
