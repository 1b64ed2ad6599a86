/* identity: the server's long-lived identity, kept by the supervisor only:
 * the DTLS certificate and key (state_dir/dtls-{cert,key}.pem, handed to
 * workers in HELLO) and the libp2p Ed25519 key (state_dir/libp2p-key.pem,
 * mode 0600, never leaves this process). Workers ask for one signature of
 * their Noise static key (SIGN_REQ); only that exact prefixed form is signed. */
#ifndef RTCD_IDENTITY_H
#define RTCD_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define IDENTITY_NOISE_PREFIX "noise-libp2p-static-key:"
#define IDENTITY_NOISE_MSG_LEN (24 + 32)
#define IDENTITY_PUBKEY_PB_LEN 36     /* 08 01 12 20 <32> */

struct identity;

/* Load or create the libp2p key in dir. NULL with err on failure. */
struct identity *identity_load(const char *dir, char *err, size_t errlen);
void identity_free(struct identity *id);
/* libp2p PublicKey protobuf of the Ed25519 key. */
void identity_pubkey_pb(const struct identity *id, uint8_t out[IDENTITY_PUBKEY_PB_LEN]);
/* Sign msg only if it is exactly "noise-libp2p-static-key:" || 32 bytes. */
int identity_sign_noise(const struct identity *id, const uint8_t *msg, size_t len, uint8_t sig[64]);
/* Build and sign a libp2p pubsub Message (StrictSign) authored by this
 * server: from = our peer id, seqno = a monotonic counter, topic, data.
 * Used for chat messages from plain WebRTC peers and presence events, so
 * libp2p peers can verify them. Length written to out, or -1. */
int identity_pubsub_message(struct identity *id, const char *topic, const uint8_t *data, size_t len,
    uint8_t *out, size_t cap);
/* The peer id text ("12D3KooW..."). 0 or -1. */
int identity_peer_id(const struct identity *id, char *out, size_t cap);
/* WebRTC Direct multiaddr of one UDP address with our certhash and peer id. */
int identity_multiaddr(const struct identity *id, const struct addr *a, const uint8_t cert_fp[32],
    char *out, size_t cap);

#endif
