/* fuzz_sctp_assoc: usrsctp through our wrapper (worker/sctp.c) and the data
 * channel layer above it, after a valid handshake: the fuzz input is a
 * script of packets and local actions against an ESTABLISHED association
 * pair (fuzz_dcpair.h), like usrsctp's own "connected" OSS-Fuzz harness.
 * Each step is an op byte (bit 3 picks the side) and its arguments:
 *   0 packet with a fixed-up common header: the 16-bit-length chunk of
 *     bytes becomes everything after the 12-byte SCTP common header, which
 *     gets the live association's ports and verification tag and a valid
 *     CRC32c (usrsctp verifies it, so random checksums would test nothing);
 *     TSNs, cumulative acks and RE-CONFIG request numbers in its chunks are
 *     offsets from the ones in use (fdc_fixup);
 *   1 raw packet as given; 2 pair steps (deliver queued packets, tick; bit
 *     7 of the argument cuts or restores the link towards the other side);
 *   3 dc_open with a label; 4 dc_send on a stream (bit 7: binary);
 *   5 dc_close; 6 sctp_reset_stream; 7 the peer side sends an SCTP message
 *     (any stream and PPID) through sctp_send, so the other side receives it.
 * Checks: the callbacks' invariants, on_down at most once per side, no
 * crash or leak in usrsctp or our glue. */
#include "fuzz_dcpair.h"

#define SCTP_FUZZ_MAX_OPS 48
#define SCTP_FUZZ_MAX_PKT 4096

static void
packet(struct fdc_end *e, const uint8_t *body, size_t n, int fixup)
{
	static uint8_t pkt[12 + SCTP_FUZZ_MAX_PKT];
	size_t len;

	if (e->a == NULL || fdc_pair.a[e->idx] == NULL)
		return;
	if (!fixup) {
		uint8_t *copy;
		if (n == 0)
			return;
		copy = fz_dup(body, n);
		sctp_input(e->a, copy, n);
		free(copy);
		return;
	}
	if (n > SCTP_FUZZ_MAX_PKT)
		n = SCTP_FUZZ_MAX_PKT;
	memcpy(pkt, e->hdr, 8);
	memset(pkt + 8, 0, 4);
	memcpy(pkt + 12, body, n);
	len = 12 + n;
	fdc_fixup(e->idx, pkt, len);
	fdc_observe(e->idx, pkt, len);
	{
		uint32_t c = pair_crc32c(pkt, len);
		pkt[8] = (uint8_t)c;
		pkt[9] = (uint8_t)(c >> 8);
		pkt[10] = (uint8_t)(c >> 16);
		pkt[11] = (uint8_t)(c >> 24);
	}
	{
		uint8_t *copy = fz_dup(pkt, len);
		sctp_input(e->a, copy, len);
		free(copy);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;

	fz_init(&f, data, size);
	fdc_setup();
	for (int i = 0; i < SCTP_FUZZ_MAX_OPS && f.n > 0; i++) {
		uint8_t op = fz_u8(&f);
		struct fdc_end *e = &fdc[(op >> 3) & 1];
		struct dc_channel *ch;
		const uint8_t *p;
		uint8_t *copy;
		char *label;
		size_t n;

		switch (op & 7) {
		case 0:
		case 1:
			p = fz_chunk16(&f, &n);
			packet(e, p, n, (op & 7) == 0);
			break;
		case 2: {
			uint8_t arg = fz_u8(&f);
			if (arg & 0x80)
				fdc_cut[1 - e->idx] ^= 1;
			for (int k = arg % 4; k >= 0; k--)
				pair_step(&fdc_pair);
			break;
		}
		case 3:
			p = fz_chunk8(&f, &n);
			label = fz_strdup(p, n);
			(void)dc_open(e->dc, label, "", fdc_type(fz_u8(&f)), fz_u8(&f));
			free(label);
			break;
		case 4:
			ch = dc_get(e->dc, fz_u8(&f) % 16);
			p = fz_chunk16(&f, &n);
			if (ch != NULL) {
				copy = fz_dup(p, n);
				(void)dc_send(e->dc, ch, op >> 7, copy, n);
				free(copy);
			}
			break;
		case 5:
			ch = dc_get(e->dc, fz_u8(&f) % 16);
			if (ch != NULL)
				(void)dc_close(e->dc, ch);
			break;
		case 6:
			if (fdc_pair.a[e->idx] != NULL)
				(void)sctp_reset_stream(e->a, fz_u16(&f));
			break;
		case 7: {
			struct fdc_end *peer = &fdc[1 - e->idx];
			uint16_t s = fz_u16(&f);
			uint32_t pp = fz_u32(&f);
			uint8_t pol = fz_u8(&f);
			p = fz_chunk16(&f, &n);
			if (fdc_pair.a[peer->idx] != NULL && n > 0) {
				copy = fz_dup(p, n);
				(void)sctp_send(peer->a, s, pp, copy, n, pol & 1, (pol >> 1) % 3, pol >> 3);
				free(copy);
			}
			break;
		}
		}
	}
	for (int k = 0; k < 5; k++)
		pair_step(&fdc_pair);
	(void)sctp_get_stats(fdc[0].a);
	(void)sctp_buffered(fdc[1].a);
	fdc_teardown();
	return 0;
}
