/* pb: protocol buffers wire-format reader and writers (see pb.h). */
#include "worker/p2p/pb.h"

#include <string.h>

size_t
pb_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

uint64_t
pb_rd_varint(struct rd *r)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < PB_VARINT_MAX; i++) {
		uint8_t b = rd_u8(r);

		if (r->err)
			return 0;
		/* The 10th byte holds bit 63 only; anything more overflows. */
		if (i == PB_VARINT_MAX - 1 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0)
			return v;
	}
	r->err = 1;
	return 0;
}

void
pb_wr_varint(struct wr *w, uint64_t v)
{
	uint8_t tmp[PB_VARINT_MAX];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	wr_bytes(w, tmp, n);
}

void
pb_reader_init(struct pb_reader *pr, const void *p, size_t n)
{
	rd_init(&pr->r, p, n);
}

/* Read the value of a field whose tag was just read. */
static int
read_value(struct rd *r, struct pb_field *f)
{
	uint64_t len;

	f->v = 0;
	f->p = NULL;
	f->len = 0;
	switch (f->wt) {
	case PB_WT_VARINT:
		f->v = pb_rd_varint(r);
		break;
	case PB_WT_I64:
		/* Little-endian on the wire. */
		for (unsigned i = 0; i < 8; i++)
			f->v |= (uint64_t)rd_u8(r) << (8 * i);
		break;
	case PB_WT_I32:
		for (unsigned i = 0; i < 4; i++)
			f->v |= (uint64_t)rd_u8(r) << (8 * i);
		break;
	case PB_WT_LEN:
		len = pb_rd_varint(r);
		if (r->err || len > rd_left(r))
			return -1;
		f->len = (size_t)len;
		f->p = rd_bytes(r, f->len);
		break;
	default:
		return -1;
	}
	return r->err ? -1 : 0;
}

int
pb_next(struct pb_reader *pr, struct pb_field *f)
{
	uint64_t tag;

	if (pr->r.err)
		return -1;
	if (rd_left(&pr->r) == 0)
		return 0;
	tag = pb_rd_varint(&pr->r);
	if (pr->r.err || tag > UINT32_MAX || (tag >> 3) == 0 || (tag >> 3) > PB_FIELD_MAX)
		goto bad;
	f->num = (uint32_t)(tag >> 3);
	f->wt = (enum pb_wire)(tag & 7);
	if (read_value(&pr->r, f) < 0)
		goto bad;
	return 1;
bad:
	pr->r.err = 1;
	return -1;
}

void
pb_wr_tag(struct wr *w, uint32_t num, enum pb_wire wt)
{
	if (num == 0 || num > PB_FIELD_MAX) {
		w->err = 1;
		return;
	}
	pb_wr_varint(w, ((uint64_t)num << 3) | (uint64_t)wt);
}

void
pb_wr_varint_field(struct wr *w, uint32_t num, uint64_t v)
{
	pb_wr_tag(w, num, PB_WT_VARINT);
	pb_wr_varint(w, v);
}

void
pb_wr_bytes_field(struct wr *w, uint32_t num, const void *p, size_t n)
{
	pb_wr_tag(w, num, PB_WT_LEN);
	pb_wr_varint(w, n);
	wr_bytes(w, p, n);
}

void
pb_wr_string_field(struct wr *w, uint32_t num, const char *s)
{
	pb_wr_bytes_field(w, num, s, strlen(s));
}

size_t
pb_bytes_field_len(uint32_t num, size_t n)
{
	return pb_varint_len((uint64_t)num << 3) + pb_varint_len(n) + n;
}
