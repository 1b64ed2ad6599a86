/* crc32c: CRC32c (Castagnoli, reflected polynomial 0x82F63B78) for SCTP
 * packets; see crc32c.h for why it lives here. */
#include "crc32c.h"

#include <string.h>

#define CRC32C_POLY 0x82F63B78u

static uint32_t table[8][256];
static int inited, use_hw, have_hw;

void
crc32c_init(void)
{
	if (inited)
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	have_hw = __builtin_cpu_supports("sse4.2");
#endif
	use_hw = have_hw;
	inited = 1;
}

int
crc32c_select_hw(int on)
{
	crc32c_init();
	use_hw = on && have_hw;
	return use_hw;
}

/* Slicing-by-8: eight table lookups per 8 input bytes (little-endian load). */
static uint32_t
crc_sw(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		    (uint32_t)p[7] << 24;
		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
		    table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
		    table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = crc;

	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	crc = (uint32_t)c;
	while (n--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

uint32_t
crc32c_sctp(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu, out;
	uint8_t le[4];

	if (!inited)
		crc32c_init();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (use_hw)
		crc = crc_hw(crc, p, n);
	else
#endif
		crc = crc_sw(crc, p, n);
	crc = ~crc;
	/* On the wire the CRC goes least significant byte first (RFC 9260
	 * appendix A); return the 32-bit value whose memory image is that. */
	le[0] = (uint8_t)crc;
	le[1] = (uint8_t)(crc >> 8);
	le[2] = (uint8_t)(crc >> 16);
	le[3] = (uint8_t)(crc >> 24);
	memcpy(&out, le, 4);
	return out;
}

void
crc32c_sctp_fill(uint8_t *pkt, size_t n)
{
	uint32_t v;

	if (n < 12)
		return;
	memset(pkt + 8, 0, 4);
	v = crc32c_sctp(pkt, n);
	memcpy(pkt + 8, &v, 4);
}
