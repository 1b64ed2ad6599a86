/* fuzz_sdp: the SDP offer parser and policy (worker/sdp_parse.c,
 * sdp_policy.c) on one offer, and on success the answer builder
 * (sdp_answer.c) with fixed parameters, as offer.c calls them. Invariants:
 * a refusal has a one-line reason; on success every accepted section keeps
 * its limits, string references stay inside the pool, the lookups agree with
 * the sections, and the answer is CRLF-terminated text of the announced
 * length that names our credentials. The input is the offer text itself. */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "worker/sdp.h"

static void
check_media(const struct sdp_offer *o, const struct sdp_media *m)
{
	FUZZ_CHECK(m->ncodecs <= SDP_MAX_CODECS && m->next <= SDP_MAX_EXTMAPS);
	FUZZ_CHECK(m->nssrc <= SDP_MAX_SSRCS && m->nfid <= SDP_MAX_SSRC_GROUPS);
	FUZZ_CHECK(m->nfb_all <= SDP_MAX_FB && m->nanswer_pts <= m->ncodecs);
	FUZZ_CHECK(strlen(m->mid) <= SDP_MID_MAX);
	FUZZ_CHECK(m->accepted || m->why != NULL);
	for (size_t i = 0; i < m->ncodecs; i++) {
		const struct sdp_codec *c = &m->codecs[i];
		FUZZ_CHECK(c->nfb <= SDP_MAX_FB);
		FUZZ_CHECK(sdp_codec_find(m, c->pt) != NULL);
		(void)sdp_fmtp_apt(sdp_text(o, c->fmtp));
		(void)strlen(sdp_text(o, c->rtpmap));
		for (size_t k = 0; k < c->nfb; k++)
			(void)strlen(sdp_text(o, c->fb[k]));
	}
	for (size_t i = 0; i < m->nanswer_pts; i++)
		FUZZ_CHECK(sdp_codec_find(m, m->answer_pts[i]) != NULL);
	for (size_t i = 0; i < m->next; i++)
		(void)strlen(sdp_text(o, m->ext[i].uri));
	for (size_t i = 0; i < m->nssrc; i++)
		if (m->accepted)
			FUZZ_CHECK(sdp_media_by_ssrc(o, m->ssrcs[i].id) >= 0);
	(void)strlen(sdp_text(o, m->fmt));
	(void)strlen(sdp_text(o, m->msid));
	if (m->mid[0] != '\0')
		FUZZ_CHECK(sdp_media_by_mid(o, m->mid) != NULL);
	(void)sdp_kind_name(m->kind);
	(void)sdp_dir_name(m->answer_dir);
}

static void
answer(const struct sdp_offer *o)
{
	static char out[SDP_ANSWER_MAX];
	struct sdp_answer_params p;
	char why[256];
	size_t len = 0;

	memset(&p, 0, sizeof(p));
	p.ufrag = "Fz9q";
	p.pwd = "fuzzpasswordfuzzpassword";
	for (int i = 0; i < 32; i++)
		p.fingerprint[i] = (uint8_t)(0xA0 + i);
	p.cands[0].family = AF_INET;
	p.cands[0].port = 9000;
	p.cands[0].ip[0] = 127;
	p.cands[0].ip[3] = 1;
	p.cands[1].family = AF_INET6;
	p.cands[1].port = 9000;
	p.cands[1].ip[15] = 1;
	p.ncands = 2;
	p.session_id = 4242424242u;
	p.sctp_port = 5000;
	p.max_message_size = 262144;
	p.cname = "rtcd";
	for (size_t i = 0; i < o->nmedia; i++)
		if (o->media[i].accepted && o->media[i].kind != SDP_KIND_APPLICATION)
			p.ssrc[i] = 0x1000u + (uint32_t)i;
	if (sdp_build_answer(o, &p, out, sizeof(out), &len, why, sizeof(why)) < 0) {
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
		return;
	}
	FUZZ_CHECK(len < sizeof(out) && strlen(out) == len);
	FUZZ_CHECK(len >= 2 && out[len - 2] == '\r' && out[len - 1] == '\n');
	FUZZ_CHECK(strstr(out, "a=ice-ufrag:Fz9q\r\n") != NULL);
	FUZZ_CHECK(strncmp(out, "v=0\r\n", 5) == 0);
	/* No bare LF: every line ends in CRLF. */
	for (size_t i = 0; i < len; i++)
		if (out[i] == '\n')
			FUZZ_CHECK(i > 0 && out[i - 1] == '\r');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_offer *o;
	char why[256];

	if (o == NULL) {
		o = calloc(1, sizeof(*o));
		FUZZ_CHECK(o != NULL);
	}
	memset(why, 'X', sizeof(why));
	if (sdp_parse_offer((const char *)data, size, o, why, sizeof(why)) < 0) {
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
		FUZZ_CHECK(strchr(why, '\n') == NULL);
		return 0;
	}
	FUZZ_CHECK(o->nmedia <= SDP_MAX_MEDIA && o->nbundle <= SDP_MAX_MEDIA);
	FUZZ_CHECK(o->pool_len <= SDP_POOL_MAX && o->naccepted <= o->nmedia);
	FUZZ_CHECK(o->app < (int)o->nmedia);
	if (o->app >= 0)
		FUZZ_CHECK(o->media[o->app].accepted && o->media[o->app].kind == SDP_KIND_APPLICATION);
	for (size_t i = 0; i < o->nmedia; i++)
		check_media(o, &o->media[i]);
	answer(o);
	return 0;
}
