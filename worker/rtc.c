/* rtc: DTLS + SCTP + data channels + SRTP glue for one connection. */
#include "rtc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dtls.h"
#include "sctp.h"
#include "srtp_sess.h"

struct rtc {
	struct rtc_cfg cfg;
	struct dtls *dtls;
	struct sctp_assoc *sctp;
	struct dc_mgr *dc;
	struct srtp_sess *srtp;
	struct rtc_stats st;
	uint64_t last_tick_ms;
	uint64_t last_sctp_ms;         /* last SCTP packet in or out */
	int secure, up, down, closing;
};

/* usrsctp 0.9.5 cannot tell when its next timer is due, so it is ticked:
 * every 10 ms while the association is busy (unacked data: retransmission
 * timers; or a packet in the last BUSY_WINDOW_MS: our delayed SACK, 20 ms),
 * every 250 ms when idle (only heartbeats, 10 s apart), so idle workers
 * cost nearly nothing. A 500 ms window kept a connection sending one
 * message a second busy all the time (~100 wake-ups a second per worker,
 * 2000 such connections needed more than the two cores of the bench box). */
#define TICK_BUSY_MS SCTP_TICK_MS
#define TICK_IDLE_MS 250
#define BUSY_WINDOW_MS 50

static void
go_down(struct rtc *r, const char *reason)
{
	if (r->down)
		return;
	r->down = 1;
	if (r->cfg.on_down)
		r->cfg.on_down(r->cfg.arg, reason);
}

/* DTLS engine callbacks */
static void
dtls_out(void *arg, const uint8_t *p, size_t n)
{
	struct rtc *r = arg;

	r->st.dtls_out++;
	r->cfg.send(r->cfg.arg, p, n);
}

static void
dtls_data(void *arg, const uint8_t *p, size_t n)
{
	struct rtc *r = arg;

	if (r->sctp) {
		r->last_sctp_ms = now_ms();
		sctp_input(r->sctp, p, n);
	}
}

/* SCTP callbacks */
static int
sctp_out(void *arg, const uint8_t *p, size_t n)
{
	struct rtc *r = arg;

	r->last_sctp_ms = now_ms();
	if (dtls_send(r->dtls, p, n) < 0) {
		r->st.sctp_dropped++;
		log_debug("dtls: cannot send an SCTP packet of %zu bytes (max %zu)", n,
		    dtls_max_send(r->dtls));
		return -1;
	}
	return 0;
}

static void
sctp_up(void *arg)
{
	struct rtc *r = arg;

	r->up = 1;
	if (r->cfg.on_ready)
		r->cfg.on_ready(r->cfg.arg);
}

static void
sctp_down(void *arg, const char *reason)
{
	struct rtc *r = arg;
	char why[128];

	if (r->dc)
		dc_handle_down(r->dc);
	snprintf(why, sizeof(why), "sctp: %s", reason);
	go_down(r, why);
}

static void
sctp_msg(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	dc_handle_message(((struct rtc *)arg)->dc, sid, ppid, p, n);
}

static void
sctp_reset(void *arg, uint16_t sid)
{
	dc_handle_stream_reset(((struct rtc *)arg)->dc, sid);
}

static void
sctp_reset_done(void *arg, uint16_t sid, int ok)
{
	dc_handle_reset_done(((struct rtc *)arg)->dc, sid, ok);
}

static void
sctp_writable(void *arg)
{
	dc_handle_writable(((struct rtc *)arg)->dc);
}

static void
start_srtp(struct rtc *r)
{
	struct dtls_srtp_keys k;
	char err[128];

	if (!r->cfg.use_srtp || dtls_srtp_keys(r->dtls, &k) != 0)
		return;
	r->srtp = srtp_sess_new(&k, err, sizeof(err));
	memset(&k, 0, sizeof(k));
	if (r->srtp == NULL)
		log_warn("srtp: %s; media disabled", err);
}

static void
dtls_up(void *arg)
{
	struct rtc *r = arg;
	struct sctp_cfg sc;
	struct dc_cfg dcc;

	r->secure = 1;
	start_srtp(r);
	memset(&sc, 0, sizeof(sc));
	sc.local_port = r->cfg.sctp_local_port;
	sc.remote_port = r->cfg.sctp_remote_port;
	sc.max_message_size = r->cfg.max_message_size;
	sc.arg = r;
	sc.send = sctp_out;
	sc.on_up = sctp_up;
	sc.on_down = sctp_down;
	sc.on_message = sctp_msg;
	sc.on_stream_reset = sctp_reset;
	sc.on_reset_done = sctp_reset_done;
	sc.on_writable = sctp_writable;
	r->sctp = sctp_new(&sc);
	if (r->sctp == NULL) {
		go_down(r, "sctp: cannot create the association");
		return;
	}
	memset(&dcc, 0, sizeof(dcc));
	dcc.sctp = r->sctp;
	dcc.dtls_server = 1;
	dcc.max_message_size = r->cfg.max_message_size;
	dcc.arg = r->cfg.arg;
	dcc.on_open = r->cfg.on_channel_open;
	dcc.on_message = r->cfg.on_channel_message;
	dcc.on_close = r->cfg.on_channel_close;
	dcc.on_writable = r->cfg.on_writable;
	r->dc = dc_new(&dcc);
	if (r->dc == NULL) {
		go_down(r, "sctp: cannot create the channel table");
		return;
	}
	/* Tell the owner before our INIT goes out: it may pre-negotiate
	 * channels (libp2p's handshake channel 0). */
	if (r->cfg.on_secure)
		r->cfg.on_secure(r->cfg.arg);
	if (!r->down && sctp_connect(r->sctp) < 0)
		go_down(r, "sctp: cannot start the association");
}

static void
dtls_closed(void *arg)
{
	go_down(arg, "peer closed DTLS (close_notify)");
}

struct rtc *
rtc_new(const struct rtc_cfg *cfg, char *err, size_t errlen)
{
	struct rtc *r = calloc(1, sizeof(*r));
	struct dtls_cfg dc;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	if (r->cfg.max_message_size == 0)
		r->cfg.max_message_size = RTC_MAX_MESSAGE;
	memset(&dc, 0, sizeof(dc));
	dc.role = DTLS_ROLE_SERVER;
	dc.cert_der = cfg->cert_der;
	dc.cert_len = cfg->cert_len;
	dc.key_der = cfg->key_der;
	dc.key_len = cfg->key_len;
	dc.verify = cfg->verify_fingerprint ? DTLS_VERIFY_FINGERPRINT : DTLS_VERIFY_ANY;
	memcpy(dc.peer_fp, cfg->peer_fp, sizeof(dc.peer_fp));
	dc.use_srtp = cfg->use_srtp;
	dc.mtu = RTC_DTLS_MTU;
	dc.send = dtls_out;
	dc.on_data = dtls_data;
	dc.on_connected = dtls_up;
	dc.on_closed = dtls_closed;
	dc.arg = r;
	r->dtls = dtls_new(&dc, err, errlen);
	if (r->dtls == NULL || dtls_start(r->dtls) < 0) {
		if (r->dtls)
			snprintf(err, errlen, "dtls: %s", dtls_error(r->dtls));
		rtc_free(r);
		return NULL;
	}
	return r;
}

void
rtc_free(struct rtc *r)
{
	if (r == NULL)
		return;
	if (r->dc)
		dc_free(r->dc);
	if (r->sctp)
		sctp_free(r->sctp);
	if (r->srtp)
		srtp_sess_free(r->srtp);
	if (r->dtls)
		dtls_free(r->dtls);
	free(r);
}

static void
media_in(struct rtc *r, uint8_t *p, size_t n, size_t cap)
{
	int rtcp = rtp_is_rtcp(p, n);
	int rc;

	if (r->srtp == NULL)
		return;
	rc = srtp_sess_unprotect(r->srtp, p, &n, rtcp);
	if (rc == SRTP_SESS_REPLAY) {
		r->st.srtp_replay++;
		return;
	}
	if (rc != 0) {
		r->st.srtp_bad++;
		return;
	}
	r->st.srtp_in++;
	if (r->cfg.on_media)
		r->cfg.on_media(r->cfg.arg, p, n, cap, rtcp);
}

void
rtc_input(struct rtc *r, uint8_t *p, size_t n, size_t cap, uint64_t now_ms)
{
	if (r->down || n == 0)
		return;
	if (p[0] >= 20 && p[0] <= 63) {
		r->st.dtls_in++;
		if (dtls_input(r->dtls, p, n) < 0) {
			char why[160];
			snprintf(why, sizeof(why), "dtls: %s", dtls_error(r->dtls));
			go_down(r, why);
		}
	} else if (p[0] >= 128 && p[0] <= 191) {
		media_in(r, p, n, cap);
	}
	(void)now_ms;
}

int
rtc_send_media(struct rtc *r, uint8_t *p, size_t n, size_t cap, int rtcp)
{
	if (r->srtp == NULL || r->down)
		return -1;
	if (srtp_sess_protect(r->srtp, p, &n, cap, rtcp) < 0)
		return -1;
	r->st.srtp_out++;
	r->cfg.send(r->cfg.arg, p, n);
	return 0;
}

uint64_t
rtc_next_deadline(const struct rtc *r, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX, t;

	if (r->down)
		return UINT64_MAX;
	t = dtls_timeout_ms(r->dtls);
	if (t != UINT64_MAX)
		next = now_ms + t;
	if (r->sctp) {
		int busy = now_ms - r->last_sctp_ms < BUSY_WINDOW_MS || sctp_buffered(r->sctp) > 0;
		t = (r->last_tick_ms ? r->last_tick_ms : now_ms) + (busy ? TICK_BUSY_MS : TICK_IDLE_MS);
		if (t < next)
			next = t;
	}
	return next;
}

void
rtc_on_timer(struct rtc *r, uint64_t now_ms)
{
	if (r->down)
		return;
	if (dtls_timeout_ms(r->dtls) == 0 && dtls_handle_timeout(r->dtls) < 0) {
		go_down(r, "dtls: handshake timed out");
		return;
	}
	if (r->sctp) {
		uint64_t elapsed = r->last_tick_ms ? now_ms - r->last_tick_ms : SCTP_TICK_MS;
		if (elapsed >= SCTP_TICK_MS) {
			r->last_tick_ms = now_ms;
			sctp_tick((uint32_t)(elapsed > 1000 ? 1000 : elapsed));
		}
	}
}

void
rtc_close(struct rtc *r)
{
	if (r->closing)
		return;
	r->closing = 1;
	if (r->sctp && r->up)
		sctp_abort(r->sctp);
	if (r->dtls && dtls_state(r->dtls) == DTLS_CONNECTED)
		dtls_close(r->dtls);
}

struct dc_mgr *rtc_dc(struct rtc *r) { return r->dc; }
int rtc_is_up(const struct rtc *r) { return r->up && !r->down; }
const struct rtc_stats *rtc_get_stats(const struct rtc *r) { return &r->st; }

int
rtc_peer_fingerprint(const struct rtc *r, uint8_t out[32])
{
	return dtls_peer_fingerprint(r->dtls, out);
}
