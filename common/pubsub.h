/* pubsub: the libp2p pubsub Message (gossipsub/floodsub RPC, field numbers
 * from libp2p/specs pubsub): encode, decode into views, and the exact bytes a
 * StrictSign signature covers: "libp2p-pubsub:" || Message{from, data, seqno,
 * topic} (signature and key left out). Shared by the supervisor (which signs
 * messages on behalf of plain WebRTC peers) and the workers (which verify and
 * forward them). */
#ifndef RTCD_PUBSUB_H
#define RTCD_PUBSUB_H

#include <stddef.h>
#include <stdint.h>

#define PUBSUB_SIGN_PREFIX "libp2p-pubsub:"
#define PUBSUB_SIGN_PREFIX_LEN 14
#define PUBSUB_SEQNO_LEN 8
#define PUBSUB_MAX_MSG (32 * 1024)     /* one encoded Message */
#define PUBSUB_TOPIC_PREFIX "rtcd/"    /* room R is topic "rtcd/R" */

struct pubsub_bytes {
	const uint8_t *p;
	size_t len;
	int present;
};

struct pubsub_msg {
	struct pubsub_bytes from;        /* peer id (multihash bytes) */
	struct pubsub_bytes data;
	struct pubsub_bytes seqno;
	struct pubsub_bytes topic;
	struct pubsub_bytes signature;
	struct pubsub_bytes key;         /* PublicKey protobuf, optional */
};

/* Encode m; with_sig = 0 leaves out signature and key (the signed form).
 * Returns the length or -1 when it does not fit. */
int pubsub_msg_encode(const struct pubsub_msg *m, int with_sig, uint8_t *out, size_t cap);
/* "libp2p-pubsub:" || encode(m without signature and key). */
int pubsub_sign_input(const struct pubsub_msg *m, uint8_t *out, size_t cap);
/* Decode; unknown fields are skipped; views point into p. 0 or -1. */
int pubsub_msg_decode(const uint8_t *p, size_t n, struct pubsub_msg *m);

#endif
