/* media: the media echo. Decrypted RTP from the peer is sent straight back to
 * it, re-encrypted, with the SSRC rewritten to the one our answer announced
 * for that m-section (so the browser's receiver accepts it). RTX is not
 * echoed. RTCP picture loss indications (PLI, FIR) about our SSRC are
 * translated to the peer's sending SSRC and sent back, so the peer's encoder
 * produces the keyframe its own receiver asked for. */
#ifndef RTCD_MEDIA_H
#define RTCD_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "sdp.h"

struct rtc;

struct media_stats {
	uint64_t rtp_in, rtp_out, rtcp_in, fb_out, dropped;
};

struct media;

/* ssrc[i]: our SSRC for m-section i (0 = we do not send there). */
struct media *media_new(const struct sdp_offer *o, const uint32_t ssrc[SDP_MAX_MEDIA]);
void media_free(struct media *m);
/* A decrypted packet from the peer; p has cap bytes of room for re-protection. */
void media_on_packet(struct media *m, struct rtc *r, uint8_t *p, size_t n, size_t cap, int rtcp);
const struct media_stats *media_get_stats(const struct media *m);

#endif
