/* The pure part of the dmeventd plugin: selection, names, table rewrite,
 * status parsing (lib/lvm_mirror.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lvm_mirror.h"

#define VGID "Ab3dEfGhIjKlMnOpQrStUvWxYz012345"
#define LVID1 "lvid1lvid1lvid1lvid1lvid1lvid1XX"
#define LVID2 "mlogmlogmlogmlogmlogmlogmlogmlog"

static struct lvm_conf conf;

/* parse into conf; s points at its selection */
static int parse(struct lvm_select **s, const char *text, char *err,
		 size_t errlen)
{
	lvm_conf_free(&conf);
	*s = &conf.sel;
	return lvm_conf_parse(&conf, text, strlen(text), "dmlog.conf", err,
			      errlen);
}

static void test_select_parse(void **st)
{
	struct lvm_select *s;
	char err[256];

	(void)st;
	assert_int_equal(parse(&s, "dmlogd { log_level = \"info\" }\n"
			       "lvm {\n volume_list = [ \"vg0\", \"vg1/m\", "
			       "\"@dmlog\" ]\n}\n", err, sizeof(err)), 0);
	assert_int_equal(s->n, 3);
	assert_string_equal(s->items[0], "vg0");
	assert_string_equal(s->items[1], "vg1/m");
	assert_string_equal(s->items[2], "@dmlog");
	assert_true(lvm_select_needs_tags(s));
	lvm_conf_free(&conf);

	/* a single string is a one-entry list; full-path keys work */
	assert_int_equal(parse(&s, "lvm/volume_list = \"vg0/lv\"\n", err,
			       sizeof(err)), 0);
	assert_int_equal(s->n, 1);
	assert_false(lvm_select_needs_tags(s));
	lvm_conf_free(&conf);

	/* nothing selected */
	assert_int_equal(parse(&s, "", err, sizeof(err)), 0);
	assert_int_equal(s->n, 0);
	assert_int_equal(parse(&s, "# only a comment\n", err, sizeof(err)), 0);
	assert_int_equal(s->n, 0);
	assert_int_equal(parse(&s, "lvm { volume_list = [ ] }", err,
			       sizeof(err)), 0);
	assert_int_equal(s->n, 0);
	assert_int_equal(parse(&s, "dmlogd { socket = \"/x\" }", err,
			       sizeof(err)), 0);
	assert_int_equal(s->n, 0);
}

static void test_select_errors(void **st)
{
	struct lvm_select *s;
	char err[256];

	(void)st;
	err[0] = '\0';
	assert_int_equal(parse(&s, "lvm { volume_lits = [ \"vg\" ] }", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown setting lvm/volume_lits"));
	assert_int_equal(s->n, 0);
	assert_int_equal(parse(&s, "lvm { volume_list = [ \"-vg\" ] }", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"-vg\""));
	assert_int_equal(parse(&s, "lvm { volume_list = [ \"vg/\" ] }", err,
			       sizeof(err)), -EINVAL);
	assert_int_equal(parse(&s, "lvm { volume_list = [ \"a/b/c\" ] }", err,
			       sizeof(err)), -EINVAL);
	assert_int_equal(parse(&s, "lvm { volume_list = [ \"@\" ] }", err,
			       sizeof(err)), -EINVAL);
	assert_int_equal(parse(&s, "lvm { volume_list = [ \"vg\", 3 ] }", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "list of strings"));
	assert_int_equal(s->n, 0);	/* nothing half-filled */
	assert_int_equal(parse(&s, "lvm = 1", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(&s, "lvm { volume_list { } }", err,
			       sizeof(err)), -EINVAL);
	err[0] = '\0';
	assert_int_equal(parse(&s, "lvm { volume_list = [ \"vg\" ", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dmlog.conf"));
}

static void test_conf_paths(void **st)
{
	struct lvm_select *s;
	char err[256];

	(void)st;
	assert_int_equal(parse(&s, "dmlogd { control_socket = \"/run/c.sock\"\n"
			       " lock_manager = \"dlm\" }\n"
			       "lvm { locking_dir = \"/run/lock/x\" }", err,
			       sizeof(err)), 0);
	assert_string_equal(conf.control_socket, "/run/c.sock");
	assert_string_equal(conf.locking_dir, "/run/lock/x");
	assert_int_equal(s->n, 0);
	assert_int_equal(parse(&s, "", err, sizeof(err)), 0);
	assert_null(conf.control_socket);
	assert_null(conf.locking_dir);
	assert_int_equal(parse(&s, "lvm { locking_dir = \"rel\" }", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "lvm/locking_dir"));
	assert_null(conf.locking_dir);
	assert_int_equal(parse(&s, "dmlogd { control_socket = 5 }", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dmlogd/control_socket"));
	lvm_conf_free(&conf);
}

static void test_select_match(void **st)
{
	struct lvm_select s = { 0 };
	const char *tags[] = { "other", "dmlog" };

	(void)st;
	assert_false(lvm_select_match(&s, "vg", "lv", NULL, 0));
	assert_int_equal(lvm_select_add(&s, "vg0", NULL, 0), 0);
	assert_int_equal(lvm_select_add(&s, "vg1/m1", NULL, 0), 0);
	assert_true(lvm_select_match(&s, "vg0", "anything", NULL, 0));
	assert_false(lvm_select_match(&s, "vg00", "lv", NULL, 0));
	assert_false(lvm_select_match(&s, "vg", "lv", NULL, 0));
	assert_true(lvm_select_match(&s, "vg1", "m1", NULL, 0));
	assert_false(lvm_select_match(&s, "vg1", "m2", NULL, 0));
	assert_false(lvm_select_match(&s, "vg1", "m1x", NULL, 0));
	assert_false(lvm_select_match(&s, "vg", "1/m1", NULL, 0));
	assert_false(lvm_select_match(&s, "vg9", "lv", tags, 2));
	assert_int_equal(lvm_select_add(&s, "@dmlog", NULL, 0), 0);
	assert_true(lvm_select_match(&s, "vg9", "lv", tags, 2));
	assert_false(lvm_select_match(&s, "vg9", "lv", tags, 1));
	lvm_select_free(&s);
}

static void split_ok(const char *dm, const char *vg, const char *lv,
		     const char *layer)
{
	char v[64], l[64], y[64];

	assert_int_equal(lvm_split_dm_name(dm, v, sizeof(v), l, sizeof(l), y,
					   sizeof(y)), 0);
	assert_string_equal(v, vg);
	assert_string_equal(l, lv);
	assert_string_equal(y, layer);
}

static void test_split(void **st)
{
	char v[8], l[8], y[8];

	(void)st;
	split_ok("vg-lv", "vg", "lv", "");
	split_ok("my--vg-my--lv", "my-vg", "my-lv", "");
	split_ok("vg-lv_mlog", "vg", "lv_mlog", "");
	split_ok("vg-lv-real", "vg", "lv", "real");
	split_ok("a--b-c--d-e--f", "a-b", "c-d", "e-f");
	assert_int_equal(lvm_split_dm_name("nodash", v, 8, l, 8, y, 8),
			 -EINVAL);
	assert_int_equal(lvm_split_dm_name("-lv", v, 8, l, 8, y, 8), -EINVAL);
	assert_int_equal(lvm_split_dm_name("vg-", v, 8, l, 8, y, 8), -EINVAL);
	assert_int_equal(lvm_split_dm_name("a-b-c-d", v, 8, l, 8, y, 8),
			 -EINVAL);
	assert_int_equal(lvm_split_dm_name("vg-lv-", v, 8, l, 8, y, 8),
			 -EINVAL);
	assert_int_equal(lvm_split_dm_name("longvgname-lv", v, 8, l, 8, y, 8),
			 -ENAMETOOLONG);
}

static void test_top_name(void **st)
{
	char a[32] = "m_mlog", b[32] = "m_mimage_1", c[32] = "m_mimagetmp_3",
	     d[32] = "plain", e[32] = "_mlog";

	(void)st;
	lvm_mirror_top_name(a);
	lvm_mirror_top_name(b);
	lvm_mirror_top_name(c);
	lvm_mirror_top_name(d);
	lvm_mirror_top_name(e);
	assert_string_equal(a, "m");
	assert_string_equal(b, "m");
	assert_string_equal(c, "m");
	assert_string_equal(d, "plain");
	assert_string_equal(e, "_mlog");
}

static void test_log_uuid(void **st)
{
	char out[129], small[10];

	(void)st;
	assert_int_equal(lvm_log_uuid("LVM-" VGID LVID1, "LVM-" VGID LVID2,
				      out, sizeof(out)), 0);
	assert_string_equal(out, "LVM-" VGID LVID2);
	/* another VG's device, or not LVM's */
	assert_int_equal(lvm_log_uuid("LVM-" VGID LVID1,
				      "LVM-Zb3dEfGhIjKlMnOpQrStUvWxYz012345"
				      LVID2, out, sizeof(out)), -EINVAL);
	assert_int_equal(lvm_log_uuid("LVM-" VGID LVID1, "CRYPT-xyz", out,
				      sizeof(out)), -EINVAL);
	assert_int_equal(lvm_log_uuid("mirror", "LVM-" VGID LVID2, out,
				      sizeof(out)), -EINVAL);
	assert_int_equal(lvm_log_uuid("LVM-" VGID LVID1, "LVM-" VGID, out,
				      sizeof(out)), -EINVAL);
	assert_int_equal(lvm_log_uuid("LVM-" VGID LVID1, "LVM-" VGID LVID2,
				      small, sizeof(small)), -ENAMETOOLONG);
}

static void rewrite_ok(const char *in, const char *want)
{
	char out[512], err[256];

	err[0] = '\0';
	assert_int_equal(lvm_mirror_userspace_params(in, "LVM-u", out,
						     sizeof(out), err,
						     sizeof(err)), 0);
	assert_string_equal(out, want);
}

static void test_rewrite(void **st)
{
	(void)st;
	/* LVM's 2-leg mirror with a disk log, as the kernel prints it */
	rewrite_ok("disk 2 253:2 1024 2 253:3 0 253:4 0 1 handle_errors",
		   "userspace 4 LVM-u clustered-disk 253:2 1024 2 253:3 0 "
		   "253:4 0 1 handle_errors");
	/* nosync, three legs, trailing space, no features */
	rewrite_ok("disk 3 253:2 1024 nosync 3 253:3 0 253:4 0 253:5 0 ",
		   "userspace 5 LVM-u clustered-disk 253:2 1024 nosync 3 "
		   "253:3 0 253:4 0 253:5 0");
	rewrite_ok("disk 3 7:9 64 sync 2 7:0 0 7:1 128 2 handle_errors "
		   "keep_log",
		   "userspace 5 LVM-u clustered-disk 7:9 64 sync 2 7:0 0 "
		   "7:1 128 2 handle_errors keep_log");
}

static void rewrite_fails(const char *in, int want)
{
	char out[512], err[256];

	err[0] = '\0';
	assert_int_equal(lvm_mirror_userspace_params(in, "LVM-u", out,
						     sizeof(out), err,
						     sizeof(err)), want);
	assert_true(err[0] != '\0');
}

static void test_rewrite_refused(void **st)
{
	char out[16], err[128];

	(void)st;
	rewrite_fails("userspace 4 LVM-u clustered-disk 253:2 1024 2 253:3 0 "
		      "253:4 0 1 handle_errors", -EALREADY);
	rewrite_fails("core 1 1024 2 253:3 0 253:4 0 1 handle_errors",
		      -ENOTSUP);
	rewrite_fails("", -EINVAL);
	rewrite_fails("disk", -EINVAL);
	rewrite_fails("disk 2 253:2", -EINVAL);
	rewrite_fails("disk 4 253:2 1024 sync x 2 253:3 0 253:4 0", -EINVAL);
	rewrite_fails("disk 2 253:2 1000 2 253:3 0 253:4 0", -EINVAL);
	rewrite_fails("disk 3 253:2 1024 bogus 2 253:3 0 253:4 0", -EINVAL);
	rewrite_fails("disk 2 253:2 1024 2 253:3 0 253:4", -EINVAL);
	rewrite_fails("disk 2 253:2 1024 1 253:3 0", -EINVAL);
	rewrite_fails("disk 2 253:2 1024 2 253:3 0 253:4 0 2 handle_errors",
		      -EINVAL);
	rewrite_fails("disk 2 bad 1024 2 253:3 0 253:4 0", -EINVAL);
	assert_int_equal(lvm_mirror_userspace_params(
		"disk 2 253:2 1024 2 253:3 0 253:4 0", "LVM-u", out,
		sizeof(out), err, sizeof(err)), -ENOSPC);
	assert_int_equal(lvm_mirror_userspace_params(
		"disk 2 253:2 1024 2 253:3 0 253:4 0", "", out,
		sizeof(out), err, sizeof(err)), -EINVAL);
}

static void test_log_dev(void **st)
{
	uint32_t ma = 0, mi = 0;

	(void)st;
	assert_int_equal(lvm_mirror_log_dev("disk 2 253:2 1024 2 253:3 0 "
					    "253:4 0", &ma, &mi), 0);
	assert_int_equal(ma, 253);
	assert_int_equal(mi, 2);
	assert_int_equal(lvm_mirror_log_dev("userspace 4 u clustered-disk "
					    "253:7 1024 2 253:3 0 253:4 0",
					    &ma, &mi), 0);
	assert_int_equal(mi, 7);
	assert_int_equal(lvm_mirror_log_dev("userspace 5 u integrated_flush "
					    "clustered-disk 253:8 1024 2 "
					    "253:3 0 253:4 0", &ma, &mi), 0);
	assert_int_equal(mi, 8);
	assert_int_equal(lvm_mirror_log_dev("core 1 1024 2 253:3 0 253:4 0",
					    &ma, &mi), -ENOENT);
	assert_int_equal(lvm_mirror_log_dev("userspace 3 u clustered-core "
					    "1024 2 253:3 0 253:4 0", &ma,
					    &mi), -ENOENT);
	assert_int_equal(lvm_mirror_log_dev("striped 2", &ma, &mi), -EINVAL);
	assert_int_equal(lvm_mirror_log_dev("disk 2 /dev/x 1024", &ma, &mi),
			 -EINVAL);
}

static void test_status_parse(void **st)
{
	struct mirror_status s;
	char err[128];

	(void)st;
	assert_int_equal(mirror_status_parse("2 253:3 253:4 120/128 1 AA 3 "
					     "disk 253:2 A", &s, err,
					     sizeof(err)), 0);
	assert_int_equal(s.nlegs, 2);
	assert_int_equal(s.legs[1].major, 253);
	assert_int_equal(s.legs[1].minor, 4);
	assert_int_equal(s.insync, 120);
	assert_int_equal(s.total, 128);
	assert_string_equal(s.log_type, "disk");
	assert_true(s.log_has_dev);
	assert_int_equal(s.log_minor, 2);
	assert_int_equal(s.log_health, 'A');

	/* dmlogd's log (cmirrord's spelling) */
	assert_int_equal(mirror_status_parse("3 253:3 253:4 253:5 8/8 1 ADA "
					     "3 clustered-disk 253:2 D ", &s,
					     err, sizeof(err)), 0);
	assert_string_equal(s.log_type, "clustered-disk");
	assert_int_equal(s.legs[1].health, 'D');
	assert_int_equal(s.log_health, 'D');

	/* core logs */
	assert_int_equal(mirror_status_parse("2 7:0 7:1 0/16 1 AA 1 core", &s,
					     err, sizeof(err)), 0);
	assert_false(s.log_has_dev);
	assert_int_equal(mirror_status_parse("2 7:0 7:1 0/16 1 AA 1 "
					     "clustered-core", &s, err,
					     sizeof(err)), 0);
	assert_string_equal(s.log_type, "clustered-core");
}

static void test_status_bad(void **st)
{
	static const char *const bad[] = {
		"", "x", "0 0/0 1 A 1 core", "2 253:3 1/1 1 AA 1 core",
		"2 253:3 253:4 2/1 1 AA 1 core", "2 253:3 253:4 1/1 1 A 1 core",
		"2 253:3 253:4 1/1 2 AA 1 core", "2 253:3 253:4 1/1 1 AA",
		"2 253:3 253:4 1/1 1 AA 3 disk 253:2",
		"2 253:3 253:4 1/1 1 AA 3 disk 253:2 AA",
		"2 253:3 253:4 1/1 1 AA 3 disk xx A",
		"2 253:3 253:4 1/x 1 AA 1 core",
		"2 253:3 253:4 1/1 1 AA 2 core",
		"2 a:b 253:4 1/1 1 AA 1 core",
	};
	struct mirror_status s;
	char err[128];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (mirror_status_parse(bad[i], &s, err, sizeof(err)) !=
		    -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
	}
}

struct reports {
	int n;
	char what[4][32];
	char health[4];
};

static void rec(const char *what, uint32_t major, uint32_t minor,
		char health, void *ctx)
{
	struct reports *r = ctx;

	(void)major;
	(void)minor;
	if (r->n < 4) {
		strncpy(r->what[r->n], what, sizeof(r->what[0]) - 1);
		r->health[r->n] = health;
	}
	r->n++;
}

static enum mirror_event ev(const char *status, struct reports *r)
{
	struct mirror_status s;

	memset(r, 0, sizeof(*r));
	assert_int_equal(mirror_status_parse(status, &s, NULL, 0), 0);
	return mirror_status_event(&s, rec, r);
}

static void test_events(void **st)
{
	struct reports r;

	(void)st;
	assert_int_equal(ev("2 253:3 253:4 128/128 1 AA 3 disk 253:2 A", &r),
			 MIRROR_EV_INSYNC);
	assert_int_equal(r.n, 0);
	assert_int_equal(ev("2 253:3 253:4 12/128 1 AA 3 disk 253:2 A", &r),
			 MIRROR_EV_IGNORE);
	/* a dead secondary leg */
	assert_int_equal(ev("2 253:3 253:4 128/128 1 AD 3 disk 253:2 A", &r),
			 MIRROR_EV_FAILURE);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.what[0], "Secondary mirror");
	/* primary flush failure, unclassified, unknown letters */
	assert_int_equal(ev("2 253:3 253:4 1/128 1 FA 1 core", &r),
			 MIRROR_EV_FAILURE);
	assert_string_equal(r.what[0], "Primary mirror");
	assert_int_equal(ev("2 253:3 253:4 1/128 1 UA 1 core", &r),
			 MIRROR_EV_FAILURE);
	assert_int_equal(ev("2 253:3 253:4 1/128 1 AX 1 core", &r),
			 MIRROR_EV_FAILURE);
	/* sync and read failures are reported, not repaired */
	assert_int_equal(ev("2 253:3 253:4 128/128 1 SR 1 core", &r),
			 MIRROR_EV_INSYNC);
	assert_int_equal(r.n, 2);
	assert_int_equal(ev("2 253:3 253:4 3/128 1 SA 1 core", &r),
			 MIRROR_EV_IGNORE);
	/* the log: the kernel's and dmlogd's */
	assert_int_equal(ev("2 253:3 253:4 128/128 1 AA 3 disk 253:2 D", &r),
			 MIRROR_EV_FAILURE);
	assert_string_equal(r.what[0], "Log");
	assert_int_equal(r.health[0], 'D');
	assert_int_equal(ev("2 253:3 253:4 128/128 1 AA 3 clustered-disk "
			    "253:2 D", &r), MIRROR_EV_FAILURE);
	/* NULL report */
	{
		struct mirror_status s;

		assert_int_equal(mirror_status_parse("2 1:1 1:2 1/1 1 AD 1 "
						     "core", &s, NULL, 0), 0);
		assert_int_equal(mirror_status_event(&s, NULL, NULL),
				 MIRROR_EV_FAILURE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_parse),
		cmocka_unit_test(test_select_errors),
		cmocka_unit_test(test_conf_paths),
		cmocka_unit_test(test_select_match),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_top_name),
		cmocka_unit_test(test_log_uuid),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_rewrite_refused),
		cmocka_unit_test(test_log_dev),
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_status_bad),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
