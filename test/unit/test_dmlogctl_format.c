/* dmlogctl format (and dump of what it wrote): geometry, sync state,
 * refusals (too small, signatures, an existing log), --force wiping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <blkid.h>
#include <inttypes.h>

#include "log_format.h"
#include "test_dmlogctl_util.h"

#define UUID "LOG-UUID-1"

/* Does libblkid find any signature on path? */
static bool blkid_finds_something(const char *path)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	int r;

	assert_non_null(pr);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_enable_partitions(pr, 1);
	r = blkid_do_safeprobe(pr);
	blkid_free_probe(pr);
	return r == 0 || r == -2;
}

static void check_geometry(struct json_object *o, uint64_t regions,
			   uint32_t slots)
{
	struct dmlog_geometry g;

	assert_int_equal(dmlog_geometry_compute(regions, slots, &g), 0);
	assert_int_equal(jint(o, "geometry.region_count"), regions);
	assert_int_equal(jint(o, "geometry.nr_slots"), slots);
	assert_int_equal(jint(o, "geometry.bits_per_block"), 32256);
	assert_int_equal(jint(o, "geometry.kernel_bitmap_bytes"),
			 g.kernel_bitmap_bytes);
	assert_int_equal(jint(o, "geometry.kernel_area_bytes"),
			 g.kernel_area_bytes);
	assert_int_equal(jint(o, "geometry.blocks_per_bitmap"),
			 g.blocks_per_bitmap);
	assert_int_equal(jint(o, "geometry.slot_info_offset"),
			 g.slot_info_off);
	assert_int_equal(jint(o, "geometry.slot_bitmap_offset"),
			 g.slot_bitmap_off);
	assert_int_equal(jint(o, "geometry.oos_offset"), g.oos_off);
	assert_int_equal(jint(o, "geometry.bytes_used"), g.bytes_used);
	assert_true(jbool(o, "geometry.device_large_enough"));
}

static void test_format_then_dump(void **state)
{
	const char *img = scratch_file("fmt.img", 1 << 20);
	struct json_object *o;
	struct ctl_run r;
	int st;

	(void)state;
	assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
			     "--region-size", "512k", "--slots", "2",
			     "--uuid", UUID), 0);
	assert_contains(r.out, "Formatted");
	assert_contains(r.out, "70000 of 70000 regions");
	ctl_free(&r);

	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	check_geometry(o, 70000, 2);
	assert_true(jbool(o, "formats.dmlog_v1"));
	assert_false(jbool(o, "formats.kernel"));
	assert_string_equal(jstr(o, "kernel_header.kind"), "marker");
	assert_string_equal(jstr(o, "superblock.state"), "CLEAN");
	assert_string_equal(jstr(o, "superblock.uuid"), UUID);
	assert_int_equal(jint(o, "superblock.generation"), 1);
	assert_int_equal(jint(o, "superblock.region_size_sectors"), 1024);
	assert_int_equal(jint(o, "superblock.nr_slots"), 2);
	/* all out of sync, no slot dirty */
	assert_int_equal(jint(o, "out_of_sync.regions"), 70000);
	assert_int_equal(jint(o, "out_of_sync.in_sync_regions"), 0);
	for (int s = 0; s < 2; s++) {
		char k[64];

		snprintf(k, sizeof(k), "slots.%d.dirty_regions", s);
		assert_int_equal(jint(o, k), 0);
		snprintf(k, sizeof(k), "slots.%d.state", s);
		assert_string_equal(jstr(o, k), "FREE");
	}
	/* 2 info + 2 x 3 slot bitmap + 3 OOS blocks, all good */
	assert_int_equal(jint(o, "blocks.total"), 11);
	assert_int_equal(jint(o, "blocks.good"), 11);
	assert_int_equal(jint(o, "blocks.bad"), 0);
	assert_true(jnull(o, "kernel_bitmap"));
	assert_string_equal(jstr(o, "load_action"), "recover");
	json_object_put(o);

	assert_int_equal(CTL(&r, "dump", img), 0);
	assert_contains(r.out, "Out of sync: 70000 of 70000 regions");
	assert_contains(r.out, "Blocks: 11 checked, 11 good, 0 bad");
	assert_contains(r.out, "blocks per bitmap");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", img), 0);
	assert_contains(r.out, "Result  ok");
	ctl_free(&r);
}

static void test_format_nosync(void **state)
{
	const char *img = scratch_file("nosync.img", 1 << 20);
	struct json_object *o;
	int st;

	(void)state;
	o = CTL_JSON(&st, "format", img, "--regions", "100000",
		     "--region-size", "1M", "--nosync", "--uuid", UUID);
	assert_int_equal(st, 0);
	assert_true(jbool(o, "nosync"));
	assert_int_equal(jint(o, "out_of_sync_regions"), 0);
	assert_int_equal(jint(o, "superblock.region_size_sectors"), 2048);
	json_object_put(o);
	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	check_geometry(o, 100000, 1);
	assert_int_equal(jint(o, "out_of_sync.regions"), 0);
	assert_int_equal(jint(o, "out_of_sync.in_sync_regions"), 100000);
	json_object_put(o);
}

static void test_format_too_small(void **state)
{
	uint64_t need = dmlog_min_device_bytes(70000, 2);
	const char *img = scratch_file("small.img", need - 4096);
	char msg[128];
	struct ctl_run r;

	(void)state;
	assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
			     "--region-size", "1024", "--slots", "2"), 1);
	assert_contains(r.err, "is too small");
	snprintf(msg, sizeof(msg), "need at least %" PRIu64 " bytes", need);
	assert_contains(r.err, msg);
	assert_string_equal(r.out, "");
	ctl_free(&r);
	/* nothing was written */
	assert_int_equal(CTL(&r, "dump", img), 3);
	ctl_free(&r);
	/* exactly the size needed is enough */
	img = scratch_file("exact.img", need);
	assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
			     "--region-size", "1024", "--slots", "2"), 0);
	ctl_free(&r);
}

static void test_format_refuses_ext4(void **state)
{
	const char *img = scratch_file("ext4.img", 8 << 20);
	const char *const mkfs[] = { "mkfs.ext4", "-q", "-F", "-U",
		"0c4e2d35-8a3c-4c41-9d7b-4e2b7a1e5f10", img, NULL };
	struct json_object *o;
	struct ctl_run r;
	uint8_t magic[2];
	int st;

	(void)state;
	run_tool(mkfs);
	assert_true(blkid_finds_something(img));
	assert_int_equal(CTL(&r, "format", img, "--regions", "100",
			     "--region-size", "1024"), 6);
	assert_contains(r.err, "holds an ext4 filesystem (UUID "
			"0c4e2d35-8a3c-4c41-9d7b-4e2b7a1e5f10)");
	assert_contains(r.err, "refusing; --force to overwrite");
	assert_string_equal(r.out, "");
	ctl_free(&r);
	/* untouched: the ext4 magic is still there */
	peek(img, 0x438, magic, 2);
	assert_int_equal(magic[0], 0x53);
	assert_int_equal(magic[1], 0xEF);

	o = CTL_JSON(&st, "format", img, "--regions", "100", "--region-size",
		     "1024", "--force");
	assert_int_equal(st, 0);
	assert_string_equal(jstr(o, "wiped.0.type"), "ext4");
	assert_string_equal(jstr(o, "wiped.0.usage"), "filesystem");
	assert_int_equal(jint(o, "wiped.0.offset"), 0x438);
	assert_true(jbool(o, "uuid_generated"));
	assert_true(!strncmp(jstr(o, "superblock.uuid"), "dmlog-", 6));
	json_object_put(o);
	assert_false(blkid_finds_something(img));
	assert_int_equal(CTL(&r, "check", img), 0);
	ctl_free(&r);
}

static void test_format_refuses_swap(void **state)
{
	const char *img = scratch_file("swap.img", 1 << 20);
	const char *const mkswap[] = { "mkswap", "-L", "myswap", img, NULL };
	struct ctl_run r;

	(void)state;
	run_tool(mkswap);
	assert_int_equal(CTL(&r, "format", img, "--regions", "10",
			     "--region-size", "8"), 6);
	assert_contains(r.err, "holds a swap area");
	assert_contains(r.err, "label \"myswap\"");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "format", img, "--regions", "10",
			     "--region-size", "8", "--force"), 0);
	assert_contains(r.out, "wiped a swap area");
	ctl_free(&r);
	assert_false(blkid_finds_something(img));
}

/* An existing log (dmlog or kernel) is data too. */
static void test_format_refuses_existing_log(void **state)
{
	const char *img = scratch_file("again.img", 1 << 20);
	struct json_object *o;
	struct ctl_run r;
	char fid[32];
	int st;

	(void)state;
	o = CTL_JSON(&st, "format", img, "--regions", "100", "--region-size",
		     "8", "--uuid", UUID);
	assert_int_equal(st, 0);
	snprintf(fid, sizeof(fid), "%s", jstr(o, "superblock.format_id"));
	json_object_put(o);
	assert_int_equal(CTL(&r, "format", img, "--regions", "100",
			     "--region-size", "8"), 6);
	assert_contains(r.err, "holds a dmlog log (uuid " UUID ", 100 "
			"regions, state CLEAN)");
	ctl_free(&r);
	/* --force: a new format id, the generation goes on */
	o = CTL_JSON(&st, "format", img, "--regions", "200", "--region-size",
		     "8", "--uuid", UUID, "--force");
	assert_int_equal(st, 0);
	assert_int_equal(jint(o, "superblock.generation"), 2);
	assert_string_not_equal(jstr(o, "superblock.format_id"), fid);
	/* libblkid knows no dmlog signature: nothing to wipe */
	assert_int_equal(json_object_array_length(jpath(o, "wiped")), 0);
	json_object_put(o);
}

static void test_format_refuses_kernel_log(void **state)
{
	const char *img = scratch_file("klog.img", 1 << 20);
	uint8_t hdr[16] = { 0x72, 0x52, 0x69, 0x4D, 2, 0, 0, 0, 64 };
	struct ctl_run r;

	(void)state;
	poke(img, 0, hdr, sizeof(hdr));
	assert_int_equal(CTL(&r, "format", img, "--regions", "64",
			     "--region-size", "8"), 6);
	assert_contains(r.err, "holds a device-mapper disk log (MiRr header, "
			"64 regions)");
	ctl_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_then_dump),
		cmocka_unit_test(test_format_nosync),
		cmocka_unit_test(test_format_too_small),
		cmocka_unit_test(test_format_refuses_ext4),
		cmocka_unit_test(test_format_refuses_swap),
		cmocka_unit_test(test_format_refuses_existing_log),
		cmocka_unit_test(test_format_refuses_kernel_log),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_cleanup);
}
