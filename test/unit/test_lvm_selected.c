/* dmlog-lvm's --selected mode, the pure part (lib/lvm_selected.c): the
 * LVs dmlog.conf selects in an lvs report, and lvm.conf's
 * activation/auto_activation_volume_list. The report rows have the shape
 * lvm2 2.03.16 prints for
 *   lvs --reportformat json -o vg_name,lv_name,segtype,lv_tags,vg_tags,
 *       lv_autoactivation,vg_autoactivation */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lvm_selected.h"

#define ROW(vg, lv, seg, lvt, vgt, lva)                                    \
	"{\"vg_name\":\"" vg "\", \"lv_name\":\"" lv "\", \"segtype\":\"" \
	seg "\", \"lv_tags\":\"" lvt "\", \"vg_tags\":\"" vgt "\", "       \
	"\"lv_autoactivation\":\"" lva "\", \"vg_autoactivation\":\"enabled\"}"
#define REPORT(rows) "{\n  \"report\": [\n    {\n      \"lv\": [\n" rows \
	"\n      ]\n    }\n  ]\n}\n"

static const char *const lvs_json = REPORT(
	ROW("vg", "m", "mirror", "dmlog", "", "enabled") ",\n"
	ROW("vg", "u", "mirror", "", "", "enabled") ",\n"
	ROW("vg", "lin", "linear", "", "", "enabled") ",\n"
	ROW("vg2", "db", "mirror", "a,b", "site1", "") ",\n"
	ROW("vg2", "x", "striped", "", "site1", "enabled"));

static struct lvm_select sel;
static struct lvm_sel_list list;

static void select_items(const char *const *items)
{
	lvm_select_free(&sel);
	for (; *items; items++)
		assert_int_equal(lvm_select_add(&sel, *items, NULL, 0), 0);
}

static int parse(const char *json)
{
	char err[256];

	lvm_sel_free(&list);
	return lvm_sel_parse(&list, &sel, json, err, sizeof(err));
}

static void test_by_name_and_tag(void **st)
{
	static const char *const items[] = { "vg/m", "vg/lin", "@site1",
					      NULL };

	(void)st;
	select_items(items);
	assert_int_equal(parse(lvs_json), 0);
	assert_int_equal(list.n, 4);
	assert_string_equal(list.lvs[0].lv, "m");
	assert_string_equal(list.lvs[0].segtype, "mirror");
	assert_string_equal(list.lvs[1].lv, "lin");
	assert_string_equal(list.lvs[1].segtype, "linear");
	/* @site1 is vg2's tag: both of its LVs */
	assert_string_equal(list.lvs[2].vg, "vg2");
	assert_string_equal(list.lvs[2].lv, "db");
	assert_int_equal(list.lvs[2].ntags, 3);
	assert_string_equal(list.lvs[2].tags[0], "a");
	assert_string_equal(list.lvs[2].tags[1], "b");
	assert_string_equal(list.lvs[2].tags[2], "site1");
	assert_false(list.lvs[2].autoact);
	assert_true(list.lvs[0].autoact);
	assert_string_equal(list.lvs[3].lv, "x");
	assert_int_equal(list.nmissing, 0);
}

static void test_lv_tag_and_vg(void **st)
{
	static const char *const tag[] = { "@dmlog", NULL };
	static const char *const vg[] = { "vg", NULL };
	static const char *const none[] = { "vg3", "@nosuch", NULL };

	(void)st;
	select_items(tag);
	assert_int_equal(parse(lvs_json), 0);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.lvs[0].lv, "m");

	select_items(vg);
	assert_int_equal(parse(lvs_json), 0);
	assert_int_equal(list.n, 3);

	/* a VG or tag that matches nothing is not "missing" (only vg/lv) */
	select_items(none);
	assert_int_equal(parse(lvs_json), 0);
	assert_int_equal(list.n, 0);
	assert_int_equal(list.nmissing, 0);
}

static void test_missing(void **st)
{
	static const char *const items[] = { "vg/m", "vg/gone", "vg9/m",
					      "vg", NULL };

	(void)st;
	select_items(items);
	assert_int_equal(parse(lvs_json), 0);
	assert_int_equal(list.n, 3);
	assert_int_equal(list.nmissing, 2);
	assert_string_equal(list.missing[0], "vg/gone");
	assert_string_equal(list.missing[1], "vg9/m");

	/* an empty report: every vg/lv entry is missing */
	assert_int_equal(parse(REPORT("")), 0);
	assert_int_equal(list.n, 0);
	assert_int_equal(list.nmissing, 3);
}

static void test_repeat_and_empty_selection(void **st)
{
	static const char *const items[] = { "vg", NULL };

	(void)st;
	select_items(items);
	assert_int_equal(parse(REPORT(ROW("vg", "m", "mirror", "", "",
					  "enabled") ",\n"
				      ROW("vg", "m", "mirror", "", "",
					  "enabled"))), 0);
	assert_int_equal(list.n, 1);
	lvm_select_free(&sel);
	assert_int_equal(parse(lvs_json), 0);
	assert_int_equal(list.n, 0);
}

static void test_bad_report(void **st)
{
	static const char *const items[] = { "vg", NULL };
	char err[256];

	(void)st;
	select_items(items);
	assert_int_equal(parse(""), -EINVAL);
	assert_int_equal(parse("{\"report\":[{\"vg\":[]}]}"), -EINVAL);
	assert_int_equal(parse("not json"), -EINVAL);
	/* a row without the fields asked for */
	lvm_sel_free(&list);
	assert_int_equal(lvm_sel_parse(&list, &sel, REPORT(
		"{\"vg_name\":\"vg\", \"lv_name\":\"m\"}"), err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "lacks a field"));
	assert_int_equal(list.n, 0);
	assert_null(list.lvs);
}

/* ---- lvm.conf ---- */

static struct lvm_autoact aa;

static int conf(const char *text)
{
	char err[256];

	return lvm_autoact_parse(&aa, text, strlen(text), "lvm.conf", err,
				 sizeof(err));
}

static struct lvm_sel_lv mk(const char *vg, const char *lv, bool autoact,
			    const char **tags, size_t ntags)
{
	struct lvm_sel_lv x;

	memset(&x, 0, sizeof(x));
	strcpy(x.vg, vg);
	strcpy(x.lv, lv);
	strcpy(x.segtype, "mirror");
	x.autoact = autoact;
	x.tags = tags;
	x.ntags = ntags;
	return x;
}

static void test_autoact(void **st)
{
	const char *tags[] = { "dmlog" };
	struct lvm_sel_lv m = mk("vg", "m", true, NULL, 0);
	struct lvm_sel_lv t = mk("vg", "t", true, tags, 1);
	struct lvm_sel_lv off = mk("vg", "m", false, NULL, 0);

	(void)st;
	lvm_autoact_free(&aa);
	/* unset: LVM auto-activates everything */
	assert_int_equal(conf("devices { dir = \"/dev\" }\n"), 0);
	assert_false(aa.set);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_UNSET);
	assert_int_equal(lvm_autoact_check(&aa, &off),
			 LVM_AUTOACT_PROPERTY_OFF);
	assert_int_equal(conf(""), 0);
	assert_false(aa.set);

	/* the guidance: list what LVM may auto-activate, leave vg/m out */
	assert_int_equal(conf("activation {\n  auto_activation_volume_list ="
			      " [ \"vg0\", \"vg/u\" ]\n}\n"), 0);
	assert_true(aa.set);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_EXCLUDED);
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "[ \"vg\" ] }"), 0);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_INCLUDED);
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "[ \"@dmlog\" ] }"), 0);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_EXCLUDED);
	assert_int_equal(lvm_autoact_check(&aa, &t), LVM_AUTOACT_INCLUDED);
	/* an empty list: nothing is auto-activated */
	assert_int_equal(conf("activation/auto_activation_volume_list = [ ]"),
			 0);
	assert_true(aa.set);
	assert_int_equal(aa.sel.n, 0);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_EXCLUDED);
	/* host tags: dmlog cannot tell */
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "[ \"vg0\", \"@*\" ] }"), 0);
	assert_string_equal(aa.unknown, "@*");
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_UNKNOWN);
	lvm_autoact_free(&aa);
}

static void test_autoact_layers(void **st)
{
	struct lvm_sel_lv m = mk("vg", "m", true, NULL, 0);

	(void)st;
	lvm_autoact_free(&aa);
	/* lvm.conf sets it; an lvmlocal.conf without it leaves it */
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "[ \"vg0\" ] }"), 0);
	assert_int_equal(conf("local { host_id = 1 }"), 0);
	assert_true(aa.set);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_EXCLUDED);
	/* one that sets it replaces it */
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "\"vg\" }"), 0);
	assert_int_equal(aa.sel.n, 1);
	assert_int_equal(lvm_autoact_check(&aa, &m), LVM_AUTOACT_INCLUDED);
	lvm_autoact_free(&aa);
}

static void test_autoact_errors(void **st)
{
	char err[256] = "";
	const char *t = "activation { auto_activation_volume_list = [ \"x\" ";

	(void)st;
	lvm_autoact_free(&aa);
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "[ \"vg0\" ] }"), 0);
	/* errors leave the previous state alone */
	assert_int_equal(lvm_autoact_parse(&aa, t, strlen(t), "lvm.conf", err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "lvm.conf"));
	assert_int_equal(conf("activation { auto_activation_volume_list = "
			      "[ 1, 2 ] }"), -EINVAL);
	assert_int_equal(conf("activation { auto_activation_volume_list { "
			      "x = 1 } }"), -EINVAL);
	assert_true(aa.set);
	assert_int_equal(aa.sel.n, 1);
	assert_string_equal(aa.sel.items[0], "vg0");
	lvm_autoact_free(&aa);
	assert_false(aa.set);
}

static int teardown(void **st)
{
	(void)st;
	lvm_sel_free(&list);
	lvm_select_free(&sel);
	lvm_autoact_free(&aa);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_name_and_tag),
		cmocka_unit_test(test_lv_tag_and_vg),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_repeat_and_empty_selection),
		cmocka_unit_test(test_bad_report),
		cmocka_unit_test(test_autoact),
		cmocka_unit_test(test_autoact_layers),
		cmocka_unit_test(test_autoact_errors),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
