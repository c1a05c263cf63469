/* Unit tests for lib/ctr_parse.c: the DM_ULOG_CTR constructor string. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr_parse.h"

#define ERR_LEN 256

static char err[ERR_LEN];

/* Parse from a heap copy of exactly len bytes (no terminator), so ASan
 * reports any read past the end. */
static int parse_n(const char *s, size_t len, struct ctr_params *p)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	memset(err, 0, sizeof(err));
	r = ctr_parse(copy, len, p, err, sizeof(err));
	free(copy);
	return r;
}

static int parse(const char *s, struct ctr_params *p)
{
	return parse_n(s, strlen(s), p);
}

static void expect_ok(const char *s, struct ctr_params *p)
{
	if (parse(s, p) != 0)
		fail_msg("\"%s\": unexpected error: %s", s, err);
}

static void expect_err(const char *s, const char *needle)
{
	struct ctr_params p;
	int r = parse(s, &p);

	if (r != -EINVAL)
		fail_msg("\"%s\": returned %d, expected -EINVAL", s, r);
	if (!strstr(err, needle))
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", s, err, needle);
}

static void expect_err_n(const char *s, size_t len, const char *needle)
{
	struct ctr_params p;
	int r = parse_n(s, len, &p);

	assert_int_equal(r, -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

/* ---- the four log types and their flags ------------------------------- */

struct flag_case {
	const char *flags;
	enum ctr_sync sync;
	bool boe;
};

static const struct flag_case flag_cases[] = {
	{ "", CTR_SYNC_DEFAULT, false },
	{ " sync", CTR_SYNC_FORCE, false },
	{ " nosync", CTR_SYNC_NONE, false },
	{ " block_on_error", CTR_SYNC_DEFAULT, true },
	{ " sync block_on_error", CTR_SYNC_FORCE, true },
	{ " block_on_error sync", CTR_SYNC_FORCE, true },
	{ " nosync block_on_error", CTR_SYNC_NONE, true },
	{ " block_on_error nosync", CTR_SYNC_NONE, true },
};

struct type_case {
	const char *name;
	enum ctr_log_kind kind;
	bool clustered;
};

static const struct type_case type_cases[] = {
	{ "clustered-core", CTR_LOG_CORE, true },
	{ "clustered-disk", CTR_LOG_DISK, true },
	{ "core", CTR_LOG_CORE, false },
	{ "disk", CTR_LOG_DISK, false },
};

static void check_one_combination(const struct type_case *tc,
				  const struct flag_case *fc)
{
	struct ctr_params p;
	char s[256];
	bool disk = tc->kind == CTR_LOG_DISK;

	snprintf(s, sizeof(s), "2097152 %s%s 1024%s", tc->name,
		 disk ? " 253:3" : "", fc->flags);
	if (fc->boe && !tc->clustered) {
		expect_err(s, "block_on_error");
		expect_err(s, tc->name);
		return;
	}
	expect_ok(s, &p);
	assert_int_equal(p.target_sectors, 2097152);
	assert_int_equal(p.kind, tc->kind);
	assert_int_equal(p.clustered, tc->clustered);
	assert_string_equal(p.type_name, tc->name);
	assert_int_equal(p.region_size, 1024);
	assert_int_equal(p.region_count, 2048);
	assert_int_equal(p.sync, fc->sync);
	assert_int_equal(p.block_on_error, fc->boe);
	assert_int_equal(p.log_dev_is_majmin, disk);
	assert_string_equal(p.log_dev, disk ? "253:3" : "");
	assert_int_equal(p.log_dev_major, disk ? 253 : 0);
	assert_int_equal(p.log_dev_minor, disk ? 3 : 0);
}

static void test_all_types_all_flags(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof(type_cases) / sizeof(type_cases[0]);
	     t++)
		for (size_t f = 0;
		     f < sizeof(flag_cases) / sizeof(flag_cases[0]); f++)
			check_one_combination(&type_cases[t], &flag_cases[f]);
}

static void test_block_on_error_plain_types(void **state)
{
	(void)state;
	expect_err("100 core 2 block_on_error",
		   "\"block_on_error\" is not accepted by log type \"core\"");
	expect_err("100 disk /dev/sdb 2 nosync block_on_error",
		   "\"block_on_error\" is not accepted by log type \"disk\"");
}

static void test_log_devices(void **state)
{
	struct ctr_params p;

	(void)state;
	expect_ok("100 disk /dev/mapper/vg-lv_mlog 4", &p);
	assert_false(p.log_dev_is_majmin);
	assert_string_equal(p.log_dev, "/dev/mapper/vg-lv_mlog");
	/* a path containing colons is still a path */
	expect_ok("100 clustered-disk /dev/disk/by-path/pci-0000:00:1f.2 4",
		  &p);
	assert_false(p.log_dev_is_majmin);
	assert_string_equal(p.log_dev, "/dev/disk/by-path/pci-0000:00:1f.2");
	expect_ok("100 disk 8:17 4", &p);
	assert_true(p.log_dev_is_majmin);
	assert_int_equal(p.log_dev_major, 8);
	assert_int_equal(p.log_dev_minor, 17);
	assert_string_equal(p.log_dev, "8:17");
	expect_ok("100 disk 0:0 4", &p);
	assert_true(p.log_dev_is_majmin);
	expect_ok("100 disk 4294967295:4294967295 4", &p);
	assert_int_equal(p.log_dev_major, UINT32_MAX);
	assert_int_equal(p.log_dev_minor, UINT32_MAX);
	expect_ok("100 disk 007:010 4", &p);
	assert_int_equal(p.log_dev_major, 7);
	assert_int_equal(p.log_dev_minor, 10);
}

static void test_log_device_errors(void **state)
{
	(void)state;
	expect_err("100 disk", "missing log device");
	expect_err("100 clustered-disk  ", "missing log device");
	expect_err("100 disk 8:1", "missing region size");
	expect_err("100 disk sdb 4",
		   "log device \"sdb\" is neither an absolute path nor "
		   "major:minor");
	expect_err("100 disk dev/sdb 4", "log device \"dev/sdb\"");
	expect_err("100 disk 8: 4", "log device \"8:\" is neither");
	expect_err("100 disk :8 4", "log device \":8\" is neither");
	expect_err("100 disk : 4", "log device \":\" is neither");
	expect_err("100 disk 8:x 4", "log device \"8:x\" is neither");
	expect_err("100 disk 8:1:2 4", "log device \"8:1:2\" is neither");
	expect_err("100 disk -8:1 4", "log device \"-8:1\" is neither");
	expect_err("100 disk +8:1 4", "log device \"+8:1\" is neither");
	expect_err("100 disk 4294967296:0 4", "major number does not fit");
	expect_err("100 disk 99999999999999999999999:0 4",
		   "major number does not fit");
	expect_err("100 disk 0:4294967296 4", "minor number does not fit");
	expect_err("100 disk 1:99999999999999999999999 4",
		   "minor number does not fit");
}

static void test_log_device_length(void **state)
{
	struct ctr_params p;
	char s[CTR_DEV_MAX + 64];
	char dev[CTR_DEV_MAX + 1];

	(void)state;
	memset(dev, 'd', sizeof(dev));
	dev[0] = '/';
	dev[CTR_DEV_MAX - 1] = '\0';		/* 127 characters: fits */
	snprintf(s, sizeof(s), "100 disk %s 4", dev);
	expect_ok(s, &p);
	assert_int_equal(strlen(p.log_dev), CTR_DEV_MAX - 1);
	assert_string_equal(p.log_dev, dev);
	dev[CTR_DEV_MAX - 1] = 'd';
	dev[CTR_DEV_MAX] = '\0';		/* 128: too long */
	snprintf(s, sizeof(s), "100 disk %s 4", dev);
	expect_err(s, "is too long");
	expect_err(s, "log device \"/ddd");
}

/* ---- numbers ---------------------------------------------------------- */

static void test_target_length_errors(void **state)
{
	(void)state;
	expect_err("", "empty constructor string");
	expect_err("   ", "missing target length");
	expect_err("\t\n ", "missing target length");
	expect_err("abc core 2",
		   "target length \"abc\" is not an unsigned decimal number");
	expect_err("-5 core 2", "target length \"-5\" is not");
	expect_err("+5 core 2", "target length \"+5\" is not");
	expect_err("0x10 core 2", "target length \"0x10\" is not");
	expect_err("1e3 core 2", "target length \"1e3\" is not");
	expect_err("10k core 2", "target length \"10k\" is not");
	expect_err("0 core 2", "target length \"0\" must be at least 1");
	expect_err("000 core 2", "target length \"000\" must be at least 1");
	expect_err("18446744073709551616 core 2",
		   "target length \"18446744073709551616\" overflows 64 bits");
	expect_err("99999999999999999999999999 core 2", "overflows 64 bits");
	expect_err("100", "missing log type");
	expect_err("100   ", "missing log type");
}

static void test_target_length_max(void **state)
{
	struct ctr_params p;

	(void)state;
	expect_ok("18446744073709551615 core 2", &p);
	assert_int_equal(p.target_sectors, UINT64_MAX);
	assert_int_equal(p.region_count, (uint64_t)1 << 63);
	expect_ok("18446744073709551615 core 2147483648", &p);
	assert_int_equal(p.region_size, 2147483648u);
	assert_int_equal(p.region_count, (uint64_t)1 << 33);
}

static void test_region_size_errors(void **state)
{
	(void)state;
	expect_err("100 core", "missing region size");
	expect_err("100 clustered-core", "missing region size");
	expect_err("100 clustered-disk /dev/x", "missing region size");
	expect_err("100000 core 1000",
		   "region size \"1000\" is not a power of two");
	expect_err("100000 core 3", "region size \"3\" is not a power of two");
	expect_err("100000 core 0", "region size \"0\" is less than 2");
	expect_err("100000 core 1", "region size \"1\" is less than 2");
	expect_err("100000 core abc",
		   "region size \"abc\" is not an unsigned decimal number");
	expect_err("100000 core -2", "region size \"-2\" is not");
	expect_err("100000 core 2k", "region size \"2k\" is not");
	expect_err("18446744073709551615 core 4294967296",
		   "region size \"4294967296\" does not fit in 32 bits");
	expect_err("100 core 99999999999999999999999",
		   "does not fit in 32 bits");
	expect_err("512 core 1024",
		   "region size \"1024\" is larger than the target length "
		   "(512 sectors)");
	expect_err("1 core 2", "is larger than the target length");
}

static void test_region_count_rounding(void **state)
{
	static const struct {
		const char *s;
		uint32_t rs;
		uint64_t count;
	} cases[] = {
		{ "1000 core 8", 8, 125 },
		{ "1001 core 8", 8, 126 },
		{ "1007 core 8", 8, 126 },
		{ "1008 core 8", 8, 126 },
		{ "1009 core 8", 8, 127 },
		{ "2 core 2", 2, 1 },
		{ "3 core 2", 2, 2 },
		{ "7 core 4", 4, 2 },
		{ "1024 core 1024", 1024, 1 },
		{ "1025 core 1024", 1024, 2 },
		{ "0008 core 0004", 4, 2 },
	};
	struct ctr_params p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_ok(cases[i].s, &p);
		assert_int_equal(p.region_size, cases[i].rs);
		assert_int_equal(p.region_count, cases[i].count);
	}
}

static void test_huge_region_counts(void **state)
{
	struct ctr_params p;

	(void)state;
	/* 2^40 sectors in 2-sector regions: 2^39 regions, no cap */
	expect_ok("1099511627776 clustered-core 2", &p);
	assert_int_equal(p.region_count, (uint64_t)1 << 39);
	/* just past 2^32 regions */
	expect_ok("8589934594 core 2", &p);
	assert_int_equal(p.region_count, ((uint64_t)1 << 32) + 1);
	expect_ok("8589934595 disk 9:1 2", &p);
	assert_int_equal(p.region_count, ((uint64_t)1 << 32) + 2);
}

/* ---- flags ------------------------------------------------------------ */

static void test_flag_errors(void **state)
{
	(void)state;
	expect_err("100 core 2 sync sync", "duplicate flag \"sync\"");
	expect_err("100 core 2 nosync nosync", "duplicate flag \"nosync\"");
	expect_err("100 clustered-core 2 block_on_error block_on_error",
		   "duplicate flag \"block_on_error\"");
	expect_err("100 core 2 sync nosync",
		   "flag \"nosync\" conflicts with \"sync\"");
	expect_err("100 core 2 nosync sync",
		   "flag \"sync\" conflicts with \"nosync\"");
	expect_err("100 clustered-disk 1:2 2 sync block_on_error nosync",
		   "conflicts");
	expect_err("100 core 2 xyz", "unexpected argument \"xyz\"");
	expect_err("100 core 2 SYNC", "unexpected argument \"SYNC\"");
	expect_err("100 core 2 sync xyz", "unexpected argument \"xyz\"");
	expect_err("100 core 2 4", "unexpected argument \"4\"");
	expect_err("100 core 2 integrated_flush",
		   "unexpected argument \"integrated_flush\"");
	expect_err("100 core /dev/sdb 2", "region size \"/dev/sdb\" is not");
	expect_err("100 disk 2 nosync", "log device \"2\" is neither");
	expect_err("100 clustered-core 2 sync block_on_error extra",
		   "unexpected argument \"extra\"");
}

/* ---- log type --------------------------------------------------------- */

static void test_log_type_errors(void **state)
{
	(void)state;
	expect_err("100 foo 2",
		   "unknown log type \"foo\" (expected clustered-disk, "
		   "clustered-core, disk or core)");
	expect_err("100 Core 2", "unknown log type \"Core\"");
	expect_err("100 clustered 2", "unknown log type \"clustered\"");
	expect_err("100 clustered-corex 2", "unknown log type");
	expect_err("100 cor 2", "unknown log type \"cor\"");
	expect_err("100 userspace 2", "unknown log type \"userspace\"");
}

/* ---- byte-level input ------------------------------------------------- */

static void test_not_nul_terminated(void **state)
{
	static const char s[] = "1024 clustered-core 8 nosyncGARBAGE";
	struct ctr_params p;

	(void)state;
	/* len stops right after "nosync"; the bytes after must not count */
	assert_int_equal(parse_n(s, strlen("1024 clustered-core 8 nosync"),
				 &p), 0);
	assert_int_equal(p.sync, CTR_SYNC_NONE);
	/* cut in the middle of a number */
	assert_int_equal(parse_n(s, strlen("1024 clustered-core 8"), &p), 0);
	assert_int_equal(p.region_size, 8);
	/* every prefix: no crash, no overread, either OK or a message */
	for (size_t n = 0; n <= sizeof(s) - 1; n++) {
		int r = parse_n(s, n, &p);

		assert_true(r == 0 || (r == -EINVAL && err[0] != '\0'));
	}
}

static void test_nul_bytes(void **state)
{
	struct ctr_params p;
	static const char one[] = "1024 core 8";	/* with its NUL */
	static const char two[] = "1024 core 8\0";
	static const char mid[] = "1024\0core 8";
	static const char lead[] = "\0001024 core 8";

	(void)state;
	/* one trailing NUL (the re-sent CTR) is fine */
	assert_int_equal(parse_n(one, sizeof(one), &p), 0);
	assert_int_equal(p.region_size, 8);
	expect_err_n(two, sizeof(two), "NUL byte at offset 11");
	expect_err_n(mid, sizeof(mid) - 1, "NUL byte at offset 4");
	expect_err_n(mid, sizeof(mid), "NUL byte at offset 4");
	expect_err_n(lead, sizeof(lead), "NUL byte at offset 0");
	expect_err_n("\0", 1, "missing target length");
	expect_err_n("\0\0", 2, "NUL byte at offset 0");
}

static void test_whitespace(void **state)
{
	struct ctr_params p;

	(void)state;
	expect_ok("  100\tclustered-disk\n/dev/x   8 \t sync\n", &p);
	assert_int_equal(p.target_sectors, 100);
	assert_string_equal(p.log_dev, "/dev/x");
	assert_int_equal(p.region_size, 8);
	assert_int_equal(p.sync, CTR_SYNC_FORCE);
	expect_ok("100\r\vcore\f8", &p);
	assert_int_equal(p.region_size, 8);
}

static void test_real_kernel_strings(void **state)
{
	struct ctr_params p;

	(void)state;
	/* what LVM2 tables produce after the kernel strips uuid and
	 * integrated_flush and prepends the target length */
	expect_ok("409600 clustered-disk 253:2 1024 block_on_error", &p);
	assert_true(p.clustered);
	assert_int_equal(p.kind, CTR_LOG_DISK);
	assert_int_equal(p.region_count, 400);
	assert_true(p.block_on_error);
	expect_ok("409600 clustered-core 1024 nosync", &p);
	assert_int_equal(p.sync, CTR_SYNC_NONE);
	assert_int_equal(p.kind, CTR_LOG_CORE);
}

/* ---- messages --------------------------------------------------------- */

static void test_message_quoting(void **state)
{
	char s[512];
	char tok[301];

	(void)state;
	expect_err("100 \x01" "bad 2", "unknown log type \"\\x01bad\"");
	expect_err("100 a\"b 2", "unknown log type \"a\\x22b\"");
	expect_err("100 \xc3\xa9 2", "\"\\xc3\\xa9\"");
	memset(tok, 'q', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	snprintf(s, sizeof(s), "100 core 2 %s", tok);
	expect_err(s, "unexpected argument \"qqqq");
	expect_err(s, "...\"");
	assert_true(strlen(err) < 120);
}

static void test_err_optional_and_bounded(void **state)
{
	struct ctr_params p;
	char small[10];

	(void)state;
	assert_int_equal(ctr_parse("100 foo 2", 9, &p, NULL, 0), -EINVAL);
	assert_int_equal(ctr_parse("100 foo 2", 9, &p, NULL, 50), -EINVAL);
	memset(small, 'z', sizeof(small));
	assert_int_equal(ctr_parse("100 foo 2", 9, &p, small, 0), -EINVAL);
	assert_int_equal(small[0], 'z');
	assert_int_equal(ctr_parse("100 foo 2", 9, &p, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "unknown l");
	assert_int_equal(ctr_parse("100 core 2", 10, NULL, small,
				   sizeof(small)), -EINVAL);
	assert_int_equal(ctr_parse(NULL, 5, &p, small, sizeof(small)),
			 -EINVAL);
	assert_int_equal(ctr_parse(NULL, 0, &p, small, sizeof(small)),
			 -EINVAL);
	/* success clears a stale message */
	assert_int_equal(ctr_parse("100 core 2", 10, &p, small,
				   sizeof(small)), 0);
	assert_string_equal(small, "");
}

static void test_failure_clears_params(void **state)
{
	struct ctr_params p, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	memset(&p, 0xff, sizeof(p));
	expect_err("100 disk 8:1 1000", "power of two");
	assert_int_equal(parse("100 disk 8:1 1000", &p), -EINVAL);
	assert_memory_equal(&p, &zero, sizeof(p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types_all_flags),
		cmocka_unit_test(test_block_on_error_plain_types),
		cmocka_unit_test(test_log_devices),
		cmocka_unit_test(test_log_device_errors),
		cmocka_unit_test(test_log_device_length),
		cmocka_unit_test(test_target_length_errors),
		cmocka_unit_test(test_target_length_max),
		cmocka_unit_test(test_region_size_errors),
		cmocka_unit_test(test_region_count_rounding),
		cmocka_unit_test(test_huge_region_counts),
		cmocka_unit_test(test_flag_errors),
		cmocka_unit_test(test_log_type_errors),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_real_kernel_strings),
		cmocka_unit_test(test_message_quoting),
		cmocka_unit_test(test_err_optional_and_bounded),
		cmocka_unit_test(test_failure_clears_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
