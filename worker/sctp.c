/* sctp: usrsctp glue for one SCTP association per worker over AF_CONN
 * (RFC 8261, RFC 8831 §6). Owns usrsctp's process-wide set-up, the table
 * from address id to association, the re-entrancy guards, and the receive
 * loop that turns usrsctp's reads and notifications into whole messages and
 * events. No other file includes usrsctp.h. */
#include "sctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Debian's libusrsctp is built with SCTP_DEBUG; the header only declares
 * the debug sysctl when the macro is set. */
#ifndef SCTP_DEBUG
#define SCTP_DEBUG 1
#endif
#include <usrsctp.h>

#include "common/log.h"
#include "crc32c.h"

/* usrsctp implements FreeBSD's SCTP_GET_SNDBUF_USE (netinet/sctp.h) but does
 * not export it in usrsctp.h: bytes queued for sending on the association. */
#ifndef SCTP_GET_SNDBUF_USE
#define SCTP_GET_SNDBUF_USE 0x00001101
#endif
struct sndbuf_use {
	sctp_assoc_t assoc_id;
	uint32_t total_sndbuf;
	uint32_t total_recv_buf;
};

#define SCTP_MTU 1188             /* SCTP payload so DTLS+UDP+IPv6 fit 1280 */
#define SCTP_READ_CHUNK 65536     /* one usrsctp_recvv; notifications fit */
#define SCTP_MSG_INITIAL 65536    /* first size of the reassembly buffer */
#define SCTP_DRAIN_MAX 4096       /* reads per drain; the rest waits a tick */
#define SCTP_MAX_PACKET 65536     /* larger input cannot be one SCTP packet */
#define SCTP_MAX_CHUNKS 8192      /* usrsctp per-association chunk queue cap */
#define SCTP_ABORT_REASON_MAX 64  /* bytes of reason in a user-initiated ABORT */

struct sctp_assoc {
	struct sctp_cfg cfg;
	uint32_t id;                  /* usrsctp address id (never 0) */
	struct socket *sock;          /* NULL once closed */
	sctp_assoc_t assoc_id;
	int connected, up, down;
	int depth;                    /* our frames on the stack for this assoc */
	int free_pending, abort_pending, shutdown_pending;
	int want_writable;
	uint16_t str_in, str_out;
	uint8_t *rbuf;                /* SCTP_READ_CHUNK */
	uint8_t *msg;                 /* reassembly of a partially read message */
	size_t msg_len, msg_cap;
	uint16_t msg_sid;
	uint32_t msg_ppid;
	int msg_active, notif_skip;
	size_t buffered;              /* last SCTP_GET_SNDBUF_USE answer */
	struct sctp_stats st;
};

static int g_inited;
static int g_in_lib;              /* usrsctp frames on the stack */
static int g_ticking;
static uint32_t g_next_id = 1;
/* The association table: g_cap slots (sctp_set_max_assocs), allocated by
 * sctp_global_init; slots at g_hi and above are empty, so a process with
 * one association scans one slot. g_live is sctp_tick's snapshot. */
static struct sctp_assoc **g_assocs, **g_live;
static size_t g_cap = SCTP_MAX_ASSOCS, g_hi;

static void destroy(struct sctp_assoc *a);

static struct sctp_assoc *
lookup(uint32_t id)
{
	for (size_t i = 0; i < g_hi; i++)
		if (g_assocs[i] != NULL && g_assocs[i]->id == id)
			return g_assocs[i];
	return NULL;
}

static void *
id_ptr(uint32_t id)
{
	return (void *)(uintptr_t)id;
}

/* usrsctp output callback: runs inside usrsctp with its locks held. */
static int
output_cb(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df)
{
	struct sctp_assoc *a = lookup((uint32_t)(uintptr_t)addr);
	int r;

	if (a == NULL || a->free_pending)
		return -1;
	a->depth++;
	a->st.pkts_out++;
	crc32c_sctp_fill(buf, len);   /* usrsctp leaves it to us (crc32c.h) */
	r = a->cfg.send(a->cfg.arg, buf, len);
	a->depth--;
	return r < 0 ? -1 : 0;
}

static const struct {
	int (*set)(uint32_t);
	uint32_t value;
	const char *name;
} sysctls[] = {
	{ usrsctp_sysctl_set_sctp_ecn_enable, 0, "ecn_enable" },
	{ usrsctp_sysctl_set_sctp_pr_enable, 1, "pr_enable" },
	{ usrsctp_sysctl_set_sctp_reconfig_enable, 1, "reconfig_enable" },
	/* AF_CONN addresses never change: no automatic ASCONF work. */
	{ usrsctp_sysctl_set_sctp_auto_asconf, 0, "auto_asconf" },
	/* No UDP encapsulation socket: also implied by init_nothreads(0). */
	{ usrsctp_sysctl_set_sctp_udp_tunneling_port, 0, "udp_tunneling_port" },
	/* RTO: RFC 4960's 1 s floor stalls data channels for a second per
	 * loss on the short paths WebRTC usually runs on; 100 ms keeps
	 * retransmission prompt while the 1 s initial value and 10 s cap keep
	 * us polite before an RTT sample exists and on lossy long paths. */
	{ usrsctp_sysctl_set_sctp_rto_min_default, 100, "rto_min" },
	{ usrsctp_sysctl_set_sctp_rto_initial_default, 1000, "rto_initial" },
	{ usrsctp_sysctl_set_sctp_rto_max_default, 10000, "rto_max" },
	{ usrsctp_sysctl_set_sctp_init_rto_max_default, 10000, "init_rto_max" },
	{ usrsctp_sysctl_set_sctp_delayed_sack_time_default, 20, "delayed_sack" },
	{ usrsctp_sysctl_set_sctp_heartbeat_interval_default, 10000, "heartbeat" },
	/* ~30 s of silence ends the association, like ICE consent. */
	{ usrsctp_sysctl_set_sctp_init_rtx_max_default, 8, "init_rtx_max" },
	{ usrsctp_sysctl_set_sctp_assoc_rtx_max_default, 5, "assoc_rtx_max" },
	{ usrsctp_sysctl_set_sctp_path_rtx_max_default, 5, "path_rtx_max" },
	{ usrsctp_sysctl_set_sctp_sendspace, SCTP_DEFAULT_BUF, "sendspace" },
	{ usrsctp_sysctl_set_sctp_recvspace, SCTP_DEFAULT_BUF, "recvspace" },
	/* The default 512 chunks caps a 1 MiB buffer at ~600 KB of full
	 * chunks; allow the buffers to fill, still bounded. */
	{ usrsctp_sysctl_set_sctp_max_chunks_on_queue, SCTP_MAX_CHUNKS, "max_chunks_on_queue" },
};

int
sctp_set_max_assocs(size_t n)
{
	if (g_inited || n < 1 || n > SCTP_MAX_ASSOCS_LIMIT)
		return -1;
	g_cap = n;
	return 0;
}

int
sctp_global_init(void)
{
	if (g_inited)
		return 0;
	g_assocs = calloc(g_cap, sizeof(*g_assocs));
	g_live = calloc(g_cap, sizeof(*g_live));
	if (g_assocs == NULL || g_live == NULL) {
		free(g_assocs);
		free(g_live);
		g_assocs = g_live = NULL;
		return -1;
	}
	/* No threads: no receive threads, no raw or UDP sockets, no timer
	 * thread (sctp_tick drives the timers). The iterator thread is still
	 * started by usrsctp; it has nothing to do for AF_CONN. */
	crc32c_init();
	usrsctp_init_nothreads(0, output_cb, NULL);
	/* We fill in outgoing checksums (fast) and inbound packets, already
	 * authenticated by DTLS, are not checked again (crc32c.h). */
	usrsctp_enable_crc32c_offload();
	g_inited = 1;
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		if (sysctls[i].set(sysctls[i].value) != 0) {
			log_error("sctp: usrsctp sysctl %s=%u refused", sysctls[i].name,
			    (unsigned)sysctls[i].value);
			return -1;
		}
	}
	return 0;
}

void
sctp_debug_off(void)
{
	if (g_inited)
		usrsctp_sysctl_set_sctp_debug_on(SCTP_DEBUG_NONE);
}

/* --- association state and events ------------------------------------- */

static void
report_down(struct sctp_assoc *a, const char *reason)
{
	if (a->down)
		return;
	a->down = 1;
	a->msg_active = 0;
	a->msg_len = 0;
	a->buffered = 0;               /* nothing queued will be sent any more */
	log_debug("sctp[%u]: down: %s", (unsigned)a->id, reason);
	if (a->cfg.on_down != NULL && !a->free_pending)
		a->cfg.on_down(a->cfg.arg, reason);
}

static void
lib_close(struct sctp_assoc *a)
{
	if (a->sock == NULL)
		return;
	g_in_lib++;
	usrsctp_close(a->sock);
	g_in_lib--;
	a->sock = NULL;
}

/* ABORT with a user-initiated cause carrying reason, then close the socket
 * (SO_LINGER {1,0} aborts whatever is left, also before the handshake). */
static void
do_abort(struct sctp_assoc *a, const char *reason)
{
	struct sctp_sndinfo si;
	size_t rl = strlen(reason);

	if (a->sock != NULL && a->up && !a->down) {
		memset(&si, 0, sizeof(si));
		si.snd_flags = SCTP_ABORT;
		si.snd_assoc_id = a->assoc_id;
		g_in_lib++;
		if (usrsctp_sendv(a->sock, reason, rl < SCTP_ABORT_REASON_MAX ? rl : SCTP_ABORT_REASON_MAX,
		    NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
			log_debug("sctp[%u]: abort send: %s", (unsigned)a->id, strerror(errno));
		g_in_lib--;
	}
	lib_close(a);
	report_down(a, reason);
}

static void
do_shutdown(struct sctp_assoc *a)
{
	if (a->sock == NULL || a->down)
		return;
	if (!a->up) {
		do_abort(a, "shutdown before the association was up");
		return;
	}
	g_in_lib++;
	if (usrsctp_shutdown(a->sock, SHUT_WR) < 0) {
		g_in_lib--;
		do_abort(a, "shutdown failed");
		return;
	}
	g_in_lib--;
}

static size_t
query_buffered(struct sctp_assoc *a)
{
	struct sndbuf_use u;
	socklen_t len = sizeof(u);

	if (a->sock == NULL || !a->up || a->down || g_in_lib)
		return a->buffered;
	memset(&u, 0, sizeof(u));
	u.assoc_id = a->assoc_id;
	g_in_lib++;
	if (usrsctp_getsockopt(a->sock, IPPROTO_SCTP, SCTP_GET_SNDBUF_USE, &u, &len) == 0)
		a->buffered = u.total_sndbuf;
	g_in_lib--;
	return a->buffered;
}

static void
check_writable(struct sctp_assoc *a)
{
	if (!a->want_writable || a->down || a->free_pending || a->sock == NULL)
		return;
	if (query_buffered(a) > a->cfg.sndbuf / 2)
		return;
	a->want_writable = 0;
	if (a->cfg.on_writable != NULL)
		a->cfg.on_writable(a->cfg.arg);
}

static void
on_assoc_change(struct sctp_assoc *a, const struct sctp_assoc_change *ac)
{
	switch (ac->sac_state) {
	case SCTP_COMM_UP:
		if (a->up || a->down)
			return;
		a->up = 1;
		a->assoc_id = ac->sac_assoc_id;
		a->str_in = ac->sac_inbound_streams;
		a->str_out = ac->sac_outbound_streams;
		log_debug("sctp[%u]: up, streams in %u out %u", (unsigned)a->id,
		    (unsigned)a->str_in, (unsigned)a->str_out);
		if (a->cfg.on_up != NULL)
			a->cfg.on_up(a->cfg.arg);
		break;
	case SCTP_RESTART:
		/* The peer lost its state: our channels mean nothing to it. */
		do_abort(a, "peer restarted the association");
		break;
	case SCTP_COMM_LOST:
		report_down(a, "association lost (abort or timeout)");
		break;
	case SCTP_SHUTDOWN_COMP:
		report_down(a, "shutdown complete");
		break;
	case SCTP_CANT_STR_ASSOC:
		report_down(a, "association could not be set up");
		break;
	default:
		break;
	}
}

static void
on_stream_reset_event(struct sctp_assoc *a, const uint8_t *p, size_t n)
{
	const struct sctp_stream_reset_event *ev = (const void *)p;
	size_t count = (n - sizeof(*ev)) / sizeof(uint16_t);
	uint16_t flags = ev->strreset_flags;
	int failed = (flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) != 0;

	for (size_t i = 0; i < count && !a->free_pending && !a->down; i++) {
		uint16_t sid;

		memcpy(&sid, p + sizeof(*ev) + i * sizeof(uint16_t), sizeof(sid));
		if ((flags & SCTP_STREAM_RESET_INCOMING_SSN) && !failed && a->cfg.on_stream_reset)
			a->cfg.on_stream_reset(a->cfg.arg, sid);
		if ((flags & SCTP_STREAM_RESET_OUTGOING_SSN) && a->cfg.on_reset_done)
			a->cfg.on_reset_done(a->cfg.arg, sid, !failed);
	}
}

static void
handle_notification(struct sctp_assoc *a, const uint8_t *p, size_t n)
{
	const union sctp_notification *sn = (const void *)p;

	if (n < sizeof(sn->sn_header))
		return;
	if (sn->sn_header.sn_length < n)
		n = sn->sn_header.sn_length;
	switch (sn->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (n >= sizeof(struct sctp_assoc_change))
			on_assoc_change(a, &sn->sn_assoc_change);
		break;
	case SCTP_STREAM_RESET_EVENT:
		if (n >= sizeof(struct sctp_stream_reset_event))
			on_stream_reset_event(a, p, n);
		break;
	case SCTP_PARTIAL_DELIVERY_EVENT:
		if (n >= sizeof(struct sctp_pdapi_event) &&
		    sn->sn_pdapi_event.pdapi_indication == SCTP_PARTIAL_DELIVERY_ABORTED) {
			a->msg_active = 0;
			a->msg_len = 0;
		}
		break;
	case SCTP_SENDER_DRY_EVENT:
		check_writable(a);
		break;
	default:
		break;
	}
}

static void
deliver(struct sctp_assoc *a, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	a->st.msgs_in++;
	a->st.bytes_in += n;
	if (a->cfg.on_message != NULL)
		a->cfg.on_message(a->cfg.arg, sid, ppid, p, n);
}

static int
msg_append(struct sctp_assoc *a, const uint8_t *p, size_t n)
{
	if (n > a->cfg.max_message_size - a->msg_len)
		return -1;
	if (a->msg_len + n > a->msg_cap) {
		size_t cap = a->msg_cap ? a->msg_cap : SCTP_MSG_INITIAL;
		uint8_t *q;

		while (cap < a->msg_len + n)
			cap *= 2;
		if (cap > a->cfg.max_message_size)
			cap = a->cfg.max_message_size;
		q = realloc(a->msg, cap);
		if (q == NULL)
			return -1;
		a->msg = q;
		a->msg_cap = cap;
	}
	memcpy(a->msg + a->msg_len, p, n);
	a->msg_len += n;
	return 0;
}

/* One read of user data: whole messages are delivered from rbuf, pieces
 * (partial delivery, or larger than a read) are joined until MSG_EOR. */
static void
handle_data(struct sctp_assoc *a, const struct sctp_rcvinfo *rcv, unsigned infotype, size_t n,
    int eor)
{
	uint32_t ppid = ntohl(rcv->rcv_ppid);

	if (a->down)
		return;
	if (infotype != SCTP_RECVV_RCVINFO) {
		do_abort(a, "data without receive information");
		return;
	}
	if (!a->msg_active && eor) {
		if (n > a->cfg.max_message_size)
			do_abort(a, "message over max-message-size");
		else
			deliver(a, rcv->rcv_sid, ppid, a->rbuf, n);
		return;
	}
	if (!a->msg_active) {
		a->msg_active = 1;
		a->msg_sid = rcv->rcv_sid;
		a->msg_ppid = ppid;
		a->msg_len = 0;
	} else if (rcv->rcv_sid != a->msg_sid) {
		do_abort(a, "interleaved partial messages");
		return;
	}
	if (msg_append(a, a->rbuf, n) < 0) {
		do_abort(a, "message over max-message-size");
		return;
	}
	if (eor) {
		a->msg_active = 0;
		deliver(a, a->msg_sid, a->msg_ppid, a->msg, a->msg_len);
		a->msg_len = 0;
	}
}

static int
read_one(struct sctp_assoc *a)
{
	struct sctp_rcvinfo rcv;
	struct sockaddr_conn from;
	socklen_t infolen = sizeof(rcv), fromlen = sizeof(from);
	unsigned int infotype = SCTP_RECVV_NOINFO;
	int flags = 0, err;
	ssize_t n;

	memset(&rcv, 0, sizeof(rcv));
	g_in_lib++;
	n = usrsctp_recvv(a->sock, a->rbuf, SCTP_READ_CHUNK, (struct sockaddr *)&from, &fromlen,
	    &rcv, &infolen, &infotype, &flags);
	err = errno;
	g_in_lib--;
	if (n < 0) {
		if (err != EAGAIN && err != EWOULDBLOCK && a->up)
			report_down(a, "receive failed");
		return 0;
	}
	if (n == 0) {
		if (a->up)
			report_down(a, "peer shut down");
		return 0;
	}
	if (flags & MSG_NOTIFICATION) {
		/* Notifications are far smaller than a read; one that is not
		 * complete is skipped rather than misparsed. */
		if (a->notif_skip || !(flags & MSG_EOR)) {
			a->notif_skip = !(flags & MSG_EOR);
			log_warn("sctp[%u]: oversized notification skipped", (unsigned)a->id);
			return 1;
		}
		handle_notification(a, a->rbuf, (size_t)n);
		return 1;
	}
	handle_data(a, &rcv, infotype, (size_t)n, (flags & MSG_EOR) != 0);
	return 1;
}

static void
drain(struct sctp_assoc *a)
{
	for (int i = 0; i < SCTP_DRAIN_MAX; i++) {
		if (a->sock == NULL || a->free_pending || !read_one(a))
			break;
	}
	check_writable(a);
}

/* --- re-entrancy guards ------------------------------------------------- */

static void
enter(struct sctp_assoc *a)
{
	a->depth++;
}

/* process: run deferred work and deliver events (only for input and timer
 * paths, so sctp_send never calls the upper layer back). */
static void
leave(struct sctp_assoc *a, int process)
{
	if (a->depth == 1 && process && !a->free_pending) {
		if (a->abort_pending) {
			a->abort_pending = 0;
			do_abort(a, "local abort");
		}
		if (a->shutdown_pending && !a->free_pending) {
			a->shutdown_pending = 0;
			do_shutdown(a);
		}
		if (!a->free_pending)
			drain(a);
	}
	if (--a->depth == 0 && a->free_pending)
		destroy(a);
}

/* --- lifecycle ----------------------------------------------------------- */

static uint32_t
new_id(void)
{
	for (;;) {
		uint32_t id = g_next_id++;

		if (g_next_id == 0 || g_next_id > 0x7FFFFFFFu)
			g_next_id = 1;
		if (id != 0 && lookup(id) == NULL)
			return id;
	}
}

static int
set_opt(struct sctp_assoc *a, int level, int name, const void *v, socklen_t len, const char *what)
{
	int r;

	g_in_lib++;
	r = usrsctp_setsockopt(a->sock, level, name, v, len);
	g_in_lib--;
	if (r < 0)
		log_error("sctp[%u]: setsockopt %s: %s", (unsigned)a->id, what, strerror(errno));
	return r;
}

static int
set_int(struct sctp_assoc *a, int level, int name, int v, const char *what)
{
	return set_opt(a, level, name, &v, sizeof(v), what);
}

static int
subscribe(struct sctp_assoc *a)
{
	/* Not SCTP_SEND_FAILED_EVENT: usrsctp #133 (crash in sctp_add_to_readq). */
	static const uint16_t types[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT,
		SCTP_SENDER_DRY_EVENT, SCTP_PARTIAL_DELIVERY_EVENT };
	struct sctp_event ev;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.se_assoc_id = SCTP_FUTURE_ASSOC;
		ev.se_type = types[i];
		ev.se_on = 1;
		if (set_opt(a, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev), "SCTP_EVENT") < 0)
			return -1;
	}
	return 0;
}

static int
configure(struct sctp_assoc *a)
{
	struct linger lg = { 1, 0 };
	struct sctp_assoc_value av;
	struct sctp_initmsg im;
	struct sctp_paddrparams pp;

	if (usrsctp_set_non_blocking(a->sock, 1) < 0)
		return -1;
	memset(&av, 0, sizeof(av));
	av.assoc_id = SCTP_FUTURE_ASSOC;
	av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
	memset(&im, 0, sizeof(im));
	im.sinit_num_ostreams = a->cfg.streams;
	im.sinit_max_instreams = a->cfg.streams;
	/* Fixed MTU, no PMTU discovery: DTLS below us does not report it. */
	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
	pp.spp_flags = SPP_PMTUD_DISABLE | SPP_HB_ENABLE;
	pp.spp_pathmtu = SCTP_MTU;
	pp.spp_hbinterval = 10000;
	if (set_opt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg), "SO_LINGER") < 0 ||
	    set_opt(a, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av), "STREAM_RESET") < 0 ||
	    set_int(a, IPPROTO_SCTP, SCTP_NODELAY, 1, "NODELAY") < 0 ||
	    set_int(a, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1, "RECVRCVINFO") < 0 ||
	    set_int(a, IPPROTO_SCTP, SCTP_EXPLICIT_EOR, 0, "EXPLICIT_EOR") < 0 ||
	    set_int(a, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 0, "FRAGMENT_INTERLEAVE") < 0 ||
	    subscribe(a) < 0 ||
	    set_opt(a, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im), "INITMSG") < 0 ||
	    set_opt(a, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp), "PEER_ADDR_PARAMS") < 0 ||
	    set_int(a, SOL_SOCKET, SO_SNDBUF, (int)a->cfg.sndbuf, "SO_SNDBUF") < 0 ||
	    set_int(a, SOL_SOCKET, SO_RCVBUF, (int)a->cfg.rcvbuf, "SO_RCVBUF") < 0)
		return -1;
	return 0;
}

static int
apply_defaults(struct sctp_cfg *c)
{
	if (c->send == NULL || c->max_message_size > SCTP_MAX_MESSAGE_LIMIT ||
	    c->sndbuf > 0x7FFFFFFFu || c->rcvbuf > 0x7FFFFFFFu)
		return -1;
	if (c->local_port == 0)
		c->local_port = SCTP_DEFAULT_PORT;
	if (c->remote_port == 0)
		c->remote_port = SCTP_DEFAULT_PORT;
	if (c->max_message_size == 0)
		c->max_message_size = SCTP_DEFAULT_MAX_MESSAGE;
	if (c->streams == 0)
		c->streams = SCTP_DEFAULT_STREAMS;
	if (c->sndbuf == 0)
		c->sndbuf = SCTP_DEFAULT_BUF;
	if (c->rcvbuf == 0)
		c->rcvbuf = SCTP_DEFAULT_BUF;
	/* A whole message must fit in the free half of the send buffer, so
	 * on_writable (at half) always means "the largest message fits". */
	if (c->sndbuf < 2 * c->max_message_size)
		c->sndbuf = 2 * c->max_message_size;
	return 0;
}

static int
free_slot(void)
{
	for (size_t i = 0; i < g_hi; i++)
		if (g_assocs[i] == NULL)
			return (int)i;
	return g_hi < g_cap ? (int)g_hi : -1;
}

struct sctp_assoc *
sctp_new(const struct sctp_cfg *cfg)
{
	struct sctp_assoc *a;
	int slot = free_slot();

	if (!g_inited || slot < 0 || g_in_lib) {
		log_error("sctp: cannot create an association (%s)",
		    !g_inited ? "not initialised" : slot < 0 ? "table full" : "re-entered");
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->cfg = *cfg;
	if (apply_defaults(&a->cfg) < 0 || (a->rbuf = malloc(SCTP_READ_CHUNK)) == NULL) {
		free(a);
		return NULL;
	}
	a->id = new_id();
	usrsctp_register_address(id_ptr(a->id));
	g_in_lib++;
	a->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	g_in_lib--;
	if (a->sock == NULL || configure(a) < 0) {
		log_error("sctp[%u]: socket set-up failed", (unsigned)a->id);
		lib_close(a);
		usrsctp_deregister_address(id_ptr(a->id));
		free(a->rbuf);
		free(a);
		return NULL;
	}
	g_assocs[slot] = a;
	if ((size_t)slot >= g_hi)
		g_hi = (size_t)slot + 1;
	return a;
}

static void
destroy(struct sctp_assoc *a)
{
	for (size_t i = 0; i < g_hi; i++)
		if (g_assocs[i] == a)
			g_assocs[i] = NULL;
	while (g_hi > 0 && g_assocs[g_hi - 1] == NULL)
		g_hi--;
	/* Out of the table first: the ABORT that close() emits is dropped. */
	lib_close(a);
	usrsctp_deregister_address(id_ptr(a->id));
	free(a->msg);
	free(a->rbuf);
	free(a);
}

void
sctp_free(struct sctp_assoc *a)
{
	if (a == NULL)
		return;
	a->free_pending = 1;
	if (a->depth == 0 && !g_in_lib)
		destroy(a);
}

static int
do_connect(struct sctp_assoc *a)
{
	struct sockaddr_conn sc;
	int r, err = 0;

	if (a->connected)
		return 0;
	if (a->sock == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.sconn_family = AF_CONN;
	sc.sconn_port = htons(a->cfg.local_port);
	sc.sconn_addr = id_ptr(a->id);
	g_in_lib++;
	r = usrsctp_bind(a->sock, (struct sockaddr *)&sc, sizeof(sc));
	if (r == 0) {
		sc.sconn_port = htons(a->cfg.remote_port);
		r = usrsctp_connect(a->sock, (struct sockaddr *)&sc, sizeof(sc));
		if (r < 0 && errno == EINPROGRESS)
			r = 0;
	}
	err = errno;
	g_in_lib--;
	if (r < 0) {
		log_warn("sctp[%u]: connect: %s", (unsigned)a->id, strerror(err));
		errno = err;
		return -1;
	}
	a->connected = 1;
	return 0;
}

int
sctp_connect(struct sctp_assoc *a)
{
	int r;

	if (g_in_lib) {
		errno = EBUSY;
		return -1;
	}
	if (a->free_pending) {
		errno = ENOTCONN;
		return -1;
	}
	enter(a);
	r = do_connect(a);
	leave(a, 0);
	return r;
}

void
sctp_input(struct sctp_assoc *a, const uint8_t *p, size_t n)
{
	if (a == NULL || p == NULL || n == 0 || n > SCTP_MAX_PACKET || g_in_lib ||
	    a->free_pending || a->sock == NULL) {
		if (a != NULL)
			a->st.pkts_dropped++;
		return;
	}
	enter(a);
	if (do_connect(a) == 0) {
		a->st.pkts_in++;
		g_in_lib++;
		usrsctp_conninput(id_ptr(a->id), p, n, 0);
		g_in_lib--;
	}
	leave(a, 1);
}

void
sctp_tick(uint32_t elapsed_ms)
{
	size_t k = 0;

	if (!g_inited || g_in_lib || g_ticking)
		return;
	g_ticking = 1;
	for (size_t i = 0; i < g_hi; i++) {
		if (g_assocs[i] != NULL) {
			g_live[k++] = g_assocs[i];
			enter(g_assocs[i]);
		}
	}
	g_in_lib++;
	usrsctp_handle_timers(elapsed_ms);
	g_in_lib--;
	/* Entered associations cannot be destroyed before their leave(). */
	for (size_t i = 0; i < k; i++)
		leave(g_live[i], 1);
	/* A free requested while no frame of ours was on the stack. */
	for (size_t i = 0; i < g_hi; i++)
		if (g_assocs[i] != NULL && g_assocs[i]->free_pending && g_assocs[i]->depth == 0)
			destroy(g_assocs[i]);
	g_ticking = 0;
}

static int
sctp_policy(int pr_policy, uint16_t *out)
{
	switch (pr_policy) {
	case SCTP_REL_FULL:
		*out = SCTP_PR_SCTP_NONE;
		return 0;
	case SCTP_REL_REXMIT:
		*out = SCTP_PR_SCTP_RTX;
		return 0;
	case SCTP_REL_TIMED:
		*out = SCTP_PR_SCTP_TTL;
		return 0;
	default:
		return -1;
	}
}

static int
send_check(const struct sctp_assoc *a, uint16_t sid, const uint8_t *p, size_t n)
{
	if (g_in_lib)
		return EBUSY;
	if (a->sock == NULL || !a->up || a->down || a->free_pending)
		return ENOTCONN;
	if (p == NULL || n == 0 || sid >= a->str_out)
		return EINVAL;
	if (n > a->cfg.max_message_size)
		return EMSGSIZE;
	return 0;
}

int
sctp_send(struct sctp_assoc *a, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n,
    int unordered, int pr_policy, uint32_t pr_value)
{
	struct sctp_sendv_spa spa;
	uint16_t policy;
	ssize_t r;
	int err = send_check(a, sid, p, n);

	if (err == 0 && sctp_policy(pr_policy, &policy) < 0)
		err = EINVAL;
	if (err != 0) {
		errno = err;
		return -1;
	}
	memset(&spa, 0, sizeof(spa));
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID;
	spa.sendv_sndinfo.snd_sid = sid;
	spa.sendv_sndinfo.snd_ppid = htonl(ppid);
	spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
	spa.sendv_sndinfo.snd_assoc_id = a->assoc_id;
	spa.sendv_prinfo.pr_policy = policy;
	spa.sendv_prinfo.pr_value = policy == SCTP_PR_SCTP_NONE ? 0 : pr_value;
	enter(a);
	g_in_lib++;
	r = usrsctp_sendv(a->sock, p, n, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
	err = errno;
	g_in_lib--;
	if (r < 0 && (err == EWOULDBLOCK || err == EAGAIN)) {
		a->want_writable = 1;
		err = EAGAIN;
	} else if (r >= 0 && (size_t)r != n) {
		r = -1;
		err = EIO;
	}
	if (r >= 0) {
		a->st.msgs_out++;
		a->st.bytes_out += n;
	}
	leave(a, 0);
	if (r < 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
sctp_reset_stream(struct sctp_assoc *a, uint16_t sid)
{
	union {
		struct sctp_reset_streams h;
		uint8_t b[sizeof(struct sctp_reset_streams) + sizeof(uint16_t)];
	} u;
	int r, err;

	if (g_in_lib) {
		errno = EBUSY;
		return -1;
	}
	if (a->sock == NULL || !a->up || a->down || a->free_pending) {
		errno = ENOTCONN;
		return -1;
	}
	if (sid >= a->str_out) {
		errno = EINVAL;
		return -1;
	}
	memset(&u, 0, sizeof(u));
	u.h.srs_assoc_id = a->assoc_id;
	u.h.srs_flags = SCTP_STREAM_RESET_OUTGOING;
	u.h.srs_number_streams = 1;
	memcpy(u.b + offsetof(struct sctp_reset_streams, srs_stream_list), &sid, sizeof(sid));
	enter(a);
	g_in_lib++;
	r = usrsctp_setsockopt(a->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, &u, sizeof(u));
	err = errno;
	g_in_lib--;
	leave(a, 0);
	if (r < 0) {
		log_debug("sctp[%u]: reset stream %u: %s", (unsigned)a->id, (unsigned)sid, strerror(err));
		errno = err;
		return -1;
	}
	return 0;
}

size_t
sctp_buffered(struct sctp_assoc *a)
{
	return query_buffered(a);
}

uint16_t
sctp_streams_out(const struct sctp_assoc *a)
{
	return a->up ? a->str_out : 0;
}

uint16_t
sctp_streams_in(const struct sctp_assoc *a)
{
	return a->up ? a->str_in : 0;
}

int
sctp_is_up(const struct sctp_assoc *a)
{
	return a->up && !a->down && a->sock != NULL;
}

uint32_t
sctp_max_message_size(const struct sctp_assoc *a)
{
	return a->cfg.max_message_size;
}

const struct sctp_stats *
sctp_get_stats(const struct sctp_assoc *a)
{
	return &a->st;
}

void
sctp_shutdown(struct sctp_assoc *a)
{
	if (a == NULL || a->free_pending)
		return;
	if (g_in_lib) {
		a->shutdown_pending = 1;
		return;
	}
	enter(a);
	do_shutdown(a);
	leave(a, 0);
}

void
sctp_abort(struct sctp_assoc *a)
{
	if (a == NULL || a->free_pending)
		return;
	if (g_in_lib) {
		a->abort_pending = 1;
		return;
	}
	enter(a);
	do_abort(a, "local abort");
	leave(a, 0);
}
