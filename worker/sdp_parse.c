/* sdp_parse: the strict, bounded SDP offer reader. Splits lines, checks the
 * characters and limits, and collects the session- and media-level attributes
 * rtcd uses into struct sdp_offer; everything else is ignored. The offer-wide
 * checks and the answer plan follow in sdp_policy.c. */
#include "worker/sdp.h"

#include <stdio.h>
#include <string.h>

_Static_assert(SDP_POOL_MAX <= 65536, "sdp_ref is 16 bits");

struct span {
	const char *p;
	size_t n;
};

struct ps {                          /* parser state */
	struct sdp_offer *o;
	struct sdp_media *m;         /* NULL at session level */
	const char *err;             /* static reason of the failure */
};

static int
fail(struct ps *s, const char *why)
{
	s->err = why;
	return -1;
}

/* ---- spans ------------------------------------------------------------- */

static int
span_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int
span_ieq(struct span s, const char *lit)
{
	if (s.n != strlen(lit))
		return 0;
	for (size_t i = 0; i < s.n; i++)
		if (lower((unsigned char)s.p[i]) != lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

/* Next space-separated word; s advances past it. Empty span at the end. */
static struct span
span_word(struct span *s)
{
	struct span w;
	size_t i = 0;

	while (i < s->n && s->p[i] == ' ')
		i++;
	w.p = s->p + i;
	while (i < s->n && s->p[i] != ' ')
		i++;
	w.n = (size_t)(s->p + i - w.p);
	s->p += i;
	s->n -= i;
	return w;
}

/* Split at the first c: head before, s keeps the rest after c. -1 if no c. */
static int
span_cut(struct span *s, char c, struct span *head)
{
	const char *q = memchr(s->p, c, s->n);

	if (q == NULL)
		return -1;
	head->p = s->p;
	head->n = (size_t)(q - s->p);
	s->n -= head->n + 1;
	s->p = q + 1;
	return 0;
}

static struct span
span_trim(struct span s)
{
	while (s.n > 0 && s.p[0] == ' ')
		s.p++, s.n--;
	while (s.n > 0 && s.p[s.n - 1] == ' ')
		s.n--;
	return s;
}

static int
span_u32(struct span s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (s.n == 0 || s.n > 10)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
span_copy(struct span s, char *dst, size_t cap)
{
	if (s.n >= cap)
		return -1;
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
	return 0;
}

/* RFC 4566 token-char. */
static int
is_token(struct span s, size_t max)
{
	if (s.n == 0 || s.n > max)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("!#$%&'*+-.^_`{|}~", c) != NULL) || c == 0)
			return 0;
	}
	return 1;
}

/* RFC 4566 proto: tokens joined by '/'. */
static int
is_proto(struct span s)
{
	struct span t;

	if (s.n == 0 || s.n > SDP_TOKEN_MAX)
		return 0;
	while (span_cut(&s, '/', &t) == 0)
		if (!is_token(t, SDP_TOKEN_MAX))
			return 0;
	return is_token(s, SDP_TOKEN_MAX);
}

/* RFC 8445 ice-char. */
static int
is_ice(struct span s, size_t min, size_t max)
{
	if (s.n < min || s.n > max)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

/* Copy into the pool; 0 (absent) on failure, which callers treat as an error. */
static sdp_ref
pool_put(struct sdp_offer *o, struct span s)
{
	size_t at = o->pool_len;

	if (s.n + 1 > sizeof(o->pool) - at)
		return 0;
	memcpy(o->pool + at, s.p, s.n);
	o->pool[at + s.n] = '\0';
	o->pool_len += s.n + 1;
	return (sdp_ref)at;
}

static enum sdp_dir
dir_of(struct span s)
{
	static const char *const names[] = { "", "sendrecv", "sendonly", "recvonly", "inactive" };

	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (span_eq(s, names[i]))
			return (enum sdp_dir)i;
	return SDP_DIR_UNSET;
}

static struct sdp_transport *
level(struct ps *s)
{
	return s->m ? &s->m->tp : &s->o->session;
}

static struct sdp_codec *
codec_of(struct ps *s, struct span *v)
{
	struct span pt = span_word(v);
	uint32_t n;

	if (span_u32(pt, 127, &n) < 0)
		return NULL;
	for (size_t i = 0; i < s->m->ncodecs; i++)
		if (s->m->codecs[i].pt == n)
			return &s->m->codecs[i];
	return NULL;
}

/* ---- attribute handlers --------------------------------------------------- */

static int
a_ufrag(struct ps *s, struct span v)
{
	struct sdp_transport *t = level(s);

	if (!is_ice(v, SDP_UFRAG_MIN, SDP_ICE_MAX))
		return fail(s, "bad a=ice-ufrag (4..256 of [A-Za-z0-9+/])");
	if (t->ufrag[0] != '\0')
		return fail(s, "duplicate a=ice-ufrag");
	return span_copy(v, t->ufrag, sizeof(t->ufrag));
}

static int
a_pwd(struct ps *s, struct span v)
{
	struct sdp_transport *t = level(s);

	if (!is_ice(v, SDP_PWD_MIN, SDP_ICE_MAX))
		return fail(s, "bad a=ice-pwd (22..256 of [A-Za-z0-9+/])");
	if (t->pwd[0] != '\0')
		return fail(s, "duplicate a=ice-pwd");
	return span_copy(v, t->pwd, sizeof(t->pwd));
}

static int
a_fingerprint(struct ps *s, struct span v)
{
	struct sdp_transport *t = level(s);
	struct span hash = span_word(&v), hex = span_trim(v);
	uint8_t d[SDP_FP_MAX];
	int n = sdp_hex_colons(hex.p, hex.n, d, sizeof(d));
	struct sdp_fp *f;

	if (n < 16 || !is_token(hash, sizeof(f->hash) - 1))
		return fail(s, "bad a=fingerprint");
	if (span_ieq(hash, "sha-256")) {
		if (n != 32)
			return fail(s, "bad a=fingerprint: sha-256 needs 32 bytes");
		if (t->has_sha256 && memcmp(t->sha256, d, 32) != 0)
			return fail(s, "conflicting sha-256 a=fingerprint lines");
		memcpy(t->sha256, d, 32);
		t->has_sha256 = 1;
		return 0;
	}
	if (t->nother == SDP_MAX_FPS)
		return 0;
	f = &t->other[t->nother++];
	for (size_t i = 0; i < hash.n; i++)
		f->hash[i] = (char)lower((unsigned char)hash.p[i]);
	f->hash[hash.n] = '\0';
	f->len = (uint8_t)n;
	memcpy(f->digest, d, (size_t)n);
	return 0;
}

static int
a_setup(struct ps *s, struct span v)
{
	static const char *const names[] = { "", "actpass", "active", "passive", "holdconn" };
	struct sdp_transport *t = level(s);

	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (span_eq(v, names[i])) {
			t->setup = (enum sdp_setup)i;
			return 0;
		}
	return fail(s, "bad a=setup");
}

static int
a_ice_options(struct ps *s, struct span v)
{
	struct sdp_transport *t = level(s);

	if (span_copy(v, t->ice_options, sizeof(t->ice_options)) < 0)
		return fail(s, "a=ice-options too long");
	return 0;
}

static int
a_ice_lite(struct ps *s, struct span v)
{
	if (s->m == NULL)
		s->o->ice_lite = 1;
	return 0;
}

static int
a_group(struct ps *s, struct span v)
{
	struct span sem = span_word(&v), mid;
	struct sdp_offer *o = s->o;

	if (s->m != NULL || !span_eq(sem, "BUNDLE") || o->has_bundle)
		return 0;   /* only the first BUNDLE group matters */
	o->has_bundle = 1;
	while ((mid = span_word(&v)).n > 0) {
		if (!is_token(mid, SDP_MID_MAX))
			return fail(s, "bad mid in a=group:BUNDLE");
		if (o->nbundle == SDP_MAX_MEDIA)
			return fail(s, "too many m-sections (max 16) in a=group:BUNDLE");
		span_copy(mid, o->bundle[o->nbundle++], SDP_MID_MAX + 1);
	}
	return 0;
}

static int
a_mid(struct ps *s, struct span v)
{
	if (s->m == NULL)
		return 0;
	if (!is_token(v, SDP_MID_MAX))
		return fail(s, "bad a=mid (1..32 token characters)");
	if (s->m->mid[0] != '\0')
		return fail(s, "duplicate a=mid");
	for (size_t i = 0; i + 1 < s->o->nmedia; i++)
		if (span_eq(v, s->o->media[i].mid))
			return fail(s, "two m-sections share one a=mid");
	return span_copy(v, s->m->mid, sizeof(s->m->mid));
}

static int
a_direction(struct ps *s, struct span name)
{
	if (s->m)
		s->m->dir = dir_of(name);
	else
		s->o->session_dir = dir_of(name);
	return 0;
}

static int
a_flag(struct ps *s, struct span name)
{
	if (s->m == NULL)
		return 0;
	if (span_eq(name, "rtcp-mux"))
		s->m->rtcp_mux = 1;
	else
		s->m->bundle_only = 1;
	return 0;
}

static int
a_sctp_port(struct ps *s, struct span v)
{
	uint32_t n;

	if (s->m == NULL)
		return 0;
	if (span_u32(v, 65535, &n) < 0 || n == 0)
		return fail(s, "bad a=sctp-port");
	s->m->sctp_port = (uint16_t)n;
	s->m->has_sctp_port = 1;
	return 0;
}

static int
a_sctpmap(struct ps *s, struct span v)
{
	struct span port = span_word(&v), proto = span_word(&v), streams = span_word(&v);
	uint32_t n, k = 0;

	if (s->m == NULL)
		return 0;
	if (span_u32(port, 65535, &n) < 0 || n == 0 || !is_token(proto, SDP_TOKEN_MAX) ||
	    (streams.n > 0 && span_u32(streams, 65535, &k) < 0))
		return fail(s, "bad a=sctpmap");
	s->m->has_sctpmap = 1;
	s->m->sctpmap_port = (uint16_t)n;
	s->m->sctpmap_is_dc = span_eq(proto, "webrtc-datachannel");
	s->m->sctp_streams = (uint16_t)k;
	return 0;
}

static int
a_max_message_size(struct ps *s, struct span v)
{
	uint32_t n;

	if (s->m == NULL)
		return 0;
	if (span_u32(v, UINT32_MAX, &n) < 0)
		return fail(s, "bad a=max-message-size");
	s->m->max_message_size = n;
	return 0;
}

static int
a_rtpmap(struct ps *s, struct span v)
{
	struct sdp_codec *c;
	struct span name, clock, rest;
	uint32_t hz, ch = 0;

	if (s->m == NULL || (c = codec_of(s, &v)) == NULL)
		return 0;   /* not one of this m-line's payload types */
	rest = span_trim(v);
	v = rest;
	if (c->has_rtpmap)
		return fail(s, "duplicate a=rtpmap");
	if (span_cut(&v, '/', &name) < 0 || !is_token(name, SDP_TOKEN_MAX))
		return fail(s, "bad a=rtpmap");
	if (span_cut(&v, '/', &clock) == 0) {
		if (span_u32(v, 255, &ch) < 0 || ch == 0)
			return fail(s, "bad a=rtpmap channels");
	} else {
		clock = v;
	}
	if (span_u32(clock, UINT32_MAX, &hz) < 0 || hz == 0)
		return fail(s, "bad a=rtpmap clock rate");
	span_copy(name, c->name, sizeof(c->name));
	c->clock = hz;
	c->channels = (uint8_t)ch;
	c->has_rtpmap = 1;
	if ((c->rtpmap = pool_put(s->o, rest)) == 0)
		return fail(s, "offer too large");
	return 0;
}

static int
a_fmtp(struct ps *s, struct span v)
{
	struct sdp_codec *c;

	if (s->m == NULL || (c = codec_of(s, &v)) == NULL)
		return 0;
	v = span_trim(v);
	if (c->fmtp != 0 || c->unusable)
		return fail(s, "duplicate a=fmtp");
	if (v.n == 0 || v.n > SDP_MAX_FMTP) {
		c->unusable = 1;
		return 0;
	}
	if ((c->fmtp = pool_put(s->o, v)) == 0)
		return fail(s, "offer too large");
	return 0;
}

static int
a_rtcp_fb(struct ps *s, struct span v)
{
	struct span pt, rest = v;
	sdp_ref *slot = NULL;
	struct sdp_codec *c;

	if (s->m == NULL)
		return 0;
	pt = span_word(&rest);
	rest = span_trim(rest);
	if (rest.n == 0)
		return fail(s, "bad a=rtcp-fb");
	if (span_eq(pt, "*")) {
		if (s->m->nfb_all < SDP_MAX_FB)
			slot = &s->m->fb_all[s->m->nfb_all++];
	} else if ((c = codec_of(s, &v)) != NULL && c->nfb < SDP_MAX_FB) {
		slot = &c->fb[c->nfb++];
	}
	if (slot != NULL && (*slot = pool_put(s->o, rest)) == 0)
		return fail(s, "offer too large");
	return 0;
}

static int
a_extmap(struct ps *s, struct span v)
{
	struct span idd = span_word(&v), uri = span_word(&v), dir;
	struct sdp_extmap *e;
	uint32_t id;

	if (s->m == NULL)
		return 0;
	if (s->m->next == SDP_MAX_EXTMAPS)
		return fail(s, "too many a=extmap lines");
	e = &s->m->ext[s->m->next];
	memset(e, 0, sizeof(*e));
	if (span_cut(&idd, '/', &dir) == 0) {
		struct span tmp = dir;
		dir = idd;
		idd = tmp;
		e->has_dir = 1;
		if ((e->dir = dir_of(dir)) == SDP_DIR_UNSET)
			return fail(s, "bad a=extmap direction");
	}
	if (span_u32(idd, 255, &id) < 0 || id == 0 || uri.n == 0)
		return fail(s, "bad a=extmap");
	for (size_t i = 0; i < s->m->next; i++)
		if (s->m->ext[i].id == id)
			return fail(s, "duplicate a=extmap id");
	e->id = (uint16_t)id;
	if ((e->uri = pool_put(s->o, uri)) == 0)
		return fail(s, "offer too large");
	s->m->next++;
	return 0;
}

static int
ssrc_add(struct ps *s, uint32_t id)
{
	struct sdp_media *m = s->m;

	for (size_t i = 0; i < m->nssrc; i++)
		if (m->ssrcs[i].id == id)
			return 0;
	if (m->nssrc == SDP_MAX_SSRCS)
		return fail(s, "too many SSRCs in one m-section");
	memset(&m->ssrcs[m->nssrc], 0, sizeof(m->ssrcs[0]));
	m->ssrcs[m->nssrc++].id = id;
	return 0;
}

static int
a_ssrc(struct ps *s, struct span v)
{
	struct span id = span_word(&v);
	uint32_t n;

	if (s->m == NULL)
		return 0;
	if (span_u32(id, UINT32_MAX, &n) < 0)
		return fail(s, "bad a=ssrc");
	return ssrc_add(s, n);
}

static int
a_ssrc_group(struct ps *s, struct span v)
{
	struct span sem = span_word(&v), a = span_word(&v), b = span_word(&v);
	uint32_t x, y;

	if (s->m == NULL || !span_eq(sem, "FID"))
		return 0;   /* SIM, FEC-FR, ...: not used */
	if (span_u32(a, UINT32_MAX, &x) < 0 || span_u32(b, UINT32_MAX, &y) < 0 ||
	    span_trim(v).n != 0 || x == y)
		return fail(s, "bad a=ssrc-group:FID");
	if (s->m->nfid == SDP_MAX_SSRC_GROUPS)
		return fail(s, "too many a=ssrc-group lines");
	s->m->fid[s->m->nfid][0] = x;
	s->m->fid[s->m->nfid][1] = y;
	s->m->nfid++;
	if (ssrc_add(s, x) < 0 || ssrc_add(s, y) < 0)
		return -1;
	return 0;
}

static int
a_msid(struct ps *s, struct span v)
{
	if (s->m == NULL || s->m->msid != 0)
		return 0;
	if ((s->m->msid = pool_put(s->o, span_trim(v))) == 0)
		return fail(s, "offer too large");
	return 0;
}

typedef int (*attr_fn)(struct ps *, struct span);

static const struct {
	const char *name;
	attr_fn fn;
	int flag;        /* value-less attribute: fn gets the name */
} attrs[] = {
	{ "ice-ufrag", a_ufrag, 0 }, { "ice-pwd", a_pwd, 0 },
	{ "fingerprint", a_fingerprint, 0 }, { "setup", a_setup, 0 },
	{ "ice-options", a_ice_options, 0 }, { "ice-lite", a_ice_lite, 1 },
	{ "group", a_group, 0 }, { "mid", a_mid, 0 },
	{ "sendrecv", a_direction, 1 }, { "sendonly", a_direction, 1 },
	{ "recvonly", a_direction, 1 }, { "inactive", a_direction, 1 },
	{ "rtcp-mux", a_flag, 1 }, { "bundle-only", a_flag, 1 },
	{ "sctp-port", a_sctp_port, 0 }, { "max-message-size", a_max_message_size, 0 },
	{ "sctpmap", a_sctpmap, 0 },
	{ "rtpmap", a_rtpmap, 0 }, { "fmtp", a_fmtp, 0 }, { "rtcp-fb", a_rtcp_fb, 0 },
	{ "extmap", a_extmap, 0 }, { "ssrc", a_ssrc, 0 }, { "ssrc-group", a_ssrc_group, 0 },
	{ "msid", a_msid, 0 },
};

static int
attribute(struct ps *s, struct span v)
{
	struct span name = v, val = { v.p + v.n, 0 };

	if (span_cut(&v, ':', &name) == 0)
		val = v;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (!span_eq(name, attrs[i].name))
			continue;
		if (attrs[i].flag)
			return attrs[i].fn(s, name);
		if (val.p == name.p + name.n)
			return fail(s, "attribute without a value");
		return attrs[i].fn(s, val);
	}
	return 0;   /* unknown attributes are ignored */
}

/* ---- m-lines -------------------------------------------------------------- */

static enum sdp_kind
kind_of(struct span k)
{
	if (span_eq(k, "audio"))
		return SDP_KIND_AUDIO;
	if (span_eq(k, "video"))
		return SDP_KIND_VIDEO;
	if (span_eq(k, "application"))
		return SDP_KIND_APPLICATION;
	return SDP_KIND_OTHER;
}

static int
rtp_formats(struct ps *s, struct span fmts)
{
	struct sdp_media *m = s->m;
	struct span w;
	uint32_t pt;

	while ((w = span_word(&fmts)).n > 0) {
		if (span_u32(w, 127, &pt) < 0)
			return fail(s, "bad payload type in m=");
		for (size_t i = 0; i < m->ncodecs; i++)
			if (m->codecs[i].pt == pt)
				return fail(s, "duplicate payload type in m=");
		if (m->ncodecs == SDP_MAX_CODECS)
			return fail(s, "too many payload types in one m-section");
		memset(&m->codecs[m->ncodecs], 0, sizeof(m->codecs[0]));
		m->codecs[m->ncodecs++].pt = (uint8_t)pt;
	}
	return 0;
}

static int
media_line(struct ps *s, struct span v)
{
	struct sdp_offer *o = s->o;
	struct span kind = span_word(&v), port = span_word(&v), proto = span_word(&v), n;
	struct sdp_media *m;
	uint32_t p, cnt;

	if (o->nmedia == SDP_MAX_MEDIA)
		return fail(s, "too many m-sections (max 16)");
	m = s->m = &o->media[o->nmedia++];
	memset(m, 0, sizeof(*m));
	if (span_cut(&port, '/', &n) == 0) {
		struct span tmp = port;
		port = n;
		if (span_u32(tmp, 65535, &cnt) < 0 || cnt == 0)
			return fail(s, "bad port count in m=");
	}
	v = span_trim(v);
	if (!is_token(kind, SDP_TOKEN_MAX) || span_u32(port, 65535, &p) < 0 ||
	    !is_proto(proto) || v.n == 0)
		return fail(s, "bad m= line");
	m->kind = kind_of(kind);
	span_copy(kind, m->kind_tok, sizeof(m->kind_tok));
	span_copy(proto, m->proto, sizeof(m->proto));
	m->port = (uint16_t)p;
	m->max_message_size = SDP_DEFAULT_MAX_MESSAGE_SIZE;
	if ((m->fmt = pool_put(o, v)) == 0)
		return fail(s, "offer too large");
	if (m->kind == SDP_KIND_AUDIO || m->kind == SDP_KIND_VIDEO)
		return rtp_formats(s, v);
	return 0;
}

/* ---- lines ---------------------------------------------------------------- */

/* Printable ASCII only; UTF-8 only in the free-text s= and i= lines. */
static int
line_chars_ok(struct span l)
{
	int text = l.n >= 2 && (l.p[0] == 's' || l.p[0] == 'i');

	for (size_t i = 0; i < l.n; i++) {
		unsigned char c = (unsigned char)l.p[i];
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !text))
			return 0;
	}
	return 1;
}

static int
line(struct ps *s, struct span l, unsigned lineno)
{
	struct span v;

	if (!line_chars_ok(l))
		return fail(s, "control or non-ASCII character");
	if (lineno == 1)
		return (l.n == 3 && memcmp(l.p, "v=0", 3) == 0) ? 0 :
		    fail(s, "not SDP: the first line must be v=0");
	if (l.n < 2 || l.p[1] != '=' || l.p[0] < 'a' || l.p[0] > 'z')
		return fail(s, "malformed line (expected <letter>=<value>)");
	v.p = l.p + 2;
	v.n = l.n - 2;
	switch (l.p[0]) {
	case 'm':
		return media_line(s, v);
	case 'a':
		return attribute(s, v);
	case 'v':
		return fail(s, "second v= line");
	default:
		return 0;   /* o= s= t= c= b= ...: nothing rtcd needs */
	}
}

static int
set_why(char *why, size_t whylen, unsigned lineno, const char *msg)
{
	if (msg == NULL)
		msg = "malformed offer";
	if (why == NULL || whylen == 0)
		return -1;
	if (lineno > 0)
		snprintf(why, whylen, "line %u: %s", lineno, msg);
	else
		snprintf(why, whylen, "%s", msg);
	return -1;
}

int
sdp_parse_offer(const char *sdp, size_t len, struct sdp_offer *o, char *why, size_t whylen)
{
	struct ps s = { o, NULL, NULL };
	size_t off = 0;
	unsigned lineno = 0;

	memset(o, 0, sizeof(*o));
	o->app = -1;
	o->pool_len = 1;   /* offset 0 means "absent" */
	if (sdp == NULL || len == 0)
		return set_why(why, whylen, 0, "empty offer");
	if (len > SDP_MAX_LEN)
		return set_why(why, whylen, 0, "offer too large (max 48 KiB)");
	while (off < len) {
		const char *nl = memchr(sdp + off, '\n', len - off);
		struct span l = { sdp + off, nl ? (size_t)(nl - (sdp + off)) : len - off };
		off += l.n + (nl != NULL);
		lineno++;
		if (l.n > 0 && l.p[l.n - 1] == '\r')
			l.n--;
		if (l.n > SDP_MAX_LINE)
			return set_why(why, whylen, lineno, "line too long");
		if (l.n == 0 && lineno > 1)
			continue;
		if (line(&s, l, lineno) < 0)
			return set_why(why, whylen, lineno, s.err);
	}
	return sdp_policy_apply(o, why, whylen);
}
