/* offer: SDP offer in, SDP answer out, for one worker (see offer.h). */
#include "offer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cert.h"
#include "common/util.h"

int
offer_process(const struct wire_hello *h, const char *sdp, size_t len, struct offer_state *st,
    char *out, size_t cap, size_t *outlen, char *why, size_t whylen)
{
	struct sdp_answer_params p;
	uint64_t sid;

	memset(st, 0, sizeof(*st));
	st->sdp = calloc(1, sizeof(*st->sdp));
	if (st->sdp == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (sdp_parse_offer(sdp, len, st->sdp, why, whylen) < 0)
		return -1;
	if (random_token(st->ufrag, OFFER_UFRAG_LEN) < 0 || random_token(st->pwd, OFFER_PWD_LEN) < 0 ||
	    random_bytes(&sid, sizeof(sid)) < 0) {
		snprintf(why, whylen, "no randomness");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.ufrag = st->ufrag;
	p.pwd = st->pwd;
	if (cert_fingerprint_sha256(h->cert, h->cert_len, p.fingerprint) < 0) {
		snprintf(why, whylen, "server certificate unavailable");
		return -1;
	}
	for (size_t i = 0; i < h->ncand && i < SDP_MAX_CANDIDATES; i++)
		p.cands[p.ncands++] = h->cand[i];
	p.session_id = sid >> 1;           /* keep it a positive 63-bit number */
	p.sctp_port = 5000;
	p.max_message_size = 262144;
	p.cname = "rtcd";
	for (size_t i = 0; i < st->sdp->nmedia; i++) {
		const struct sdp_media *m = &st->sdp->media[i];
		if (!m->accepted)
			continue;
		if (m->kind == SDP_KIND_APPLICATION) {
			st->has_app = 1;
			st->remote_sctp_port = m->sctp_port;
			st->remote_max_message_size = m->max_message_size;
		} else if (m->kind == SDP_KIND_AUDIO || m->kind == SDP_KIND_VIDEO) {
			st->has_media = 1;
			while (st->ssrc[i] == 0)
				if (random_bytes(&st->ssrc[i], sizeof(st->ssrc[i])) < 0)
					return -1;
			p.ssrc[i] = st->ssrc[i];
		}
	}
	if (sdp_build_answer(st->sdp, &p, out, cap, outlen, why, whylen) < 0)
		return -1;
	return 0;
}

void
offer_free(struct offer_state *st)
{
	free(st->sdp);
	st->sdp = NULL;
}
