/* Bitmap: every operation checked against a plain bool array. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bitmap.h"

#define CHUNK 32768ULL

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void check_equal(const struct bitmap *bm, const uint8_t *ref, uint64_t n)
{
	uint64_t w = 0;

	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(bitmap_test(bm, i), ref[i]);
		w += ref[i];
	}
	assert_int_equal(bitmap_weight(bm), w);
}

static uint64_t ref_find(const uint8_t *ref, uint64_t n, uint64_t from, int v)
{
	for (uint64_t i = from; i < n; i++)
		if (ref[i] == v)
			return i;
	return n;
}

static void random_ops(uint64_t n, int fill, uint64_t seed)
{
	struct bitmap *bm = bitmap_new(n, fill);
	uint8_t *ref = malloc(n);

	rng_state = seed;
	assert_non_null(bm);
	memset(ref, fill, n);
	for (int op = 0; op < 3000; op++) {
		uint64_t a = rnd() % n, cnt = rnd() % (n - a + 1);
		int v = (int)(rnd() & 1);

		switch (rnd() % 6) {
		case 0: case 1:
			assert_int_equal(bitmap_assign(bm, a, v), 0);
			ref[a] = (uint8_t)v;
			break;
		case 2:
			assert_int_equal(bitmap_assign_range(bm, a, cnt, v), 0);
			memset(ref + a, v, cnt);
			break;
		case 3: {
			uint64_t f = bitmap_find_next(bm, a, v);

			assert_int_equal(f, ref_find(ref, n, a, v));
			break;
		}
		case 4: {
			uint64_t c = 0;

			for (uint64_t i = a; i < a + cnt; i++)
				c += ref[i] == v;
			assert_int_equal(bitmap_count_range(bm, a, cnt, v), c);
			break;
		}
		case 5:
			assert_int_equal(bitmap_weight(bm),
					 bitmap_count_range(bm, 0, n, 1));
			break;
		}
	}
	check_equal(bm, ref, n);
	bitmap_free(bm);
	free(ref);
}

static void test_random_small(void **s)
{
	(void)s;
	for (uint64_t n = 1; n < 200; n += 7)
		random_ops(n, (int)(n & 1), n);
}

static void test_random_multi_chunk(void **s)
{
	(void)s;
	random_ops(3 * CHUNK + 77, 0, 1);
	random_ops(3 * CHUNK + 77, 1, 2);
	random_ops(2 * CHUNK, 1, 3);
}

static void test_out_of_range(void **s)
{
	struct bitmap *bm = bitmap_new(100, false);

	(void)s;
	assert_int_equal(bitmap_assign(bm, 100, true), -ERANGE);
	assert_int_equal(bitmap_assign_range(bm, 50, 51, true), -ERANGE);
	assert_false(bitmap_test(bm, 1000));
	assert_int_equal(bitmap_find_next(bm, 0, true), 100);
	assert_int_equal(bitmap_find_next(bm, 200, false), 100);
	bitmap_free(bm);
}

static void test_export_import(void **s)
{
	uint64_t n = CHUNK + 13;
	struct bitmap *a = bitmap_new(n, false), *b = bitmap_new(n, true);
	size_t nbytes = (size_t)((n + 7) / 8);
	uint8_t *buf = malloc(nbytes + 8);

	(void)s;
	rng_state = 42;
	for (int i = 0; i < 500; i++)
		assert_int_equal(bitmap_set(a, rnd() % n), 0);
	bitmap_set(a, n - 1);
	bitmap_export(a, 0, buf, nbytes + 8);
	/* bits past the end export as zero */
	assert_int_equal(buf[nbytes] | buf[nbytes + 7], 0);
	assert_int_equal(buf[(n - 1) / 8] >> ((n - 1) % 8), 1);
	assert_int_equal(bitmap_import(b, 0, buf, nbytes + 8), 0);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(bitmap_test(a, i), bitmap_test(b, i));
	assert_int_equal(bitmap_weight(a), bitmap_weight(b));
	assert_int_equal(bitmap_import(b, 3, buf, 1), -EINVAL);
	/* partial export at an offset: little-endian bit order */
	bitmap_fill(a, false);
	bitmap_set(a, 8 * 5 + 3);
	bitmap_export(a, 40, buf, 1);
	assert_int_equal(buf[0], 1 << 3);
	free(buf);
	bitmap_free(a);
	bitmap_free(b);
}

static void test_or_copy(void **s)
{
	uint64_t n = 2 * CHUNK + 5;
	struct bitmap *a = bitmap_new(n, false), *b = bitmap_new(n, false);
	struct bitmap *c = bitmap_new(n + 1, false);

	(void)s;
	bitmap_set(a, 1);
	bitmap_set(b, CHUNK + 2);
	bitmap_assign_range(b, 2 * CHUNK, 5, true);
	assert_int_equal(bitmap_or(a, b), 0);
	assert_int_equal(bitmap_weight(a), 7);
	assert_true(bitmap_test(a, CHUNK + 2) && bitmap_test(a, 1));
	assert_int_equal(bitmap_copy(b, a), 0);
	assert_int_equal(bitmap_weight(b), 7);
	assert_true(bitmap_test(b, 1));
	assert_int_equal(bitmap_or(a, c), -EINVAL);
	assert_int_equal(bitmap_copy(c, a), -EINVAL);
	bitmap_free(a);
	bitmap_free(b);
	bitmap_free(c);
}

static void test_huge_is_cheap(void **s)
{
	/* 2^32 bits: uniform chunks cost no storage. */
	uint64_t n = 1ULL << 32;
	struct bitmap *bm = bitmap_new(n, true);

	(void)s;
	assert_non_null(bm);
	assert_int_equal(bitmap_weight(bm), n);
	assert_int_equal(bitmap_clear(bm, n - 1), 0);
	assert_int_equal(bitmap_find_next(bm, 0, false), n - 1);
	assert_int_equal(bitmap_weight(bm), n - 1);
	assert_int_equal(bitmap_assign_range(bm, 0, n, false), 0);
	assert_int_equal(bitmap_weight(bm), 0);
	assert_int_equal(bitmap_find_next(bm, 0, true), n);
	bitmap_free(bm);
}

/* Export and import at every kind of offset and length (byte and word
 * paths, chunk edges, the partial last byte) against bit-by-bit. */
static void test_export_import_offsets(void **s)
{
	uint64_t n = 2 * CHUNK + 77;
	struct bitmap *bm = bitmap_new(n, false);
	uint8_t *ref = calloc(n, 1), buf[200];

	(void)s;
	rng_state = 99;
	for (int i = 0; i < 4000; i++) {
		uint64_t b = rnd() % n;

		bitmap_set(bm, b);
		ref[b] = 1;
	}
	bitmap_assign_range(bm, CHUNK, CHUNK, true);	/* a uniform chunk */
	memset(ref + CHUNK, 1, CHUNK);
	for (int t = 0; t < 3000; t++) {
		uint64_t first = (rnd() % (n / 8 + 4)) * 8;
		size_t len = (size_t)(rnd() % sizeof(buf));

		if (t % 2) {	/* export */
			bitmap_export(bm, first, buf, len);
			for (size_t i = 0; i < len * 8; i++) {
				uint64_t b = first + i;
				int want = b < n ? ref[b] : 0;

				assert_int_equal((buf[i / 8] >> (i % 8)) & 1,
						 want);
			}
		} else {	/* import */
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd();
			if (t % 7 == 0)
				memset(buf, 0xff, len);
			assert_int_equal(bitmap_import(bm, first, buf, len), 0);
			for (size_t i = 0; i < len * 8 && first + i < n; i++)
				ref[first + i] = (buf[i / 8] >> (i % 8)) & 1;
		}
	}
	check_equal(bm, ref, n);
	bitmap_free(bm);
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_multi_chunk),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_export_import),
		cmocka_unit_test(test_export_import_offsets),
		cmocka_unit_test(test_or_copy),
		cmocka_unit_test(test_huge_is_cheap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
