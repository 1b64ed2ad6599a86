/* ice: the ICE-lite responder of one connection (RFC 8445 §7.3, lite agent;
 * RFC 7675 consent). Sans-IO: a STUN request and the time go in; a response
 * to send, "this tuple is authenticated" and "nominated" come out. In
 * WebRTC Direct mode the local credentials are learned from the first
 * request (libp2p: password = ufrag = the USERNAME part before ':'). */
#ifndef RTCD_ICE_H
#define RTCD_ICE_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define ICE_MAX_CRED 256
#define ICE_RESP_MAX 256

struct ice_cfg {
	int learn_libp2p;              /* credentials come from the first request */
	char ufrag[ICE_MAX_CRED + 1];  /* local ufrag (offer mode) */
	char pwd[ICE_MAX_CRED + 1];    /* local password (offer mode) */
	uint32_t consent_timeout_ms;
};

enum ice_verdict {
	ICE_DROP = 0,      /* silently dropped (malformed, not ours, unauthenticated) */
	ICE_RESPOND,       /* resp holds a success response; the tuple is authenticated */
	ICE_ERROR,         /* resp holds an error response (only for authenticated tuples) */
	ICE_IGNORE,        /* valid but needs no answer (indications, responses) */
};

struct ice_result {
	enum ice_verdict verdict;
	int nominated;                 /* USE-CANDIDATE present */
	int error_code;                /* for ICE_ERROR */
	const char *why;               /* reason for a drop, for logs */
	uint8_t resp[ICE_RESP_MAX];
	size_t resp_len;
};

struct ice {
	struct ice_cfg cfg;
	int learned;
	uint64_t last_valid_ms;        /* last authenticated check (consent) */
	uint64_t checks_ok, checks_bad;
};

void ice_init(struct ice *ice, const struct ice_cfg *cfg);
/* Handle one STUN message from remote. tuple_authenticated tells whether this
 * tuple already passed a check (then errors may be answered). */
void ice_input(struct ice *ice, const struct addr *remote, const uint8_t *p, size_t n,
    uint64_t now_ms, int tuple_authenticated, struct ice_result *out);
/* Time at which consent expires (UINT64_MAX before the first valid check). */
uint64_t ice_consent_deadline(const struct ice *ice);
const char *ice_local_ufrag(const struct ice *ice);

#endif
