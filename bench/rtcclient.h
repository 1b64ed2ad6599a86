/* rtcclient: a WebRTC client built from rtcd's own engines in the client
 * role, for hostile-peer integration tests and the load generator. Two
 * modes:
 *   direct  libp2p WebRTC Direct: STUN checks with a libp2p ufrag, DTLS
 *           client verifying the multiaddr's certhash, SCTP 5000<->5000,
 *           Noise XX as *responder* on the pre-negotiated channel 0, then
 *           libp2p streams (DCEP, framing, multistream-select), e.g.
 *           /ipfs/ping/1.0.0;
 *   offer   plain WebRTC: an SDP offer POSTed to rtcd's /v1/offer (or, with
 *           a janus: URL, to the Janus echotest plugin over Janus's REST
 *           API), STUN checks with the answer's credentials, DTLS in the
 *           role the answer's a=setup gives us, verifying the answer's
 *           fingerprint, SCTP, DCEP channels by label.
 * Single-threaded and poll()-driven: each connection has at most one file
 * descriptor at a time (the HTTP socket, then its UDP socket); the caller
 * polls it, calls rc_input when ready and rc_on_timer at rc_next_deadline.
 * usrsctp is process-global: its timers run through rc_global_tick at
 * rc_global_deadline, once for all connections. rc_set (rc_set.c) does all
 * of this for a set of connections.
 *
 * Events go to cfg.on_event, synchronously from rc_input, rc_on_timer,
 * rc_global_tick, rc_close and the send functions. A callback may call any
 * rc_* function except rc_free. Every connection ends with exactly one
 * terminal event (RC_EV_FAILED or RC_EV_CLOSED); then it is inert until
 * rc_free. Not for production use: no DNS, no TURN, one candidate. */
#ifndef RTCD_BENCH_RTCCLIENT_H
#define RTCD_BENCH_RTCCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/multiformats.h"

#define RC_REASON_MAX 160
#define RC_NAME_MAX 64                 /* channel label / protocol name */
#define RC_MAX_CHANS 64                /* channels/streams per connection */
#define RC_SETUP_TIMEOUT_MS 10000      /* default: rc_new to RC_EV_CONNECTED */
#define RC_SEND_QUEUE_MAX (4u * 1024 * 1024)   /* bytes queued above SCTP */
#define RC_PING_LEN 32                 /* /ipfs/ping/1.0.0 payload */
#define RC_MAX_ASSOCS 16384            /* connections with SCTP per process */
#define RC_PATH_MAX 128                /* offer: HTTP base path (Janus) */

enum rc_mode { RC_MODE_DIRECT = 0, RC_MODE_OFFER };

/* Misbehaviour for tests; every knob is off by default. */
enum rc_hostile {
	RC_HOSTILE_NONE = 0,
	RC_HOSTILE_DTLS_GARBAGE,    /* after ICE: random DTLS-class datagrams, no handshake */
	RC_HOSTILE_SCTP_GARBAGE,    /* after DTLS: random SCTP packets in records, no SCTP */
	RC_HOSTILE_NOISE_PROLOGUE,  /* direct: Noise with the fingerprints swapped */
	RC_HOSTILE_NOISE_SIG,       /* direct: msg2 names key K, signature of random bytes */
	RC_HOSTILE_NOISE_KEY,       /* direct: msg2 names key K, signed by another key */
};

enum rc_state {
	RC_ST_HTTP = 0,             /* offer: POST /v1/offer in progress */
	RC_ST_ICE,                  /* STUN checks until a verified success response */
	RC_ST_DTLS,
	RC_ST_SCTP,
	RC_ST_NOISE,                /* direct: Noise on channel 0 */
	RC_ST_OPEN,                 /* RC_EV_CONNECTED was reported */
	RC_ST_HOSTILE,              /* the hostile knob ran; waiting for the server */
	RC_ST_DONE,                 /* terminal event reported */
};

enum rc_ev_type {
	RC_EV_CONNECTED = 0,        /* ICE+DTLS+SCTP up; direct: Noise done too */
	RC_EV_CHAN_OPEN,            /* offer: DCEP ACK; direct: protocol agreed */
	RC_EV_MESSAGE,              /* offer: one message; direct: stream bytes */
	RC_EV_CHAN_CLOSED,          /* the channel is gone (pointer invalid after) */
	RC_EV_PONG,                 /* direct: rc_ping came back (rtt_us) */
	RC_EV_WRITABLE,             /* the send queue drained below half */
	RC_EV_HOSTILE_SENT,         /* the hostile knob did its thing */
	RC_EV_FAILED,               /* terminal: setup failed or an error */
	RC_EV_CLOSED,               /* terminal: rc_close, or the peer closed */
};

struct rc_conn;
struct rc_chan;

struct rc_event {
	enum rc_ev_type type;
	struct rc_chan *ch;         /* CHAN_*, MESSAGE, PONG */
	const uint8_t *data;        /* MESSAGE: valid during the callback */
	size_t len;
	int binary;
	uint64_t rtt_us;            /* PONG */
	const char *reason;         /* FAILED, CLOSED, CHAN_CLOSED */
	int by_peer;                /* FAILED/CLOSED: the peer ended it (abort,
	                             * shutdown, close_notify, DTLS alert) */
};

/* Microseconds on the now_us() clock when each step happened; 0 = not
 * (yet). Setup latency = connected - stun_sent (or - start). */
struct rc_times {
	uint64_t start;             /* rc_new */
	uint64_t offer;             /* offer: SDP offer sent (Janus: after create/attach) */
	uint64_t answer;            /* offer: SDP answer received */
	uint64_t stun_sent;         /* first STUN check */
	uint64_t stun_ok;           /* first verified success response */
	uint64_t dtls_up;
	uint64_t sctp_up;
	uint64_t noise_done;        /* direct */
	uint64_t connected;         /* RC_EV_CONNECTED */
	uint64_t first_open;        /* first RC_EV_CHAN_OPEN */
	uint64_t first_pong;        /* direct: first RC_EV_PONG */
	uint64_t end;               /* terminal event */
};

struct rc_cfg {
	enum rc_mode mode;
	/* direct: the server's UDP address (required) and certificate
	 * fingerprint (when has_server_fp; else any certificate is accepted
	 * and Noise uses the one DTLS saw). offer: target overrides the
	 * answer's candidate when its family is set. */
	struct addr target;
	int has_server_fp;
	uint8_t server_fp[32];
	int has_peer_id;            /* direct: Noise must authenticate this peer */
	struct mf_peerid peer_id;
	/* offer: rtcd's HTTP listener (IP literal); janus: Janus's REST API
	 * at http + http_path (e.g. "/janus") instead of rtcd's /v1/offer */
	struct addr http;
	int janus;
	char http_path[RC_PATH_MAX];
	/* both: local address of the UDP socket (family 0: any) */
	struct addr bind;
	/* both: our DTLS certificate (P-256, DER; key PKCS#8 DER). NULL: a
	 * fresh one per connection. The buffers must outlive the connection. */
	const uint8_t *cert_der, *key_der;
	size_t cert_len, key_len;
	uint32_t timeout_ms;        /* setup deadline; 0 = RC_SETUP_TIMEOUT_MS */
	uint16_t sctp_streams;      /* 0 = 1024 */
	enum rc_hostile hostile;
	uint32_t hostile_delay_ms;  /* Noise knobs: hold the bad msg2 this long */
	void *arg;
	void (*on_event)(void *arg, struct rc_conn *c, const struct rc_event *ev);
};

/* Once per process: usrsctp (no threads) and OpenSSL. 0 or -1. */
int rc_global_init(void);
/* usrsctp's timers for every association of the process. */
uint64_t rc_global_deadline(void);
void rc_global_tick(uint64_t now);

/* Configuration helpers: fill cfg from a /ip4|ip6/.../udp/.../webrtc-direct
 * [/certhash/...][/p2p/...] multiaddr, an "IP:PORT" (direct, no certhash),
 * or an "http://IP:PORT" URL (offer: rtcd) or "janus:http://IP:PORT/PATH"
 * (offer: Janus echotest). 0 or -1 with err. */
int rc_cfg_direct(struct rc_cfg *cfg, const char *target, char *err, size_t errlen);
int rc_cfg_offer(struct rc_cfg *cfg, const char *url, char *err, size_t errlen);
/* The local IP (no port) of the UDP socket; Janus on 127.0.0.2 answers
 * only a client on 127.0.0.2. 0 or -1. */
int rc_cfg_bind(struct rc_cfg *cfg, const char *ip);

/* Start a connection: the first STUN check (direct) or the HTTP connect
 * (offer) happens here. NULL with err on a local failure. */
struct rc_conn *rc_new(const struct rc_cfg *cfg, char *err, size_t errlen);
/* Never from inside a callback. Closes the socket without a goodbye unless
 * rc_close ran first. */
void rc_free(struct rc_conn *c);

/* The descriptor to poll now and for what (POLLIN/POLLOUT); -1 when none. */
int rc_fd(const struct rc_conn *c);
short rc_poll_events(const struct rc_conn *c);
void rc_input(struct rc_conn *c, short revents, uint64_t now);
/* Earliest time rc_on_timer must run (UINT64_MAX: none). */
uint64_t rc_next_deadline(const struct rc_conn *c, uint64_t now);
void rc_on_timer(struct rc_conn *c, uint64_t now);

/* Open a channel: offer mode by DCEP label, direct mode a libp2p stream
 * negotiating protocol name. NULL with errno (ENOTCONN, ENOSPC, ...). */
struct rc_chan *rc_open(struct rc_conn *c, const char *name);
/* Send one message (offer) or stream bytes (direct, split into frames).
 * 0, or -1 with errno: EAGAIN when RC_SEND_QUEUE_MAX would be exceeded
 * (wait for RC_EV_WRITABLE), ENOTCONN, EPIPE, EINVAL. */
int rc_send(struct rc_conn *c, struct rc_chan *ch, int binary, const uint8_t *p, size_t n);
/* Close a channel (direct: FIN, then the data channel). */
void rc_chan_close(struct rc_conn *c, struct rc_chan *ch);
/* direct: send RC_PING_LEN random bytes on our /ipfs/ping/1.0.0 stream
 * (opened on first use); RC_EV_PONG reports the round trip. 0 or -1
 * (EBUSY while one is outstanding, ENOTCONN). */
int rc_ping(struct rc_conn *c);
/* Orderly end (SCTP abort, DTLS close_notify) and RC_EV_CLOSED. */
void rc_close(struct rc_conn *c, const char *why);

enum rc_state rc_state(const struct rc_conn *c);
const char *rc_state_name(enum rc_state s);
const struct rc_times *rc_times(const struct rc_conn *c);
const char *rc_reason(const struct rc_conn *c);
/* Bytes queued above SCTP plus SCTP's unacknowledged bytes. */
size_t rc_buffered(const struct rc_conn *c);
/* The local address of the UDP socket (0), or -1 before it exists. */
int rc_local_addr(const struct rc_conn *c, struct addr *out);
/* direct: the authenticated server peer id as text; -1 before Noise. */
int rc_remote_peer(const struct rc_conn *c, char *out, size_t cap);
/* Noise knobs: 1 when the server sent handshake bytes after our bad msg2:
 * it accepted what it had to refuse (the connection then fails with
 * "noise: the server answered our bad message 2"). */
int rc_hostile_answered(const struct rc_conn *c);

const char *rc_chan_name(const struct rc_chan *ch);
void rc_chan_set_user(struct rc_chan *ch, void *user);
void *rc_chan_user(const struct rc_chan *ch);

/* ---- rc_set: many connections in one poll loop (rc_set.c) ---- */
struct rc_set;
struct rc_set *rc_set_new(size_t cap);
void rc_set_free(struct rc_set *s);
/* 0, or -1 when full. The set never frees connections. Adding from a
 * callback is fine (the connection joins the next round); remove only
 * between rounds, never from a callback. */
int rc_set_add(struct rc_set *s, struct rc_conn *c);
void rc_set_del(struct rc_set *s, struct rc_conn *c);
size_t rc_set_count(const struct rc_set *s);
/* One round: poll for at most max_wait_ms (less when a deadline is due),
 * then inputs, expired timers and the global tick. 0 or -1 (poll error). */
int rc_set_run(struct rc_set *s, int max_wait_ms);

#endif
