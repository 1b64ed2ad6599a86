/* fuzz_pb: the protobuf wire-format reader (worker/p2p/pb.c) every libp2p
 * message goes through. The input is one message. Every field it yields
 * must lie inside the input and carry a valid number and wire type; the
 * fields re-encoded with the writers (pb_wr_*) read back as the same
 * fields; the varint helpers agree with each other. */
#include <string.h>

#include "fuzz.h"
#include "worker/p2p/pb.h"

#define PB_FUZZ_MAX_FIELDS 512

static struct pb_field fields[PB_FUZZ_MAX_FIELDS];

static void
write_field(struct wr *w, const struct pb_field *f)
{
	switch (f->wt) {
	case PB_WT_VARINT:
		pb_wr_varint_field(w, f->num, f->v);
		break;
	case PB_WT_LEN:
		pb_wr_bytes_field(w, f->num, f->p, f->len);
		break;
	case PB_WT_I64:
		pb_wr_tag(w, f->num, PB_WT_I64);
		for (int i = 0; i < 8; i++)
			wr_u8(w, (uint8_t)(f->v >> (8 * i)));
		break;
	case PB_WT_I32:
		pb_wr_tag(w, f->num, PB_WT_I32);
		for (int i = 0; i < 4; i++)
			wr_u8(w, (uint8_t)(f->v >> (8 * i)));
		break;
	default:
		FUZZ_CHECK(0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_reader pr;
	struct pb_field f;
	struct wr w;
	struct rd r;
	uint8_t *out;
	size_t nf = 0;
	int rc;

	pb_reader_init(&pr, data, size);
	while (nf < PB_FUZZ_MAX_FIELDS && (rc = pb_next(&pr, &f)) == 1) {
		FUZZ_CHECK(f.num >= 1 && f.num <= PB_FIELD_MAX);
		FUZZ_CHECK(f.wt == PB_WT_VARINT || f.wt == PB_WT_I64 || f.wt == PB_WT_LEN ||
		    f.wt == PB_WT_I32);
		if (f.wt == PB_WT_LEN)
			FUZZ_CHECK(f.p >= data && f.len <= size && f.p + f.len <= data + size);
		fields[nf++] = f;
	}
	/* Re-encode what was read (at most the input's size: the writers use
	 * minimal varints) and read it back. */
	out = malloc(size + 1);
	FUZZ_CHECK(out != NULL);
	wr_init(&w, out, size + 1);
	for (size_t i = 0; i < nf; i++)
		write_field(&w, &fields[i]);
	FUZZ_CHECK(!w.err && w.len <= size);
	pb_reader_init(&pr, out, w.len);
	for (size_t i = 0; i < nf; i++) {
		FUZZ_CHECK(pb_next(&pr, &f) == 1);
		FUZZ_CHECK(f.num == fields[i].num && f.wt == fields[i].wt);
		if (f.wt == PB_WT_LEN)
			FUZZ_CHECK(f.len == fields[i].len && memcmp(f.p, fields[i].p, f.len) == 0);
		else
			FUZZ_CHECK(f.v == fields[i].v);
	}
	FUZZ_CHECK(pb_next(&pr, &f) == 0);
	free(out);
	/* Varint helpers: what pb_rd_varint reads, pb_wr_varint writes back in
	 * pb_varint_len bytes. */
	rd_init(&r, data, size);
	{
		uint64_t v = pb_rd_varint(&r);
		uint8_t b[PB_VARINT_MAX + 1];
		if (!r.err) {
			wr_init(&w, b, sizeof(b));
			pb_wr_varint(&w, v);
			FUZZ_CHECK(!w.err && w.len == pb_varint_len(v) && w.len <= r.off);
		}
	}
	return 0;
}
