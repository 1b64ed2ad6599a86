/* pb: a minimal protocol buffers wire-format codec for the libp2p messages
 * the worker handles (webrtc Message, Identify, Noise payloads). A reader
 * iterates the fields of one message (bounded, every length checked) and
 * skips what the caller does not know; writers emit varint and bytes fields
 * with explicit presence (a proto2 field set to 0 is still written: FIN is
 * `08 00`). Pure: no I/O, no allocation. */
#ifndef RTCD_P2P_PB_H
#define RTCD_P2P_PB_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PB_VARINT_MAX 10                   /* 64-bit protobuf varint */
#define PB_FIELD_MAX ((1u << 29) - 1)      /* largest field number */

enum pb_wire {
	PB_WT_VARINT = 0,
	PB_WT_I64 = 1,
	PB_WT_LEN = 2,
	PB_WT_SGROUP = 3,                  /* deprecated groups: rejected */
	PB_WT_EGROUP = 4,
	PB_WT_I32 = 5,
};

/* One decoded field. For VARINT/I64/I32 the value is in v; for LEN, p/len
 * point into the message being read. */
struct pb_field {
	uint32_t num;
	enum pb_wire wt;
	uint64_t v;
	const uint8_t *p;
	size_t len;
};

struct pb_reader {
	struct rd r;
};

void pb_reader_init(struct pb_reader *pr, const void *p, size_t n);
/* 1: *f holds the next field; 0: clean end of message; -1: malformed
 * (truncated, bad tag, field number 0 or too large, group wire types). */
int pb_next(struct pb_reader *pr, struct pb_field *f);

/* Varint primitives (10 bytes max; the 10th byte may only carry bit 63). */
size_t pb_varint_len(uint64_t v);
uint64_t pb_rd_varint(struct rd *r);
void pb_wr_varint(struct wr *w, uint64_t v);

/* Field writers; errors set w->err. */
void pb_wr_tag(struct wr *w, uint32_t num, enum pb_wire wt);
void pb_wr_varint_field(struct wr *w, uint32_t num, uint64_t v);
void pb_wr_bytes_field(struct wr *w, uint32_t num, const void *p, size_t n);
void pb_wr_string_field(struct wr *w, uint32_t num, const char *s);
/* Encoded size of a bytes field (tag + length + data). */
size_t pb_bytes_field_len(uint32_t num, size_t n);

#endif
