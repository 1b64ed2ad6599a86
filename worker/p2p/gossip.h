/* gossip: rtcd as a gossipsub (/meshsub/1.0.0, 1.1.0, 1.2.0) and floodsub
 * router for the one libp2p peer of this worker. Room R is topic "rtcd/R".
 * The peer's subscriptions become room joins; its published messages are
 * checked (StrictSign: Ed25519 signature over "libp2p-pubsub:" + message,
 * 8-byte seqno), de-duplicated by message id, turned into the chat JSON and
 * published to the room together with the original signed message, which
 * other libp2p peers receive verbatim. Room deliveries go back to the peer
 * as signed pubsub messages (authored by the original peer, or by rtcd for
 * plain WebRTC peers and presence). We mirror the peer's subscriptions and
 * graft it, and ignore IHAVE/IWANT gossip: with one peer there is nothing to
 * gossip about. Sans-IO: bytes in, RPC bytes out through the host. */
#ifndef RTCD_P2P_GOSSIP_H
#define RTCD_P2P_GOSSIP_H

#include <stddef.h>
#include <stdint.h>

#define GOSSIP_MAX_RPC (256 * 1024)      /* one inbound RPC */
#define GOSSIP_MAX_TOPICS 8
#define GOSSIP_SEEN 1024                 /* message ids remembered */
#define GOSSIP_MAX_TEXT 4096

struct gossip_host {
	void *arg;
	uint32_t conn_id;
	char peer_id[64];                    /* the remote peer, text form */
	void (*room_join)(void *arg, const char *room, const char *info_json);
	void (*room_leave)(void *arg, const char *room);
	void (*room_publish)(void *arg, const char *room, const uint8_t *json, size_t len,
	    const uint8_t *gossip, size_t glen);
	/* One length-prefixed RPC to write on our outbound stream. */
	void (*send_rpc)(void *arg, const uint8_t *p, size_t n);
};

struct gossip_stats {
	uint64_t rpcs_in, msgs_in, msgs_out, dup, invalid, subscribes, unsubscribes;
};

struct gossip;

struct gossip *gossip_new(const struct gossip_host *h);
void gossip_free(struct gossip *g);
/* Bytes of an inbound gossip stream (a byte stream of uvarint-prefixed RPCs).
 * 0, or -1 on a protocol violation (the caller resets the stream). */
int gossip_input(struct gossip *g, const uint8_t *p, size_t n, uint64_t wall_ms);
/* A room delivery from the supervisor: forward the signed message. */
void gossip_deliver(struct gossip *g, const char *room, const uint8_t *msg, size_t len);
const struct gossip_stats *gossip_get_stats(const struct gossip *g);

#endif
