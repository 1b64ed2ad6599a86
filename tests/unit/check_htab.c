/* check_htab: the hash table (insert, replace, delete, growth, iteration)
 * and SipHash-2-4 against its reference vector. */
#include "common/htab.h"
#include "testutil.h"

START_TEST(siphash_reference)
{
	/* SipHash-2-4 paper, Appendix A: key 00..0f, message 00..0e. */
	uint8_t k[16], m[15];

	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash24(k, m, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

START_TEST(put_get_del_grow)
{
	struct htab *h = htab_new(4);
	int vals[5000];

	for (int i = 0; i < 5000; i++) {
		vals[i] = i;
		ck_assert_int_eq(htab_put(h, &i, sizeof(i), &vals[i]), 0);
	}
	ck_assert_uint_eq(htab_count(h), 5000);
	for (int i = 0; i < 5000; i++)
		ck_assert_ptr_eq(htab_get(h, &i, sizeof(i)), &vals[i]);
	ck_assert_int_eq(htab_put(h, "x", 1, &vals[1]), 0);
	ck_assert_int_eq(htab_put(h, "x", 1, &vals[2]), 0);   /* replace */
	ck_assert_ptr_eq(htab_get(h, "x", 1), &vals[2]);
	ck_assert_ptr_null(htab_get(h, "xy", 2));
	for (int i = 0; i < 5000; i += 2)
		ck_assert_ptr_eq(htab_del(h, &i, sizeof(i)), &vals[i]);
	ck_assert_ptr_null(htab_del(h, &(int){ 0 }, sizeof(int)));
	ck_assert_uint_eq(htab_count(h), 2501);
	htab_free(h);
}
END_TEST

static int
drop_odd(const void *k, size_t kl, void *v, void *arg)
{
	(*(int *)arg)++;
	return *(int *)v % 2;
}

START_TEST(foreach_deletes)
{
	struct htab *h = htab_new(16);
	int vals[100], seen = 0;

	for (int i = 0; i < 100; i++) {
		vals[i] = i;
		htab_put(h, &i, sizeof(i), &vals[i]);
	}
	htab_foreach(h, drop_odd, &seen);
	ck_assert_int_eq(seen, 100);
	ck_assert_uint_eq(htab_count(h), 50);
	ck_assert_ptr_null(htab_get(h, &(int){ 3 }, sizeof(int)));
	ck_assert_ptr_nonnull(htab_get(h, &(int){ 4 }, sizeof(int)));
	htab_free(h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("htab");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, siphash_reference);
	tcase_add_test(tc, put_get_del_grow);
	tcase_add_test(tc, foreach_deletes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
