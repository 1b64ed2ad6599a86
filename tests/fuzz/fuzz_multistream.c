/* fuzz_multistream: multistream-select 1.0 (worker/p2p/multistream.c) on a
 * byte stream split anywhere. Byte 0, bit 0: listener (the worker's role on
 * every libp2p stream the browser opens) or dialer (tests, benchmark). The
 * rest is 8-bit-length chunks fed one after the other. Invariants: consumed
 * never exceeds the input, answers fit the documented MSS_OUT_MAX unless the
 * call failed, a selected listener names one of its protocols and echoed it
 * last, and SELECTED and ERROR are final. */
#include <string.h>

#include "fuzz.h"
#include "worker/p2p/multistream.h"

#define MSS_FUZZ_MAX_CHUNKS 64

static const char *const protos[] = { "/ipfs/ping/1.0.0", "/ipfs/id/1.0.0", "/chat/1.0.0" };

static void
listener(struct fz *f)
{
	static uint8_t buf[MSS_OUT_MAX];
	struct mss_listener l;
	enum mss_result last = MSS_CONTINUE;

	FUZZ_CHECK(mss_listener_init(&l, protos, 3) == 0);
	for (int i = 0; i < MSS_FUZZ_MAX_CHUNKS && f->n > 0; i++) {
		size_t n, consumed = 99999;
		const uint8_t *p = fz_chunk8(f, &n);
		uint8_t *copy = fz_dup(p, n);
		struct wr out;
		enum mss_result r;

		wr_init(&out, buf, sizeof(buf));
		r = mss_listener_input(&l, copy, n, &out, &consumed);
		free(copy);
		FUZZ_CHECK(consumed <= n);
		if (last == MSS_SELECTED || last == MSS_ERROR)
			FUZZ_CHECK(r == last && consumed == 0 && out.len == 0);
		if (r == MSS_SELECTED && last != MSS_SELECTED) {
			const char *name = mss_listener_protocol(&l);
			size_t nl;
			FUZZ_CHECK(name != NULL);
			nl = strlen(name);
			FUZZ_CHECK(strcmp(name, protos[0]) == 0 || strcmp(name, protos[1]) == 0 ||
			    strcmp(name, protos[2]) == 0);
			FUZZ_CHECK(!out.err && out.len >= nl + 2);
			FUZZ_CHECK(memcmp(out.p + out.len - nl - 1, name, nl) == 0);
			FUZZ_CHECK(out.p[out.len - 1] == '\n');
		} else if (r == MSS_CONTINUE) {
			FUZZ_CHECK(!out.err && consumed == n);
			FUZZ_CHECK(mss_listener_protocol(&l) == NULL);
		} else {
			FUZZ_CHECK(r == MSS_SELECTED || r == MSS_ERROR);
		}
		last = r;
	}
}

static void
dialer(struct fz *f)
{
	static uint8_t buf[MSS_OUT_MAX];
	struct mss_dialer d;
	struct wr out;
	size_t next = 1;
	enum mss_result last = MSS_CONTINUE;

	wr_init(&out, buf, sizeof(buf));
	FUZZ_CHECK(mss_dialer_start(&d, protos[0], &out) == 0);
	for (int i = 0; i < MSS_FUZZ_MAX_CHUNKS && f->n > 0; i++) {
		size_t n, consumed = 99999;
		const uint8_t *p = fz_chunk8(f, &n);
		uint8_t *copy = fz_dup(p, n);
		enum mss_result r = mss_dialer_input(&d, copy, n, &consumed);

		free(copy);
		FUZZ_CHECK(consumed <= n);
		if (last == MSS_SELECTED || last == MSS_ERROR)
			FUZZ_CHECK(r == last);
		if (r == MSS_NA && next < 3) {
			wr_init(&out, buf, sizeof(buf));
			FUZZ_CHECK(mss_dialer_propose(&d, protos[next++], &out) == 0);
		}
		last = r;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;

	fz_init(&f, data, size);
	if (fz_u8(&f) & 1)
		dialer(&f);
	else
		listener(&f);
	return 0;
}
