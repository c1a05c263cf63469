/* dmlogctl on logs in the kernel's own "disk" format: a MiRr header and
 * the clean bitmap at byte 1024, built by hand here; and a dmlog log
 * handed back to the kernel (both formats valid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log_format.h"
#include "test_dmlogctl_util.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static void write_khdr(const char *img, uint32_t magic, uint32_t version,
		       uint64_t regions)
{
	uint8_t h[16];

	put_le32(h, magic);
	put_le32(h + 4, version);
	put_le64(h + 8, regions);
	poke(img, 0, h, sizeof(h));
}

/* A clean bitmap for `regions` regions where region r is clean when
 * r % 3 != 0, plus garbage past the last region (must not count).
 * Returns the number of clean regions. */
static uint64_t write_kbitmap(const char *img, uint64_t regions)
{
	size_t bytes = (size_t)((regions + 63) / 64 * 8);
	uint8_t *bm = calloc(1, bytes + 8);
	uint64_t clean = 0;

	assert_non_null(bm);
	for (uint64_t r = 0; r < regions; r++) {
		if (r % 3) {
			bm[r / 8] |= (uint8_t)(1u << (r % 8));
			clean++;
		}
	}
	for (uint64_t r = regions; r < bytes * 8 + 64; r++)
		bm[r / 8] |= (uint8_t)(1u << (r % 8));
	poke(img, DMLOG_KBITMAP_OFF, bm, bytes + 8);
	free(bm);
	return clean;
}

static void test_kernel_only(void **state)
{
	const char *img = scratch_file("kernel.img", 64 << 10);
	uint64_t clean;
	struct json_object *o;
	struct ctl_run r;
	int st;

	(void)state;
	write_khdr(img, DMLOG_KMAGIC, 2, 1000);
	clean = write_kbitmap(img, 1000);
	assert_int_equal(clean, 666);

	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	assert_true(jbool(o, "formats.kernel"));
	assert_false(jbool(o, "formats.dmlog_v1"));
	assert_string_equal(jstr(o, "kernel_header.kind"), "kernel");
	assert_string_equal(jstr(o, "kernel_header.magic"), "0x4d695272");
	assert_int_equal(jint(o, "kernel_header.version"), 2);
	assert_int_equal(jint(o, "kernel_header.nr_regions"), 1000);
	assert_true(jbool(o, "kernel_header.valid"));
	assert_int_equal(jint(o, "kernel_bitmap.nr_regions"), 1000);
	assert_int_equal(jint(o, "kernel_bitmap.counted_regions"), 1000);
	assert_int_equal(jint(o, "kernel_bitmap.clean_regions"), clean);
	assert_int_equal(jint(o, "kernel_bitmap.not_clean_regions"),
			 1000 - clean);
	assert_false(jbool(o, "kernel_bitmap.truncated"));
	assert_true(jnull(o, "kernel_bitmap.in_sync_on_import"));
	assert_false(jbool(o, "superblock.present"));
	assert_true(jnull(o, "geometry"));
	assert_true(jnull(o, "out_of_sync"));
	assert_int_equal(json_object_array_length(jpath(o, "slots")), 0);
	assert_int_equal(jint(o, "blocks.total"), 0);
	assert_string_equal(jstr(o, "load_action"), "import");
	json_object_put(o);

	assert_int_equal(CTL(&r, "dump", img), 0);
	assert_contains(r.out, "kernel disk log (MiRr): yes");
	assert_contains(r.out, "Kernel clean bitmap");
	assert_int_equal(text_number(r.out, "clean"), 666);
	assert_int_equal(text_number(r.out, "not clean"), 334);
	assert_int_equal(text_number(r.out, "regions"), 1000);
	ctl_free(&r);

	assert_int_equal(CTL(&r, "check", img), 0);
	assert_contains(r.out, "kernel disk log only");
	ctl_free(&r);

	/* version 1 is accepted as the kernel does */
	write_khdr(img, DMLOG_KMAGIC, 1, 1000);
	o = CTL_JSON(&st, "dump", img);
	assert_true(jbool(o, "formats.kernel"));
	json_object_put(o);
}

/* A version the kernel refuses is reported, with a warning. */
static void test_kernel_bad_version(void **state)
{
	const char *img = scratch_file("kv3.img", 64 << 10);
	struct json_object *o;
	int st;

	(void)state;
	write_khdr(img, DMLOG_KMAGIC, 3, 1000);
	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	assert_false(jbool(o, "formats.kernel"));
	assert_false(jbool(o, "kernel_header.valid"));
	assert_true(jnull(o, "kernel_bitmap"));
	assert_contains(jstr(o, "warnings.0"), "version 3");
	assert_string_equal(jstr(o, "load_action"), "format");
	json_object_put(o);
}

/* The header claims more regions than the device holds. */
static void test_kernel_truncated(void **state)
{
	const char *img = scratch_file("ktrunc.img", 64 << 10);
	struct json_object *o;
	int st;

	(void)state;
	write_khdr(img, DMLOG_KMAGIC, 2, 10000000);
	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	assert_true(jbool(o, "kernel_bitmap.truncated"));
	assert_int_equal(jint(o, "kernel_bitmap.counted_regions"),
			 ((64 << 10) - 1024) * 8);
	assert_contains(jstr(o, "warnings.0"), "ends inside the kernel bitmap");
	json_object_put(o);
}

/* A dmlog log handed back to the kernel: MiRr header over a CLEAN
 * superblock; an import counts only regions below min(nr_regions, R). */
static void test_handed_back(void **state)
{
	const char *img = scratch_file("handoff.img", 1 << 20);
	struct json_object *o;
	struct ctl_run r;
	uint64_t clean;
	int st;

	(void)state;
	assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
			     "--region-size", "8", "--uuid", "U"), 0);
	ctl_free(&r);
	/* a kernel that used the device for a smaller mirror */
	write_khdr(img, DMLOG_KMAGIC, 2, 50000);
	clean = write_kbitmap(img, 50000);
	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	assert_true(jbool(o, "formats.kernel"));
	assert_true(jbool(o, "formats.dmlog_v1"));
	assert_int_equal(jint(o, "kernel_bitmap.clean_regions"), clean);
	assert_int_equal(jint(o, "kernel_bitmap.in_sync_on_import"), clean);
	assert_int_equal(jint(o, "out_of_sync.regions"), 70000);
	assert_string_equal(jstr(o, "load_action"), "import");
	json_object_put(o);
	assert_int_equal(CTL(&r, "dump", img), 0);
	assert_contains(r.out, "in sync on import");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", img), 0);
	assert_contains(r.out, "kernel header valid");
	ctl_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_only),
		cmocka_unit_test(test_kernel_bad_version),
		cmocka_unit_test(test_kernel_truncated),
		cmocka_unit_test(test_handed_back),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_cleanup);
}
