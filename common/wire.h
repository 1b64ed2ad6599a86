/* wire: the supervisor <-> worker message format (DESIGN.md §5).
 * One SOCK_SEQPACKET message = 12-byte header + typed body whose length must
 * match exactly. Bodies are encoded field by field (big endian, strings as
 * u16 length + bytes without NUL) and decoded strictly: unknown type, wrong
 * direction, short or trailing bytes, over-long strings all fail. The
 * supervisor treats any decode failure from a worker as a violation. */
#ifndef RTCD_WIRE_H
#define RTCD_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/addr.h"

#define WIRE_VERSION 1
#define WIRE_HDR_LEN 12
#define WIRE_MAX_DGRAM 2048          /* largest UDP payload we carry */
#define WIRE_MAX_BLOB (48 * 1024)    /* SDP, chat payloads */
#define WIRE_MAX_MSG (WIRE_HDR_LEN + WIRE_MAX_BLOB + 1024)
#define WIRE_MAX_TEXT 1024           /* LOG / BYE / reasons */
#define WIRE_MAX_UFRAG 256
#define WIRE_MAX_NAME 128            /* room names, peer ids */
#define WIRE_MAX_CERT 2048           /* DER certificate */
#define WIRE_MAX_KEY 512             /* DER private key */
#define WIRE_MAX_CANDS 8             /* UDP listener addresses for the answer */
#define WIRE_MAX_PUBKEY 64
#define WIRE_MAX_GOSSIP (20 * 1024)  /* one signed pubsub Message */

enum wire_type {
	WIRE_READY = 1,     /* W->S: sandboxed and waiting */
	WIRE_HELLO,         /* S->W: you now serve connection conn_id */
	WIRE_OFFER,         /* S->W: raw SDP offer */
	WIRE_ANSWER,        /* W->S: local ufrag + SDP answer */
	WIRE_OFFER_FAIL,    /* W->S: the offer was refused (reason) */
	WIRE_DGRAM_IN,      /* S->W: tuple + datagram */
	WIRE_DGRAM_OUT,     /* W->S: datagram for a bound tuple */
	WIRE_TUPLE_BIND,    /* W->S: tuple passed MESSAGE-INTEGRITY */
	WIRE_TUPLE_ACK,     /* S->W: bind accepted (code 0) or refused */
	WIRE_PEER_ERROR,    /* S->W: ICMP error for a bound remote */
	WIRE_STATE,         /* W->S: phase + counters */
	WIRE_LOG,           /* W->S: one log line */
	WIRE_SHUTDOWN,      /* S->W: close cleanly and exit */
	WIRE_BYE,           /* W->S: exiting, with a reason */
	WIRE_SIGN_REQ,      /* W->S: sign this Noise static key */
	WIRE_SIGN_RESP,     /* S->W: signature */
	WIRE_ROOM_JOIN,     /* W->S */
	WIRE_ROOM_LEAVE,    /* W->S */
	WIRE_ROOM_PUBLISH,  /* W->S */
	WIRE_ROOM_DELIVER,  /* S->W */
	WIRE_DEBUG,         /* S->W: test hook (only sent when debug_hooks is on) */
	WIRE_TYPE_MAX
};

enum wire_mode { WIRE_MODE_OFFER = 1, WIRE_MODE_DIRECT = 2 };

enum wire_phase {           /* connection phases reported in STATE */
	PHASE_IDLE = 0, PHASE_ICE, PHASE_DTLS, PHASE_SCTP, PHASE_OPEN, PHASE_CLOSING,
	PHASE_MAX
};

enum wire_debug { DEBUG_FORBIDDEN_SYSCALL = 1, DEBUG_CRASH = 2, DEBUG_GROW = 3 };

struct wire_hello {
	uint32_t conn_id;
	uint8_t mode;
	uint8_t log_level;
	uint32_t consent_timeout_ms;
	uint32_t handshake_timeout_ms;
	uint8_t ncand;
	struct addr cand[WIRE_MAX_CANDS];
	uint16_t cert_len;
	uint8_t cert[WIRE_MAX_CERT];
	uint16_t key_len;
	uint8_t key[WIRE_MAX_KEY];
	uint16_t pubkey_len;         /* libp2p identity public key (protobuf) */
	uint8_t pubkey[WIRE_MAX_PUBKEY];
};

struct wire_state {
	uint8_t phase;
	uint64_t bytes_in, bytes_out;
	uint64_t msgs_in, msgs_out;
	char peer[WIRE_MAX_NAME + 1];   /* remote identity, e.g. libp2p peer id */
};

struct wire_msg {
	uint16_t type;
	uint16_t flags;
	uint32_t tuple_id;
	union {
		uint32_t version;                     /* READY */
		struct wire_hello hello;              /* HELLO */
		struct tuple tuple;                   /* DGRAM_IN */
		uint8_t code;                         /* TUPLE_ACK, SHUTDOWN, DEBUG, TUPLE_BIND (nominated) */
		struct { int32_t err; uint8_t origin, type, code; } peer_error;
		struct wire_state state;
		struct { uint8_t code; char text[WIRE_MAX_TEXT + 1]; } text; /* LOG, BYE, OFFER_FAIL */
		char ufrag[WIRE_MAX_UFRAG + 1];       /* ANSWER */
		char room[WIRE_MAX_NAME + 1];         /* ROOM_JOIN, ROOM_LEAVE, ROOM_PUBLISH */
		struct {                              /* ROOM_DELIVER */
			char room[WIRE_MAX_NAME + 1];
			uint32_t lost;                /* messages dropped for this worker so far */
			uint32_t from_conn;           /* publisher's connection id; 0 = supervisor (presence) */
		} deliver;
	} u;
	/* Variable payload (DGRAM_*, OFFER, ANSWER sdp, SIGN_*, ROOM_PUBLISH/DELIVER).
	 * On decode it points into the input buffer. */
	const uint8_t *data;
	size_t data_len;
	/* ROOM_PUBLISH/DELIVER: the signed libp2p pubsub Message carrying the
	 * same chat message (empty when none), for WebRTC Direct peers. */
	const uint8_t *gossip;
	size_t gossip_len;
};

/* Which side may send a type: 'S' supervisor, 'W' worker, 0 invalid. */
char wire_sender(uint16_t type);
const char *wire_type_name(uint16_t type);

/* Encode m into out; returns the total length or -1 (too big / invalid). */
ssize_t wire_encode(uint8_t *out, size_t cap, const struct wire_msg *m);
/* Decode one received message of n bytes. On failure returns -1 and sets
 * *why to a static reason. */
int wire_decode(const uint8_t *in, size_t n, struct wire_msg *m, const char **why);

/* Encode and send on a SEQPACKET socket without blocking; -1 with errno. */
int wire_send(int fd, const struct wire_msg *m);
/* Receive one message into buf (WIRE_MAX_MSG bytes). Returns the byte count,
 * 0 on EOF, -1 with errno (EAGAIN when empty, EMSGSIZE when truncated). */
ssize_t wire_recv(int fd, uint8_t *buf, size_t cap);

/* Helpers to build common messages. */
void wire_init(struct wire_msg *m, uint16_t type, uint32_t tuple_id);

#endif
