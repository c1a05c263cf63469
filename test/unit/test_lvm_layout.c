/* LVM mirror layout from LVM's JSON reports and the tables dmlog builds
 * (lib/lvm_layout.c). The reports are what lvm2 2.03.16 printed in the
 * VM for the scenario's VG. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lvm_layout.h"

#define VGS(lock) "  {\n  \"report\": [ { \"vg\": [ {\"vg_name\":\"vg\", " \
	"\"vg_uuid\":\"7seav2-WoSa-imrX-WStC-2Mlf-Z3HH-QNWjh7\", " \
	"\"vg_extent_size\":\"8192S\", \"vg_lock_type\":\"" lock "\", " \
	"\"vg_lock_args\":\"\"} ] } ] }\n"

#define ROW(name, uuid, seg, start, size, region, log, stripes, ssize, devs) \
	"{\"lv_name\":\"" name "\", \"lv_uuid\":\"" uuid "\", \"segtype\":\"" \
	seg "\", \"seg_start_pe\":\"" start "\", \"seg_size_pe\":\"" size \
	"\", \"region_size\":\"" region "\", \"mirror_log\":\"" log "\", " \
	"\"stripes\":\"" stripes "\", \"stripe_size\":\"" ssize "\", " \
	"\"devices\":\"" devs "\"}"

#define U_M "SsqNyC-Ae2j-PonW-06aK-kwK8-TcXg-o92dn8"
#define U_I0 "6rMtvz-pFMG-jbDh-Cxfu-7P1Q-dQlw-3840Bs"
#define U_I1 "aL3Lmu-ffIV-KuXn-mYne-zWGA-ikvZ-rgbvgZ"
#define U_I2 "aL3Lmu-ffIV-KuXn-mYne-zWGA-ikvZ-rgbvg2"
#define U_I3 "aL3Lmu-ffIV-KuXn-mYne-zWGA-ikvZ-rgbvg3"
#define U_L "e69VmE-clLH-7KHH-j8RO-kurM-CoBt-sWlGE2"

#define LVS(rows) "{ \"report\": [ { \"lv\": [ " rows " ] } ] }"

#define R_M ROW("m", U_M, "mirror", "0", "4", "1024S", "[m_mlog]", "2", "0S", \
		"m_mimage_0(0),m_mimage_1(0)")
#define R_I0 ROW("[m_mimage_0]", U_I0, "linear", "0", "4", "0S", "", "1", \
		 "0S", "/dev/mapper/pv0(0)")
#define R_I1 ROW("[m_mimage_1]", U_I1, "linear", "0", "4", "0S", "", "1", \
		 "0S", "/dev/mapper/pv1(0)")
#define R_L ROW("[m_mlog]", U_L, "linear", "0", "1", "0S", "", "1", "0S", \
		"/dev/mapper/pv2(0)")
#define R_LIN ROW("lin", U_I3, "linear", "0", "2", "0S", "", "1", "0S", \
		  "/dev/mapper/pv0(6)")
#define R_C ROW("c", U_I2, "mirror", "0", "2", "4096S", "", "2", "0S", \
		"c_mimage_0(0),c_mimage_1(0)")

static const char pvs[] = "{ \"report\": [ { \"pv\": [ "
	"{\"pv_name\":\"/dev/mapper/pv0\", \"pe_start\":\"2048S\"}, "
	"{\"pv_name\":\"/dev/mapper/pv1\", \"pe_start\":\"2048S\"}, "
	"{\"pv_name\":\"/dev/mapper/pv2\", \"pe_start\":\"2048S\"}, "
	"{\"pv_name\":\"/dev/mapper/pv3\", \"pe_start\":\"4096\"} ] } ] }";

static struct lvm_mirror_layout L;
static char err[512];

static int parse(const char *vgs, const char *lvs, const char *lv)
{
	err[0] = '\0';
	return lvm_layout_parse(&L, "vg", lv, vgs, lvs, pvs, err, sizeof(err));
}

/* /dev/mapper/pvN -> 253:N; anything else fails */
static int resolve(const char *pv, uint32_t *ma, uint32_t *mi, void *ctx)
{
	(void)ctx;
	if (strncmp(pv, "/dev/mapper/pv", 14) || !pv[14] || pv[15])
		return -ENOENT;
	*ma = 253;
	*mi = (uint32_t)(pv[14] - '0');
	return 0;
}

static void test_names(void **st)
{
	char b[300];

	(void)st;
	assert_int_equal(lvm_dm_name("vg", "m_mimage_0", b, sizeof(b)), 0);
	assert_string_equal(b, "vg-m_mimage_0");
	assert_int_equal(lvm_dm_name("my-vg", "a-b-c", b, sizeof(b)), 0);
	assert_string_equal(b, "my--vg-a--b--c");
	assert_int_equal(lvm_dm_name("vg", "lv", b, 6), 0);
	assert_int_equal(lvm_dm_name("vg", "lv", b, 5), -ENAMETOOLONG);
	assert_int_equal(lvm_dm_name("v-g", "lv", b, 7), -ENAMETOOLONG);
	assert_int_equal(lvm_dm_name("", "lv", b, sizeof(b)), -EINVAL);
	assert_int_equal(lvm_dm_name("vg", "a/b", b, sizeof(b)), -EINVAL);

	/* the uuid LVM gave vg/m in the VM */
	assert_int_equal(lvm_dm_uuid("7seav2-WoSa-imrX-WStC-2Mlf-Z3HH-QNWjh7",
				     U_M, b, sizeof(b)), 0);
	assert_string_equal(b, "LVM-7seav2WoSaimrXWStC2MlfZ3HHQNWjh7"
			    "SsqNyCAe2jPonW06aKkwK8TcXgo92dn8");
	assert_int_equal(strlen(b), LVM_DM_UUID_LEN);
	assert_int_equal(lvm_dm_uuid("7seav2WoSaimrXWStC2MlfZ3HHQNWjh7",
				     U_M, b, LVM_DM_UUID_LEN), -ENAMETOOLONG);
	assert_int_equal(lvm_dm_uuid("short", U_M, b, sizeof(b)), -EINVAL);
	assert_int_equal(lvm_dm_uuid("7seav2WoSaimrXWStC2MlfZ3HHQNWjh7X",
				     U_M, b, sizeof(b)), -EINVAL);
	assert_int_equal(lvm_dm_uuid("7seav2WoSaimrXWStC2MlfZ3HHQNWj!7",
				     U_M, b, sizeof(b)), -EINVAL);
}

static void test_two_legs(void **st)
{
	struct lvm_table_line t[LVM_LAYOUT_MAX_SEGS];
	uint32_t ma[2] = { 253, 253 }, mi[2] = { 5, 6 };
	unsigned n;

	(void)st;
	assert_int_equal(parse(VGS(""), LVS(R_LIN "," R_M "," R_I0 "," R_I1
					    "," R_L), "m"), 0);
	assert_int_equal(L.nlegs, 2);
	assert_int_equal(L.size, 32768);
	assert_int_equal(L.region_sectors, 1024);
	assert_int_equal(L.extent_sectors, 8192);
	assert_string_equal(L.lock_type, "");
	assert_string_equal(L.legs[0].name, "m_mimage_0");
	assert_string_equal(L.legs[1].name, "m_mimage_1");
	assert_string_equal(L.log.name, "m_mlog");
	assert_string_equal(L.log.id, "e69VmEclLH7KHHj8ROkurMCoBtsWlGE2");
	assert_string_equal(L.lv_id, "SsqNyCAe2jPonW06aKkwK8TcXgo92dn8");
	assert_string_equal(L.lv_uuid, U_M);	/* lvmlockd's LV lock name */

	/* what LVM itself loaded for these LVs in the VM */
	assert_int_equal(lvm_sublv_table(&L.legs[1], resolve, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].start, 0);
	assert_int_equal(t[0].len, 32768);
	assert_string_equal(t[0].target, "linear");
	assert_string_equal(t[0].params, "253:1 2048");
	assert_int_equal(lvm_sublv_table(&L.log, resolve, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)), 0);
	assert_int_equal(t[0].len, 8192);
	assert_string_equal(t[0].params, "253:2 2048");

	assert_int_equal(lvm_mirror_top_table(&L, "LVM-xyz", 253, 4, ma, mi,
					      t, err, sizeof(err)), 0);
	assert_int_equal(t[0].len, 32768);
	assert_string_equal(t[0].target, "mirror");
	assert_string_equal(t[0].params, "userspace 4 LVM-xyz clustered-disk "
			    "253:4 1024 2 253:5 0 253:6 0 1 handle_errors");

	/* a dlm VG is accepted, "none" means local */
	assert_int_equal(parse(VGS("dlm"), LVS(R_M "," R_I0 "," R_I1 "," R_L),
			       "m"), 0);
	assert_string_equal(L.lock_type, "dlm");
	assert_int_equal(parse(VGS("none"), LVS(R_M "," R_I0 "," R_I1 "," R_L),
			       "m"), 0);
	assert_string_equal(L.lock_type, "");

	/* pe_start without the "S" suffix (pv3: 4096) */
	assert_int_equal(parse(VGS(""), LVS(R_M "," ROW("[m_mimage_0]", U_I0,
		"linear", "0", "4", "0S", "", "1", "0S", "/dev/mapper/pv3(0)")
		"," R_I1 "," R_L), "m"), 0);
	assert_int_equal(lvm_sublv_table(&L.legs[0], resolve, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)), 0);
	assert_string_equal(t[0].params, "253:3 4096");
}

static void test_three_legs_striped_segments(void **st)
{
	struct lvm_table_line t[LVM_LAYOUT_MAX_SEGS];
	uint32_t ma[3] = { 253, 253, 253 }, mi[3] = { 7, 8, 9 };
	unsigned n;

	(void)st;
	/* image 0: striped over pv0 and pv1 (64 KiB chunks); image 1: two
	 * linear segments; image 2 linear; log on pv3 */
	assert_int_equal(parse(VGS("dlm"), LVS(
		ROW("m", U_M, "mirror", "0", "4", "1024S", "[m_mlog]", "3",
		    "0S", "m_mimage_0(0),m_mimage_1(0),m_mimage_2(0)") ","
		ROW("[m_mimage_0]", U_I0, "striped", "0", "4", "0S", "", "2",
		    "128S", "/dev/mapper/pv0(2),/dev/mapper/pv1(6)") ","
		ROW("[m_mimage_1]", U_I1, "linear", "0", "1", "0S", "", "1",
		    "0S", "/dev/mapper/pv2(1)") ","
		ROW("[m_mimage_1]", U_I1, "linear", "1", "3", "0S", "", "1",
		    "0S", "/dev/mapper/pv0(10)") ","
		ROW("[m_mimage_2]", U_I2, "linear", "0", "4", "0S", "", "1",
		    "0S", "/dev/mapper/pv2(4)") ","
		ROW("[m_mlog]", U_L, "linear", "0", "1", "0S", "", "1", "0S",
		    "/dev/mapper/pv3(0)")), "m"), 0);
	assert_int_equal(L.nlegs, 3);
	assert_int_equal(lvm_sublv_table(&L.legs[0], resolve, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].target, "striped");
	assert_string_equal(t[0].params, "2 128 253:0 18432 253:1 51200");
	assert_int_equal(lvm_sublv_table(&L.legs[1], resolve, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].start, 0);
	assert_int_equal(t[0].len, 8192);
	assert_string_equal(t[0].params, "253:2 10240");
	assert_int_equal(t[1].start, 8192);
	assert_int_equal(t[1].len, 24576);
	assert_string_equal(t[1].params, "253:0 83968");
	assert_int_equal(lvm_sublv_table(&L.log, resolve, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)), 0);
	assert_string_equal(t[0].params, "253:3 4096");
	/* too small an output array */
	assert_int_equal(lvm_sublv_table(&L.legs[1], resolve, NULL, t, 1, &n,
					 err, sizeof(err)), -ENOSPC);
	assert_int_equal(lvm_mirror_top_table(&L, "LVM-u", 253, 10, ma, mi, t,
					      err, sizeof(err)), 0);
	assert_string_equal(t[0].params, "userspace 4 LVM-u clustered-disk "
			    "253:10 1024 3 253:7 0 253:8 0 253:9 0 "
			    "1 handle_errors");
}

static void refused(int expect, const char *vgs, const char *lvs,
		    const char *lv, const char *msg)
{
	assert_int_equal(parse(vgs, lvs, lv), expect);
	if (!strstr(err, msg))
		fail_msg("message \"%s\" lacks \"%s\"", err, msg);
	assert_int_equal(L.nlegs, 0);	/* cleared on failure */
}

static void test_refusals(void **st)
{
	(void)st;
	refused(-ENOENT, VGS(""), LVS(R_M), "x", "vg/x not found");
	assert_int_equal(lvm_layout_parse(&L, "other", "m", VGS(""), LVS(R_M),
					  pvs, err, sizeof(err)), -ENOENT);
	refused(-ENOTSUP, VGS(""), LVS(R_LIN), "lin",
		"vg/lin is a linear LV, not a mirror");
	refused(-ENOTSUP, VGS(""), LVS(R_C), "c", "core log");
	refused(-ENOTSUP, VGS("sanlock"), LVS(R_M "," R_I0 "," R_I1 "," R_L),
		"m", "lock type sanlock");
	/* a mirrored log: the log LV is a mirror */
	refused(-ENOTSUP, VGS(""), LVS(R_M "," R_I0 "," R_I1 "," ROW("[m_mlog]",
		U_L, "mirror", "0", "1", "0S", "", "2", "0S",
		"m_mlog_mimage_0(0),m_mlog_mimage_1(0)")), "m",
		"the log LV m_mlog is mirror");
	/* an image on another LV (nested layer) */
	refused(-ENOTSUP, VGS(""), LVS(R_M "," ROW("[m_mimage_0]", U_I0,
		"linear", "0", "4", "0S", "", "1", "0S", "other_lv(0)") ","
		R_I1 "," R_L), "m", "not a PV");
	/* a raid image type */
	refused(-ENOTSUP, VGS(""), LVS(R_M "," ROW("[m_mimage_0]", U_I0,
		"raid1", "0", "4", "0S", "", "1", "0S", "x(0)") "," R_I1 ","
		R_L), "m", "is raid1");
	/* four legs */
	refused(-ENOTSUP, VGS(""), LVS(ROW("m", U_M, "mirror", "0", "4",
		"1024S", "[m_mlog]", "4", "0S", "a(0),b(0),c(0),d(0)")), "m",
		"has 4 images");
	/* an extended mirror: two segments */
	refused(-ENOTSUP, VGS(""), LVS(R_M "," R_M), "m", "2 segments");
	/* an image shorter than the mirror */
	refused(-EINVAL, VGS(""), LVS(R_M "," ROW("[m_mimage_0]", U_I0,
		"linear", "0", "3", "0S", "", "1", "0S", "/dev/mapper/pv0(0)")
		"," R_I1 "," R_L), "m", "24576 sectors");
	/* an image missing from the report */
	refused(-EINVAL, VGS(""), LVS(R_M "," R_I0 "," R_L), "m",
		"m_mimage_1 is not in LVM's report");
	/* malformed input */
	refused(-EINVAL, "not json", LVS(R_M), "m", "vgs: not a JSON report");
	refused(-EINVAL, VGS(""), "{\"report\":[]}", "m", "not LVM's JSON");
	refused(-EINVAL, VGS(""), LVS(ROW("m", "short", "mirror", "0", "4",
		"1024S", "[m_mlog]", "2", "0S", "a(0),b(0)")), "m",
		"bad lv_uuid");
	refused(-EINVAL, VGS(""), LVS(ROW("m", U_M, "mirror", "0", "4",
		"1024S", "[m_mlog]", "2", "0S", "a(0,b(0)")), "m",
		"bad devices");
	refused(-EINVAL, VGS(""), LVS(ROW("m", U_M, "mirror", "0", "4",
		"12x", "[m_mlog]", "2", "0S", "a(0),b(0)")), "m",
		"bad segment fields");
	refused(-EINVAL, VGS(""), LVS(R_M "," ROW("[m_mimage_0]", U_I0,
		"striped", "0", "4", "0S", "", "2", "128S",
		"/dev/mapper/pv0(0)") "," R_I1 "," R_L), "m", "1 devices for 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_two_legs),
		cmocka_unit_test(test_three_legs_striped_segments),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
