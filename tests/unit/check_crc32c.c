/* check_crc32c: our SCTP checksum equals usrsctp's own (usrsctp_crc32c) on
 * random packets of every length up to 1500 with both implementations
 * (SSE4.2 and table), matches the standard CRC32c check value, and the
 * filled-in packet is what usrsctp would have sent. */
#include <usrsctp.h>

#include "worker/crc32c.h"
#include "testutil.h"

START_TEST(check_value)
{
	/* CRC32c("123456789") = 0xE3069283, stored least significant byte first. */
	uint32_t v = crc32c_sctp((const uint8_t *)"123456789", 9);
	uint8_t b[4];

	memcpy(b, &v, 4);
	ck_assert_uint_eq(b[0], 0x83);
	ck_assert_uint_eq(b[1], 0x92);
	ck_assert_uint_eq(b[2], 0x06);
	ck_assert_uint_eq(b[3], 0xE3);
}
END_TEST

START_TEST(same_as_usrsctp)
{
	static uint8_t buf[1500];
	uint32_t seed = 12345;

	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (int hw = 0; hw < 2; hw++) {
		if (crc32c_select_hw(hw) != hw)
			continue;   /* no SSE4.2 here: the table alone */
		for (size_t n = 0; n <= sizeof(buf); n++)
			for (size_t off = 0; off < 8 && off <= n; off += 3)
				ck_assert_uint_eq(crc32c_sctp(buf + off, n - off),
				    usrsctp_crc32c(buf + off, n - off));
	}
	crc32c_select_hw(1);
}
END_TEST

START_TEST(fill_packet)
{
	uint8_t pkt[64];
	uint32_t want;

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7);
	memset(pkt + 8, 0, 4);
	want = usrsctp_crc32c(pkt, sizeof(pkt));
	pkt[8] = 0xff;                       /* whatever was there is replaced */
	crc32c_sctp_fill(pkt, sizeof(pkt));
	ck_assert_mem_eq(pkt + 8, &want, 4);
	crc32c_sctp_fill(pkt, 11);           /* shorter than a header: untouched */
	ck_assert_mem_eq(pkt + 8, &want, 4);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("core");

	crc32c_init();
	tcase_add_test(tc, check_value);
	tcase_add_test(tc, same_as_usrsctp);
	tcase_add_test(tc, fill_packet);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
