/* sdp_policy: what rtcd accepts from a parsed offer. Settles each section
 * (static payload types, RTX marks, mid extension, direction), then the
 * offer-wide rejections (ICE-lite peer, protocols, data channel shape, BUNDLE,
 * ICE credentials, DTLS fingerprint and role), the per-section answer plan
 * (accepted or not with why, answer direction, payload types kept for media
 * echo) and the transport of the bundle. Also the lookups. Pure: no I/O. */
#include "worker/sdp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct codec_rule {
	enum sdp_kind kind;
	const char *name;
	uint32_t clock;
	uint8_t channels;    /* 0: any */
};

/* Codecs the echo application can send back unchanged. */
static const struct codec_rule echo_codecs[] = {
	{ SDP_KIND_AUDIO, "opus", 48000, 2 },
	{ SDP_KIND_AUDIO, "PCMU", 8000, 1 },
	{ SDP_KIND_AUDIO, "PCMA", 8000, 1 },
	{ SDP_KIND_AUDIO, "G722", 8000, 1 },
	{ SDP_KIND_VIDEO, "VP8", 90000, 0 },
	{ SDP_KIND_VIDEO, "VP9", 90000, 0 },
	{ SDP_KIND_VIDEO, "H264", 90000, 0 },
	{ SDP_KIND_VIDEO, "AV1", 90000, 0 },
};

/* Fill what the end of a section settles: static payload types without
 * rtpmap, RTX marks from FID groups, the mid extension id, the direction. */
static void
media_finish(struct sdp_offer *o, struct sdp_media *m)
{
	static const struct { uint8_t pt; const char *name; } fixed[] = {
		{ 0, "PCMU" }, { 8, "PCMA" }, { 9, "G722" },
	};

	for (size_t i = 0; i < m->ncodecs; i++) {
		struct sdp_codec *c = &m->codecs[i];
		for (size_t k = 0; !c->has_rtpmap && k < sizeof(fixed) / sizeof(fixed[0]); k++)
			if (c->pt == fixed[k].pt && m->kind == SDP_KIND_AUDIO) {
				strcpy(c->name, fixed[k].name);
				c->clock = 8000;
				c->channels = 1;
			}
	}
	for (size_t g = 0; g < m->nfid; g++)
		for (size_t i = 0; i < m->nssrc; i++)
			if (m->ssrcs[i].id == m->fid[g][1]) {
				m->ssrcs[i].is_rtx = 1;
				m->ssrcs[i].primary = m->fid[g][0];
			}
	for (size_t i = 0; i < m->next; i++)
		if (strcmp(sdp_text(o, m->ext[i].uri), "urn:ietf:params:rtp-hdrext:sdes:mid") == 0)
			m->mid_ext_id = (uint8_t)m->ext[i].id;   /* 1..255 by the parser */
	if (m->dir == SDP_DIR_UNSET)
		m->dir = o->session_dir != SDP_DIR_UNSET ? o->session_dir : SDP_DIR_SENDRECV;
}

static int
in_bundle(const struct sdp_offer *o, const char *mid)
{
	if (mid[0] == '\0')
		return 0;
	for (size_t i = 0; i < o->nbundle; i++)
		if (strcmp(o->bundle[i], mid) == 0)
			return 1;
	return 0;
}

static int
is_active(const struct sdp_offer *o, const struct sdp_media *m)
{
	return m->port != 0 || (m->bundle_only && in_bundle(o, m->mid));
}

static int
reject(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
	return -1;
}

/* Decimal 1..65535 filling the whole string, else 0. */
static uint16_t
port_number(const char *s)
{
	uint32_t v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9' && n < 6; n++)
		v = v * 10 + (uint32_t)(s[n] - '0');
	return (n == 0 || s[n] != '\0' || v > 65535) ? 0 : (uint16_t)v;
}

/* The data channel section: the RFC 8841 form "UDP/DTLS/SCTP webrtc-datachannel"
 * with a=sctp-port, or the draft-05 form "DTLS/SCTP <port>" with
 * a=sctpmap:<port> webrtc-datachannel that aiortc 1.4 still offers. */
static const char *
check_application(struct sdp_offer *o, struct sdp_media *m)
{
	const char *fmt = sdp_text(o, m->fmt);

	if (strcmp(m->proto, "DTLS/SCTP") == 0) {
		uint16_t port = port_number(fmt);
		if (port == 0)
			return "legacy m=application DTLS/SCTP needs one SCTP port as its format";
		if (m->has_sctpmap && (m->sctpmap_port != port || !m->sctpmap_is_dc))
			return "a=sctpmap does not announce webrtc-datachannel on the m-line port";
		m->legacy_sctp = 1;
		m->has_sctp_port = 1;
		m->sctp_port = port;
		return NULL;
	}
	if (strcmp(m->proto, "UDP/DTLS/SCTP") != 0)
		return "unsupported m=application protocol (need UDP/DTLS/SCTP)";
	if (strcmp(fmt, "webrtc-datachannel") != 0)
		return "m=application format must be webrtc-datachannel";
	if (!m->has_sctp_port)
		return "m=application without sctp-port";
	return NULL;
}

/* Offer-wide shape of one active section: NULL, or the reason to refuse the offer. */
static const char *
check_section(struct sdp_offer *o, struct sdp_media *m, int *napp)
{
	const char *err;

	switch (m->kind) {
	case SDP_KIND_APPLICATION:
		if ((err = check_application(o, m)) != NULL)
			return err;
		if (++*napp > 1)
			return "more than one m=application section";
		return NULL;
	case SDP_KIND_AUDIO:
	case SDP_KIND_VIDEO:
		if (strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0 && strcmp(m->proto, "RTP/SAVPF") != 0)
			return "unsupported m=audio/video protocol (need UDP/TLS/RTP/SAVPF)";
		return NULL;
	default:
		m->why = "unsupported media kind";
		return NULL;
	}
}

/* The transport attributes in force for one section: media level over session. */
static void
transport_of(const struct sdp_offer *o, const struct sdp_media *m, struct sdp_transport *t)
{
	*t = o->session;
	if (m->tp.ufrag[0] != '\0')
		memcpy(t->ufrag, m->tp.ufrag, sizeof(t->ufrag));
	if (m->tp.pwd[0] != '\0')
		memcpy(t->pwd, m->tp.pwd, sizeof(t->pwd));
	if (m->tp.ice_options[0] != '\0')
		memcpy(t->ice_options, m->tp.ice_options, sizeof(t->ice_options));
	if (m->tp.setup != SDP_SETUP_NONE)
		t->setup = m->tp.setup;
	if (m->tp.has_sha256 || m->tp.nother > 0) {
		t->has_sha256 = m->tp.has_sha256;
		memcpy(t->sha256, m->tp.sha256, sizeof(t->sha256));
		memcpy(t->other, m->tp.other, sizeof(t->other));
		t->nother = m->tp.nother;
	}
}

static const char *
check_transport(const struct sdp_transport *t)
{
	if (t->ufrag[0] == '\0')
		return "no a=ice-ufrag";
	if (t->pwd[0] == '\0')
		return "no a=ice-pwd";
	if (!t->has_sha256)
		return t->nother > 0 ? "no sha-256 a=fingerprint" : "no a=fingerprint";
	if (t->setup == SDP_SETUP_PASSIVE)
		return "offer has a=setup:passive; rtcd is the DTLS server (offer actpass)";
	if (t->setup == SDP_SETUP_HOLDCONN)
		return "offer has a=setup:holdconn";
	return NULL;
}

static int
codec_echoable(enum sdp_kind kind, const struct sdp_codec *c)
{
	for (size_t i = 0; i < sizeof(echo_codecs) / sizeof(echo_codecs[0]); i++) {
		const struct codec_rule *r = &echo_codecs[i];
		if (r->kind != kind || strcasecmp(r->name, c->name) != 0 || r->clock != c->clock)
			continue;
		if (r->channels == 2)      /* opus is always written as opus/48000/2 */
			return c->channels == 2;
		return r->channels == 0 || c->channels <= 1;
	}
	return 0;
}

/* Echo codecs in offer order, plus rtx whose apt= is a kept codec. */
static void
select_codecs(const struct sdp_offer *o, struct sdp_media *m)
{
	uint8_t keep[SDP_MAX_CODECS] = { 0 };

	for (size_t i = 0; i < m->ncodecs; i++)
		keep[i] = !m->codecs[i].unusable && codec_echoable(m->kind, &m->codecs[i]);
	for (size_t i = 0; i < m->ncodecs; i++) {
		const struct sdp_codec *c = &m->codecs[i];
		int apt;
		if (c->unusable || strcasecmp(c->name, "rtx") != 0)
			continue;
		apt = sdp_fmtp_apt(sdp_text(o, c->fmtp));
		for (size_t k = 0; apt >= 0 && k < m->ncodecs; k++)
			if (m->codecs[k].pt == apt && keep[k] &&
			    strcasecmp(m->codecs[k].name, "rtx") != 0)
				keep[i] = 1;
	}
	m->nanswer_pts = 0;
	for (size_t i = 0; i < m->ncodecs; i++)
		if (keep[i])
			m->answer_pts[m->nanswer_pts++] = m->codecs[i].pt;
}

static enum sdp_dir
answer_dir(enum sdp_dir offered)
{
	switch (offered) {
	case SDP_DIR_SENDONLY:
		return SDP_DIR_RECVONLY;
	case SDP_DIR_RECVONLY:
		return SDP_DIR_SENDONLY;
	case SDP_DIR_INACTIVE:
		return SDP_DIR_INACTIVE;
	default:
		return SDP_DIR_SENDRECV;
	}
}

static void
plan_section(struct sdp_offer *o, size_t idx)
{
	struct sdp_media *m = &o->media[idx];

	if (m->why != NULL)
		return;
	if (m->kind == SDP_KIND_APPLICATION) {
		o->app = (int)idx;
	} else {
		if (!m->rtcp_mux) {
			m->why = "no a=rtcp-mux";
			return;
		}
		select_codecs(o, m);
		if (m->nanswer_pts == 0) {
			m->why = "no codec rtcd can echo";
			return;
		}
		m->answer_dir = answer_dir(m->dir);
	}
	m->accepted = 1;
	o->naccepted++;
}

/* Which active sections join the transport; NULL or the reason to refuse. */
static const char *
choose_bundle(struct sdp_offer *o)
{
	size_t nactive = 0;

	if (o->has_bundle && o->nbundle == 0)
		return "empty a=group:BUNDLE";
	for (size_t i = 0; i < o->nbundle; i++)
		if (sdp_media_by_mid(o, o->bundle[i]) == NULL)
			return "a=group:BUNDLE names a mid with no m-section";
	for (size_t i = 0; i < o->nmedia; i++) {
		struct sdp_media *m = &o->media[i];
		if (!is_active(o, m))
			continue;
		nactive++;
		if (m->why == NULL && o->has_bundle && !in_bundle(o, m->mid))
			m->why = "not in a=group:BUNDLE";
	}
	if (!o->has_bundle && nactive > 1)
		return "unsupported: no BUNDLE; rtcd needs a=group:BUNDLE for several m-sections";
	return NULL;
}

int
sdp_policy_apply(struct sdp_offer *o, char *why, size_t whylen)
{
	const char *err;
	int napp = 0;

	if (o->nmedia == 0)
		return reject(why, whylen, "no m-sections");
	for (size_t i = 0; i < o->nmedia; i++)
		media_finish(o, &o->media[i]);
	if (o->ice_lite)
		return reject(why, whylen, "offerer is ICE-lite; rtcd is ICE-lite too");
	for (size_t i = 0; i < o->nmedia; i++) {
		struct sdp_media *m = &o->media[i];
		if (!is_active(o, m)) {
			m->why = "disabled in the offer (port 0)";
			continue;
		}
		if ((err = check_section(o, m, &napp)) != NULL)
			return reject(why, whylen, err);
	}
	if ((err = choose_bundle(o)) != NULL)
		return reject(why, whylen, err);
	for (size_t i = 0; i < o->nmedia; i++)
		plan_section(o, i);
	if (o->naccepted == 0) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "nothing rtcd can accept (m-section 0: %s)",
			    o->media[0].why ? o->media[0].why : "rejected");
		return -1;
	}
	/* One transport for the bundle: the first accepted section's, which our
	 * answer tags first in BUNDLE. Other sections may carry their own ICE
	 * credentials (aiortc 1.4 does); the offerer drops those transports. */
	for (size_t i = 0; i < o->nmedia; i++)
		if (o->media[i].accepted) {
			transport_of(o, &o->media[i], &o->remote);
			break;
		}
	if ((err = check_transport(&o->remote)) != NULL)
		return reject(why, whylen, err);
	return 0;
}

/* ---- lookups -------------------------------------------------------------- */

const char *
sdp_text(const struct sdp_offer *o, sdp_ref r)
{
	if (r == 0 || r >= o->pool_len)
		return "";
	return o->pool + r;
}

int
sdp_fmtp_apt(const char *fmtp)
{
	const char *p = fmtp;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, "apt=", 4) == 0) {
			int v = 0, n = 0;
			for (p += 4; *p >= '0' && *p <= '9' && n < 4; p++, n++)
				v = v * 10 + (*p - '0');
			if (n == 0 || n == 4 || v > 127 || (*p != '\0' && *p != ';' && *p != ' '))
				return -1;
			return v;
		}
		p = strchr(p, ';');
	}
	return -1;
}

const struct sdp_codec *
sdp_codec_find(const struct sdp_media *m, int pt)
{
	for (size_t i = 0; i < m->ncodecs; i++)
		if (m->codecs[i].pt == pt)
			return &m->codecs[i];
	return NULL;
}

const struct sdp_media *
sdp_media_by_mid(const struct sdp_offer *o, const char *mid)
{
	for (size_t i = 0; mid[0] != '\0' && i < o->nmedia; i++)
		if (strcmp(o->media[i].mid, mid) == 0)
			return &o->media[i];
	return NULL;
}

int
sdp_media_by_ssrc(const struct sdp_offer *o, uint32_t ssrc)
{
	for (size_t i = 0; i < o->nmedia; i++)
		for (size_t k = 0; o->media[i].accepted && k < o->media[i].nssrc; k++)
			if (o->media[i].ssrcs[k].id == ssrc)
				return (int)i;
	return -1;
}

const char *
sdp_kind_name(enum sdp_kind k)
{
	switch (k) {
	case SDP_KIND_AUDIO:
		return "audio";
	case SDP_KIND_VIDEO:
		return "video";
	case SDP_KIND_APPLICATION:
		return "application";
	default:
		return "other";
	}
}

const char *
sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDONLY:
		return "sendonly";
	case SDP_DIR_RECVONLY:
		return "recvonly";
	case SDP_DIR_INACTIVE:
		return "inactive";
	default:
		return "sendrecv";
	}
}
