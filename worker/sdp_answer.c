/* sdp_answer: the answer to a checked offer (ICE-lite, a=setup:passive, one
 * BUNDLE transport, host candidates, echo codecs and our SSRCs), written into
 * a caller buffer that is never overrun; and the fingerprint text helpers. */
#include "worker/sdp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define HOST_TYPE_PREF 126u        /* RFC 8445 §5.1.2.2 recommended for host */

struct out {
	char *p;
	size_t cap;
	size_t len;
	int err;
};

static void put(struct out *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *w, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (w->err)
		return;
	room = w->cap - w->len;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		w->err = 1;
		return;
	}
	w->len += (size_t)n;
}

static int
fail(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
	return -1;
}

/* ---- fingerprints --------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sdp_hex_colons(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t count;

	if (n < 2 || (n + 1) % 3 != 0)
		return -1;
	count = (n + 1) / 3;
	if (count > cap || count > INT16_MAX)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const char *q = s + 3 * i;
		int hi = hexval(q[0]), lo = hexval(q[1]);
		if (hi < 0 || lo < 0 || (i + 1 < count && q[2] != ':'))
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)count;
}

int
sdp_fingerprint_parse(const char *s, uint8_t fp[32])
{
	if (s == NULL)
		return -1;
	return sdp_hex_colons(s, strnlen(s, 96), fp, 32) == 32 ? 0 : -1;
}

int
sdp_fingerprint_format(const uint8_t fp[32], char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";

	if (cap < SDP_FP_STRLEN)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		out[3 * i] = hex[fp[i] >> 4];
		out[3 * i + 1] = hex[fp[i] & 15];
		out[3 * i + 2] = i == 31 ? '\0' : ':';
	}
	return SDP_FP_STRLEN - 1;
}

/* ---- parameter checks ----------------------------------------------------- */

static int
ice_ok(const char *s, size_t min)
{
	size_t n = s ? strnlen(s, SDP_ICE_MAX + 1) : 0;

	if (n < min || n > SDP_ICE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

static int
cname_ok(const char *s)
{
	size_t n = s ? strnlen(s, SDP_CNAME_MAX + 1) : 0;

	if (n == 0 || n > SDP_CNAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
needs_cname(const struct sdp_offer *o, const struct sdp_answer_params *p)
{
	for (size_t i = 0; i < o->nmedia; i++) {
		const struct sdp_media *m = &o->media[i];
		if (m->accepted && m->kind != SDP_KIND_APPLICATION && p->ssrc[i] != 0 &&
		    (m->answer_dir == SDP_DIR_SENDRECV || m->answer_dir == SDP_DIR_SENDONLY))
			return 1;
	}
	return 0;
}

static const char *
check_params(const struct sdp_offer *o, const struct sdp_answer_params *p)
{
	if (o->nmedia == 0 || o->naccepted == 0)
		return "offer has no accepted m-section";
	if (!ice_ok(p->ufrag, SDP_UFRAG_MIN) || !ice_ok(p->pwd, SDP_PWD_MIN))
		return "bad local ICE credentials";
	if (p->ncands == 0 || p->ncands > SDP_MAX_CANDIDATES)
		return "need 1..8 host candidates";
	for (size_t i = 0; i < p->ncands; i++) {
		const struct addr *a = &p->cands[i];
		if ((a->family != AF_INET && a->family != AF_INET6) || a->port == 0 ||
		    addr_is_any(a))
			return "bad host candidate address";
	}
	if (o->app >= 0 && p->sctp_port == 0)
		return "no local SCTP port";
	if (needs_cname(o, p) && !cname_ok(p->cname))
		return "bad cname";
	return NULL;
}

/* ---- the answer ----------------------------------------------------------- */

static const char *const kept_extmaps[] = {
	"urn:ietf:params:rtp-hdrext:sdes:mid",
	"urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	"urn:ietf:params:rtp-hdrext:toffset",
	"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
};

static const char *const kept_fb[] = { "nack", "nack pli", "ccm fir", "goog-remb", "transport-cc" };

static int
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

struct ctx {
	const struct sdp_offer *o;
	const struct sdp_answer_params *p;
	char ip[ADDR_STRLEN];        /* first candidate: c= and o= */
	const char *ipver;           /* "IP4" / "IP6" */
	char fp[SDP_FP_STRLEN];
};

static void
session_part(struct out *w, const struct ctx *c)
{
	const struct sdp_offer *o = c->o;

	put(w, "v=0\r\no=rtcd %" PRIu64 " 1 IN %s %s\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n",
	    c->p->session_id, c->ipver, c->ip);
	if (o->has_bundle) {
		put(w, "a=group:BUNDLE");
		for (size_t i = 0; i < o->nmedia; i++)
			if (o->media[i].accepted && o->media[i].mid[0] != '\0')
				put(w, " %s", o->media[i].mid);
		put(w, "\r\n");
	}
	/* aiortc maps a=msid to a track id only through this line. */
	for (size_t i = 0; i < o->nmedia; i++)
		if (o->media[i].accepted && o->media[i].kind != SDP_KIND_APPLICATION) {
			put(w, "a=msid-semantic: WMS *\r\n");
			break;
		}
}

static void
rejected_section(struct out *w, const struct ctx *c, const struct sdp_media *m)
{
	put(w, "m=%s 0 %s %s\r\nc=IN %s %s\r\n", m->kind_tok, m->proto, sdp_text(c->o, m->fmt),
	    c->ipver, c->ip);
	if (m->mid[0] != '\0')
		put(w, "a=mid:%s\r\n", m->mid);
}

/* c=, mid, ICE and DTLS lines shared by every accepted section. */
static void
transport_part(struct out *w, const struct ctx *c, const struct sdp_media *m)
{
	put(w, "c=IN %s %s\r\n", c->ipver, c->ip);
	if (m->mid[0] != '\0')
		put(w, "a=mid:%s\r\n", m->mid);
	put(w, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:passive\r\n",
	    c->p->ufrag, c->p->pwd, c->fp);
}

static void
candidates_part(struct out *w, const struct ctx *c)
{
	for (size_t i = 0; i < c->p->ncands; i++) {
		const struct addr *a = &c->p->cands[i];
		char ip[ADDR_STRLEN];
		uint32_t prio = (HOST_TYPE_PREF << 24) | ((uint32_t)(65535 - i) << 8) | (256 - 1);
		put(w, "a=candidate:%zu 1 udp %" PRIu32 " %s %u typ host\r\n", i + 1, prio,
		    addr_format_ip(a, ip, sizeof(ip)), a->port);
	}
	put(w, "a=end-of-candidates\r\n");
}

static void
app_section(struct out *w, const struct ctx *c, const struct sdp_media *m)
{
	uint16_t port = c->p->cands[0].port, sctp = c->p->sctp_port;

	/* Answer in the offer's form (RFC 8841 or the older sctpmap draft). */
	if (m->legacy_sctp)
		put(w, "m=application %u DTLS/SCTP %u\r\n", port, sctp);
	else
		put(w, "m=application %u UDP/DTLS/SCTP webrtc-datachannel\r\n", port);
	transport_part(w, c, m);
	if (m->legacy_sctp)
		put(w, "a=sctpmap:%u webrtc-datachannel %u\r\n", sctp, SDP_SCTP_STREAMS);
	else
		put(w, "a=sctp-port:%u\r\n", sctp);
	put(w, "a=max-message-size:%" PRIu32 "\r\n", c->p->max_message_size);
	candidates_part(w, c);
}

static void
fb_lines(struct out *w, const struct sdp_offer *o, const char *pt, const sdp_ref *fb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *t = sdp_text(o, fb[i]);
		if (in_list(t, kept_fb, sizeof(kept_fb) / sizeof(kept_fb[0])))
			put(w, "a=rtcp-fb:%s %s\r\n", pt, t);
	}
}

static void
codec_lines(struct out *w, const struct sdp_offer *o, const struct sdp_codec *k)
{
	char pt[4];

	snprintf(pt, sizeof(pt), "%u", k->pt);
	if (k->has_rtpmap)
		put(w, "a=rtpmap:%s %s\r\n", pt, sdp_text(o, k->rtpmap));
	else
		put(w, "a=rtpmap:%s %s/%" PRIu32 "\r\n", pt, k->name, k->clock);
	fb_lines(w, o, pt, k->fb, k->nfb);
	if (k->fmtp != 0)
		put(w, "a=fmtp:%s %s\r\n", pt, sdp_text(o, k->fmtp));
}

static void
sender_lines(struct out *w, const struct ctx *c, size_t idx)
{
	const struct sdp_media *m = &c->o->media[idx];
	char id[SDP_MID_MAX + 1];
	uint32_t ssrc = c->p->ssrc[idx];

	if (m->answer_dir != SDP_DIR_SENDRECV && m->answer_dir != SDP_DIR_SENDONLY)
		return;
	if (m->mid[0] != '\0')
		snprintf(id, sizeof(id), "%s", m->mid);
	else
		snprintf(id, sizeof(id), "%zu", idx);
	put(w, "a=msid:rtcd-%s rtcd-track-%s\r\n", id, id);
	if (ssrc != 0)
		put(w, "a=ssrc:%" PRIu32 " cname:%s\r\na=ssrc:%" PRIu32 " msid:rtcd-%s rtcd-track-%s\r\n",
		    ssrc, c->p->cname, ssrc, id, id);
}

static void
rtp_section(struct out *w, const struct ctx *c, size_t idx)
{
	const struct sdp_offer *o = c->o;
	const struct sdp_media *m = &o->media[idx];

	put(w, "m=%s %u %s", m->kind_tok, c->p->cands[0].port, m->proto);
	for (size_t i = 0; i < m->nanswer_pts; i++)
		put(w, " %u", m->answer_pts[i]);
	put(w, "\r\n");
	transport_part(w, c, m);
	put(w, "a=%s\r\na=rtcp-mux\r\n", sdp_dir_name(m->answer_dir));
	for (size_t i = 0; i < m->next; i++) {
		const struct sdp_extmap *e = &m->ext[i];
		const char *uri = sdp_text(o, e->uri);
		if ((!e->has_dir || e->dir == SDP_DIR_SENDRECV) &&
		    in_list(uri, kept_extmaps, sizeof(kept_extmaps) / sizeof(kept_extmaps[0])))
			put(w, "a=extmap:%u %s\r\n", e->id, uri);
	}
	for (size_t i = 0; i < m->nanswer_pts; i++) {
		const struct sdp_codec *k = sdp_codec_find(m, m->answer_pts[i]);
		if (k != NULL)
			codec_lines(w, o, k);
	}
	fb_lines(w, o, "*", m->fb_all, m->nfb_all);
	sender_lines(w, c, idx);
	candidates_part(w, c);
}

int
sdp_build_answer(const struct sdp_offer *o, const struct sdp_answer_params *p, char *out,
    size_t cap, size_t *outlen, char *why, size_t whylen)
{
	struct out w = { out, cap, 0, 0 };
	struct ctx c;
	const char *err;

	if (outlen != NULL)
		*outlen = 0;
	if (out == NULL || cap == 0)
		return fail(why, whylen, "answer too large");
	out[0] = '\0';
	if ((err = check_params(o, p)) != NULL)
		return fail(why, whylen, err);
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.p = p;
	c.ipver = p->cands[0].family == AF_INET6 ? "IP6" : "IP4";
	addr_format_ip(&p->cands[0], c.ip, sizeof(c.ip));
	sdp_fingerprint_format(p->fingerprint, c.fp, sizeof(c.fp));
	session_part(&w, &c);
	for (size_t i = 0; i < o->nmedia; i++) {
		const struct sdp_media *m = &o->media[i];
		if (!m->accepted)
			rejected_section(&w, &c, m);
		else if (m->kind == SDP_KIND_APPLICATION)
			app_section(&w, &c, m);
		else
			rtp_section(&w, &c, i);
	}
	if (w.err) {
		out[0] = '\0';
		return fail(why, whylen, "answer too large");
	}
	if (outlen != NULL)
		*outlen = w.len;
	return 0;
}
