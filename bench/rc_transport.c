/* rc_transport: the client's transport below the channels once ICE has
 * succeeded: DTLS (dtls.c, verifying the server's fingerprint when known;
 * we are the DTLS client, or the server when an offer's answer said
 * a=setup:active, as Janus's does), the SCTP association (sctp.c, ports
 * 5000) and its data-channel table (datachannel.c; stream ids even as the
 * DTLS client, odd as the server), with their callbacks turned into rtcclient events; the
 * hostile DTLS/SCTP garbage knobs; and the count of live associations that
 * drives usrsctp's process-wide timer tick. */
#include "bench/rc_int.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

#define GARBAGE_DGRAMS 500
#define GARBAGE_RECORDS 300

static int g_nassoc;               /* associations created and not yet freed */
static uint64_t g_last_tick;

/* ---- hostile knobs below SCTP ---- */

void
rc_hostile_sent(struct rc_conn *c)
{
	struct rc_event ev;

	if (c->state == RC_ST_DONE)
		return;
	c->state = RC_ST_HOSTILE;
	memset(&ev, 0, sizeof(ev));
	ev.type = RC_EV_HOSTILE_SENT;
	rc_emit(c, &ev);
}

static void
dtls_garbage(struct rc_conn *c)
{
	uint8_t buf[1400];

	for (int i = 0; i < GARBAGE_DGRAMS; i++) {
		size_t n = 13 + (size_t)(i * 37 % 1200);
		if (random_bytes(buf, n) < 0)
			break;
		buf[0] = (uint8_t)(20 + i % 44);   /* the DTLS class of RFC 7983 */
		rc_udp_send(c, buf, n);
	}
	rc_hostile_sent(c);
}

static void
sctp_garbage(struct rc_conn *c)
{
	uint8_t buf[1200];

	for (int i = 0; i < GARBAGE_RECORDS; i++) {
		size_t n = 12 + (size_t)(i * 53 % 1100);
		if (random_bytes(buf, n) < 0)
			break;
		if (i % 2) {   /* a plausible common header: ports 5000 -> 5000 */
			buf[0] = 0x13;
			buf[1] = 0x88;
			buf[2] = 0x13;
			buf[3] = 0x88;
		}
		if (dtls_send(c->dtls, buf, n) < 0)
			break;
	}
	rc_hostile_sent(c);
}

/* ---- SCTP and data-channel callbacks ---- */

static int
sctp_out(void *arg, const uint8_t *p, size_t n)
{
	struct rc_conn *c = arg;

	return dtls_send(c->dtls, p, n) < 0 ? -1 : 0;
}

static void
sctp_up_cb(void *arg)
{
	struct rc_conn *c = arg;

	if (c->state == RC_ST_DONE)
		return;
	c->t.sctp_up = now_us();
	if (c->direct != NULL)
		c->state = RC_ST_NOISE;   /* the server (Noise initiator) speaks first */
	else
		rc_connected(c);
}

static void
sctp_down_cb(void *arg, const char *reason)
{
	struct rc_conn *c = arg;

	if (c->dc != NULL)
		dc_handle_down(c->dc);
	rc_fail(c, 1, "sctp: %s", reason);
}

static void
sctp_msg_cb(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	struct rc_conn *c = arg;
	struct dc_channel *ch;
	int connecting;

	if (c->dc == NULL || c->state == RC_ST_DONE)
		return;
	ch = dc_get(c->dc, sid);
	connecting = ch != NULL && ch->state == DC_CONNECTING;
	dc_handle_message(c->dc, sid, ppid, p, n);
	/* datachannel.c has no ACK callback: spot CONNECTING -> OPEN here. */
	if (connecting && c->direct == NULL && c->state != RC_ST_DONE && c->dc != NULL &&
	    dc_get(c->dc, sid) == ch && ch->state == DC_OPEN && ch->user != NULL)
		rc_chan_opened(c, ch->user);
}

static void
sctp_reset_cb(void *arg, uint16_t sid)
{
	struct rc_conn *c = arg;

	if (c->dc != NULL)
		dc_handle_stream_reset(c->dc, sid);
}

static void
sctp_reset_done_cb(void *arg, uint16_t sid, int ok)
{
	struct rc_conn *c = arg;

	if (c->dc != NULL)
		dc_handle_reset_done(c->dc, sid, ok);
}

static void
sctp_writable_cb(void *arg)
{
	struct rc_conn *c = arg;

	if (c->dc != NULL)
		dc_handle_writable(c->dc);
}

static void
dc_open_cb(void *arg, struct dc_channel *dc)
{
	struct rc_conn *c = arg;
	struct rc_chan *ch;

	/* rtcd never opens channels; serve nothing we did not ask for in
	 * direct mode (no listener protocols), report them in offer mode. */
	if (c->direct != NULL || (ch = rc_chan_new(c, dc, dc->label)) == NULL) {
		dc_close(c->dc, dc);
		return;
	}
	rc_chan_opened(c, ch);
}

static void
dc_msg_cb(void *arg, struct dc_channel *dc, int binary, const uint8_t *p, size_t n)
{
	struct rc_conn *c = arg;
	struct rc_chan *ch = dc->user;
	struct rc_event ev;

	if (c->direct != NULL) {
		rc_direct_message(c, ch, dc, p, n);
		return;
	}
	if (ch == NULL)
		return;
	rc_chan_opened(c, ch);
	memset(&ev, 0, sizeof(ev));
	ev.type = RC_EV_MESSAGE;
	ev.ch = ch;
	ev.data = p;
	ev.len = n;
	ev.binary = binary;
	rc_emit(c, &ev);
}

static void
dc_close_cb(void *arg, struct dc_channel *dc)
{
	struct rc_conn *c = arg;

	dcq_drop(&c->q, dc->sid);
	if (c->direct != NULL && dc == c->direct->hs) {
		c->direct->hs = NULL;
		if (c->state < RC_ST_OPEN)
			rc_fail(c, 1, "handshake channel closed before Noise completed");
		return;
	}
	if (dc->user != NULL)
		rc_chan_gone(c, dc->user, "channel closed");
}

static void
dc_writable_cb(void *arg)
{
	struct rc_conn *c = arg;
	struct rc_event ev;

	dcq_flush(&c->q);
	if (c->q_full && c->q.bytes < RC_SEND_QUEUE_MAX / 2) {
		c->q_full = 0;
		memset(&ev, 0, sizeof(ev));
		ev.type = RC_EV_WRITABLE;
		rc_emit(c, &ev);
	}
}

static void
start_sctp(struct rc_conn *c)
{
	struct sctp_cfg sc;
	struct dc_cfg dcc;

	c->state = RC_ST_SCTP;
	memset(&sc, 0, sizeof(sc));
	sc.max_message_size = RC_MAX_MESSAGE;
	sc.streams = c->cfg.sctp_streams;
	sc.arg = c;
	sc.send = sctp_out;
	sc.on_up = sctp_up_cb;
	sc.on_down = sctp_down_cb;
	sc.on_message = sctp_msg_cb;
	sc.on_stream_reset = sctp_reset_cb;
	sc.on_reset_done = sctp_reset_done_cb;
	sc.on_writable = sctp_writable_cb;
	if ((c->sctp = sctp_new(&sc)) == NULL) {
		rc_fail(c, 0, "sctp: cannot create an association (%d in this process)", g_nassoc);
		return;
	}
	if (g_nassoc++ == 0)
		g_last_tick = now_ms();
	memset(&dcc, 0, sizeof(dcc));
	dcc.sctp = c->sctp;
	dcc.dtls_server = c->dtls_server;   /* DTLS client: even stream ids */
	dcc.streams = c->cfg.sctp_streams;
	dcc.max_message_size = RC_MAX_MESSAGE;
	dcc.arg = c;
	dcc.on_open = dc_open_cb;
	dcc.on_message = dc_msg_cb;
	dcc.on_close = dc_close_cb;
	dcc.on_writable = dc_writable_cb;
	if ((c->dc = dc_new(&dcc)) == NULL) {
		rc_fail(c, 0, "sctp: cannot create the channel table");
		return;
	}
	dcq_init(&c->q, c->dc, RC_SEND_QUEUE_MAX);
	/* The pre-negotiated handshake channel exists before our INIT. */
	if (c->direct != NULL && rc_direct_secure(c) < 0) {
		rc_fail(c, 0, "cannot open the handshake channel");
		return;
	}
	if (sctp_connect(c->sctp) < 0)
		rc_fail(c, 0, "sctp: cannot start the association: %s", strerror(errno));
}

/* ---- DTLS ---- */

static void
dtls_out_cb(void *arg, const uint8_t *p, size_t n)
{
	rc_udp_send(arg, p, n);
}

static void
dtls_data_cb(void *arg, const uint8_t *p, size_t n)
{
	struct rc_conn *c = arg;

	if (c->sctp != NULL && c->state != RC_ST_DONE)
		sctp_input(c->sctp, p, n);
}

static void
dtls_up_cb(void *arg)
{
	struct rc_conn *c = arg;

	if (c->state == RC_ST_DONE)
		return;
	c->t.dtls_up = now_us();
	/* Without a certhash, Noise binds the certificate DTLS saw. */
	if (!c->have_server_fp && dtls_peer_fingerprint(c->dtls, c->server_fp) == 0)
		c->have_server_fp = 1;
	if (c->cfg.hostile == RC_HOSTILE_SCTP_GARBAGE) {
		sctp_garbage(c);
		return;
	}
	start_sctp(c);
}

static void
dtls_closed_cb(void *arg)
{
	rc_fail(arg, 1, "peer closed DTLS (close_notify)");
}

void
rc_start_dtls(struct rc_conn *c)
{
	struct dtls_cfg dc;
	char err[DTLS_ERR_LEN];

	c->state = RC_ST_DTLS;
	if (c->cfg.hostile == RC_HOSTILE_DTLS_GARBAGE) {
		dtls_garbage(c);
		return;
	}
	memset(&dc, 0, sizeof(dc));
	dc.role = c->dtls_server ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT;
	dc.use_srtp = c->cfg.janus;   /* Janus drops a DTLS session without DTLS-SRTP */
	dc.cert_der = c->cert;
	dc.cert_len = c->cert_len;
	dc.key_der = c->key;
	dc.key_len = c->key_len;
	dc.verify = c->have_server_fp ? DTLS_VERIFY_FINGERPRINT : DTLS_VERIFY_ANY;
	memcpy(dc.peer_fp, c->server_fp, sizeof(dc.peer_fp));
	dc.mtu = RC_DTLS_MTU;
	dc.send = dtls_out_cb;
	dc.on_data = dtls_data_cb;
	dc.on_connected = dtls_up_cb;
	dc.on_closed = dtls_closed_cb;
	dc.arg = c;
	c->dtls = dtls_new(&dc, err, sizeof(err));
	if (c->dtls == NULL) {
		rc_fail(c, 0, "dtls: %s", err);
		return;
	}
	if (dtls_start(c->dtls) < 0)
		rc_fail(c, 0, "dtls: %s", dtls_error(c->dtls));
}

void
rc_transport_free(struct rc_conn *c)
{
	if (c->dc != NULL) {
		dcq_free(&c->q);
		dc_free(c->dc);
		c->dc = NULL;
	}
	if (c->sctp != NULL) {
		sctp_free(c->sctp);
		c->sctp = NULL;
		g_nassoc--;
	}
	if (c->dtls != NULL) {
		dtls_free(c->dtls);
		c->dtls = NULL;
	}
}

uint64_t
rc_global_deadline(void)
{
	return g_nassoc > 0 ? g_last_tick + SCTP_TICK_MS : UINT64_MAX;
}

int
rc_sctp_tick(uint64_t now)
{
	uint64_t elapsed;

	if (g_nassoc == 0 || now < g_last_tick + SCTP_TICK_MS)
		return 0;
	elapsed = now - g_last_tick;
	g_last_tick = now;
	/* One tick for the whole process: usrsctp's clock is global. */
	sctp_tick((uint32_t)MIN(elapsed, 1000));
	return 1;
}
