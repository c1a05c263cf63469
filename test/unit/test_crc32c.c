/* CRC-32C: published check values and agreement with a bit-at-a-time
 * reference for every length and alignment up to 300 bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"

/* Straight from the definition: one bit per step. */
static uint32_t ref_crc32c(const uint8_t *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

static void test_check_value(void **state)
{
	(void)state;
	assert_int_equal(crc32c("123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c("", 0), 0);
	assert_int_equal(crc32c("a", 1), 0xC1D04330u);
}

/* RFC 3720 (iSCSI) appendix B.4 vectors. */
static void test_rfc3720(void **state)
{
	uint8_t buf[48];

	(void)state;
	memset(buf, 0, 32);
	assert_int_equal(crc32c(buf, 32), 0x8A9136AAu);
	memset(buf, 0xFF, 32);
	assert_int_equal(crc32c(buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32c(buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(buf, 32), 0x113FDB5Cu);

	static const uint8_t scsi_read[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_int_equal(crc32c(scsi_read, sizeof(scsi_read)), 0xD9963A56u);
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void test_against_reference(void **state)
{
	uint8_t buf[320];

	(void)state;
	fill_pattern(buf, sizeof(buf), 7);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= 300; len++)
			assert_int_equal(crc32c(buf + off, len),
					 ref_crc32c(buf + off, len));
}

static void test_chaining(void **state)
{
	uint8_t buf[4096];
	uint32_t whole;

	(void)state;
	fill_pattern(buf, sizeof(buf), 99);
	whole = crc32c(buf, sizeof(buf));
	assert_int_equal(whole, ref_crc32c(buf, sizeof(buf)));
	for (size_t cut = 0; cut <= sizeof(buf); cut += 509)
		assert_int_equal(crc32c_update(crc32c(buf, cut), buf + cut,
					       sizeof(buf) - cut), whole);
	assert_int_equal(crc32c_update(0, buf, 100), crc32c(buf, 100));
}

/* One flipped bit anywhere in a block changes the CRC. */
static void test_single_bit_flips(void **state)
{
	uint8_t buf[512];
	uint32_t good;

	(void)state;
	fill_pattern(buf, sizeof(buf), 3);
	good = crc32c(buf, sizeof(buf));
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(crc32c(buf, sizeof(buf)), good);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(crc32c(buf, sizeof(buf)), good);
}

/* The table path and the CPU path agree on every length and alignment. */
static void test_sw_matches_default(void **state)
{
	uint8_t buf[600];

	(void)state;
	fill_pattern(buf, sizeof(buf), 7);
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 13)
			assert_int_equal(crc32c_update(0x1234, buf + off, len),
					 crc32c_update_sw(0x1234, buf + off,
							  len));
	assert_int_equal(crc32c_update_sw(0, "123456789", 9), 0xE3069283);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_rfc3720),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_chaining),
		cmocka_unit_test(test_single_bit_flips),
		cmocka_unit_test(test_sw_matches_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
