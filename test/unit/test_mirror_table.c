/* Which userspace log a mirror table uses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userspace_logs),
		cmocka_unit_test(test_not_userspace),
		cmocka_unit_test(test_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
