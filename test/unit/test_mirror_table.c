/* Which userspace log a mirror table uses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mirror_table.h"

static void test_userspace_logs(void **s)
{
	char id[129];

	(void)s;
	/* as the kernel prints them (dmsetup table) */
	assert_true(mirror_params_log_uuid("userspace 4 LVM-abc clustered-disk "
					   "7:2 1024 2 7:0 0 253:0 0 1 "
					   "handle_errors", id, sizeof(id)));
	assert_string_equal(id, "LVM-abc");
	assert_true(mirror_params_log_uuid("userspace 5 u1 integrated_flush "
					   "clustered-core 1024 nosync 2 7:0 0 "
					   "7:1 0", id, sizeof(id)));
	assert_string_equal(id, "u1");
}

static void test_not_userspace(void **s)
{
	char id[129] = "untouched";

	(void)s;
	assert_false(mirror_params_log_uuid("core 2 1024 nosync 2 7:0 0 7:1 0",
					    id, sizeof(id)));
	assert_false(mirror_params_log_uuid("disk 2 7:2 1024 2 7:0 0 7:1 0",
					    id, sizeof(id)));
	assert_false(mirror_params_log_uuid("userspace", id, sizeof(id)));
	assert_false(mirror_params_log_uuid("userspace x u1", id, sizeof(id)));
	assert_false(mirror_params_log_uuid("userspace 1 u1", id, sizeof(id)));
	assert_false(mirror_params_log_uuid("", id, sizeof(id)));
	assert_string_equal(id, "untouched");
}

static void test_small_buffer(void **s)
{
	char id[4];

	(void)s;
	assert_false(mirror_params_log_uuid("userspace 3 LVM-abc clustered-core "
					    "1024", id, sizeof(id)));
	assert_true(mirror_params_log_uuid("userspace 3 abc clustered-core "
					   "1024", id, sizeof(id)));
	assert_string_equal(id, "abc");
}

static void test_log_dev(void **s)
{
	char dev[16] = "untouched";

	(void)s;
	assert_true(mirror_params_log_dev("userspace 4 LVM-abc clustered-disk "
					  "253:8 1024 2 253:9 0 253:10 0 1 "
					  "handle_errors", dev, sizeof(dev)));
	assert_string_equal(dev, "253:8");
	assert_true(mirror_params_log_dev("userspace 5 u1 integrated_flush "
					  "disk 7:2 1024 2 7:0 0 7:1 0", dev,
					  sizeof(dev)));
	assert_string_equal(dev, "7:2");
	assert_true(mirror_params_log_dev("disk 2 7:3 1024 2 7:0 0 7:1 0", dev,
					  sizeof(dev)));
	assert_string_equal(dev, "7:3");
	strcpy(dev, "untouched");
	/* core logs have no device; malformed or truncated strings */
	assert_false(mirror_params_log_dev("core 2 1024 nosync 2 7:0 0 7:1 0",
					   dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("userspace 3 u1 clustered-core 1024 "
					   "2 7:0 0 7:1 0", dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("userspace 2 u1 clustered-disk 7:2 "
					   "1024", dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("disk 0 7:2", dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("disk x 7:2", dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("userspace 4 u1 integrated_flush",
					   dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("", dev, sizeof(dev)));
	assert_false(mirror_params_log_dev("disk 2 /dev/a-very-long-device-name "
					   "1024", dev, sizeof(dev)));
	assert_string_equal(dev, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userspace_logs),
		cmocka_unit_test(test_not_userspace),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_log_dev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
