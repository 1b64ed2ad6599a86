/* multistream: multistream-select 1.0 protocol negotiation
 * (multiformats/multistream-select). Messages are uvarint(len) || line || '\n'
 * with len counting the '\n'. The listener answers the header, echoes a
 * supported protocol or says "na", and answers "ls". The dialer (used by
 * tests and the benchmark) proposes one protocol at a time. Both work on a
 * byte stream split anywhere; after agreement they report where the
 * protocol's own bytes start. Pure: bytes in, bytes out (into a struct wr). */
#ifndef RTCD_P2P_MULTISTREAM_H
#define RTCD_P2P_MULTISTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MSS_HEADER "/multistream/1.0.0"
#define MSS_MAX_LINE 1024          /* message length bound (js and go: 1024) */
#define MSS_MAX_ATTEMPTS 8         /* proposals ("na" answers) + "ls" per stream */
#define MSS_MAX_PROTOCOLS 16
/* Output space one listener_input call may need: header + echo, or an "ls"
 * listing of MSS_MAX_PROTOCOLS lines. Callers size their struct wr so. */
#define MSS_OUT_MAX (2 * (MSS_MAX_LINE + 2) + MSS_MAX_PROTOCOLS * (MSS_MAX_LINE + 2) + 8)

enum mss_result {
	MSS_ERROR = -1,            /* protocol violation or limit hit: reset the stream */
	MSS_CONTINUE = 0,          /* need more input (output may have been written) */
	MSS_SELECTED = 1,          /* agreed; *consumed marks the protocol's first byte */
	MSS_NA = 2,                /* dialer only: the listener said "na" */
};

/* Accumulates one message at a time, never reading past its end. */
struct mss_reader {
	uint8_t buf[MSS_MAX_LINE + 4];   /* prefix (<= 3 bytes) + message */
	size_t have;               /* bytes of the length prefix + body so far */
	size_t hdr_len;            /* length of the prefix, 0 while incomplete */
	size_t msg_len;
};

struct mss_listener {
	const char *const *protos;
	size_t nprotos;
	int state;
	int attempts;
	int selected;              /* index into protos once MSS_SELECTED */
	struct mss_reader rd;
};

struct mss_dialer {
	const char *proto;         /* current proposal */
	int state;
	struct mss_reader rd;
};

/* protos: supported protocol names (no '\n'), kept by reference. 0 or -1. */
int mss_listener_init(struct mss_listener *l, const char *const *protos, size_t nprotos);
/* Feed bytes; answers are appended to out. On MSS_SELECTED, *consumed is
 * the number of input bytes used; the rest belongs to the protocol. */
enum mss_result mss_listener_input(struct mss_listener *l, const uint8_t *p, size_t n,
    struct wr *out, size_t *consumed);
const char *mss_listener_protocol(const struct mss_listener *l);

/* Write the header and the first proposal. 0 or -1. */
int mss_dialer_start(struct mss_dialer *d, const char *proto, struct wr *out);
/* After MSS_NA: propose another protocol. 0 or -1. */
int mss_dialer_propose(struct mss_dialer *d, const char *proto, struct wr *out);
enum mss_result mss_dialer_input(struct mss_dialer *d, const uint8_t *p, size_t n,
    size_t *consumed);

/* Append one message (uvarint(len+1) || s || '\n'). */
void mss_write_msg(struct wr *w, const char *s, size_t len);

#endif
