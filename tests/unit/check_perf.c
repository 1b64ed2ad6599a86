/* check_perf: the /perf/1.0.0 server counts (request split anywhere,
 * upload counted, download handed out in bounded pieces only after EOF,
 * EOF without a request refused). */
#include "testutil.h"
#include "worker/p2p/perf.h"

static void
request(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

START_TEST(test_split_request_and_upload)
{
	uint8_t msg[8 + 100];
	struct perf p;

	request(msg, 300000);
	memset(msg + 8, 0xAB, 100);
	/* Every split point of the request must give the same counts. */
	for (size_t cut = 0; cut <= sizeof(msg); cut++) {
		perf_init(&p);
		perf_input(&p, msg, cut);
		ck_assert_int_eq(perf_take(&p, 1000), 0);       /* nothing before EOF */
		perf_input(&p, msg + cut, sizeof(msg) - cut);
		ck_assert_uint_eq(p.uploaded, 100);
		ck_assert_int_eq(perf_on_eof(&p), 0);
		ck_assert_uint_eq(p.to_send, 300000);
	}
}
END_TEST

START_TEST(test_download_in_pieces)
{
	uint8_t hdr[8];
	struct perf p;
	uint64_t total = 0;
	size_t k;
	int rounds = 0;

	perf_init(&p);
	request(hdr, 200001);
	perf_input(&p, hdr, 8);
	ck_assert_int_eq(perf_on_eof(&p), 0);
	while ((k = perf_take(&p, 65536)) > 0 && rounds++ < 100) {
		ck_assert_uint_le(k, 65536);
		total += k;
	}
	ck_assert_uint_eq(total, 200001);
	ck_assert(perf_done(&p));
}
END_TEST

START_TEST(test_huge_request_is_paced)
{
	uint8_t hdr[8];
	struct perf p;

	perf_init(&p);
	request(hdr, UINT64_MAX);
	perf_input(&p, hdr, 8);
	ck_assert_int_eq(perf_on_eof(&p), 0);
	ck_assert_uint_eq(perf_take(&p, 4096), 4096);
	ck_assert_uint_eq(p.to_send, UINT64_MAX - 4096);
	ck_assert(!perf_done(&p));
}
END_TEST

START_TEST(test_eof_without_request)
{
	uint8_t hdr[8] = { 0 };
	struct perf p;

	perf_init(&p);
	ck_assert_int_eq(perf_on_eof(&p), -1);
	perf_init(&p);
	perf_input(&p, hdr, 7);
	ck_assert_int_eq(perf_on_eof(&p), -1);
	ck_assert_uint_eq(perf_take(&p, 100), 0);
	perf_init(&p);
	perf_input(&p, hdr, 8);           /* zero bytes wanted: done at EOF */
	ck_assert(!perf_done(&p));
	ck_assert_int_eq(perf_on_eof(&p), 0);
	ck_assert(perf_done(&p));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("perf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_split_request_and_upload);
	tcase_add_test(tc, test_download_in_pieces);
	tcase_add_test(tc, test_huge_request_is_paced);
	tcase_add_test(tc, test_eof_without_request);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
