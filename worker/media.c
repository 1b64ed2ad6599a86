/* media: RTP/RTCP echo with SSRC rewriting (see media.h). */
#include "media.h"

#include <stdlib.h>
#include <string.h>

#include "rtc.h"
#include "srtp_sess.h"

#define MAX_LEARNED 16

struct media {
	const struct sdp_offer *o;
	uint32_t ours[SDP_MAX_MEDIA];          /* our SSRC per section */
	uint32_t peer[SDP_MAX_MEDIA];          /* the peer's main SSRC per section, once seen */
	struct { uint32_t ssrc; int sec; } learned[MAX_LEARNED];
	int nlearned;
	struct media_stats st;
};

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct media *
media_new(const struct sdp_offer *o, const uint32_t ssrc[SDP_MAX_MEDIA])
{
	struct media *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->o = o;
	memcpy(m->ours, ssrc, sizeof(m->ours));
	return m;
}

void
media_free(struct media *m)
{
	free(m);
}

const struct media_stats *media_get_stats(const struct media *m) { return &m->st; }

static int
is_rtx_pt(const struct sdp_media *sm, uint8_t pt)
{
	const struct sdp_codec *c = sdp_codec_find(sm, pt);

	return c == NULL || strcasecmp(c->name, "rtx") == 0;
}

static int
section_has_pt(const struct sdp_media *sm, uint8_t pt)
{
	for (size_t i = 0; i < sm->nanswer_pts; i++)
		if (sm->answer_pts[i] == pt)
			return 1;
	return 0;
}

/* Which m-section an incoming SSRC belongs to: signalled SSRCs first, then
 * what we learned, then the payload type (unique per BUNDLE group). */
static int
section_of(struct media *m, uint32_t ssrc, uint8_t pt)
{
	int sec = sdp_media_by_ssrc(m->o, ssrc);

	if (sec >= 0)
		return sec;
	for (int i = 0; i < m->nlearned; i++)
		if (m->learned[i].ssrc == ssrc)
			return m->learned[i].sec;
	for (size_t i = 0; i < m->o->nmedia; i++) {
		const struct sdp_media *sm = &m->o->media[i];
		if (sm->accepted && (sm->kind == SDP_KIND_AUDIO || sm->kind == SDP_KIND_VIDEO) &&
		    section_has_pt(sm, pt)) {
			if (m->nlearned < MAX_LEARNED) {
				m->learned[m->nlearned].ssrc = ssrc;
				m->learned[m->nlearned].sec = (int)i;
				m->nlearned++;
			}
			return (int)i;
		}
	}
	return -1;
}

static int
we_send(const struct sdp_media *sm)
{
	return sm->answer_dir == SDP_DIR_SENDRECV || sm->answer_dir == SDP_DIR_SENDONLY;
}

static void
on_rtp(struct media *m, struct rtc *r, uint8_t *p, size_t n, size_t cap)
{
	struct rtp_hdr h;
	const struct sdp_media *sm;
	int sec;

	if (rtp_parse_header(p, n, &h) < 0) {
		m->st.dropped++;
		return;
	}
	m->st.rtp_in++;
	sec = section_of(m, h.ssrc, h.pt);
	if (sec < 0) {
		m->st.dropped++;
		return;
	}
	sm = &m->o->media[sec];
	for (size_t i = 0; i < sm->nssrc; i++)
		if (sm->ssrcs[i].id == h.ssrc && sm->ssrcs[i].is_rtx) {
			m->st.dropped++;
			return;
		}
	if (!we_send(sm) || m->ours[sec] == 0 || !section_has_pt(sm, h.pt) || is_rtx_pt(sm, h.pt)) {
		m->st.dropped++;
		return;
	}
	if (m->peer[sec] == 0)
		m->peer[sec] = h.ssrc;
	if (h.ssrc != m->peer[sec]) {
		m->st.dropped++;     /* one source per section is echoed */
		return;
	}
	rtp_set_ssrc(p, n, m->ours[sec]);
	if (rtc_send_media(r, p, n, cap, 0) == 0)
		m->st.rtp_out++;
}

/* Forward PLI (PSFB FMT 1) and FIR (PSFB FMT 4) about our SSRCs to the
 * matching peer SSRC. Everything else in the compound packet is dropped. */
static void
on_rtcp(struct media *m, struct rtc *r, const uint8_t *p, size_t n)
{
	uint8_t out[1500];
	size_t off = 0, o = 0;

	m->st.rtcp_in++;
	while (off + 4 <= n) {
		uint8_t fmt = p[off] & 0x1f, pt = p[off + 1];
		size_t len = ((size_t)((p[off + 2] << 8) | p[off + 3]) + 1) * 4;

		if ((p[off] >> 6) != 2 || off + len > n)
			break;
		if (pt == 206 && (fmt == 1 || fmt == 4) && len >= 12 && o + len + 64 <= sizeof(out) - SRTP_SESS_TRAILER_MAX) {
			uint32_t media_ssrc = rd32(p + off + 8);
			if (fmt == 4 && len >= 20)
				media_ssrc = rd32(p + off + 12);   /* FIR: the FCI names the SSRC */
			for (size_t s = 0; s < m->o->nmedia; s++) {
				if (m->ours[s] != media_ssrc || m->peer[s] == 0)
					continue;
				memcpy(out + o, p + off, len);
				wr32(out + o + 4, m->ours[s]);       /* sender: us */
				if (fmt == 4 && len >= 20)
					wr32(out + o + 12, m->peer[s]);
				else
					wr32(out + o + 8, m->peer[s]);
				o += len;
				break;
			}
		}
		off += len;
	}
	if (o == 0)
		return;
	if (rtc_send_media(r, out, o, sizeof(out), 1) == 0)
		m->st.fb_out++;
}

void
media_on_packet(struct media *m, struct rtc *r, uint8_t *p, size_t n, size_t cap, int rtcp)
{
	if (rtcp)
		on_rtcp(m, r, p, n);
	else
		on_rtp(m, r, p, n, cap);
}
