/* session: libp2p WebRTC Direct on top of an established SCTP association
 * (libp2p/specs webrtc/webrtc-direct.md). We are the listener: DTLS server
 * and Noise XX *initiator* on the pre-negotiated channel 0 with the spec's
 * prologue (browser fingerprint, then ours). The libp2p identity key stays
 * in the supervisor: the session asks the host to sign the Noise static key.
 * After Noise every data channel is one libp2p stream carrying
 * uvarint-prefixed protobuf frames (decoded as a byte stream), with
 * multistream-select 1.0 and the protocols /ipfs/ping/1.0.0, /ipfs/id/1.0.0
 * and gossipsub/floodsub (chat rooms, see gossip.h). */
#ifndef RTCD_P2P_SESSION_H
#define RTCD_P2P_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "worker/datachannel.h"

#define P2P_MAX_LISTEN 8
#define P2P_EARLY_BYTES (16 * 1024)   /* per stream, before Noise completes */
#define P2P_MAX_QUEUED (8u * 1024 * 1024)
#define P2P_PING "/ipfs/ping/1.0.0"
#define P2P_IDENTIFY "/ipfs/id/1.0.0"
#define P2P_GOSSIP_PENDING (256 * 1024)  /* RPC bytes queued before our stream is ready */

struct p2p_cfg {
	uint8_t identity_pb[36];          /* our PublicKey protobuf */
	uint8_t local_fp[32];             /* sha-256 of our DTLS certificate */
	struct addr listen[P2P_MAX_LISTEN];
	int nlisten;
	struct addr observed;             /* the peer's address as we see it */
	void *arg;
	void (*sign)(void *arg, const uint8_t *msg, size_t n);   /* -> p2p_on_signature */
	void (*on_auth)(void *arg, const char *peer_id);          /* Noise done */
	void (*on_fail)(void *arg, const char *reason);
	/* chat rooms (gossipsub topics "rtcd/<room>") */
	uint32_t conn_id;
	void (*room_join)(void *arg, const char *room, const char *info_json);
	void (*room_leave)(void *arg, const char *room);
	void (*room_publish)(void *arg, const char *room, const uint8_t *json, size_t len,
	    const uint8_t *gossip, size_t glen);
};

struct p2p_stats {
	uint64_t streams, pings, identifies, resets, na, bytes_in, bytes_out;
};

struct p2p_session;

struct p2p_session *p2p_new(const struct p2p_cfg *cfg);
void p2p_free(struct p2p_session *s);
/* DTLS is up: the channel table exists; remote_fp is the browser's cert. */
int p2p_start(struct p2p_session *s, struct dc_mgr *dc, const uint8_t remote_fp[32]);
/* SCTP is up: send Noise message 1. */
void p2p_on_ready(struct p2p_session *s, uint64_t now_ms);
void p2p_on_signature(struct p2p_session *s, const uint8_t *sig, size_t n, uint64_t now_ms);
void p2p_on_open(struct p2p_session *s, struct dc_channel *ch);
void p2p_on_message(struct p2p_session *s, struct dc_channel *ch, int binary, const uint8_t *p,
    size_t n, uint64_t now_ms);
void p2p_on_close(struct p2p_session *s, struct dc_channel *ch, uint64_t now_ms);
void p2p_on_writable(struct p2p_session *s);
uint64_t p2p_next_deadline(const struct p2p_session *s);
void p2p_on_timer(struct p2p_session *s, uint64_t now_ms);
int p2p_is_authenticated(const struct p2p_session *s);
/* A room delivery from the supervisor (signed pubsub message). */
void p2p_on_deliver(struct p2p_session *s, const char *room, const uint8_t *gossip, size_t glen);
const struct p2p_stats *p2p_get_stats(const struct p2p_session *s);

#endif
