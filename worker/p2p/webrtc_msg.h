/* webrtc_msg: libp2p WebRTC stream framing and half-close (libp2p/specs
 * webrtc/README.md "Multiplexing" and "Closing an RTCDataChannel").
 *
 * Every data-channel message stream is a byte stream of frames
 *   uvarint(len) || protobuf Message { optional Flag flag = 1;
 *                                      optional bytes message = 2; }
 * js-libp2p >= 6 sends the length prefix and the body as separate
 * data-channel messages, so the decoder is a byte-stream decoder that
 * buffers partial frames (bounded). The p2p_stream_state machine turns
 * local calls and received flags into actions (send FIN/FIN_ACK/..., deliver
 * or discard data, reset the channel once both halves are done). Pure: no
 * I/O, no clock (time comes in as an argument). */
#ifndef RTCD_P2P_WEBRTC_MSG_H
#define RTCD_P2P_WEBRTC_MSG_H

#include <stddef.h>
#include <stdint.h>

#define WEBRTC_MSG_MAX_SEND 16384             /* whole encoded frame we send */
#define WEBRTC_MSG_MAX_PAYLOAD 16377          /* 16384 - 2 (prefix) - 5 (protobuf) */
#define WEBRTC_MSG_MAX_RECV (256 * 1024 + 1024) /* largest protobuf body accepted */
#define WEBRTC_MSG_KEEP_BUF (16 * 1024 + 64)  /* larger buffers are freed after use */
#define P2P_FIN_ACK_TIMEOUT_MS 10000          /* as js and go */

enum webrtc_flag {
	WEBRTC_FLAG_FIN = 0,
	WEBRTC_FLAG_STOP_SENDING = 1,
	WEBRTC_FLAG_RESET = 2,
	WEBRTC_FLAG_FIN_ACK = 3,
};

struct webrtc_msg_frame {
	int has_flag;              /* a known flag value was present */
	enum webrtc_flag flag;
	int has_message;           /* field 2 present (possibly empty) */
	const uint8_t *payload;    /* valid only during the callback */
	size_t len;
};

/* Called once per complete frame; return 0 to go on, < 0 to stop. */
typedef int (*webrtc_msg_cb)(void *arg, const struct webrtc_msg_frame *f);

struct webrtc_msg_dec {
	uint8_t hdr[9];            /* partial length prefix */
	size_t hdr_len;
	int have_len;
	size_t body_len;
	uint8_t *buf;              /* partial body, allocated on demand */
	size_t buf_cap, buf_len;
	int err;                   /* sticky: the stream is broken */
	uint64_t frames;
};

void webrtc_msg_dec_init(struct webrtc_msg_dec *d);
void webrtc_msg_dec_free(struct webrtc_msg_dec *d);
/* Feed bytes of one data channel, split anywhere. Returns 0, -1 on a
 * malformed or oversize frame (or allocation failure), or the callback's
 * negative value. After a non-zero return the decoder refuses more input. */
int webrtc_msg_feed(struct webrtc_msg_dec *d, const uint8_t *p, size_t n, webrtc_msg_cb cb,
    void *arg);
/* Parse one protobuf body (without the length prefix). 0 or -1. Unknown
 * fields are skipped; an unknown flag value counts as absent (proto2). */
int webrtc_msg_parse(const uint8_t *body, size_t n, struct webrtc_msg_frame *f);
/* Encode one frame. payload == NULL leaves the message field out. Returns
 * the frame length or -1 if it does not fit cap or WEBRTC_MSG_MAX_SEND. */
int webrtc_msg_encode(uint8_t *out, size_t cap, int has_flag, enum webrtc_flag flag,
    const uint8_t *payload, size_t len);
/* Largest payload per frame we send; split longer writes. */
size_t webrtc_msg_max_payload(void);

/* ---- half-close state machine ---- */

enum p2p_stream_ev {
	P2P_EV_LOCAL_WRITE = 0,    /* the application wants to send data */
	P2P_EV_LOCAL_CLOSE_WRITE,  /* -> FIN */
	P2P_EV_LOCAL_CLOSE_READ,   /* -> STOP_SENDING */
	P2P_EV_LOCAL_RESET,        /* -> RESET_STREAM */
	P2P_EV_RX_DATA,            /* a frame carried payload bytes */
	P2P_EV_RX_FIN,
	P2P_EV_RX_STOP_SENDING,
	P2P_EV_RX_RESET,
	P2P_EV_RX_FIN_ACK,
	P2P_EV_TIMER,              /* now_ms reached p2p_stream_deadline() */
	P2P_EV_CHANNEL_CLOSED,     /* the data channel went away underneath */
	P2P_EV_COUNT
};

/* Actions (bit set) the caller carries out, in this order. */
enum p2p_stream_act {
	P2P_ACT_WRITE_OK = 1u << 0,      /* LOCAL_WRITE allowed: send the data */
	P2P_ACT_WRITE_ERROR = 1u << 1,   /* LOCAL_WRITE refused (write side closed) */
	P2P_ACT_DELIVER = 1u << 2,       /* hand RX_DATA to the application */
	P2P_ACT_DISCARD = 1u << 3,       /* drop RX_DATA */
	P2P_ACT_SEND_FIN = 1u << 4,
	P2P_ACT_SEND_FIN_ACK = 1u << 5,
	P2P_ACT_SEND_STOP_SENDING = 1u << 6,
	P2P_ACT_SEND_RESET = 1u << 7,
	P2P_ACT_READ_EOF = 1u << 8,      /* the remote finished writing */
	P2P_ACT_READ_RESET = 1u << 9,    /* the stream was reset: error to the reader */
	P2P_ACT_WRITE_CLOSED = 1u << 10, /* our write side is done (FIN_ACK/timeout/stop) */
	P2P_ACT_CLOSE_CHANNEL = 1u << 11,/* both halves done: reset the data channel */
};

/* Send half. */
enum p2p_send_state {
	P2P_SEND_OPEN = 1,
	P2P_SEND_FIN_SENT,         /* waiting for FIN_ACK */
	P2P_SEND_FIN_ACKED,        /* write side closed cleanly */
	P2P_SEND_FIN_TIMEOUT,      /* no FIN_ACK in time: closed anyway */
	P2P_SEND_STOPPED,          /* the remote sent STOP_SENDING */
	P2P_SEND_RESET,            /* reset by either side */
	P2P_SEND_NSTATES
};

/* Receive half. */
enum p2p_recv_state {
	P2P_RECV_OPEN = 1,
	P2P_RECV_FIN,              /* remote FIN received (EOF) */
	P2P_RECV_STOPPED,          /* we sent STOP_SENDING */
	P2P_RECV_RESET,            /* reset by either side */
	P2P_RECV_NSTATES
};

struct p2p_stream_state {
	uint8_t send;              /* enum p2p_send_state */
	uint8_t recv;              /* enum p2p_recv_state */
	uint8_t closed;            /* CLOSE_CHANNEL was emitted */
	uint64_t fin_deadline_ms;  /* FIN_ACK deadline while FIN_SENT */
};

void p2p_stream_init(struct p2p_stream_state *s);
/* Apply one event at time now_ms; returns the P2P_ACT_* bits to perform. */
unsigned p2p_stream_event(struct p2p_stream_state *s, enum p2p_stream_ev ev, uint64_t now_ms);
/* Map a received frame to its events (data first, then the flag) and
 * return the union of their actions. */
unsigned p2p_stream_on_frame(struct p2p_stream_state *s, const struct webrtc_msg_frame *f,
    uint64_t now_ms);
/* Next time P2P_EV_TIMER is due, or UINT64_MAX. */
uint64_t p2p_stream_deadline(const struct p2p_stream_state *s);
/* True once the write half counts as closed (FIN_ACK, timeout, STOP_SENDING
 * or reset). */
int p2p_stream_write_closed(const struct p2p_stream_state *s);
int p2p_stream_read_closed(const struct p2p_stream_state *s);
const char *p2p_stream_ev_name(enum p2p_stream_ev ev);

#endif
