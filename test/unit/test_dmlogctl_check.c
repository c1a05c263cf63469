/* dmlogctl check [--repair] on damaged logs: damage is named with its
 * blocks and regions (exit 7); --repair marks every region a damaged block
 * covers out of sync, never trusting its bits, and the log checks clean
 * afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bitmap.h"
#include "log_format.h"
#include "test_dmlogctl_util.h"

#define UUID "LOG-UUID-CHECK"
#define BITS DMLOG_BITS_PER_BLOCK

/* 70000 regions, 2 slots: 3 blocks per bitmap (the last covers 5488). */
#define REGIONS 70000u
#define SLOTS 2u

static struct dmlog_geometry geo(void)
{
	struct dmlog_geometry g;

	assert_int_equal(dmlog_geometry_compute(REGIONS, SLOTS, &g), 0);
	return g;
}

static const char *fresh_log(const char *name, bool nosync)
{
	const char *img = scratch_file(name, 1 << 20);
	struct ctl_run r;

	if (nosync)
		assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
				     "--region-size", "8", "--slots", "2",
				     "--uuid", UUID, "--nosync"), 0);
	else
		assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
				     "--region-size", "8", "--slots", "2",
				     "--uuid", UUID), 0);
	ctl_free(&r);
	return img;
}

static uint64_t block_off(enum dmlog_kind kind, uint32_t area, uint64_t i)
{
	struct dmlog_geometry g = geo();

	return dmlog_block_offset(&g, kind, area, i);
}

static struct json_object *dump_json(const char *img)
{
	int st;
	struct json_object *o = CTL_JSON(&st, "-v", "dump", img);

	assert_int_equal(st, 0);
	return o;
}

static void read_sb(const char *img, struct dmlog_sb *sb)
{
	uint8_t buf[DMLOG_SB_BYTES];

	peek(img, DMLOG_SB_OFF, buf, sizeof(buf));
	assert_int_equal(dmlog_sb_decode(buf, sb, NULL), 0);
}

static void test_slot_block_damage_and_repair(void **state)
{
	const char *img = fresh_log("slot.img", true);
	struct json_object *o;
	struct ctl_run r;
	int st;

	(void)state;
	/* one payload byte of slot 1, bitmap block 1 */
	flip_byte(img, block_off(DMLOG_KIND_SLOT, 1, 1) + 100);

	assert_int_equal(CTL(&r, "check", img), 7);
	assert_contains(r.out, "slot 1 bitmap block 1");
	assert_contains(r.out, "bad crc");
	assert_contains(r.out, "32256-64511");
	assert_contains(r.out, "check --repair");
	ctl_free(&r);

	o = CTL_JSON(&st, "check", img);
	assert_int_equal(st, 7);
	assert_true(jbool(o, "damaged"));
	assert_string_equal(jstr(o, "result"), "damaged");
	assert_int_equal(jint(o, "exit_code"), 7);
	assert_int_equal(jint(o, "blocks.bad"), 1);
	assert_string_equal(jstr(o, "blocks.bad_ranges.0.area"), "slot-bitmap");
	assert_int_equal(jint(o, "blocks.bad_ranges.0.slot"), 1);
	assert_int_equal(jint(o, "blocks.bad_ranges.0.first_index"), 1);
	assert_int_equal(jint(o, "blocks.bad_ranges.0.count"), 1);
	assert_int_equal(jint(o, "blocks.bad_ranges.0.first_region"), BITS);
	assert_int_equal(jint(o, "blocks.bad_ranges.0.last_region"),
			 2 * BITS - 1);
	assert_string_equal(jstr(o, "blocks.bad_ranges.0.status"), "bad crc");
	assert_true(jnull(o, "repair"));
	json_object_put(o);

	/* a bad slot block reads as all dirty */
	o = dump_json(img);
	assert_int_equal(jint(o, "slots.1.dirty_regions"), BITS);
	assert_int_equal(jint(o, "slots.1.regions_in_bad_blocks"), BITS);
	assert_int_equal(jint(o, "out_of_sync.regions"), 0);
	json_object_put(o);

	o = CTL_JSON(&st, "check", img, "--repair");
	assert_int_equal(st, 0);
	assert_string_equal(jstr(o, "result"), "repaired");
	assert_int_equal(jint(o, "repair.blocks_written"), 2);
	assert_int_equal(jint(o, "repair.regions_out_of_sync"), BITS);
	/* the OOS block first, then the slot block */
	assert_string_equal(jstr(o, "repair.rewritten.0.area"), "oos");
	assert_string_equal(jstr(o, "repair.rewritten.0.action"),
			    "out-of-sync");
	assert_int_equal(jint(o, "repair.rewritten.0.first_index"), 1);
	assert_string_equal(jstr(o, "repair.rewritten.1.area"),
			    "slot-bitmap");
	assert_string_equal(jstr(o, "repair.rewritten.1.action"), "cleared");
	assert_int_equal(jint(o, "after.bad"), 0);
	json_object_put(o);

	/* exactly those regions are out of sync now, and nothing is dirty */
	o = dump_json(img);
	assert_int_equal(jint(o, "out_of_sync.regions"), BITS);
	assert_int_equal(jint(o, "slots.1.dirty_regions"), 0);
	assert_int_equal(jint(o, "slots.0.dirty_regions"), 0);
	/* list order: 2 info, 6 slot bitmap, then OOS blocks 0..2 */
	assert_string_equal(jstr(o, "blocks.list.9.area"), "oos");
	assert_int_equal(jint(o, "blocks.list.8.bits_set"), 0);
	assert_int_equal(jint(o, "blocks.list.9.bits_set"), BITS);
	assert_int_equal(jint(o, "blocks.list.10.bits_set"), 0);
	json_object_put(o);

	assert_int_equal(CTL(&r, "check", img), 0);
	ctl_free(&r);
}

static void test_oos_block_damage(void **state)
{
	const char *img = fresh_log("oos.img", true);
	struct json_object *o;
	struct ctl_run r;

	(void)state;
	/* the last, partial OOS block: 70000 - 2 * 32256 = 5488 regions */
	flip_byte(img, block_off(DMLOG_KIND_OOS, 0, 2) + 4000);
	o = dump_json(img);
	assert_int_equal(jint(o, "out_of_sync.regions"), 5488);
	assert_int_equal(jint(o, "out_of_sync.bad_blocks"), 1);
	assert_string_equal(jstr(o, "blocks.bad_ranges.0.status"), "bad crc");
	assert_int_equal(jint(o, "blocks.bad_ranges.0.first_region"),
			 2 * BITS);
	assert_int_equal(jint(o, "blocks.bad_ranges.0.last_region"),
			 REGIONS - 1);
	json_object_put(o);
	assert_int_equal(CTL(&r, "check", img, "--repair"), 0);
	assert_contains(r.out, "out-of-sync bitmap block 2");
	assert_contains(r.out, "64512-69999");
	assert_contains(r.out, "Result  repaired");
	ctl_free(&r);
	o = dump_json(img);
	assert_int_equal(jint(o, "out_of_sync.regions"), 5488);
	assert_int_equal(jint(o, "out_of_sync.bad_blocks"), 0);
	json_object_put(o);
}

/* Consecutive bad blocks with the same reason are one range. */
static void test_bad_ranges_merge(void **state)
{
	const char *img = fresh_log("range.img", true);
	struct json_object *o;
	struct ctl_run r;
	int st;

	(void)state;
	flip_byte(img, block_off(DMLOG_KIND_OOS, 0, 0) + 70);
	flip_byte(img, block_off(DMLOG_KIND_OOS, 0, 1) + 70);
	assert_int_equal(CTL(&r, "check", img), 7);
	assert_contains(r.out, "out-of-sync bitmap blocks 0-1");
	assert_contains(r.out, "0-64511");
	ctl_free(&r);
	o = CTL_JSON(&st, "check", img);
	assert_int_equal(jint(o, "blocks.bad"), 2);
	assert_int_equal(json_object_array_length(jpath(o,
			 "blocks.bad_ranges")), 1);
	assert_int_equal(jint(o, "blocks.bad_ranges.0.count"), 2);
	json_object_put(o);
}

static void test_slot_info_damage(void **state)
{
	const char *img = fresh_log("info.img", true);
	struct json_object *o;
	struct ctl_run r;

	(void)state;
	flip_byte(img, block_off(DMLOG_KIND_SLOT_INFO, 0, 0) + 64);
	assert_int_equal(CTL(&r, "check", img), 7);
	assert_contains(r.out, "slot 0 info block");
	ctl_free(&r);
	o = dump_json(img);
	assert_false(jbool(o, "slots.0.info_good"));
	assert_true(jnull(o, "slots.0.state"));
	/* advisory: changes no region state */
	assert_int_equal(jint(o, "slots.0.dirty_regions"), 0);
	json_object_put(o);
	assert_int_equal(CTL(&r, "check", "--repair", img), 0);
	assert_contains(r.out, "rewritten FREE");
	ctl_free(&r);
	o = dump_json(img);
	assert_string_equal(jstr(o, "slots.0.state"), "FREE");
	assert_int_equal(jint(o, "out_of_sync.regions"), 0);
	json_object_put(o);
}

/* Dirty bits in a good slot block are counted, and kept by a repair of
 * another block. */
static void test_dirty_bits_counted(void **state)
{
	const char *img = fresh_log("dirty.img", true);
	struct bitmap *bm = bitmap_new(REGIONS, false);
	struct dmlog_geometry g = geo();
	struct json_object *o;
	struct dmlog_bhdr h;
	struct dmlog_sb sb;
	struct ctl_run r;
	uint8_t *blk = NULL;

	(void)state;
	assert_non_null(bm);
	read_sb(img, &sb);
	assert_int_equal(bitmap_set(bm, 5), 0);
	assert_int_equal(bitmap_set(bm, 7), 0);
	assert_int_equal(bitmap_set(bm, 32255), 0);
	assert_int_equal(posix_memalign((void **)&blk, 4096, 4096), 0);
	h = dmlog_bhdr_expect(&g, sb.format_id, DMLOG_KIND_SLOT, 0, 0);
	dmlog_bitmap_block_encode(blk, &h, bm, false);
	poke(img, block_off(DMLOG_KIND_SLOT, 0, 0), blk, 4096);
	free(blk);
	bitmap_free(bm);
	flip_byte(img, block_off(DMLOG_KIND_SLOT, 1, 2) + 64);

	o = dump_json(img);
	assert_int_equal(jint(o, "slots.0.dirty_regions"), 3);
	assert_int_equal(jint(o, "slots.1.dirty_regions"), 5488);
	json_object_put(o);
	assert_int_equal(CTL(&r, "check", img, "--repair"), 0);
	ctl_free(&r);
	o = dump_json(img);
	assert_int_equal(jint(o, "slots.0.dirty_regions"), 3);
	assert_int_equal(jint(o, "slots.1.dirty_regions"), 0);
	assert_int_equal(jint(o, "out_of_sync.regions"), 5488);
	json_object_put(o);
}

/* A superblock with another format id makes every block stale: repair
 * puts every region out of sync. */
static void test_stale_format_id(void **state)
{
	const char *img = fresh_log("stale.img", true);
	uint8_t buf[DMLOG_SB_BYTES];
	struct json_object *o;
	struct dmlog_sb sb;
	int st;

	(void)state;
	read_sb(img, &sb);
	sb.format_id ^= 0x5a5a;
	dmlog_sb_encode(&sb, buf);
	poke(img, DMLOG_SB_OFF, buf, sizeof(buf));
	o = CTL_JSON(&st, "check", img);
	assert_int_equal(st, 7);
	assert_int_equal(jint(o, "blocks.bad"), 11);
	assert_string_equal(jstr(o, "blocks.bad_ranges.0.status"),
			    "stale format id");
	json_object_put(o);
	o = CTL_JSON(&st, "check", img, "--repair");
	assert_int_equal(st, 0);
	assert_int_equal(jint(o, "repair.blocks_written"), 11);
	assert_int_equal(jint(o, "repair.regions_out_of_sync"), REGIONS);
	json_object_put(o);
	o = dump_json(img);
	assert_int_equal(jint(o, "out_of_sync.regions"), REGIONS);
	assert_int_equal(jint(o, "slots.0.dirty_regions"), 0);
	assert_int_equal(jint(o, "slots.1.dirty_regions"), 0);
	assert_int_equal(jint(o, "blocks.bad"), 0);
	json_object_put(o);
}

static void test_superblock_damage(void **state)
{
	const char *img = fresh_log("sb.img", false);
	struct json_object *o;
	struct ctl_run r;
	int st;

	(void)state;
	flip_byte(img, DMLOG_SB_OFF + 300);
	assert_int_equal(CTL(&r, "check", img), 7);
	assert_contains(r.out, "INVALID (crc)");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", img, "--repair"), 7);
	assert_contains(r.err, "cannot repair");
	ctl_free(&r);
	o = CTL_JSON(&st, "dump", img);
	assert_int_equal(st, 0);
	assert_true(jbool(o, "superblock.present"));
	assert_false(jbool(o, "superblock.valid"));
	assert_string_equal(jstr(o, "superblock.invalid_reason"), "crc");
	assert_true(jnull(o, "geometry"));
	assert_string_equal(jstr(o, "load_action"), "format");
	json_object_put(o);
}

static void test_device_shrunk(void **state)
{
	const char *img = fresh_log("short.img", false);
	struct dmlog_geometry g = geo();
	struct ctl_run r;

	(void)state;
	assert_int_equal(truncate(img, (off_t)(g.bytes_used - 4096)), 0);
	assert_int_equal(CTL(&r, "check", img), 7);
	assert_contains(r.out, "unreadable");
	assert_contains(r.out, "smaller than the format needs");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", "--repair", img), 7);
	assert_contains(r.err, "cannot repair");
	ctl_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_block_damage_and_repair),
		cmocka_unit_test(test_oos_block_damage),
		cmocka_unit_test(test_bad_ranges_merge),
		cmocka_unit_test(test_slot_info_damage),
		cmocka_unit_test(test_dirty_bits_counted),
		cmocka_unit_test(test_stale_format_id),
		cmocka_unit_test(test_superblock_damage),
		cmocka_unit_test(test_device_shrunk),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_cleanup);
}
