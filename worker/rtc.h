/* rtc: the WebRTC transport of one connection once ICE is done: DTLS server
 * on the selected tuple, SCTP over DTLS (RFC 8261) carrying data channels
 * (RFC 8831/8832), and SRTP for media keyed from DTLS-SRTP (RFC 5764).
 * No sockets: datagrams go in with rtc_input and out through cfg.send; time
 * goes in through rtc_on_timer. conn.c owns one rtc per connection. */
#ifndef RTCD_RTC_H
#define RTCD_RTC_H

#include <stddef.h>
#include <stdint.h>

#include "datachannel.h"

#define RTC_DTLS_MTU 1250          /* usrsctp sends 1200-byte packets (+37 DTLS) */
#define RTC_MAX_MESSAGE (256u * 1024)

struct rtc_cfg {
	const uint8_t *cert_der, *key_der;
	size_t cert_len, key_len;
	int verify_fingerprint;        /* offer mode: the SDP's a=fingerprint */
	uint8_t peer_fp[32];
	int use_srtp;
	uint16_t sctp_local_port, sctp_remote_port;
	uint32_t max_message_size;     /* ours; the peer's limit is enforced too */
	uint32_t peer_max_message_size;
	void *arg;
	void (*send)(void *arg, const uint8_t *p, size_t n);   /* a datagram to the peer */
	void (*on_secure)(void *arg);                           /* DTLS connected */
	void (*on_ready)(void *arg);                            /* SCTP association up */
	void (*on_down)(void *arg, const char *reason);         /* the transport ended */
	/* data channels (see datachannel.h) */
	void (*on_channel_open)(void *arg, struct dc_channel *ch);
	void (*on_channel_message)(void *arg, struct dc_channel *ch, int binary,
	    const uint8_t *p, size_t n);
	void (*on_channel_close)(void *arg, struct dc_channel *ch);
	void (*on_writable)(void *arg);
	/* decrypted RTP (rtcp = 0) or RTCP (rtcp = 1); the buffer may be modified
	 * in place up to cap bytes (for re-protection). */
	void (*on_media)(void *arg, uint8_t *p, size_t n, size_t cap, int rtcp);
};

struct rtc_stats {
	uint64_t dtls_in, dtls_out, srtp_in, srtp_out, srtp_bad, srtp_replay, sctp_dropped;
};

struct rtc;

struct rtc *rtc_new(const struct rtc_cfg *cfg, char *err, size_t errlen);
void rtc_free(struct rtc *r);
/* A datagram of the DTLS (20..63) or RTP/RTCP (128..191) class; p may be
 * modified in place (cap bytes available). */
void rtc_input(struct rtc *r, uint8_t *p, size_t n, size_t cap, uint64_t now_ms);
/* Protect and send one RTP/RTCP packet built in p (cap bytes). 0 or -1. */
int rtc_send_media(struct rtc *r, uint8_t *p, size_t n, size_t cap, int rtcp);
/* Earliest time rtc_on_timer must run (UINT64_MAX: none). */
uint64_t rtc_next_deadline(const struct rtc *r, uint64_t now_ms);
void rtc_on_timer(struct rtc *r, uint64_t now_ms);
/* Orderly close: SCTP shutdown, then DTLS close_notify. */
void rtc_close(struct rtc *r);
struct dc_mgr *rtc_dc(struct rtc *r);
int rtc_peer_fingerprint(const struct rtc *r, uint8_t out[32]);
int rtc_is_up(const struct rtc *r);
const struct rtc_stats *rtc_get_stats(const struct rtc *r);

#endif
