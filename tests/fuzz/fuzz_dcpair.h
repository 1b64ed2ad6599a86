/* fuzz_dcpair: what the dcep and sctp_assoc fuzz targets share: two real
 * sctp associations (worker/sctp.c over usrsctp) wired back to back through
 * the unit tests' in-memory pair (tests/unit/sctppair.c), each with a data
 * channel manager (worker/datachannel.c) on top, brought to ESTABLISHED
 * before the fuzz input is applied (side 0 = DTLS server, odd stream ids).
 *
 * usrsctp draws verification tags and initial TSNs from read_random(); the
 * fuzz binaries replace that exported function with a counter reset before
 * each input, so that the same input meets the same association (as
 * usrsctp's own fuzzers do with their fuzzing build mode). The common header
 * (ports + verification tag) of the last packet sent towards each side is
 * kept so a harness can address fuzzed chunks to the live association. */
#ifndef RTCD_FUZZ_DCPAIR_H
#define RTCD_FUZZ_DCPAIR_H

#include <string.h>

#include "fuzz.h"
#include "sctppair.h"
#include "worker/datachannel.h"
#include "worker/sctp.h"

#define FDC_UP_STEPS 500

struct fdc_end {
	int idx;
	struct sctp_assoc *a;
	struct dc_mgr *dc;
	int up, downs;
	uint8_t hdr[8];                /* ports + vtag of packets towards this side */
	int have_hdr;
	uint64_t msgs, opens, closes;
};

static struct pair fdc_pair;
static struct fdc_end fdc[2];
static uint64_t fdc_random_ctr;
/* Packets towards a side marked here are lost (a harness can play one
 * side alone without the other reacting to what it never sent). */
static int fdc_cut[2];
/* Sees every packet sent (gen_seeds.c records real packets with it). */
static void (*fdc_tap)(int from, const uint8_t *p, size_t n);

/* usrsctp's randomness source (user_environment.c), made reproducible. */
void read_random(void *buf, size_t size);
void
read_random(void *buf, size_t size)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < size; i++) {
		uint64_t x = ++fdc_random_ctr * 0x9E3779B97F4A7C15ull;
		p[i] = (uint8_t)(x >> 56);
	}
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
	fdc_random_ctr = 0;
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
