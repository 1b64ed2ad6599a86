/* session: libp2p WebRTC Direct listener session (see session.h). */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/multiformats.h"
#include "worker/dcq.h"
#include "worker/p2p/gossip.h"
#include "worker/p2p/identify.h"
#include "worker/p2p/multistream.h"
#include "worker/p2p/noise.h"
#include "worker/p2p/perf.h"
#include "worker/p2p/webrtc_msg.h"

#define MAX_STREAMS 256
/* perf download pacing: hand SCTP more bytes only while our own queue holds
 * less than this, so a request for gigabytes costs no memory. */
#define PERF_QUEUE_LOW (64 * 1024)
#define PERF_CHUNK (64 * 1024)

enum proto { PROTO_NEGOTIATING = 0, PROTO_PING, PROTO_IDENTIFY, PROTO_PERF, PROTO_GOSSIP_IN,
	PROTO_GOSSIP_OUT_NEGOTIATING, PROTO_GOSSIP_OUT, PROTO_DEAD };

struct stream {
	struct p2p_session *s;
	struct dc_channel *ch;
	struct webrtc_msg_dec dec;
	struct p2p_stream_state st;
	struct mss_listener mss;
	struct mss_dialer dialer;          /* our outbound gossip stream */
	int proposal;                      /* index into gossip_protocols */
	enum proto proto;
	struct perf perf;
	uint8_t *early;                   /* bytes received before Noise completed */
	size_t early_len;
};

struct p2p_session {
	struct p2p_cfg cfg;
	struct dc_mgr *dc;
	struct dc_channel *hs;            /* channel 0 */
	struct webrtc_msg_dec hs_dec;
	struct noise *noise;
	uint8_t remote_fp[32];
	int sign_requested, authenticated, failed;
	struct dcq out;
	struct stream *streams[MAX_STREAMS];
	int nstreams;
	uint64_t now;
	struct gossip *gossip;
	struct stream *gossip_out;        /* our stream to the peer, once opened */
	uint8_t *gpending;                /* RPC bytes waiting for it */
	size_t gpending_len;
	char peer_text[64];
	struct p2p_stats st;
};

static const char *const protocols[] = { P2P_PING, P2P_IDENTIFY, PERF_PROTOCOL, "/meshsub/1.2.0",
	"/meshsub/1.1.0", "/meshsub/1.0.0", "/floodsub/1.0.0" };
static const char *const gossip_protocols[] = { "/meshsub/1.2.0", "/meshsub/1.1.0",
	"/meshsub/1.0.0", "/floodsub/1.0.0" };
#define NGOSSIP (sizeof(gossip_protocols) / sizeof(gossip_protocols[0]))

static void
fail(struct p2p_session *s, const char *why)
{
	if (s->failed)
		return;
	s->failed = 1;
	if (s->cfg.on_fail)
		s->cfg.on_fail(s->cfg.arg, why);
}

/* ---- sending frames ---- */

static void
send_frame(struct p2p_session *s, struct dc_channel *ch, int has_flag, enum webrtc_flag flag,
    const uint8_t *p, size_t n)
{
	uint8_t buf[WEBRTC_MSG_MAX_SEND];
	int len = webrtc_msg_encode(buf, sizeof(buf), has_flag, flag, p, n);

	if (len < 0)
		return;
	s->st.bytes_out += n;
	if (dcq_send(&s->out, ch, 1, buf, (size_t)len) < 0) {
		log_warn("stream %u: peer does not read; resetting it", ch->sid);
		dcq_drop(&s->out, ch->sid);
		dc_close(s->dc, ch);
	}
}

/* Payload bytes as frames of at most 16 KiB each (spec limit). */
static void
send_data(struct p2p_session *s, struct dc_channel *ch, const uint8_t *p, size_t n)
{
	size_t max = webrtc_msg_max_payload();

	while (n > 0) {
		size_t k = n < max ? n : max;
		send_frame(s, ch, 0, 0, p, k);
		p += k;
		n -= k;
	}
}

/* ---- streams ---- */

static struct stream *
stream_of(struct dc_channel *ch)
{
	return ch->user;
}

static void stream_apply(struct p2p_session *s, struct stream *ps, unsigned acts);
static int stream_write(struct p2p_session *s, struct stream *ps, const uint8_t *p, size_t n);
static struct stream *stream_new(struct p2p_session *s, struct dc_channel *ch);
static void stream_reset(struct p2p_session *s, struct stream *ps);

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Our outbound gossip stream: a data channel we open (odd id), negotiated
 * with the multistream dialer, starting with the protocol the peer used. */
static void
gossip_open_out(struct p2p_session *s, const char *first)
{
	struct dc_channel *ch = dc_open(s->dc, "", "", DC_RELIABLE, 0);
	struct stream *ps;
	uint8_t obuf[MSS_OUT_MAX];
	struct wr w;

	if (ch == NULL || (ps = stream_new(s, ch)) == NULL) {
		if (ch)
			dc_close(s->dc, ch);
		return;
	}
	ps->proto = PROTO_GOSSIP_OUT_NEGOTIATING;
	ps->proposal = 0;
	for (size_t i = 0; i < NGOSSIP; i++)
		if (strcmp(gossip_protocols[i], first) == 0)
			ps->proposal = (int)i;
	wr_init(&w, obuf, sizeof(obuf));
	if (mss_dialer_start(&ps->dialer, gossip_protocols[ps->proposal], &w) < 0) {
		stream_reset(s, ps);
		return;
	}
	s->gossip_out = ps;
	stream_write(s, ps, obuf, w.len);
}

static void
g_room_join(void *arg, const char *room, const char *info)
{
	struct p2p_session *s = arg;
	s->cfg.room_join(s->cfg.arg, room, info);
}

static void
g_room_leave(void *arg, const char *room)
{
	struct p2p_session *s = arg;
	s->cfg.room_leave(s->cfg.arg, room);
}

static void
g_room_publish(void *arg, const char *room, const uint8_t *json, size_t len, const uint8_t *g,
    size_t glen)
{
	struct p2p_session *s = arg;
	s->cfg.room_publish(s->cfg.arg, room, json, len, g, glen);
}

static void
gossip_send_rpc(void *arg, const uint8_t *p, size_t n)
{
	struct p2p_session *s = arg;
	struct stream *ps = s->gossip_out;
	uint8_t *nb;

	if (ps && ps->proto == PROTO_GOSSIP_OUT) {
		stream_write(s, ps, p, n);
		return;
	}
	/* Not negotiated yet: keep it (bounded) for when it is. */
	if (s->gpending_len + n > P2P_GOSSIP_PENDING ||
	    (nb = realloc(s->gpending, s->gpending_len + n)) == NULL)
		return;
	memcpy(nb + s->gpending_len, p, n);
	s->gpending = nb;
	s->gpending_len += n;
}

static void
stream_event(struct p2p_session *s, struct stream *ps, enum p2p_stream_ev ev)
{
	stream_apply(s, ps, p2p_stream_event(&ps->st, ev, s->now));
}

/* 0 when the bytes went out (or were queued), -1 when our write side is
 * closed (the peer asked us to stop sending, or we finished). */
static int
stream_write(struct p2p_session *s, struct stream *ps, const uint8_t *p, size_t n)
{
	unsigned acts = p2p_stream_event(&ps->st, P2P_EV_LOCAL_WRITE, s->now);

	if (!(acts & P2P_ACT_WRITE_OK))
		return -1;
	send_data(s, ps->ch, p, n);
	return 0;
}

static void
stream_reset(struct p2p_session *s, struct stream *ps)
{
	s->st.resets++;
	ps->proto = PROTO_DEAD;
	stream_event(s, ps, P2P_EV_LOCAL_RESET);
}

static void gossip_open_out(struct p2p_session *s, const char *first);

static void
on_selected(struct p2p_session *s, struct stream *ps, const char *proto)
{
	if (strncmp(proto, "/meshsub/", 9) == 0 || strcmp(proto, "/floodsub/1.0.0") == 0) {
		ps->proto = PROTO_GOSSIP_IN;
		/* The peer sends on its stream; we answer on ours (gossipsub
		 * streams are one-way), in the protocol it chose. */
		if (s->gossip_out == NULL)
			gossip_open_out(s, proto);
		return;
	}
	if (strcmp(proto, P2P_PING) == 0) {
		ps->proto = PROTO_PING;
		s->st.pings++;
	} else if (strcmp(proto, PERF_PROTOCOL) == 0) {
		ps->proto = PROTO_PERF;
		perf_init(&ps->perf);
	} else if (strcmp(proto, P2P_IDENTIFY) == 0) {
		struct identify_msg m;
		uint8_t addrs[P2P_MAX_LISTEN][128], obs[64], out[IDENTIFY_MAX_MSG + 16];
		int len;

		ps->proto = PROTO_IDENTIFY;
		s->st.identifies++;
		memset(&m, 0, sizeof(m));
		m.public_key.p = s->cfg.identity_pb;
		m.public_key.len = sizeof(s->cfg.identity_pb);
		for (int i = 0; i < s->cfg.nlisten && i < IDENTIFY_MAX_ADDRS; i++) {
			struct mf_maddr ma;
			int n;
			memset(&ma, 0, sizeof(ma));
			ma.addr = s->cfg.listen[i];
			ma.webrtc_direct = 1;
			ma.n_certhash = 1;
			memcpy(ma.certhash[0], s->cfg.local_fp, 32);
			n = mf_maddr_to_bin(&ma, addrs[i], sizeof(addrs[i]));
			if (n > 0) {
				m.listen_addrs[m.n_listen_addrs].p = addrs[i];
				m.listen_addrs[m.n_listen_addrs++].len = (size_t)n;
			}
		}
		for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
			m.protocols[m.n_protocols++] = identify_str(protocols[i]);
		{
			struct mf_maddr ma;
			int n;
			memset(&ma, 0, sizeof(ma));
			ma.addr = s->cfg.observed;
			ma.webrtc_direct = 1;
			n = mf_maddr_to_bin(&ma, obs, sizeof(obs));
			if (n > 0) {
				m.observed_addr.p = obs;
				m.observed_addr.len = (size_t)n;
			}
		}
		identify_set_server_versions(&m);
		len = identify_encode(&m, out, sizeof(out));
		if (len < 0) {
			stream_reset(s, ps);
			return;
		}
		stream_write(s, ps, out, (size_t)len);
		/* js reads until EOF: identify must end with FIN. */
		stream_event(s, ps, P2P_EV_LOCAL_CLOSE_WRITE);
	}
}

/* Protocol bytes for a stream (after Noise). */
static void
stream_bytes(struct p2p_session *s, struct stream *ps, const uint8_t *p, size_t n)
{
	s->st.bytes_in += n;
	if (ps->proto == PROTO_NEGOTIATING) {
		uint8_t obuf[MSS_OUT_MAX];
		struct wr w;
		size_t used = 0;
		enum mss_result r;

		wr_init(&w, obuf, sizeof(obuf));
		r = mss_listener_input(&ps->mss, p, n, &w, &used);
		if (w.len)
			stream_write(s, ps, obuf, w.len);
		if (r == MSS_ERROR) {
			s->st.na++;
			stream_reset(s, ps);
			return;
		}
		if (r != MSS_SELECTED)
			return;
		on_selected(s, ps, mss_listener_protocol(&ps->mss));
		p += used;
		n -= used;
	}
	if (ps->proto == PROTO_GOSSIP_OUT_NEGOTIATING) {
		size_t used = 0;
		enum mss_result r = mss_dialer_input(&ps->dialer, p, n, &used);
		if (r == MSS_NA && ++ps->proposal < (int)NGOSSIP) {
			uint8_t obuf[MSS_OUT_MAX];
			struct wr w;
			wr_init(&w, obuf, sizeof(obuf));
			if (mss_dialer_propose(&ps->dialer, gossip_protocols[ps->proposal], &w) == 0)
				stream_write(s, ps, obuf, w.len);
			return;
		}
		if (r == MSS_ERROR || r == MSS_NA) {
			stream_reset(s, ps);
			return;
		}
		if (r != MSS_SELECTED)
			return;
		ps->proto = PROTO_GOSSIP_OUT;
		if (s->gpending_len) {
			stream_write(s, ps, s->gpending, s->gpending_len);
			free(s->gpending);
			s->gpending = NULL;
			s->gpending_len = 0;
		}
		p += used;
		n -= used;
	}
	if (n == 0)
		return;
	switch (ps->proto) {
	case PROTO_PING:
		stream_write(s, ps, p, n);   /* echo: 32 bytes in, the same 32 out */
		break;
	case PROTO_PERF:
		perf_input(&ps->perf, p, n);
		break;
	case PROTO_GOSSIP_IN:
		if (s->gossip && gossip_input(s->gossip, p, n, wall_ms()) < 0)
			stream_reset(s, ps);
		break;
	default:
		break;                       /* identify, our gossip stream: nothing to read */
	}
}

/* Feed perf downloads while our send queue is short. A write can close the
 * stream under us (the channel goes away), so each stream is looked up
 * again by index after writing. */
static void
perf_pump(struct p2p_session *s)
{
	static const uint8_t zeros[PERF_CHUNK];

	for (int i = 0; i < s->nstreams; i++) {
		struct stream *ps = s->streams[i];
		size_t k;

		if (ps->proto != PROTO_PERF || !ps->perf.eof)
			continue;
		while (s->out.bytes < PERF_QUEUE_LOW && (k = perf_take(&ps->perf, sizeof(zeros))) > 0) {
			int rc = stream_write(s, ps, zeros, k);
			if (i >= s->nstreams || s->streams[i] != ps)
				break;
			if (rc < 0) {
				ps->proto = PROTO_DEAD;   /* the reader stopped us */
				break;
			}
		}
		if (i >= s->nstreams || s->streams[i] != ps || ps->proto != PROTO_PERF)
			continue;
		if (perf_done(&ps->perf)) {
			ps->proto = PROTO_DEAD;
			if (!p2p_stream_write_closed(&ps->st))
				stream_event(s, ps, P2P_EV_LOCAL_CLOSE_WRITE);
		}
	}
}

static void
stream_apply(struct p2p_session *s, struct stream *ps, unsigned acts)
{
	if (acts & P2P_ACT_SEND_FIN)
		send_frame(s, ps->ch, 1, WEBRTC_FLAG_FIN, NULL, 0);
	if (acts & P2P_ACT_SEND_FIN_ACK)
		send_frame(s, ps->ch, 1, WEBRTC_FLAG_FIN_ACK, NULL, 0);
	if (acts & P2P_ACT_SEND_STOP_SENDING)
		send_frame(s, ps->ch, 1, WEBRTC_FLAG_STOP_SENDING, NULL, 0);
	if (acts & P2P_ACT_SEND_RESET)
		send_frame(s, ps->ch, 1, WEBRTC_FLAG_RESET, NULL, 0);
	if (acts & P2P_ACT_READ_EOF) {
		/* The dialer finished writing: ping answers what it had and
		 * finishes too; perf now sends its download; every other
		 * protocol here ends its side now. */
		if (ps->proto != PROTO_PERF) {
			if (!p2p_stream_write_closed(&ps->st))
				stream_event(s, ps, P2P_EV_LOCAL_CLOSE_WRITE);
		} else if (perf_on_eof(&ps->perf) < 0) {
			stream_reset(s, ps);
		}
		/* perf's download is fed by perf_pump after this frame. */
	}
	if (acts & P2P_ACT_CLOSE_CHANNEL)
		dc_close(s->dc, ps->ch);
}

static int
stream_frame(void *arg, const struct webrtc_msg_frame *f)
{
	struct stream *ps = arg;
	struct p2p_session *s = ps->s;
	unsigned acts = p2p_stream_on_frame(&ps->st, f, s->now);

	if ((acts & P2P_ACT_DELIVER) && f->has_message && f->len > 0)
		stream_bytes(s, ps, f->payload, f->len);
	stream_apply(s, ps, acts & ~P2P_ACT_DELIVER);
	return 0;
}

static void
stream_feed(struct p2p_session *s, struct stream *ps, const uint8_t *p, size_t n)
{
	if (webrtc_msg_feed(&ps->dec, p, n, stream_frame, ps) < 0)
		stream_reset(s, ps);
}

static void
stream_free(struct p2p_session *s, struct stream *ps)
{
	if (s->gossip_out == ps)
		s->gossip_out = NULL;
	for (int i = 0; i < s->nstreams; i++)
		if (s->streams[i] == ps) {
			s->streams[i] = s->streams[--s->nstreams];
			break;
		}
	webrtc_msg_dec_free(&ps->dec);
	free(ps->early);
	free(ps);
}

/* ---- Noise on channel 0 ---- */

static void
noise_pump(struct p2p_session *s)
{
	for (;;) {
		uint8_t out[NOISE_OUT_MAX];
		size_t len = 0;
		int rc = noise_write_message(s->noise, out, sizeof(out), &len);

		if (rc == NOISE_RC_MSG) {
			send_data(s, s->hs, out, len);
			continue;
		}
		if (rc == NOISE_RC_NEED_SIGNATURE && !s->sign_requested) {
			uint8_t msg[NOISE_TO_SIGN_LEN];
			noise_static_to_sign(s->noise, msg);
			s->sign_requested = 1;
			s->cfg.sign(s->cfg.arg, msg, sizeof(msg));
		}
		if (rc == NOISE_RC_ERR) {
			char why[160];
			snprintf(why, sizeof(why), "noise: %s", noise_error(s->noise));
			fail(s, why);
		}
		return;
	}
}

static void
authenticated(struct p2p_session *s)
{
	uint8_t pid[NOISE_PEER_ID_LEN];
	struct mf_peerid id;
	char text[128] = "";

	s->authenticated = 1;
	if (noise_remote_peer_id(s->noise, pid) == 0 &&
	    mf_peerid_from_bytes(pid, sizeof(pid), &id) == 0)
		mf_peerid_to_text(&id, text, sizeof(text));
	snprintf(s->peer_text, sizeof(s->peer_text), "%s", text);
	if (s->cfg.room_join) {
		struct gossip_host gh;
		memset(&gh, 0, sizeof(gh));
		gh.arg = s;
		gh.conn_id = s->cfg.conn_id;
		snprintf(gh.peer_id, sizeof(gh.peer_id), "%s", text);
		gh.room_join = g_room_join;
		gh.room_leave = g_room_leave;
		gh.room_publish = g_room_publish;
		gh.send_rpc = gossip_send_rpc;
		s->gossip = gossip_new(&gh);
	}
	if (s->cfg.on_auth)
		s->cfg.on_auth(s->cfg.arg, text);
	/* Streams the browser opened early are served now. */
	for (int i = 0; i < s->nstreams; i++) {
		struct stream *ps = s->streams[i];
		if (ps->early_len) {
			uint8_t *e = ps->early;
			size_t n = ps->early_len;
			ps->early = NULL;
			ps->early_len = 0;
			stream_feed(s, ps, e, n);
			free(e);
		}
	}
	perf_pump(s);
}

static int
hs_frame(void *arg, const struct webrtc_msg_frame *f)
{
	struct p2p_session *s = arg;

	/* Flags on channel 0 are ignored: it stays open and idle (js #3083). */
	if (!f->has_message || f->len == 0 || s->authenticated)
		return 0;
	if (noise_feed(s->noise, f->payload, f->len) < 0) {
		char why[160];
		snprintf(why, sizeof(why), "noise: %s", noise_error(s->noise));
		fail(s, why);
		return -1;
	}
	noise_pump(s);
	if (noise_is_done(s->noise) && !s->authenticated)
		authenticated(s);
	return 0;
}

/* ---- public API ---- */

struct p2p_session *
p2p_new(const struct p2p_cfg *cfg)
{
	struct p2p_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	webrtc_msg_dec_init(&s->hs_dec);
	dcq_init(&s->out, NULL, P2P_MAX_QUEUED);
	return s;
}

void
p2p_free(struct p2p_session *s)
{
	if (s == NULL)
		return;
	while (s->nstreams > 0)
		stream_free(s, s->streams[0]);
	gossip_free(s->gossip);
	free(s->gpending);
	webrtc_msg_dec_free(&s->hs_dec);
	noise_free(s->noise);
	dcq_free(&s->out);
	free(s);
}

int
p2p_start(struct p2p_session *s, struct dc_mgr *dc, const uint8_t remote_fp[32])
{
	s->dc = dc;
	s->out.dc = dc;
	memcpy(s->remote_fp, remote_fp, 32);
	s->hs = dc_open_negotiated(dc, 0, "", "", DC_RELIABLE, 0);
	return s->hs ? 0 : -1;
}

void
p2p_on_ready(struct p2p_session *s, uint64_t now_ms)
{
	uint8_t prologue[NOISE_PROLOGUE_LEN];
	struct noise_cfg nc;

	s->now = now_ms;
	/* Prologue: the browser's fingerprint (Noise responder) first, then
	 * ours (initiator); both as sha2-256 multihashes. */
	noise_webrtc_prologue(s->remote_fp, s->cfg.local_fp, prologue);
	memset(&nc, 0, sizeof(nc));
	nc.role = NOISE_INITIATOR;
	nc.prologue = prologue;
	nc.prologue_len = sizeof(prologue);
	memcpy(nc.identity_key, s->cfg.identity_pb, sizeof(nc.identity_key));
	s->noise = noise_new(&nc);
	if (s->noise == NULL) {
		fail(s, "noise: cannot start");
		return;
	}
	noise_pump(s);
}

void
p2p_on_signature(struct p2p_session *s, const uint8_t *sig, size_t n, uint64_t now_ms)
{
	s->now = now_ms;
	if (s->noise == NULL || noise_set_signature(s->noise, sig, n) < 0) {
		fail(s, "noise: the identity signature was refused");
		return;
	}
	noise_pump(s);
	if (noise_is_done(s->noise) && !s->authenticated)
		authenticated(s);
}

static struct stream *
stream_new(struct p2p_session *s, struct dc_channel *ch)
{
	struct stream *ps;

	if (s->nstreams == MAX_STREAMS || (ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	ps->ch = ch;
	webrtc_msg_dec_init(&ps->dec);
	ps->s = s;
	p2p_stream_init(&ps->st);
	mss_listener_init(&ps->mss, protocols, sizeof(protocols) / sizeof(protocols[0]));
	ch->user = ps;
	s->streams[s->nstreams++] = ps;
	s->st.streams++;
	return ps;
}

void
p2p_on_open(struct p2p_session *s, struct dc_channel *ch)
{
	if (stream_new(s, ch) == NULL)
		dc_close(s->dc, ch);
}

void
p2p_on_deliver(struct p2p_session *s, const char *room, const uint8_t *gossip, size_t glen)
{
	if (s->gossip && glen > 0)
		gossip_deliver(s->gossip, room, gossip, glen);
}

void
p2p_on_message(struct p2p_session *s, struct dc_channel *ch, int binary, const uint8_t *p,
    size_t n, uint64_t now_ms)
{
	struct stream *ps;

	s->now = now_ms;
	if (ch == s->hs) {
		if (webrtc_msg_feed(&s->hs_dec, p, n, hs_frame, s) < 0 && !s->failed)
			fail(s, "bad frame on the handshake channel");
		return;
	}
	ps = stream_of(ch);
	if (ps == NULL)
		return;
	if (!s->authenticated) {
		/* Not authenticated yet: keep a little, serve it after Noise. */
		uint8_t *e;
		if (ps->early_len + n > P2P_EARLY_BYTES || (e = realloc(ps->early, ps->early_len + n)) == NULL) {
			stream_reset(s, ps);
			return;
		}
		memcpy(e + ps->early_len, p, n);
		ps->early = e;
		ps->early_len += n;
		return;
	}
	stream_feed(s, ps, p, n);
	perf_pump(s);      /* a perf request may just have ended */
	(void)binary;
}

void
p2p_on_close(struct p2p_session *s, struct dc_channel *ch, uint64_t now_ms)
{
	struct stream *ps = ch == s->hs ? NULL : stream_of(ch);

	s->now = now_ms;
	dcq_drop(&s->out, ch->sid);
	if (ch == s->hs) {
		s->hs = NULL;
		if (!s->authenticated)
			fail(s, "handshake channel closed before Noise completed");
		return;
	}
	if (ps) {
		ch->user = NULL;
		stream_free(s, ps);
	}
}

void
p2p_on_writable(struct p2p_session *s)
{
	dcq_flush(&s->out);
	perf_pump(s);
}

uint64_t
p2p_next_deadline(const struct p2p_session *s)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < s->nstreams; i++) {
		uint64_t t = p2p_stream_deadline(&s->streams[i]->st);
		if (t < next)
			next = t;
	}
	return next;
}

void
p2p_on_timer(struct p2p_session *s, uint64_t now_ms)
{
	s->now = now_ms;
	for (int i = 0; i < s->nstreams; i++) {
		struct stream *ps = s->streams[i];
		if (p2p_stream_deadline(&ps->st) <= now_ms)
			stream_event(s, ps, P2P_EV_TIMER);
	}
}

int p2p_is_authenticated(const struct p2p_session *s) { return s->authenticated; }
const struct p2p_stats *p2p_get_stats(const struct p2p_session *s) { return &s->st; }
