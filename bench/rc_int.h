/* rc_int: what rtcclient.c (ICE, DTLS, SCTP, channels, events), rc_direct.c
 * (libp2p: Noise, streams, ping) and rc_offer.c (SDP, HTTP) share. Not a
 * public interface. */
#ifndef RTCD_BENCH_RC_INT_H
#define RTCD_BENCH_RC_INT_H

#include <openssl/evp.h>

#include "bench/rtcclient.h"
#include "common/cert.h"
#include "worker/datachannel.h"
#include "worker/dcq.h"
#include "worker/dtls.h"
#include "worker/p2p/multistream.h"
#include "worker/p2p/noise.h"
#include "worker/p2p/webrtc_msg.h"
#include "worker/sctp.h"

#define RC_CRED_MAX 80                 /* ufrag / pwd */
#define RC_TXIDS 8                     /* outstanding STUN transactions */
#define RC_DTLS_MTU 1250               /* as the worker (rtc.h) */
#define RC_MAX_MESSAGE (256u * 1024)
#define RC_HTTP_MAX (64 * 1024)        /* request or response */

struct rc_offer;
struct rc_janus;

/* One channel (offer) or libp2p stream (direct). */
struct rc_chan {
	struct rc_conn *c;
	struct dc_channel *dc;             /* NULL once the data channel closed */
	char name[RC_NAME_MAX];
	int open_reported, closed;
	void *user;
	/* direct: framing, half-close and multistream-select */
	struct webrtc_msg_dec dec;
	struct p2p_stream_state st;
	struct mss_dialer mss;
	int selected;
	int is_ping, ping_pending, ping_busy;
	uint8_t ping_out[RC_PING_LEN];
	size_t ping_have;
	uint64_t ping_t0;
};

/* direct mode state (rc_direct.c) */
struct rc_direct {
	struct dc_channel *hs;             /* channel 0 */
	struct webrtc_msg_dec hs_dec;
	struct noise *noise;               /* honest and prologue knob */
	struct noise_xx xx;                /* signature knobs */
	int xx_used;
	uint8_t in[2 + 64];                /* signature knobs: msg1 with its length */
	size_t in_have;
	uint8_t held[NOISE_OUT_MAX];       /* delayed bad msg2 */
	size_t held_len;
	uint64_t held_at;
	int bad_sent, answered;
	EVP_PKEY *id;                      /* our Ed25519 identity */
	uint8_t id_pb[NOISE_ED25519_PB_LEN];
	char peer[MF_PEERID_TEXT_MAX];
	struct rc_chan *ping;
};

struct rc_conn {
	struct rc_cfg cfg;
	enum rc_state state;
	char reason[RC_REASON_MAX];
	struct rc_times t;
	int fd;                            /* UDP (or the offer's HTTP socket) */
	int udp;                           /* fd is the UDP socket */
	int dtls_server;                   /* offer: the answer said a=setup:active */
	int dtls_heard;                    /* a DTLS datagram came from the peer */
	int pre_fd;                        /* offer: the UDP socket our offer's candidate
	                                    * names (Janus needs one), or -1 */
	struct addr remote;
	/* ICE (we are the controlling agent) */
	char stun_user[2 * RC_CRED_MAX + 2];
	char stun_key[RC_CRED_MAX];        /* the server's password */
	char local_ufrag[RC_CRED_MAX];     /* offer: ours, to answer the peer's checks */
	char local_pwd[RC_CRED_MAX];       /* "" = never answer checks */
	uint8_t txids[RC_TXIDS][12];
	int ntx;
	uint64_t tiebreaker;
	uint64_t stun_next, stun_rto;
	/* our certificate */
	uint8_t cert_buf[CERT_MAX_DER], key_buf[KEY_MAX_DER];
	const uint8_t *cert, *key;
	size_t cert_len, key_len;
	uint8_t local_fp[32], server_fp[32];
	int have_server_fp;
	/* transport */
	struct dtls *dtls;
	struct sctp_assoc *sctp;
	struct dc_mgr *dc;
	struct dcq q;
	int q_full;
	struct rc_chan *chans[RC_MAX_CHANS];
	int nchans;
	uint64_t deadline;
	struct rc_direct *direct;
	struct rc_offer *offer;
	struct rc_janus *janus;
};

/* core (rtcclient.c) */
void rc_emit(struct rc_conn *c, struct rc_event *ev);
void rc_fail(struct rc_conn *c, int by_peer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rc_connected(struct rc_conn *c);
/* The hostile knob ran: RC_ST_HOSTILE and RC_EV_HOSTILE_SENT. */
void rc_hostile_sent(struct rc_conn *c);
void rc_chan_opened(struct rc_conn *c, struct rc_chan *ch);
struct rc_chan *rc_chan_new(struct rc_conn *c, struct dc_channel *dc, const char *name);
void rc_chan_gone(struct rc_conn *c, struct rc_chan *ch, const char *why);
/* Queue one data-channel message; 0 or -1 (EAGAIN over the bound). */
int rc_dc_send(struct rc_conn *c, struct dc_channel *ch, int binary, const uint8_t *p, size_t n);
/* After ICE (offer: once the answer is known): the UDP socket, STUN. */
int rc_start_ice(struct rc_conn *c, char *err, size_t errlen);
/* A UDP socket bound to cfg.bind (when set), not connected; -1 with err. */
int rc_udp_socket(const struct rc_conn *c, int family, char *err, size_t errlen);
/* One datagram to the server (errors surface in recv). */
void rc_udp_send(struct rc_conn *c, const uint8_t *p, size_t n);

/* transport (rc_transport.c) */
void rc_start_dtls(struct rc_conn *c);            /* ICE succeeded */
void rc_transport_free(struct rc_conn *c);
/* usrsctp's process-wide timers: 1 when they ran. */
int rc_sctp_tick(uint64_t now);

/* direct (rc_direct.c) */
int rc_direct_new(struct rc_conn *c, char *err, size_t errlen);
void rc_direct_free(struct rc_conn *c);
int rc_direct_secure(struct rc_conn *c);          /* DTLS up: channel 0 */
void rc_direct_message(struct rc_conn *c, struct rc_chan *ch, struct dc_channel *dc,
    const uint8_t *p, size_t n);
struct rc_chan *rc_direct_open(struct rc_conn *c, const char *proto);
int rc_direct_send(struct rc_conn *c, struct rc_chan *ch, const uint8_t *p, size_t n);
void rc_direct_close(struct rc_conn *c, struct rc_chan *ch);
int rc_direct_ping(struct rc_conn *c);
uint64_t rc_direct_deadline(const struct rc_conn *c);
void rc_direct_timer(struct rc_conn *c, uint64_t now_ms);

/* offer (rc_offer.c) */
int rc_offer_new(struct rc_conn *c, char *err, size_t errlen);
void rc_offer_free(struct rc_conn *c);
short rc_offer_events(const struct rc_conn *c);
void rc_offer_input(struct rc_conn *c, short revents);
/* One HTTP/1.1 request on a fresh connection (Connection: close); the
 * response goes to rc_janus_response in Janus mode. body may be NULL.
 * 0 or -1 with err. */
int rc_offer_request(struct rc_conn *c, const char *method, const char *path,
    const char *body, size_t body_len, char *err, size_t errlen);
/* Our SDP offer (NUL-terminated). */
const char *rc_offer_sdp(const struct rc_conn *c);
/* The SDP answer arrived (sdp is modified): ICE starts, or rc_fail. */
void rc_offer_answer(struct rc_conn *c, char *sdp);

/* janus (rc_janus.c): create, attach echotest, message with the offer,
 * long-poll for the answer */
int rc_janus_start(struct rc_conn *c, char *err, size_t errlen);
void rc_janus_response(struct rc_conn *c, int status, const char *body, size_t len);
void rc_janus_free(struct rc_conn *c);

#endif
