/* fuzz_dcep: the Data Channel Establishment Protocol (RFC 8832) as the
 * worker sees it. Byte 0 picks the mode:
 *   even: dcep_parse_open on the rest; whatever parses must rebuild
 *         (dcep_build_open) to exactly the bytes it was parsed from, with
 *         label and protocol views inside the input;
 *   odd:  a script against the channel manager of an established
 *         association pair (fuzz_dcpair.h), fed straight into
 *         dc_handle_message/_stream_reset/_reset_done as if SCTP had
 *         delivered it, mixed with local opens, sends and closes and link
 *         steps. Each step is an op byte then its arguments:
 *           0 message: side, sid, PPID (small table or raw), 16-bit length + payload
 *           1 peer reset of a stream, 2 reset done (ok flag), 3 writable
 *           4 dc_open (label), 5 dc_send on sid, 6 dc_close on sid,
 *           7 pair steps, 8 pre-negotiated dc_open_negotiated.
 * Invariants: the callbacks' checks in fuzz_dcpair.h; no crash, no leak. */
#include <errno.h>

#include "fuzz_dcpair.h"

#define DCEP_FUZZ_MAX_OPS 64

static void
parse_mode(const uint8_t *p, size_t n)
{
	struct dcep_open o;
	uint8_t *out;
	size_t want;
	int len;

	if (dcep_parse_open(p, n, &o) < 0)
		return;
	FUZZ_CHECK(dc_type_valid(o.type));
	FUZZ_CHECK(o.label_len <= DC_MAX_LABEL && o.protocol_len <= DC_MAX_PROTOCOL);
	want = DCEP_OPEN_HDR + o.label_len + o.protocol_len;
	FUZZ_CHECK(want <= n);
	if (o.label_len)
		FUZZ_CHECK(o.label == p + DCEP_OPEN_HDR);
	if (o.protocol_len)
		FUZZ_CHECK(o.protocol == p + DCEP_OPEN_HDR + o.label_len);
	out = malloc(want);
	FUZZ_CHECK(out != NULL);
	len = dcep_build_open(out, want, &o);
	FUZZ_CHECK(len >= 0 && (size_t)len == want);
	FUZZ_CHECK(memcmp(out, p, want) == 0);
	FUZZ_CHECK(dcep_build_open(out, want - 1, &o) == -1);
	free(out);
}

static uint32_t
ppid(struct fz *f)
{
	static const uint32_t known[] = { SCTP_PPID_DCEP, SCTP_PPID_STRING,
		SCTP_PPID_BINARY_PARTIAL, SCTP_PPID_BINARY, SCTP_PPID_STRING_PARTIAL,
		SCTP_PPID_STRING_EMPTY, SCTP_PPID_BINARY_EMPTY };
	uint8_t v = fz_u8(f);

	return v < 0xF0 ? known[v % 7] : fz_u32(f);
}

/* A stream id near the ones in use (small) or any. */
static uint16_t
sid(struct fz *f)
{
	uint8_t v = fz_u8(f);

	return v < 0xF0 ? (uint16_t)(v % 16) : fz_u16(f);
}

static void
script_mode(struct fz *f)
{
	fdc_setup();
	for (int i = 0; i < DCEP_FUZZ_MAX_OPS && f->n > 0; i++) {
		uint8_t op = fz_u8(f);
		struct fdc_end *e = &fdc[(op >> 4) & 1];
		struct dc_channel *ch;
		const uint8_t *p;
		uint8_t *copy;
		char *label;
		size_t n;

		if (e->dc == NULL)
			break;
		switch (op & 15) {
		case 0: {
			uint16_t s = sid(f);
			uint32_t pp = ppid(f);
			p = fz_chunk16(f, &n);
			copy = fz_dup(p, n);
			dc_handle_message(e->dc, s, pp, copy, n);
			free(copy);
			break;
		}
		case 1:
			dc_handle_stream_reset(e->dc, sid(f));
			break;
		case 2:
			dc_handle_reset_done(e->dc, sid(f), fz_u8(f) & 1);
			break;
		case 3:
			dc_handle_writable(e->dc);
			break;
		case 4:
			p = fz_chunk8(f, &n);
			label = fz_strdup(p, n);
			(void)dc_open(e->dc, label, "", fdc_type(fz_u8(f)), fz_u16(f));
			free(label);
			break;
		case 5:
			ch = dc_get(e->dc, sid(f));
			p = fz_chunk16(f, &n);
			if (ch != NULL) {
				copy = fz_dup(p, n);
				(void)dc_send(e->dc, ch, op >> 7, copy, n);
				free(copy);
			}
			break;
		case 6:
			ch = dc_get(e->dc, sid(f));
			if (ch != NULL)
				(void)dc_close(e->dc, ch);
			break;
		case 7:
			for (int k = fz_u8(f) % 8; k >= 0; k--)
				pair_step(&fdc_pair);
			break;
		case 8:
			(void)dc_open_negotiated(e->dc, sid(f), "n", "", fdc_type(fz_u8(f)), 0);
			break;
		default:
			break;
		}
	}
	for (int k = 0; k < 5; k++)
		pair_step(&fdc_pair);
	(void)dc_get_stats(fdc[0].dc);
	fdc_teardown();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	uint8_t mode;

	fz_init(&f, data, size);
	mode = fz_u8(&f);
	if ((mode & 1) == 0) {
		uint8_t *copy = fz_dup(f.p, f.n);
		parse_mode(copy, f.n);
		free(copy);
	} else {
		script_mode(&f);
	}
	return 0;
}
