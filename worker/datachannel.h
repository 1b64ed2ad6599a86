/* datachannel: WebRTC data channels (RFC 8831) and the Data Channel
 * Establishment Protocol (DCEP, RFC 8832) on top of one sctp association.
 * Owns the DCEP codec (pure), the stream-id -> channel table, the open/ACK
 * exchange, PPID mapping (string/binary/empty) and the close handshake by
 * outgoing stream resets in both directions (RFC 8831 §6.7).
 *
 * Wiring: the caller (conn.c) creates the sctp association with callbacks
 * that forward to dc_handle_message/_stream_reset/_reset_done/_writable/
 * _down. Callbacks of this module run from those handlers (and from dc_close
 * when the association is already gone); they may call any dc_* function,
 * including dc_free. A channel pointer is valid until on_close returns. */
#ifndef RTCD_DATACHANNEL_H
#define RTCD_DATACHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "sctp.h"

#define DCEP_MSG_OPEN 0x03
#define DCEP_MSG_ACK 0x02
#define DCEP_OPEN_HDR 12           /* fixed part of DATA_CHANNEL_OPEN */
#define DC_MAX_LABEL 1024          /* label and protocol bytes we accept */
#define DC_MAX_PROTOCOL 1024
#define DC_MAX_STREAMS 1024        /* default table size = SCTP streams */
#define DC_RESET_TRIES 3           /* outgoing reset attempts before giving up */

/* Channel types (RFC 8832 §5.1). */
#define DC_RELIABLE 0x00
#define DC_RELIABLE_UNORDERED 0x80
#define DC_REXMIT 0x01
#define DC_REXMIT_UNORDERED 0x81
#define DC_TIMED 0x02
#define DC_TIMED_UNORDERED 0x82
#define DC_TYPE_UNORDERED 0x80

/* A parsed DATA_CHANNEL_OPEN; label/protocol point into the message. */
struct dcep_open {
	uint8_t type;
	uint16_t priority;
	uint32_t rel_param;
	const uint8_t *label;
	uint16_t label_len;
	const uint8_t *protocol;
	uint16_t protocol_len;
};

/* 0 or -1 (wrong type, truncated, label/protocol past the end or too long,
 * unknown channel type). Bytes after the protocol are ignored. */
int dcep_parse_open(const uint8_t *p, size_t n, struct dcep_open *o);
/* Bytes written, or -1 when cap is too small or the open is invalid. */
int dcep_build_open(uint8_t *out, size_t cap, const struct dcep_open *o);
int dcep_build_ack(uint8_t *out, size_t cap);
int dc_type_valid(uint8_t type);

enum dc_state { DC_CONNECTING, DC_OPEN, DC_CLOSING, DC_CLOSED };

struct dc_channel {
	uint16_t sid;
	uint8_t type;                  /* DC_* */
	uint16_t priority;
	uint32_t rel_param;
	int negotiated;                /* pre-negotiated: no DCEP */
	enum dc_state state;           /* CONNECTING until the peer's ACK */
	char *label;                   /* NUL-terminated copies (may hold NULs) */
	size_t label_len;
	char *protocol;
	size_t protocol_len;
	void *user;                    /* free for the application */
	/* private to datachannel.c */
	int reset_in, reset_out, reset_tries, ack_pending;
};

struct dc_cfg {
	struct sctp_assoc *sctp;
	int dtls_server;               /* 1: we open odd stream ids, else even */
	uint16_t streams;              /* table size; 0 -> DC_MAX_STREAMS */
	uint32_t max_message_size;     /* 0 -> the association's */
	void *arg;
	void (*on_open)(void *arg, struct dc_channel *ch);   /* peer-opened only */
	void (*on_message)(void *arg, struct dc_channel *ch, int binary, const uint8_t *p,
	    size_t n);
	void (*on_close)(void *arg, struct dc_channel *ch);  /* once per channel */
	void (*on_writable)(void *arg);                      /* after EAGAIN */
};

struct dc_stats {
	uint64_t opened_in, opened_out, closed;
	uint64_t unknown_sid;          /* data for a stream without a channel */
	uint64_t bad_dcep;             /* malformed, duplicate or misplaced DCEP */
	uint64_t bad_ppid;             /* deprecated or unknown PPIDs */
	uint64_t too_big;              /* messages over max_message_size */
	uint64_t wrong_parity;         /* peer opens on our parity (aiortc), accepted */
};

struct dc_mgr;

struct dc_mgr *dc_new(const struct dc_cfg *cfg);
/* Frees every channel without callbacks (deferred inside a callback). */
void dc_free(struct dc_mgr *m);

/* Handlers for the sctp callbacks. */
void dc_handle_message(struct dc_mgr *m, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n);
void dc_handle_stream_reset(struct dc_mgr *m, uint16_t sid);
void dc_handle_reset_done(struct dc_mgr *m, uint16_t sid, int ok);
void dc_handle_writable(struct dc_mgr *m);
void dc_handle_down(struct dc_mgr *m);

/* Open a channel with DCEP on the next free stream of our parity. NULL with
 * errno (ENOTCONN, EAGAIN, EINVAL, ENOSPC when no stream id is free). */
struct dc_channel *dc_open(struct dc_mgr *m, const char *label, const char *protocol,
    uint8_t type, uint32_t rel_param);
/* A pre-negotiated channel on sid (no DCEP; e.g. libp2p's handshake channel
 * 0). It may be created before the association is up. */
struct dc_channel *dc_open_negotiated(struct dc_mgr *m, uint16_t sid, const char *label,
    const char *protocol, uint8_t type, uint32_t rel_param);
/* 0, or -1 with errno as sctp_send, or EPIPE when the channel is closing. */
int dc_send(struct dc_mgr *m, struct dc_channel *ch, int binary, const uint8_t *p, size_t n);
/* Start closing (outgoing stream reset); on_close follows once both
 * directions are reset (synchronously when the association is gone). */
int dc_close(struct dc_mgr *m, struct dc_channel *ch);
struct dc_channel *dc_get(struct dc_mgr *m, uint16_t sid);
const struct dc_stats *dc_get_stats(const struct dc_mgr *m);

#endif
