/* dmlogctl's command line: help, version, usage errors and their exit
 * codes (the built binary is run; see test_dmlogctl_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_dmlogctl_util.h"

static void test_help_and_version(void **state)
{
	struct ctl_run r;

	(void)state;
	assert_int_equal(CTL(&r, "--help"), 0);
	assert_contains(r.out, "Usage: dmlogctl");
	assert_contains(r.out, "dump");
	assert_contains(r.out, "check");
	assert_contains(r.out, "format");
	assert_contains(r.out, "7  damage found");
	assert_string_equal(r.err, "");
	ctl_free(&r);

	assert_int_equal(CTL(&r, "--version"), 0);
	assert_contains(r.out, "dmlogctl 0.1.0");
	ctl_free(&r);

	/* per-command help, before or after the command, and "help CMD" */
	assert_int_equal(CTL(&r, "format", "--help"), 0);
	assert_contains(r.out, "--region-size");
	assert_contains(r.out, "--nosync");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "help", "check"), 0);
	assert_contains(r.out, "--repair");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", "-h"), 0);
	assert_contains(r.out, "dmlogctl check DEVICE");
	ctl_free(&r);
}

/* The online commands exist: without a LOG they are usage errors, and
 * with no daemon they say so (exit 4). */
static void test_online_commands(void **state)
{
	static const char *const need_log[] = { "regions", "resync", "map" };
	static const char *const any[] = { "status", "stats" };
	struct ctl_run r;

	(void)state;
	setenv("DMLOG_CONTROL_SOCKET", "/nonexistent/dmlogd.sock", 1);
	for (size_t i = 0; i < sizeof(need_log) / sizeof(*need_log); i++) {
		assert_int_equal(CTL(&r, need_log[i]), 2);
		assert_contains(r.err, "missing LOG");
		ctl_free(&r);
	}
	for (size_t i = 0; i < sizeof(any) / sizeof(*any); i++) {
		assert_int_equal(CTL(&r, any[i]), 4);
		assert_contains(r.err, "dmlogd is not running");
		ctl_free(&r);
	}
	unsetenv("DMLOG_CONTROL_SOCKET");
}

struct usage_case {
	const char *const *argv;
	const char *msg;	/* in stderr */
};

static void test_usage_errors(void **state)
{
	static const char *const a1[] = { "dmlogctl", NULL };
	static const char *const a2[] = { "dmlogctl", "frobnicate", NULL };
	static const char *const a3[] = { "dmlogctl", "dump", NULL };
	static const char *const a4[] = { "dmlogctl", "dump", "a", "b", NULL };
	static const char *const a5[] = { "dmlogctl", "dump", "--bogus", "x",
					  NULL };
	static const char *const a6[] = { "dmlogctl", "--reportformat", "xml",
					  "dump", "x", NULL };
	static const char *const a7[] = { "dmlogctl", "format", "x",
					  "--region-size", "1024", NULL };
	static const char *const a8[] = { "dmlogctl", "format", "x",
					  "--regions", "10", NULL };
	static const char *const a9[] = { "dmlogctl", "format", "x",
					  "--regions", "0", "--region-size",
					  "8", NULL };
	static const char *const a10[] = { "dmlogctl", "format", "x",
					   "--regions", "4294967297",
					   "--region-size", "8", NULL };
	static const char *const a11[] = { "dmlogctl", "format", "x",
					   "--regions", "12abc",
					   "--region-size", "8", NULL };
	static const char *const a12[] = { "dmlogctl", "format", "x",
					   "--regions", "10", "--region-size",
					   "3", NULL };
	static const char *const a13[] = { "dmlogctl", "format", "x",
					   "--regions", "10", "--region-size",
					   "512", "--slots", "1025", NULL };
	static const char *const a14[] = { "dmlogctl", "format", "x",
					   "--regions", "10", "--region-size",
					   "1000k", NULL };
	static const char *const a15[] = { "dmlogctl", "format", "x",
					   "--regions", "10", "--region-size",
					   "8", "--uuid", "has space", NULL };
	static const char *const a16[] = { "dmlogctl", "format", "x",
					   "--regions", NULL };
	static const char *const a17[] = { "dmlogctl", "check", "-x", "d",
					   NULL };
	static const char *const a18[] = { "dmlogctl", "help", "nope", NULL };
	static const struct usage_case cases[] = {
		{ a1, "no command given" },
		{ a2, "unknown command \"frobnicate\"" },
		{ a3, "dump: missing DEVICE" },
		{ a4, "dump: unexpected argument \"b\"" },
		{ a5, "dump: unknown option --bogus" },
		{ a6, "--reportformat takes json or basic, not \"xml\"" },
		{ a7, "--regions N is required" },
		{ a8, "--region-size SIZE is required" },
		{ a9, "--regions takes a number from 1 to 4294967296, not \"0\"" },
		{ a10, "--regions takes a number" },
		{ a11, "--regions takes a number" },
		{ a12, "--region-size takes a power of two" },
		{ a13, "--slots takes a number from 1 to 1024" },
		{ a14, "--region-size takes a power of two" },
		{ a15, "--uuid takes 1 to 128 printable characters" },
		{ a16, "--regions needs an argument" },
		{ a17, "check: unknown option -x" },
		{ a18, "help: unknown command \"nope\"" },
	};
	struct ctl_run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (ctl_runv(&r, cases[i].argv) != 2)
			fail_msg("case %zu: exit %d, stderr:\n%s", i, r.status,
				 r.err);
		assert_contains(r.err, cases[i].msg);
		assert_contains(r.err, "Try 'dmlogctl");
		assert_string_equal(r.out, "");	/* nothing on stdout */
		ctl_free(&r);
	}
}

static void test_not_found(void **state)
{
	struct ctl_run r;

	(void)state;
	assert_int_equal(CTL(&r, "dump", "/nonexistent/dmlog.img"), 3);
	assert_contains(r.err, "/nonexistent/dmlog.img: no such device");
	assert_string_equal(r.out, "");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "--json", "check", "/nonexistent/x"), 3);
	assert_string_equal(r.out, "");	/* JSON mode: errors only on stderr */
	ctl_free(&r);
	/* an LVM vg/lv that is no path and not active here */
	assert_int_equal(CTL(&r, "dump", "vgnone/lvnone"), 3);
	assert_contains(r.err, "vgnone/lvnone: not active on this host "
			"(no device-mapper device vgnone-lvnone)");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", "vg-x/lv"), 3);
	assert_contains(r.err, "(no device-mapper device vg--x-lv)");
	ctl_free(&r);
	/* a directory is not a log device */
	assert_int_equal(CTL(&r, "dump", "/"), 3);
	assert_contains(r.err, "not a block device or regular file");
	ctl_free(&r);
	/* a file with no log on it */
	assert_int_equal(CTL(&r, "dump", scratch_file("empty.img", 65536)), 3);
	assert_contains(r.err, "no dmlog log and no kernel disk log");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "check", scratch_file("tiny.img", 100)), 3);
	assert_contains(r.err, "cannot hold a log");
	ctl_free(&r);
}

/* Global options work after the command too; both JSON spellings. */
static void test_global_options_anywhere(void **state)
{
	const char *img = scratch_file("g.img", 1 << 20);
	struct ctl_run r;

	(void)state;
	assert_int_equal(CTL(&r, "format", img, "--regions", "10",
			     "--region-size", "1k", "--uuid", "U"), 0);
	ctl_free(&r);
	assert_int_equal(CTL(&r, "dump", img, "--reportformat", "json"), 0);
	json_object_put(json_parse_or_fail(r.out));
	ctl_free(&r);
	assert_int_equal(CTL(&r, "--json", "dump", img), 0);
	json_object_put(json_parse_or_fail(r.out));
	ctl_free(&r);
	assert_int_equal(CTL(&r, "-v", "dump", img, "--reportformat",
			     "basic"), 0);
	assert_contains(r.out, "Superblock");
	assert_contains(r.out, "out-of-sync bitmap block 0");
	ctl_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_online_commands),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_global_options_anywhere),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_cleanup);
}
