/* rc_direct: libp2p WebRTC Direct in the dialer's role (libp2p/specs
 * webrtc/webrtc-direct.md): the libp2p ufrag (also the password), our
 * Ed25519 identity (signed locally), Noise XX as *responder* on the
 * pre-negotiated channel 0 with the prologue "libp2p-webrtc-noise:" ||
 * mh(our fp) || mh(server fp), the server's peer id check, then libp2p
 * streams: DCEP channels with an empty label carrying uvarint-prefixed
 * frames (webrtc_msg), multistream-select as dialer, /ipfs/ping/1.0.0 and
 * raw stream bytes. Also the Noise knobs: a swapped prologue (through
 * noise.c) and a msg2 whose identity signature is wrong (through the
 * generic noise_xx layer, since noise.c refuses to produce one). */
#include "bench/rc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define UFRAG_PREFIX "libp2p+webrtc+v1/"
#define UFRAG_RANDOM 32
#define P2P_PING "/ipfs/ping/1.0.0"
#define ED25519_LEN 32
#define PAYLOAD_LEN (2 + NOISE_ED25519_PB_LEN + 2 + NOISE_SIG_LEN)   /* 104 */
#define MSS_START_MAX (2 * (MSS_MAX_LINE + 4))

/* ---- Ed25519 (RFC 8032) through OpenSSL ---- */

static EVP_PKEY *
ed25519_new(uint8_t pub[ED25519_LEN])
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t len = ED25519_LEN;

	if (k == NULL)
		return NULL;
	if (EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != ED25519_LEN) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

static int
ed25519_sign(EVP_PKEY *k, const uint8_t *msg, size_t n, uint8_t sig[NOISE_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = NOISE_SIG_LEN;
	int ok;

	/* One-shot scheme: no digest (NULL md). */
	ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &sl, msg, n) == 1 && sl == NOISE_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* ---- frames ---- */

static int
send_frame(struct rc_conn *c, struct dc_channel *dc, int has_flag, enum webrtc_flag flag,
    const uint8_t *p, size_t n)
{
	uint8_t buf[WEBRTC_MSG_MAX_SEND];
	int len = webrtc_msg_encode(buf, sizeof(buf), has_flag, flag, p, n);

	if (len < 0) {
		errno = EMSGSIZE;
		return -1;
	}
	return rc_dc_send(c, dc, 1, buf, (size_t)len);
}

/* Payload bytes as frames of at most 16 KiB (spec limit), all or nothing. */
static int
send_data(struct rc_conn *c, struct dc_channel *dc, const uint8_t *p, size_t n)
{
	size_t max = webrtc_msg_max_payload();
	size_t frames = n / max + 1;

	if (c->q.bytes + n + frames * 8 > RC_SEND_QUEUE_MAX) {
		c->q_full = 1;
		errno = EAGAIN;
		return -1;
	}
	while (n > 0) {
		size_t k = n < max ? n : max;
		if (send_frame(c, dc, 0, 0, p, k) < 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/* ---- streams ---- */

static void stream_apply(struct rc_conn *c, struct rc_chan *ch, unsigned acts);

static void
stream_event(struct rc_conn *c, struct rc_chan *ch, enum p2p_stream_ev ev)
{
	stream_apply(c, ch, p2p_stream_event(&ch->st, ev, now_ms()));
}

/* The stream is over: report it and close the data channel. */
static void
stream_end(struct rc_conn *c, struct rc_chan *ch, const char *why)
{
	struct dc_channel *dc = ch->dc;

	rc_chan_gone(c, ch, why);
	if (dc != NULL && c->dc != NULL)
		dc_close(c->dc, dc);
}

static void
stream_reset(struct rc_conn *c, struct rc_chan *ch, const char *why)
{
	if (ch->closed)
		return;
	stream_event(c, ch, P2P_EV_LOCAL_RESET);
	if (!ch->closed)
		stream_end(c, ch, why);
}

static int
stream_write(struct rc_conn *c, struct rc_chan *ch, const uint8_t *p, size_t n)
{
	unsigned acts = p2p_stream_event(&ch->st, P2P_EV_LOCAL_WRITE, now_ms());

	if (!(acts & P2P_ACT_WRITE_OK)) {
		errno = EPIPE;
		return -1;
	}
	return send_data(c, ch->dc, p, n);
}

static void
stream_apply(struct rc_conn *c, struct rc_chan *ch, unsigned acts)
{
	if (ch->dc == NULL)
		return;
	if (acts & P2P_ACT_SEND_FIN)
		(void)send_frame(c, ch->dc, 1, WEBRTC_FLAG_FIN, NULL, 0);
	if (acts & P2P_ACT_SEND_FIN_ACK)
		(void)send_frame(c, ch->dc, 1, WEBRTC_FLAG_FIN_ACK, NULL, 0);
	if (acts & P2P_ACT_SEND_STOP_SENDING)
		(void)send_frame(c, ch->dc, 1, WEBRTC_FLAG_STOP_SENDING, NULL, 0);
	if (acts & P2P_ACT_SEND_RESET)
		(void)send_frame(c, ch->dc, 1, WEBRTC_FLAG_RESET, NULL, 0);
	if (acts & P2P_ACT_CLOSE_CHANNEL)
		stream_end(c, ch, acts & P2P_ACT_READ_RESET ? "stream reset" : "stream closed");
}

static int
ping_send(struct rc_conn *c, struct rc_chan *ch)
{
	if (random_bytes(ch->ping_out, sizeof(ch->ping_out)) < 0)
		return -1;
	ch->ping_pending = 0;
	ch->ping_busy = 1;
	ch->ping_have = 0;
	ch->ping_t0 = now_us();
	return stream_write(c, ch, ch->ping_out, sizeof(ch->ping_out));
}

static void
ping_bytes(struct rc_conn *c, struct rc_chan *ch, const uint8_t *p, size_t n)
{
	struct rc_event ev;

	while (n > 0) {
		size_t k = MIN(n, sizeof(ch->ping_out) - ch->ping_have);

		if (!ch->ping_busy || memcmp(ch->ping_out + ch->ping_have, p, k) != 0) {
			rc_fail(c, 0, "ping: the echo differs from what we sent");
			return;
		}
		ch->ping_have += k;
		p += k;
		n -= k;
		if (ch->ping_have < sizeof(ch->ping_out))
			continue;
		ch->ping_busy = 0;
		memset(&ev, 0, sizeof(ev));
		ev.type = RC_EV_PONG;
		ev.ch = ch;
		ev.rtt_us = now_us() - ch->ping_t0;
		if (c->t.first_pong == 0)
			c->t.first_pong = now_us();
		rc_emit(c, &ev);
	}
}

/* Protocol bytes of a stream: multistream-select first, then payload. */
static void
stream_bytes(struct rc_conn *c, struct rc_chan *ch, const uint8_t *p, size_t n)
{
	struct rc_event ev;

	if (!ch->selected) {
		size_t used = 0;
		enum mss_result r = mss_dialer_input(&ch->mss, p, n, &used);

		if (r == MSS_CONTINUE)
			return;
		if (r != MSS_SELECTED) {
			stream_reset(c, ch, r == MSS_NA ? "protocol not supported (na)" :
			    "multistream-select error");
			return;
		}
		ch->selected = 1;
		rc_chan_opened(c, ch);
		if (!ch->closed && ch->is_ping && ch->ping_pending && ping_send(c, ch) < 0)
			rc_fail(c, 0, "ping: cannot send");
		p += used;
		n -= used;
	}
	if (n == 0 || ch->closed || c->state == RC_ST_DONE)
		return;
	if (ch->is_ping) {
		ping_bytes(c, ch, p, n);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = RC_EV_MESSAGE;
	ev.ch = ch;
	ev.data = p;
	ev.len = n;
	ev.binary = 1;
	rc_emit(c, &ev);
}

static int
stream_frame(void *arg, const struct webrtc_msg_frame *f)
{
	struct rc_chan *ch = arg;
	struct rc_conn *c = ch->c;
	unsigned acts = p2p_stream_on_frame(&ch->st, f, now_ms());

	if ((acts & P2P_ACT_DELIVER) && f->has_message && f->len > 0)
		stream_bytes(c, ch, f->payload, f->len);
	if (!ch->closed && c->state != RC_ST_DONE)
		stream_apply(c, ch, acts & ~P2P_ACT_DELIVER);
	return ch->closed || c->state == RC_ST_DONE ? -1 : 0;
}

/* ---- Noise on channel 0 ---- */

static void
send_bad(struct rc_conn *c)
{
	struct rc_direct *d = c->direct;

	if (d->hs == NULL || send_data(c, d->hs, d->held, d->held_len) < 0) {
		rc_fail(c, 0, "cannot send the bad Noise message");
		return;
	}
	d->held_len = 0;
	d->bad_sent = 1;
	rc_hostile_sent(c);
}

/* A knob's msg2: sent now or after hostile_delay_ms. */
static void
hold(struct rc_conn *c, const uint8_t *p, size_t n)
{
	struct rc_direct *d = c->direct;

	memcpy(d->held, p, n);
	d->held_len = n;
	d->held_at = now_ms() + c->cfg.hostile_delay_ms;
	if (c->cfg.hostile_delay_ms == 0)
		send_bad(c);
}

static void
authenticated(struct rc_conn *c)
{
	struct rc_direct *d = c->direct;
	uint8_t pid[NOISE_PEER_ID_LEN];
	struct mf_peerid id;

	if (noise_remote_peer_id(d->noise, pid) < 0 || mf_peerid_from_bytes(pid, sizeof(pid), &id) < 0 ||
	    mf_peerid_to_text(&id, d->peer, sizeof(d->peer)) < 0) {
		rc_fail(c, 0, "noise: no remote identity");
		return;
	}
	if (c->cfg.has_peer_id && !mf_peerid_equal(&id, &c->cfg.peer_id)) {
		rc_fail(c, 0, "noise: the server is %s, not the peer id we dialled", d->peer);
		return;
	}
	c->t.noise_done = now_us();
	rc_connected(c);
}

static void
noise_pump(struct rc_conn *c)
{
	struct rc_direct *d = c->direct;

	for (;;) {
		uint8_t out[NOISE_OUT_MAX];
		size_t len = 0;
		int rc = noise_write_message(d->noise, out, sizeof(out), &len);

		if (rc == NOISE_RC_ERR) {
			rc_fail(c, 0, "noise: %s", noise_error(d->noise));
			return;
		}
		if (rc != NOISE_RC_MSG)
			break;
		if (c->cfg.hostile == RC_HOSTILE_NOISE_PROLOGUE) {
			hold(c, out, len);
			return;
		}
		if (send_data(c, d->hs, out, len) < 0) {
			rc_fail(c, 0, "noise: cannot send");
			return;
		}
	}
	if (noise_is_done(d->noise))
		authenticated(c);
}

/* Signature knobs: msg2 with an identity payload that must not verify. */
static int
bad_msg2(struct rc_conn *c, const uint8_t *msg1, size_t len)
{
	struct rc_direct *d = c->direct;
	uint8_t payload[PAYLOAD_LEN], plain[NOISE_MAX_PAYLOAD], tosign[NOISE_TO_SIGN_LEN];
	uint8_t sig[NOISE_SIG_LEN], opub[ED25519_LEN], out[NOISE_OUT_MAX];
	EVP_PKEY *signer = d->id, *other = NULL;
	size_t plen, mlen;
	struct wr w;
	int rc;

	if (noise_xx_read(&d->xx, msg1, len, plain, sizeof(plain), &plen) < 0) {
		rc_fail(c, 0, "noise: %s", d->xx.err);
		return -1;
	}
	if (c->cfg.hostile == RC_HOSTILE_NOISE_SIG) {
		/* Key K, a valid signature by K, but of random bytes. */
		rc = random_bytes(tosign, sizeof(tosign));
	} else {
		/* Key K, the right message, signed by another key. */
		memcpy(tosign, NOISE_SIGN_PREFIX, NOISE_SIGN_PREFIX_LEN);
		memcpy(tosign + NOISE_SIGN_PREFIX_LEN, noise_xx_static_pub(&d->xx), NOISE_XX_DHLEN);
		rc = (signer = other = ed25519_new(opub)) == NULL ? -1 : 0;
	}
	if (rc == 0)
		rc = ed25519_sign(signer, tosign, sizeof(tosign), sig);
	EVP_PKEY_free(other);
	wr_init(&w, payload, sizeof(payload));
	wr_u8(&w, (1 << 3) | 2);               /* identity_key, length-delimited */
	wr_u8(&w, NOISE_ED25519_PB_LEN);
	wr_bytes(&w, d->id_pb, NOISE_ED25519_PB_LEN);
	wr_u8(&w, (2 << 3) | 2);               /* identity_sig */
	wr_u8(&w, NOISE_SIG_LEN);
	wr_bytes(&w, sig, NOISE_SIG_LEN);
	if (rc < 0 || w.err ||
	    noise_xx_write(&d->xx, payload, w.len, out + 2, sizeof(out) - 2, &mlen) < 0) {
		rc_fail(c, 0, "noise: cannot build the bad message 2");
		return -1;
	}
	out[0] = (uint8_t)(mlen >> 8);
	out[1] = (uint8_t)mlen;
	hold(c, out, mlen + 2);
	return 0;
}

/* Signature knobs: collect msg1 (2-byte length framing) from the stream. */
static int
knob_input(struct rc_conn *c, const uint8_t *p, size_t n)
{
	struct rc_direct *d = c->direct;

	while (n > 0 && d->held_len == 0 && !d->bad_sent) {
		size_t need = d->in_have < 2 ? 2 : 2 + (((size_t)d->in[0] << 8) | d->in[1]);
		size_t k;

		if (need > sizeof(d->in)) {
			rc_fail(c, 0, "noise: message 1 of %zu bytes", need - 2);
			return -1;
		}
		k = MIN(n, need - d->in_have);
		memcpy(d->in + d->in_have, p, k);
		d->in_have += k;
		p += k;
		n -= k;
		if (need > 2 && d->in_have == need)
			return bad_msg2(c, d->in + 2, need - 2);
	}
	return 0;
}

static int
hs_frame(void *arg, const struct webrtc_msg_frame *f)
{
	struct rc_conn *c = arg;
	struct rc_direct *d = c->direct;

	/* Flags on channel 0 are ignored: it stays open and idle. */
	if (!f->has_message || f->len == 0)
		return 0;
	if (d->bad_sent || d->held_len) {
		/* The server went on after our bad msg2: it accepted it. */
		d->answered = 1;
		rc_fail(c, 0, "noise: the server answered our bad message 2");
		return -1;
	}
	if (d->xx_used)
		return knob_input(c, f->payload, f->len);
	if (c->state == RC_ST_OPEN)
		return 0;
	if (noise_feed(d->noise, f->payload, f->len) < 0) {
		rc_fail(c, 0, "noise: %s", noise_error(d->noise));
		return -1;
	}
	noise_pump(c);
	return c->state == RC_ST_DONE ? -1 : 0;
}

/* ---- interface to the core ---- */

int
rc_direct_new(struct rc_conn *c, char *err, size_t errlen)
{
	struct rc_direct *d = calloc(1, sizeof(*d));
	uint8_t pub[ED25519_LEN];
	char ufrag[sizeof(UFRAG_PREFIX) + UFRAG_RANDOM];

	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->direct = d;
	webrtc_msg_dec_init(&d->hs_dec);
	if ((d->id = ed25519_new(pub)) == NULL) {
		snprintf(err, errlen, "cannot generate an Ed25519 identity");
		return -1;
	}
	mf_pubkey_ed25519_encode(pub, d->id_pb);
	/* v1: ufrag = password = prefix + 32 alphanumerics; USERNAME u:u. */
	memcpy(ufrag, UFRAG_PREFIX, sizeof(UFRAG_PREFIX) - 1);
	if (random_token(ufrag + sizeof(UFRAG_PREFIX) - 1, UFRAG_RANDOM) < 0 ||
	    snprintf(c->stun_user, sizeof(c->stun_user), "%s:%s", ufrag, ufrag) >=
	    (int)sizeof(c->stun_user) ||
	    strlcpy_checked(c->stun_key, ufrag, sizeof(c->stun_key)) < 0) {
		snprintf(err, errlen, "cannot make ICE credentials");
		return -1;
	}
	return 0;
}

void
rc_direct_free(struct rc_conn *c)
{
	struct rc_direct *d = c->direct;

	noise_free(d->noise);
	if (d->xx_used)
		noise_xx_clear(&d->xx);
	webrtc_msg_dec_free(&d->hs_dec);
	EVP_PKEY_free(d->id);
	free(d);
	c->direct = NULL;
}

int
rc_direct_secure(struct rc_conn *c)
{
	struct rc_direct *d = c->direct;
	uint8_t prologue[NOISE_PROLOGUE_LEN], tosign[NOISE_TO_SIGN_LEN], sig[NOISE_SIG_LEN];
	struct noise_cfg nc;

	d->hs = dc_open_negotiated(c->dc, 0, "", "", DC_RELIABLE, 0);
	if (d->hs == NULL)
		return -1;
	/* We are the client (DTLS client, Noise responder): our fingerprint
	 * first. The knob swaps them. */
	if (c->cfg.hostile == RC_HOSTILE_NOISE_PROLOGUE)
		noise_webrtc_prologue(c->server_fp, c->local_fp, prologue);
	else
		noise_webrtc_prologue(c->local_fp, c->server_fp, prologue);
	if (c->cfg.hostile == RC_HOSTILE_NOISE_SIG || c->cfg.hostile == RC_HOSTILE_NOISE_KEY) {
		if (noise_xx_init(&d->xx, 0, prologue, sizeof(prologue), NULL, NULL) < 0)
			return -1;
		d->xx_used = 1;
		return 0;
	}
	memset(&nc, 0, sizeof(nc));
	nc.role = NOISE_RESPONDER;
	nc.prologue = prologue;
	nc.prologue_len = sizeof(prologue);
	memcpy(nc.identity_key, d->id_pb, sizeof(nc.identity_key));
	if ((d->noise = noise_new(&nc)) == NULL)
		return -1;
	/* The static key exists now: sign it with our identity up front. */
	noise_static_to_sign(d->noise, tosign);
	if (ed25519_sign(d->id, tosign, sizeof(tosign), sig) < 0 ||
	    noise_set_signature(d->noise, sig, sizeof(sig)) < 0)
		return -1;
	return 0;
}

void
rc_direct_message(struct rc_conn *c, struct rc_chan *ch, struct dc_channel *dc, const uint8_t *p,
    size_t n)
{
	struct rc_direct *d = c->direct;

	if (dc == d->hs) {
		if (webrtc_msg_feed(&d->hs_dec, p, n, hs_frame, c) < 0)
			rc_fail(c, 0, "bad frame on the handshake channel");
		return;
	}
	if (ch == NULL || ch->closed)
		return;
	if (webrtc_msg_feed(&ch->dec, p, n, stream_frame, ch) < 0 && !ch->closed &&
	    c->state != RC_ST_DONE)
		stream_reset(c, ch, "malformed frame");
}

struct rc_chan *
rc_direct_open(struct rc_conn *c, const char *proto)
{
	uint8_t buf[MSS_START_MAX];
	struct mss_dialer tmp;
	struct dc_channel *dc;
	struct rc_chan *ch;
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	if (mss_dialer_start(&tmp, proto, &w) < 0) {
		errno = EINVAL;
		return NULL;
	}
	/* Every libp2p stream is a DCEP channel with an empty label. */
	if ((dc = dc_open(c->dc, "", "", DC_RELIABLE, 0)) == NULL)
		return NULL;
	if ((ch = rc_chan_new(c, dc, proto)) == NULL) {
		dc_close(c->dc, dc);
		return NULL;
	}
	ch->mss = tmp;
	ch->mss.proto = ch->name;
	/* The opener may write right after DCEP OPEN (RFC 8832 §6). */
	if (stream_write(c, ch, buf, w.len) < 0) {
		stream_end(c, ch, "cannot send the protocol proposal");
		return NULL;
	}
	return ch;
}

int
rc_direct_send(struct rc_conn *c, struct rc_chan *ch, const uint8_t *p, size_t n)
{
	if (!ch->selected || ch->is_ping) {
		errno = ch->is_ping ? EINVAL : ENOTCONN;
		return -1;
	}
	return stream_write(c, ch, p, n);
}

void
rc_direct_close(struct rc_conn *c, struct rc_chan *ch)
{
	/* FIN; the channel closes once the peer FIN_ACKs and FINs too. */
	stream_event(c, ch, P2P_EV_LOCAL_CLOSE_WRITE);
}

int
rc_direct_ping(struct rc_conn *c)
{
	struct rc_direct *d = c->direct;
	struct rc_chan *ch = d->ping;

	if (ch == NULL) {
		if ((ch = rc_direct_open(c, P2P_PING)) == NULL)
			return -1;
		ch->is_ping = 1;
		ch->ping_pending = 1;
		d->ping = ch;
		return 0;
	}
	if (ch->ping_busy || ch->ping_pending) {
		errno = EBUSY;
		return -1;
	}
	return ping_send(c, ch);
}

uint64_t
rc_direct_deadline(const struct rc_conn *c)
{
	const struct rc_direct *d = c->direct;
	uint64_t next = d->held_len ? d->held_at : UINT64_MAX;

	for (int i = 0; i < c->nchans; i++) {
		uint64_t t = p2p_stream_deadline(&c->chans[i]->st);
		if (!c->chans[i]->closed && t < next)
			next = t;
	}
	return next;
}

void
rc_direct_timer(struct rc_conn *c, uint64_t now)
{
	struct rc_direct *d = c->direct;

	if (d->held_len && now >= d->held_at)
		send_bad(c);
	for (int i = 0; i < c->nchans && c->state != RC_ST_DONE; i++) {
		struct rc_chan *ch = c->chans[i];
		if (!ch->closed && p2p_stream_deadline(&ch->st) <= now)
			stream_event(c, ch, P2P_EV_TIMER);
	}
}
