/* lib/lvm_report.c: an LVM JSON report picked out of the lines liblvm2cmd
 * prints, LVM's own messages left to the caller, overflow reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "lvm_report.h"

static void test_report_lines_kept(void **state)
{
	struct lvm_report r;
	char *out;

	(void)state;
	/* not collecting: nothing is taken */
	memset(&r, 0, sizeof(r));
	assert_false(lvm_report_line(&r, true, "{"));
	assert_int_equal(lvm_report_start(&r, 256), 0);
	assert_true(lvm_report_line(&r, true, "  {"));
	assert_true(lvm_report_line(&r, true, "\t\"report\": []"));
	/* LVM's messages at the same level, and other levels: the caller's */
	assert_false(lvm_report_line(&r, true, "WARNING: something"));
	assert_false(lvm_report_line(&r, false, "  indented debug line"));
	assert_true(lvm_report_line(&r, true, "}"));
	out = lvm_report_end(&r, true);
	assert_non_null(out);
	assert_string_equal(out, "  {\n\t\"report\": []\n}\n");
	assert_false(r.on);
	free(out);
}

static void test_report_overflow_and_failure(void **state)
{
	struct lvm_report r;

	(void)state;
	assert_int_equal(lvm_report_start(&r, 8), 0);
	assert_true(lvm_report_line(&r, true, "{ a"));		/* 4 + 1 */
	assert_true(lvm_report_line(&r, true, "{ too long"));	/* dropped */
	assert_true(r.overflow);
	assert_null(lvm_report_end(&r, true));	/* overflow: no text */

	assert_int_equal(lvm_report_start(&r, 64), 0);
	assert_true(lvm_report_line(&r, true, "{}"));
	assert_null(lvm_report_end(&r, false));	/* the command failed */
	assert_int_equal(lvm_report_start(&r, 0), -ENOMEM);
	assert_false(r.on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_lines_kept),
		cmocka_unit_test(test_report_overflow_and_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
