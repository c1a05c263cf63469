/* dmlogctl's internal helpers, compiled in here from tools/dmlogctl:
 * sysfs holders (against a fake sysfs tree), number parsing, aligned
 * tables, errno to exit code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tools/dmlogctl/ctl_exit.c"
#include "../../tools/dmlogctl/holders.c"
#include "../../tools/dmlogctl/numparse.c"
#include "../../tools/dmlogctl/table.c"

#include "test_dmlogctl_util.h"

static void mkdirs(const char *root, const char *rel)
{
	char *path = NULL, *p;

	assert_true(mkdir(root, 0755) == 0 || errno == EEXIST);
	assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	free(path);
}

static void write_text(const char *root, const char *rel, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void rm_tree(const char *root)
{
	char *cmd = NULL;

	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* /sys/dev/block/7:0/holders/{dm-3,dm-1}; dm-3 is a dm device. */
static void test_holders(void **state)
{
	char *root = NULL, buf[256];
	struct holder h[CTL_MAX_HOLDERS];
	size_t n = 99;

	(void)state;
	assert_true(asprintf(&root, "%s/sysfs", scratch_dir) > 0);
	mkdirs(root, "dev/block/7:0/holders/dm-3/dm");
	mkdirs(root, "dev/block/7:0/holders/dm-1");
	write_text(root, "dev/block/7:0/holders/dm-3/dm/name", "vg-mirror\n");
	mkdirs(root, "dev/block/7:1/holders");

	assert_int_equal(holders_list(root, 7, 0, h, CTL_MAX_HOLDERS, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].name, "dm-1");
	assert_string_equal(h[0].dm_name, "");
	assert_string_equal(h[1].name, "dm-3");
	assert_string_equal(h[1].dm_name, "vg-mirror");
	holders_format(h, n, buf, sizeof(buf));
	assert_string_equal(buf, "dm-1, dm-3 (vg-mirror)");

	/* at most max */
	assert_int_equal(holders_list(root, 7, 0, h, 1, &n), 0);
	assert_int_equal(n, 1);
	/* no holders; no such device in sysfs: none, not an error */
	assert_int_equal(holders_list(root, 7, 1, h, CTL_MAX_HOLDERS, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(holders_list(root, 8, 17, h, CTL_MAX_HOLDERS, &n), 0);
	assert_int_equal(n, 0);
	holders_format(h, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	rm_tree(root);
	free(root);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_u64("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("4294967296", UINT64_C(1) << 32, &v), 0);
	assert_int_equal(v, UINT64_C(1) << 32);
	assert_int_equal(parse_u64("4294967297", UINT64_C(1) << 32, &v),
			 -ERANGE);
	assert_int_equal(parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", UINT64_MAX, &v),
			 -ERANGE);
	assert_int_equal(parse_u64("", 10, &v), -EINVAL);
	assert_int_equal(parse_u64("-1", 10, &v), -EINVAL);
	assert_int_equal(parse_u64(" 1", 10, &v), -EINVAL);
	assert_int_equal(parse_u64("1 ", 10, &v), -EINVAL);
	assert_int_equal(parse_u64("1k", 10, &v), -EINVAL);
	assert_int_equal(parse_u64("0x10", 100, &v), -EINVAL);
}

static void test_parse_sectors(void **state)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t sectors;
	} cases[] = {
		{ "1024", 0, 1024 }, { "2s", 0, 2 }, { "512b", 0, 1 },
		{ "1k", 0, 2 }, { "512k", 0, 1024 }, { "512KiB", 0, 1024 },
		{ "1M", 0, 2048 }, { "1m", 0, 2048 }, { "4MiB", 0, 8192 },
		{ "1G", 0, 2097152 }, { "1t", 0, UINT64_C(1) << 31 },
		{ "100b", -EINVAL, 0 },		/* not whole sectors */
		{ "1.5M", -EINVAL, 0 }, { "k", -EINVAL, 0 },
		{ "12q", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ "16t", -ERANGE, 0 },		/* 2^35 sectors > max */
		{ "99999999999999999999k", -ERANGE, 0 },
		{ "4294967296", -ERANGE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		uint64_t v = 0;
		int r = parse_sectors(cases[i].in, UINT32_MAX, &v);

		if (r != cases[i].ret)
			fail_msg("\"%s\": %d, not %d", cases[i].in, r,
				 cases[i].ret);
		if (!r)
			assert_int_equal(v, cases[i].sectors);
	}
}

static void test_table_alignment(void **state)
{
	struct table *t = table_new(3, "lrl");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(t);
	assert_non_null(f);
	table_cell(t, "NAME");
	table_cell(t, "N");
	table_cell(t, "NOTE");
	table_cell(t, "a");
	table_cell(t, "%d", 1234);
	table_cell(t, "x");
	table_cell(t, "longer");
	table_cell(t, "5");
	table_cell(t, "%s", "");
	assert_int_equal(table_print(t, f, 2), 0);
	fclose(f);
	assert_string_equal(buf,
			    "  NAME       N  NOTE\n"
			    "  a       1234  x\n"
			    "  longer     5  \n");
	free(buf);
	table_free(t);
	/* a failed table prints nothing and says so */
	assert_int_equal(table_print(NULL, stdout, 0), -ENOMEM);
	assert_null(table_new(0, NULL));
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(ctl_exit_from_errno(0), 0);
	assert_int_equal(ctl_exit_from_errno(ENOENT), 3);
	assert_int_equal(ctl_exit_from_errno(ENOTBLK), 3);
	assert_int_equal(ctl_exit_from_errno(EACCES), 5);
	assert_int_equal(ctl_exit_from_errno(EPERM), 5);
	assert_int_equal(ctl_exit_from_errno(EROFS), 5);
	assert_int_equal(ctl_exit_from_errno(EBUSY), 6);
	assert_int_equal(ctl_exit_from_errno(EIO), 1);
	/* the documented values */
	assert_int_equal(CTL_EXIT_NO_DAEMON, 4);
	assert_int_equal(CTL_EXIT_DAMAGED, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holders),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_sectors),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_exit_codes),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_cleanup);
}
