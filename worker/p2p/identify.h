/* identify: the libp2p Identify message (/ipfs/id/1.0.0, libp2p/specs
 * identify/README.md). The listener of an identify stream writes one
 * uvarint-length-prefixed Identify protobuf and then closes its write side;
 * js-libp2p reads such messages up to 8192 bytes each. This module builds
 * that message (and parses one, for tests and for reading a peer's answer).
 * Pure: no I/O; parsed fields point into the input. */
#ifndef RTCD_P2P_IDENTIFY_H
#define RTCD_P2P_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>

#define IDENTIFY_PROTOCOL "/ipfs/id/1.0.0"
#define IDENTIFY_PROTOCOL_VERSION "ipfs/0.1.0"
#define IDENTIFY_AGENT_PREFIX "rtcd/"
#define IDENTIFY_MAX_MSG 8192              /* protobuf body, as js reads it */
#define IDENTIFY_MAX_ADDRS 8
#define IDENTIFY_MAX_PROTOCOLS 32

/* Identify field numbers. */
#define IDENTIFY_F_PUBLIC_KEY 1
#define IDENTIFY_F_LISTEN_ADDRS 2
#define IDENTIFY_F_PROTOCOLS 3
#define IDENTIFY_F_OBSERVED_ADDR 4
#define IDENTIFY_F_PROTOCOL_VERSION 5
#define IDENTIFY_F_AGENT_VERSION 6
#define IDENTIFY_F_SIGNED_PEER_RECORD 8

struct identify_bytes {
	const uint8_t *p;          /* NULL = absent */
	size_t len;
};

struct identify_msg {
	struct identify_bytes public_key;          /* PublicKey protobuf */
	struct identify_bytes listen_addrs[IDENTIFY_MAX_ADDRS];   /* binary multiaddrs */
	size_t n_listen_addrs;
	struct identify_bytes protocols[IDENTIFY_MAX_PROTOCOLS];
	size_t n_protocols;
	struct identify_bytes observed_addr;
	struct identify_bytes protocol_version;
	struct identify_bytes agent_version;
	struct identify_bytes signed_peer_record;  /* parsed, never written */
	size_t n_dropped;          /* parse: repeated entries beyond the bounds */
};

/* A C string as identify bytes (NULL stays absent). */
struct identify_bytes identify_str(const char *s);
/* Write uvarint(len) || Identify; fields that are absent are left out.
 * Returns the total length, or -1 (cap, or body > IDENTIFY_MAX_MSG). */
int identify_encode(const struct identify_msg *m, uint8_t *out, size_t cap);
/* Fill protocolVersion "ipfs/0.1.0" and agentVersion "rtcd/<version>". */
void identify_set_server_versions(struct identify_msg *m);
/* Parse one length-prefixed message from a byte stream. 1: complete,
 * *consumed bytes used; 0: need more input; -1: malformed or too large. */
int identify_decode(const uint8_t *p, size_t n, struct identify_msg *m, size_t *consumed);

#endif
