/* offer: the worker's side of POST /v1/offer. Parses the browser's SDP (the
 * only place SDP is parsed), picks our ICE credentials and sending SSRCs,
 * and writes the answer: ICE-lite, host candidates of the UDP listeners,
 * setup:passive, our certificate's sha-256 fingerprint. */
#ifndef RTCD_OFFER_H
#define RTCD_OFFER_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"
#include "sdp.h"

#define OFFER_UFRAG_LEN 16
#define OFFER_PWD_LEN 32

struct offer_state {
	struct sdp_offer *sdp;                 /* kept: the media echo reads it */
	char ufrag[OFFER_UFRAG_LEN + 1];
	char pwd[OFFER_PWD_LEN + 1];
	uint32_t ssrc[SDP_MAX_MEDIA];          /* ours, per m-section */
	int has_media;                         /* an accepted audio/video section */
	int has_app;                           /* an accepted data channel section */
	uint16_t remote_sctp_port;
	uint32_t remote_max_message_size;
};

/* 0 with the answer in out, or -1 with a one-line reason in why. */
int offer_process(const struct wire_hello *h, const char *sdp, size_t len, struct offer_state *st,
    char *out, size_t cap, size_t *outlen, char *why, size_t whylen);
void offer_free(struct offer_state *st);

#endif
