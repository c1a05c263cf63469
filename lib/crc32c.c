/* CRC-32C: the CPU instruction where there is one, else a table-driven
 * implementation, eight bytes per step ("slicing by 8"). */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "crc32c.h"

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_build_tables(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = crc_table[0][n];

		for (int t = 1; t < 8; t++) {
			c = crc_table[0][c & 0xFF] ^ (c >> 8);
			crc_table[t][n] = c;
		}
	}
}

static inline uint32_t crc_byte(uint32_t c, uint8_t b)
{
	return crc_table[0][(c ^ b) & 0xFF] ^ (c >> 8);
}

/* Eight bytes at p, read as two little-endian words independent of host
 * alignment and byte order. */
static inline uint32_t crc_word8(uint32_t c, const uint8_t *p)
{
	uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		      (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

	lo ^= c;
	return crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
	       crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
	       crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
	       crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
}

#if defined(__x86_64__)
/* SSE4.2 has a CRC32C instruction: about ten times the table's speed,
 * which is most of the time a very large log takes to load. Chosen at run
 * time, so the binary still runs on CPUs without it. */
__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64 = c;

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof(w));
		c64 = __builtin_ia32_crc32di(c64, w);
		p += 8;
		len -= 8;
	}
	c = (uint32_t)c64;
	while (len--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static bool have_hw(void)
{
	static int known = -1;

	if (known < 0)
		known = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return known;
}
#endif

static uint32_t crc_sw(uint32_t c, const uint8_t *p, size_t len)
{
	pthread_once(&crc_once, crc_build_tables);
	while (len >= 8) {
		c = crc_word8(c, p);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = crc_byte(c, *p++);
	return c;
}

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (have_hw())
		return ~crc_hw(~crc, buf, len);
#endif
	return ~crc_sw(~crc, buf, len);
}

/* Tests: the table path, whatever the CPU. */
uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len)
{
	return ~crc_sw(~crc, buf, len);
}

uint32_t crc32c(const void *buf, size_t len)
{
	return crc32c_update(0, buf, len);
}
