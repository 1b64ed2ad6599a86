/* fuzz_dcpair: what the dcep and sctp_assoc fuzz targets share: two real
 * sctp associations (worker/sctp.c over usrsctp) wired back to back through
 * the unit tests' in-memory pair (tests/unit/sctppair.c), each with a data
 * channel manager (worker/datachannel.c) on top, brought to ESTABLISHED
 * before the fuzz input is applied (side 0 = DTLS server, odd stream ids).
 *
 * Fuzzed packets are addressed to the live association: usrsctp checks the
 * verification tag and CRC32c, and accepts DATA, SACK, FORWARD-TSN and
 * RE-CONFIG only near the sequence numbers in use, all of which are random
 * per association. fdc_fixup() therefore rewrites those fields of fuzzed
 * chunks as small signed offsets (the fuzzed low byte) from the values seen
 * on the link so far (fdc_observe() tracks them in every packet), so an input
 * means the same thing whatever the association's random numbers are, and
 * gen_seeds.c turns recorded packets into such offsets (fdc_relativize). */
#ifndef RTCD_FUZZ_DCPAIR_H
#define RTCD_FUZZ_DCPAIR_H

#include <string.h>

#include "fuzz.h"
#include "sctppair.h"
#include "worker/datachannel.h"
#include "worker/sctp.h"

#define FDC_UP_STEPS 500

/* Sequence numbers seen on the link towards one side (serial arithmetic). */
struct fdc_seq {
	uint32_t in_tsn;               /* highest DATA TSN towards this side */
	uint32_t out_tsn;              /* highest DATA TSN this side sent */
	uint32_t in_req;               /* highest RE-CONFIG request number towards it */
	uint32_t out_req;              /* highest RE-CONFIG request number it sent */
};

struct fdc_end {
	int idx;
	struct sctp_assoc *a;
	struct dc_mgr *dc;
	int up, downs;
	uint8_t hdr[8];                /* ports + vtag of packets towards this side */
	int have_hdr;
	struct fdc_seq seq;
	uint64_t msgs, opens, closes;
};

static struct pair fdc_pair;
static struct fdc_end fdc[2];
/* Packets towards a side marked here are lost (a harness can play one
 * side alone without the other reacting to what it never sent). */
static int fdc_cut[2];
/* Sees every packet sent, before it is observed (gen_seeds.c records
 * real packets with it). */
static void (*fdc_tap)(int from, const uint8_t *p, size_t n);

#define SCTP_CH_DATA 0
#define SCTP_CH_INIT 1
#define SCTP_CH_INIT_ACK 2
#define SCTP_CH_SACK 3
#define SCTP_CH_SHUTDOWN 7
#define SCTP_CH_NR_SACK 16
#define SCTP_CH_IDATA 64
#define SCTP_CH_RECONFIG 130
#define SCTP_CH_FWD_TSN 192
#define SCTP_CH_IFWD_TSN 194
#define RECONF_OUT_RESET 13           /* RFC 6525 parameter types */
#define RECONF_IN_RESET 14
#define RECONF_TSN_RESET 15
#define RECONF_RESPONSE 16
#define RECONF_ADD_OUT 17
#define RECONF_ADD_IN 18

static uint32_t
fdc_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
fdc_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
fdc_max(uint32_t *cur, uint32_t v)
{
	if ((int32_t)(v - *cur) > 0)
		*cur = v;
}

/* What a sequence field of a chunk towards side `to` is relative to. */
enum fdc_rel { REL_NONE, REL_IN_TSN, REL_OUT_TSN, REL_IN_REQ, REL_OUT_REQ };

static uint32_t
fdc_base(const struct fdc_seq *s, enum fdc_rel r)
{
	switch (r) {
	case REL_IN_TSN: return s->in_tsn;
	case REL_OUT_TSN: return s->out_tsn;
	case REL_IN_REQ: return s->in_req;
	case REL_OUT_REQ: return s->out_req;
	default: return 0;
	}
}

/* Calls fn(field, rel, arg) for every sequence field in the chunks of one
 * packet (after the 12-byte common header), within bounds. */
static void
fdc_fields(uint8_t *pkt, size_t n, void (*fn)(uint8_t *, enum fdc_rel, int, void *), void *arg)
{
	size_t off = 12;

	while (off + 4 <= n) {
		uint8_t type = pkt[off];
		size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3], end;

		if (clen < 4)
			return;
		end = off + clen < n ? off + clen : n;
		if (type == SCTP_CH_DATA || type == SCTP_CH_IDATA) {
			if (off + 8 <= end)
				fn(pkt + off + 4, REL_IN_TSN, type, arg);
		} else if (type == SCTP_CH_SACK || type == SCTP_CH_NR_SACK ||
		    type == SCTP_CH_SHUTDOWN) {
			if (off + 8 <= end)
				fn(pkt + off + 4, REL_OUT_TSN, type, arg);
		} else if (type == SCTP_CH_FWD_TSN || type == SCTP_CH_IFWD_TSN) {
			if (off + 8 <= end)
				fn(pkt + off + 4, REL_IN_TSN, type, arg);
		} else if (type == SCTP_CH_INIT || type == SCTP_CH_INIT_ACK) {
			if (off + 20 <= end)
				fn(pkt + off + 16, REL_NONE, type, arg);   /* initial TSN */
		} else if (type == SCTP_CH_RECONFIG) {
			size_t p = off + 4;
			while (p + 4 <= end) {
				uint16_t pt = (uint16_t)(pkt[p] << 8 | pkt[p + 1]);
				size_t plen = (size_t)pkt[p + 2] << 8 | pkt[p + 3];
				if (plen < 4)
					break;
				if (pt == RECONF_RESPONSE) {
					if (p + 8 <= end)
						fn(pkt + p + 4, REL_OUT_REQ, type, arg);
				} else if (pt >= RECONF_OUT_RESET && pt <= RECONF_ADD_IN) {
					if (p + 8 <= end)
						fn(pkt + p + 4, REL_IN_REQ, type, arg);
					if (pt == RECONF_OUT_RESET && p + 12 <= end)
						fn(pkt + p + 8, REL_OUT_REQ, type, arg);
					if (pt == RECONF_OUT_RESET && p + 16 <= end)
						fn(pkt + p + 12, REL_IN_TSN, -1, arg);
				}
				p += (plen + 3) & ~(size_t)3;
			}
		}
		off += (clen + 3) & ~(size_t)3;
	}
}

struct fdc_ctx {
	struct fdc_end *to, *from;
};

/* Learn the sequence numbers in a packet towards ctx->to. */
static void
fdc_observe_field(uint8_t *f, enum fdc_rel r, int type, void *arg)
{
	struct fdc_ctx *c = arg;
	uint32_t v = fdc_get32(f);

	if (r == REL_NONE) {               /* INIT/INIT-ACK: the sender's start */
		c->to->seq.in_tsn = c->to->seq.in_req = v - 1;
		c->from->seq.out_tsn = c->from->seq.out_req = v - 1;
	} else if (r == REL_IN_TSN && type >= 0) {
		fdc_max(&c->to->seq.in_tsn, v);
		fdc_max(&c->from->seq.out_tsn, v);
	} else if (r == REL_IN_REQ) {
		fdc_max(&c->to->seq.in_req, v);
		fdc_max(&c->from->seq.out_req, v);
	}
}

static void
fdc_observe(int to, uint8_t *pkt, size_t n)
{
	struct fdc_ctx c = { &fdc[to], &fdc[1 - to] };

	fdc_fields(pkt, n, fdc_observe_field, &c);
}

/* Fuzzed field -> base + the fuzzed low byte as a signed offset. */
static void
fdc_fixup_field(uint8_t *f, enum fdc_rel r, int type, void *arg)
{
	struct fdc_ctx *c = arg;

	if (r != REL_NONE)
		fdc_put32(f, fdc_base(&c->to->seq, r) + (uint32_t)(int32_t)(int8_t)f[3]);
}

static inline void
fdc_fixup(int to, uint8_t *pkt, size_t n)
{
	struct fdc_ctx c = { &fdc[to], &fdc[1 - to] };

	fdc_fields(pkt, n, fdc_fixup_field, &c);
}

/* The inverse of fdc_fixup for a real packet (seed recording). */
static void
fdc_relativize_field(uint8_t *f, enum fdc_rel r, int type, void *arg)
{
	struct fdc_ctx *c = arg;

	if (r != REL_NONE)
		fdc_put32(f, (uint32_t)(int32_t)(int8_t)(uint8_t)(fdc_get32(f) -
		    fdc_base(&c->to->seq, r)));
}

static inline void
fdc_relativize(int to, uint8_t *pkt, size_t n)
{
	struct fdc_ctx c = { &fdc[to], &fdc[1 - to] };

	fdc_fields(pkt, n, fdc_relativize_field, &c);
}

static int
fdc_send(void *arg, const uint8_t *p, size_t n)
{
	struct fdc_end *from = arg, *to = &fdc[1 - from->idx];

	if (n >= 8) {
		memcpy(to->hdr, p, 8);
		to->have_hdr = 1;
	}
	if (fdc_tap != NULL)
		fdc_tap(from->idx, p, n);
	fdc_observe(to->idx, (uint8_t *)(uintptr_t)p, n);   /* reads only */
	if (fdc_cut[to->idx])
		return 0;
	return pair_send(&fdc_pair, to->idx, p, n);
}

static void
fdc_up(void *arg)
{
	((struct fdc_end *)arg)->up++;
}

static void
fdc_down(void *arg, const char *reason)
{
	struct fdc_end *e = arg;

	FUZZ_CHECK(reason != NULL);
	e->downs++;
	FUZZ_CHECK(e->downs == 1);     /* reported once per association */
	if (e->dc != NULL)
		dc_handle_down(e->dc);
}

static void
fdc_sctp_message(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	struct fdc_end *e = arg;

	if (e->dc != NULL)
		dc_handle_message(e->dc, sid, ppid, p, n);
}

static void
fdc_stream_reset(void *arg, uint16_t sid)
{
	struct fdc_end *e = arg;

	if (e->dc != NULL)
		dc_handle_stream_reset(e->dc, sid);
}

static void
fdc_reset_done(void *arg, uint16_t sid, int ok)
{
	struct fdc_end *e = arg;

	if (e->dc != NULL)
		dc_handle_reset_done(e->dc, sid, ok);
}

static void
fdc_sctp_writable(void *arg)
{
	struct fdc_end *e = arg;

	if (e->dc != NULL)
		dc_handle_writable(e->dc);
}

static void
fdc_on_open(void *arg, struct dc_channel *ch)
{
	struct fdc_end *e = arg;

	e->opens++;
	FUZZ_CHECK(ch->state == DC_OPEN && !ch->negotiated);
	FUZZ_CHECK(ch->label_len <= DC_MAX_LABEL && ch->protocol_len <= DC_MAX_PROTOCOL);
	FUZZ_CHECK(ch->label[ch->label_len] == '\0' && ch->protocol[ch->protocol_len] == '\0');
	FUZZ_CHECK(dc_get(e->dc, ch->sid) == ch);
}

static void
fdc_on_message(void *arg, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	struct fdc_end *e = arg;
	volatile uint8_t sink = 0;

	e->msgs++;
	FUZZ_CHECK(ch != NULL && (p != NULL || n == 0));
	/* Touch every byte: ASan checks the view is valid. */
	for (size_t i = 0; i < n; i++)
		sink ^= p[i];
	(void)sink;
}

static void
fdc_on_close(void *arg, struct dc_channel *ch)
{
	struct fdc_end *e = arg;

	e->closes++;
	FUZZ_CHECK(ch->state == DC_CLOSED);
}

static void
fdc_make_side(int i)
{
	struct sctp_cfg sc;
	struct dc_cfg dc;

	memset(&fdc[i], 0, sizeof(fdc[i]));
	fdc[i].idx = i;
	memset(&sc, 0, sizeof(sc));
	sc.arg = &fdc[i];
	sc.send = fdc_send;
	sc.on_up = fdc_up;
	sc.on_down = fdc_down;
	sc.on_message = fdc_sctp_message;
	sc.on_stream_reset = fdc_stream_reset;
	sc.on_reset_done = fdc_reset_done;
	sc.on_writable = fdc_sctp_writable;
	fdc[i].a = sctp_new(&sc);
	FUZZ_CHECK(fdc[i].a != NULL);
	fdc_pair.a[i] = fdc[i].a;
	memset(&dc, 0, sizeof(dc));
	dc.sctp = fdc[i].a;
	dc.dtls_server = i == 0;
	dc.arg = &fdc[i];
	dc.on_open = fdc_on_open;
	dc.on_message = fdc_on_message;
	dc.on_close = fdc_on_close;
	fdc[i].dc = dc_new(&dc);
	FUZZ_CHECK(fdc[i].dc != NULL);
}

static int
fdc_both_up(void *arg)
{
	return fdc[0].up && fdc[1].up;
}

/* Two established associations with their channel managers. */
static void
fdc_setup(void)
{
	fdc_cut[0] = fdc_cut[1] = 0;
	/* pair_init without its ck_assert (no Check runner here) */
	memset(&fdc_pair, 0, sizeof(fdc_pair));
	FUZZ_CHECK(sctp_global_init() == 0);
	sctp_debug_off();
	fdc_make_side(0);
	fdc_make_side(1);
	FUZZ_CHECK(sctp_connect(fdc[0].a) == 0);
	FUZZ_CHECK(sctp_connect(fdc[1].a) == 0);
	FUZZ_CHECK(pair_run(&fdc_pair, fdc_both_up, NULL, FDC_UP_STEPS));
}

static void
fdc_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		dc_free(fdc[i].dc);
		fdc[i].dc = NULL;
	}
	pair_fini(&fdc_pair);
}

/* A data channel type from any byte. */
static inline uint8_t
fdc_type(uint8_t v)
{
	static const uint8_t t[] = { DC_RELIABLE, DC_RELIABLE_UNORDERED, DC_REXMIT,
		DC_REXMIT_UNORDERED, DC_TIMED, DC_TIMED_UNORDERED };
	return t[v % sizeof(t)];
}

#endif
