/* check_p2p_pb: the protobuf wire codec: known encodings, every wire type,
 * skipping, rejected groups and field numbers, varint limits, truncation,
 * random round trips and garbage. */
#include "worker/p2p/pb.h"
#include "testutil.h"

/* Length written, asserting the writer did not overflow. */
static size_t
wlen(const struct wr *w)
{
	ck_assert_int_eq(w->err, 0);
	return w->len;
}

START_TEST(writers_known_bytes)
{
	uint8_t b[64], want[64];
	struct wr w;
	size_t n;

	/* Explicit presence: a zero value is still written (FIN = 08 00). */
	wr_init(&w, b, sizeof(b));
	pb_wr_varint_field(&w, 1, 0);
	pb_wr_bytes_field(&w, 2, "abc", 3);
	pb_wr_varint_field(&w, 1, 150);
	pb_wr_string_field(&w, 16, "x");
	pb_wr_bytes_field(&w, 3, NULL, 0);
	n = unhex("0800" "1203616263" "089601" "820101" "78" "1a00", want, sizeof(want));
	ck_assert_uint_eq(wlen(&w), n);
	ck_assert_mem_eq(b, want, n);
	ck_assert_uint_eq(pb_bytes_field_len(2, 3), 5);
	ck_assert_uint_eq(pb_bytes_field_len(16, 200), 2 + 2 + 200);

	/* Largest field number; invalid ones set err. */
	wr_init(&w, b, sizeof(b));
	pb_wr_varint_field(&w, PB_FIELD_MAX, 1);
	n = unhex("f8ffffff0f01", want, sizeof(want));
	ck_assert_uint_eq(wlen(&w), n);
	ck_assert_mem_eq(b, want, n);
	wr_init(&w, b, sizeof(b));
	pb_wr_varint_field(&w, 0, 1);
	ck_assert_int_ne(w.err, 0);
	wr_init(&w, b, sizeof(b));
	pb_wr_varint_field(&w, PB_FIELD_MAX + 1, 1);
	ck_assert_int_ne(w.err, 0);
	/* Overflowing the output. */
	wr_init(&w, b, 4);
	pb_wr_bytes_field(&w, 2, "abc", 3);
	ck_assert_int_ne(w.err, 0);
}
END_TEST

START_TEST(one_byte_tag_limit)
{
	uint8_t b[8];
	struct wr w;

	/* Field 15 still fits in a one-byte tag; field 16 needs two. */
	wr_init(&w, b, sizeof(b));
	pb_wr_string_field(&w, 15, "x");
	ck_assert_uint_eq(w.len, 3);
	ck_assert_uint_eq(b[0], 0x7a);
}
END_TEST

START_TEST(varint_limits)
{
	uint8_t b[16];
	struct rd r;
	struct wr w;
	size_t n;

	n = unhex("ffffffffffffffffff01", b, sizeof(b));
	rd_init(&r, b, n);
	ck_assert_uint_eq(pb_rd_varint(&r), UINT64_MAX);
	ck_assert(rd_done(&r));
	wr_init(&w, b, sizeof(b));
	pb_wr_varint(&w, UINT64_MAX);
	ck_assert_uint_eq(w.len, 10);
	ck_assert_uint_eq(pb_varint_len(UINT64_MAX), 10);
	ck_assert_uint_eq(pb_varint_len(0), 1);
	ck_assert_uint_eq(pb_varint_len(127), 1);
	ck_assert_uint_eq(pb_varint_len(128), 2);
	/* 10th byte carrying more than bit 63, 11-byte varints, truncation. */
	n = unhex("ffffffffffffffffff02", b, sizeof(b));
	rd_init(&r, b, n);
	(void)pb_rd_varint(&r);
	ck_assert_int_ne(r.err, 0);
	n = unhex("8080808080808080808001", b, sizeof(b));
	rd_init(&r, b, n);
	(void)pb_rd_varint(&r);
	ck_assert_int_ne(r.err, 0);
	n = unhex("8080", b, sizeof(b));
	rd_init(&r, b, n);
	(void)pb_rd_varint(&r);
	ck_assert_int_ne(r.err, 0);
	/* Non-minimal varints are legal protobuf. */
	n = unhex("8100", b, sizeof(b));
	rd_init(&r, b, n);
	ck_assert_uint_eq(pb_rd_varint(&r), 1);
	ck_assert(rd_done(&r));
}
END_TEST

START_TEST(reader_all_wire_types)
{
	uint8_t b[64];
	size_t n = unhex("089601" "110102030405060708" "1a03616263" "2504030201" "2800", b,
	    sizeof(b));
	struct pb_reader pr;
	struct pb_field f;

	pb_reader_init(&pr, b, n);
	ck_assert_int_eq(pb_next(&pr, &f), 1);
	ck_assert_uint_eq(f.num, 1);
	ck_assert_int_eq(f.wt, PB_WT_VARINT);
	ck_assert_uint_eq(f.v, 150);
	ck_assert_int_eq(pb_next(&pr, &f), 1);
	ck_assert_uint_eq(f.num, 2);
	ck_assert_int_eq(f.wt, PB_WT_I64);
	ck_assert_uint_eq(f.v, 0x0807060504030201ull);
	ck_assert_int_eq(pb_next(&pr, &f), 1);
	ck_assert_uint_eq(f.num, 3);
	ck_assert_int_eq(f.wt, PB_WT_LEN);
	ck_assert_uint_eq(f.len, 3);
	ck_assert_mem_eq(f.p, "abc", 3);
	ck_assert_int_eq(pb_next(&pr, &f), 1);
	ck_assert_uint_eq(f.num, 4);
	ck_assert_int_eq(f.wt, PB_WT_I32);
	ck_assert_uint_eq(f.v, 0x01020304);
	ck_assert_int_eq(pb_next(&pr, &f), 1);
	ck_assert_uint_eq(f.num, 5);
	ck_assert_uint_eq(f.v, 0);
	ck_assert_int_eq(pb_next(&pr, &f), 0);
	ck_assert_int_eq(pb_next(&pr, &f), 0);
	/* Empty message. */
	pb_reader_init(&pr, b, 0);
	ck_assert_int_eq(pb_next(&pr, &f), 0);
}
END_TEST

START_TEST(reader_rejects)
{
	static const char *bad[] = {
		"1b", "1c", "0b0c", "1e00", "1f00",           /* groups, wire types 6/7 */
		"0000", "0200", "0500000000",                 /* field number 0 */
		"0a05aa", "0aff", "0affffffffffffffffff01",   /* lengths beyond the input */
		"0808" "0a", "11010203", "250102",            /* truncated values */
		"80808080800101", "ffffffff1f00",             /* tag beyond 32 bits / field 2^29+ */
		"08ffffffffffffffffff7f",                     /* varint overflow */
	};
	uint8_t b[64];
	struct pb_reader pr;
	struct pb_field f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = unhex(bad[i], b, sizeof(b));
		int rc;

		pb_reader_init(&pr, b, n);
		while ((rc = pb_next(&pr, &f)) == 1)
			;
		ck_assert_msg(rc == -1, "%s", bad[i]);
		/* Errors are sticky. */
		ck_assert_int_eq(pb_next(&pr, &f), -1);
	}
}
END_TEST

START_TEST(truncation_each_prefix)
{
	uint8_t b[64];
	size_t n = unhex("089601" "110102030405060708" "1a03616263" "2504030201", b, sizeof(b));
	static const size_t ends[] = { 0, 3, 12, 17, 22 };

	for (size_t k = 0; k <= n; k++) {
		struct pb_reader pr;
		struct pb_field f;
		int rc, at_boundary = 0;

		for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
			at_boundary |= ends[i] == k;
		pb_reader_init(&pr, b, k);
		while ((rc = pb_next(&pr, &f)) == 1)
			;
		ck_assert_int_eq(rc, at_boundary ? 0 : -1);
	}
}
END_TEST

START_TEST(random_round_trip)
{
	uint8_t b[4096], data[64];
	unsigned seed = 17;

	for (int it = 0; it < 2000; it++) {
		struct wr w;
		struct pb_reader pr;
		struct pb_field f;
		uint32_t nums[32];
		uint64_t vals[32];
		size_t lens[32];
		int kinds[32], nf = 1 + rand_r(&seed) % 32;

		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)i;
		wr_init(&w, b, sizeof(b));
		for (int i = 0; i < nf; i++) {
			nums[i] = 1 + (uint32_t)rand_r(&seed) % PB_FIELD_MAX;
			kinds[i] = rand_r(&seed) & 1;
			vals[i] = ((uint64_t)rand_r(&seed) << 33) ^ (uint64_t)rand_r(&seed);
			lens[i] = (size_t)rand_r(&seed) % sizeof(data);
			if (kinds[i])
				pb_wr_bytes_field(&w, nums[i], data, lens[i]);
			else
				pb_wr_varint_field(&w, nums[i], vals[i]);
		}
		ck_assert_int_eq(w.err, 0);
		pb_reader_init(&pr, b, w.len);
		for (int i = 0; i < nf; i++) {
			ck_assert_int_eq(pb_next(&pr, &f), 1);
			ck_assert_uint_eq(f.num, nums[i]);
			if (kinds[i]) {
				ck_assert_int_eq(f.wt, PB_WT_LEN);
				ck_assert_uint_eq(f.len, lens[i]);
				ck_assert_mem_eq(f.p, data, lens[i]);
			} else {
				ck_assert_int_eq(f.wt, PB_WT_VARINT);
				ck_assert_uint_eq(f.v, vals[i]);
			}
		}
		ck_assert_int_eq(pb_next(&pr, &f), 0);
	}
}
END_TEST

START_TEST(random_garbage)
{
	uint8_t b[512];
	unsigned seed = 5150;

	for (int it = 0; it < 50000; it++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(b);
		struct pb_reader pr;
		struct pb_field f;
		int rc, count = 0;

		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)rand_r(&seed);
		pb_reader_init(&pr, b, n);
		while ((rc = pb_next(&pr, &f)) == 1) {
			ck_assert_uint_ge(f.num, 1);
			ck_assert_uint_le(f.num, PB_FIELD_MAX);
			ck_assert_int_ne(f.wt, PB_WT_SGROUP);
			ck_assert_int_ne(f.wt, PB_WT_EGROUP);
			if (f.wt == PB_WT_LEN) {
				ck_assert(f.p >= b && f.p + f.len <= b + n);
			}
			ck_assert_int_le(++count, (int)n);
		}
		ck_assert_int_le(rc, 0);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("p2p_pb");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, writers_known_bytes);
	tcase_add_test(tc, one_byte_tag_limit);
	tcase_add_test(tc, varint_limits);
	tcase_add_test(tc, reader_all_wire_types);
	tcase_add_test(tc, reader_rejects);
	tcase_add_test(tc, truncation_each_prefix);
	tcase_add_test(tc, random_round_trip);
	tcase_add_test(tc, random_garbage);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
