/* Every dmlogctl JSON report against doc/dmlogctl-json.md: the tables of
 * the document are parsed, and each report must have every documented key
 * with a documented type, and no undocumented key, recursively. Each
 * object table of the document must be exercised by some report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log_format.h"
#include "test_dmlogctl_util.h"
#include "test_online_util.h"

#define MAX_TABLES 40
#define MAX_ROWS 40

struct schema_row {
	char key[64];
	char type[160];
};

struct schema_table {
	char name[64];
	struct schema_row rows[MAX_ROWS];
	size_t n;
	bool used;		/* validated at least once */
};

static struct schema_table tables[MAX_TABLES];
static size_t ntables;

static FILE *open_doc(void)
{
	static const char *const paths[] = {
		"doc/dmlogctl-json.md", "../../doc/dmlogctl-json.md",
	};
	const char *src = getenv("DMLOG_SRCDIR");
	char path[4096];
	FILE *f;

	if (src) {
		snprintf(path, sizeof(path), "%s/doc/dmlogctl-json.md", src);
		if ((f = fopen(path, "r")))
			return f;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		if ((f = fopen(paths[i], "r")))
			return f;
	fail_msg("doc/dmlogctl-json.md not found (run from the source tree)");
	return NULL;
}

/* Text between the first pair of backticks of s into buf; false if none. */
static bool backticked(const char *s, char *buf, size_t len)
{
	const char *a = strchr(s, '`'), *b = a ? strchr(a + 1, '`') : NULL;

	if (!b)
		return false;
	snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
	return true;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	memmove(s, s + strspn(s, " "), strlen(s + strspn(s, " ")) + 1);
}

/* "| `key` | type | meaning |" */
static void parse_row(struct schema_table *t, const char *line)
{
	struct schema_row *row;
	const char *c2 = strchr(line + 1, '|'), *c3;

	assert_true(t->n < MAX_ROWS);
	row = &t->rows[t->n++];
	assert_true(backticked(line, row->key, sizeof(row->key)));
	assert_non_null(c2);
	c3 = strchr(c2 + 1, '|');
	assert_non_null(c3);
	snprintf(row->type, sizeof(row->type), "%.*s", (int)(c3 - c2 - 1),
		 c2 + 1);
	trim(row->type);
}

static int load_schema(void **state)
{
	FILE *f = open_doc();
	struct schema_table *cur = NULL;
	char line[1024];

	(void)state;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			cur = NULL;
			if (ntables < MAX_TABLES &&
			    backticked(line, tables[ntables].name,
				       sizeof(tables[0].name)))
				cur = &tables[ntables++];
		} else if (cur && !strncmp(line, "| `", 3)) {
			parse_row(cur, line);
		}
	}
	fclose(f);
	return scratch_setup(state);
}

static struct schema_table *table(const char *name)
{
	for (size_t i = 0; i < ntables; i++)
		if (!strcmp(tables[i].name, name))
			return &tables[i];
	fail_msg("no table \"%s\" in doc/dmlogctl-json.md", name);
	return NULL;
}

static bool check_object(struct json_object *o, struct schema_table *t,
			 const char *where, char *err, size_t errlen);

/* One alternative of a type column: "integer", "object: NAME",
 * "array of T". */
static bool check_alt(struct json_object *v, const char *alt,
		      const char *where, char *err, size_t errlen)
{
	if (!strcmp(alt, "null"))
		return v == NULL;
	if (!v)
		return false;
	if (!strcmp(alt, "string"))
		return json_object_is_type(v, json_type_string);
	if (!strcmp(alt, "integer"))
		return json_object_is_type(v, json_type_int);
	if (!strcmp(alt, "number"))
		return json_object_is_type(v, json_type_double) ||
		       json_object_is_type(v, json_type_int);
	if (!strcmp(alt, "boolean"))
		return json_object_is_type(v, json_type_boolean);
	if (!strncmp(alt, "object: ", 8))
		return json_object_is_type(v, json_type_object) &&
		       check_object(v, table(alt + 8), where, err, errlen);
	if (!strncmp(alt, "array of ", 9)) {
		if (!json_object_is_type(v, json_type_array))
			return false;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!check_alt(json_object_array_get_idx(v, i),
				       alt + 9, where, err, errlen))
				return false;
		return true;
	}
	fail_msg("%s: unknown type \"%s\" in the document", where, alt);
	return false;
}

/* "T1 or T2 or ..." */
static bool check_type(struct json_object *v, const char *type,
		       const char *where, char *err, size_t errlen)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s", type);
	for (char *alt = buf; alt;) {
		char *next = strstr(alt, " or ");

		if (next) {
			*next = '\0';
			next += 4;
		}
		if (check_alt(v, alt, where, err, errlen))
			return true;
		alt = next;
	}
	if (!err[0])
		snprintf(err, errlen, "%s: %s is not %s", where,
			 v ? json_object_to_json_string(v) : "null", type);
	return false;
}

static bool check_object(struct json_object *o, struct schema_table *t,
			 const char *where, char *err, size_t errlen)
{
	char sub[256];

	t->used = true;
	for (size_t i = 0; i < t->n; i++) {
		struct json_object *v = NULL;

		snprintf(sub, sizeof(sub), "%s.%s", where, t->rows[i].key);
		if (!json_object_object_get_ex(o, t->rows[i].key, &v)) {
			snprintf(err, errlen, "%s: documented, missing", sub);
			return false;
		}
		if (!check_type(v, t->rows[i].type, sub, err, errlen))
			return false;
	}
	json_object_object_foreach(o, key, val) {
		bool documented = false;

		(void)val;
		for (size_t i = 0; i < t->n && !documented; i++)
			documented = !strcmp(t->rows[i].key, key);
		if (!documented) {
			snprintf(err, errlen, "%s.%s: not documented", where,
				 key);
			return false;
		}
	}
	return true;
}

/* Validate the report of one dmlogctl run against the command's table. */
static struct json_object *validate(const char *command, int want_status,
				    const char *const *argv)
{
	char err[512] = "";
	struct json_object *o;
	int st;

	o = ctl_json(&st, argv);
	if (st != want_status)
		fail_msg("%s: exit %d, not %d", command, st, want_status);
	if (!check_object(o, table(command), command, err, sizeof(err)))
		fail_msg("%s\n%s", err, json_object_to_json_string_ext(o,
			 JSON_C_TO_STRING_PRETTY));
	return o;
}

#define VALIDATE(cmd, status, ...) json_object_put(validate((cmd), (status), \
	(const char *const[]){ "dmlogctl", "--json", __VA_ARGS__, NULL }))

static void test_document_parses(void **state)
{
	(void)state;
	assert_true(ntables >= 15);
	assert_true(table("dump")->n >= 10);
	assert_true(table("check")->n >= 10);
	assert_true(table("format")->n >= 8);
}

static void test_dump_reports(void **state)
{
	const char *img = scratch_file("d.img", 1 << 20);
	const char *k = scratch_file("k.img", 64 << 10);
	uint8_t khdr[16] = { 0x72, 0x52, 0x69, 0x4D, 2, 0, 0, 0, 0x10 };
	struct dmlog_geometry g;
	struct ctl_run r;

	(void)state;
	assert_int_equal(CTL(&r, "format", img, "--regions", "70000",
			     "--region-size", "8", "--slots", "2"), 0);
	ctl_free(&r);
	VALIDATE("dump", 0, "dump", img);
	VALIDATE("dump", 0, "dump", img, "-v");
	/* damaged: bad ranges, null slot info fields */
	assert_int_equal(dmlog_geometry_compute(70000, 2, &g), 0);
	flip_byte(img, g.slot_info_off + 64);
	flip_byte(img, g.oos_off + 4095);
	VALIDATE("dump", 0, "dump", img, "-v");
	/* kernel only: nulls for everything dmlog */
	poke(k, 0, khdr, sizeof(khdr));
	VALIDATE("dump", 0, "dump", k);
	/* both: the kernel header over a valid superblock */
	poke(img, 0, khdr, sizeof(khdr));
	VALIDATE("dump", 0, "dump", img);
}

static void test_check_reports(void **state)
{
	const char *img = scratch_file("c.img", 1 << 20);
	struct dmlog_geometry g;
	struct ctl_run r;

	(void)state;
	assert_int_equal(CTL(&r, "format", img, "--regions", "100000",
			     "--region-size", "8", "--slots", "3",
			     "--nosync"), 0);
	ctl_free(&r);
	VALIDATE("check", 0, "check", img);
	assert_int_equal(dmlog_geometry_compute(100000, 3, &g), 0);
	flip_byte(img, g.slot_bitmap_off + 5 * 4096 + 200);
	flip_byte(img, g.slot_info_off + 4096 + 70);
	VALIDATE("check", 7, "check", img);
	VALIDATE("check", 7, "check", img, "-v");
	VALIDATE("check", 0, "check", img, "--repair");
	VALIDATE("check", 0, "check", img, "-v");
}

static void test_format_reports(void **state)
{
	const char *img = scratch_file("f.img", 1 << 20);
	const char *sw = scratch_file("sw.img", 1 << 20);
	const char *const mkswap[] = { "mkswap", "-L", "old", sw, NULL };

	(void)state;
	VALIDATE("format", 0, "format", img, "--regions", "10",
		 "--region-size", "8", "--uuid", "U1");
	VALIDATE("format", 0, "format", img, "--regions", "10",
		 "--region-size", "8", "--force", "--nosync");
	run_tool(mkswap);	/* "wiped" gets a signature */
	VALIDATE("format", 0, "format", sw, "--regions", "10",
		 "--region-size", "8", "--force");
}

/* The online reports, from a dmlogd serving a clustered-core log. */
static void test_online_reports(void **state)
{
	struct dmlogd_proc d;
	int fd;

	(void)state;
	fd = ol_start(&d);
	VALIDATE("status", 0, "status");
	VALIDATE("status", 0, "status", OL_UUID, "-v");
	VALIDATE("regions", 0, "regions", OL_UUID);
	VALIDATE("regions", 0, "regions", OL_UUID, "--dirty", "--recovering");
	VALIDATE("stats", 0, "stats");
	VALIDATE("map", 0, "map", OL_UUID);
	VALIDATE("resync", 0, "resync", OL_UUID, "--regions", "3-9");
	VALIDATE("resync", 0, "resync", OL_UUID, "--all", "--wait");
	close(fd);
	dmlogd_cleanup(&d);
}

/* Run last: every object table of the document was validated by some
 * report. (`holder` and `mirror` need a live device-mapper table, and
 * `log_slot` and `device_io` a disk log, which the host tests do not
 * have; test/vm/scenarios/dmlogctl-live.sh covers them. `log_cluster`
 * and `region_lock` need a log shared over the DLM:
 * test/vm/scenarios/cluster-mirror-basic.sh validates them; the host
 * test test_control_cluster.c checks the values.) */
static bool needs_vm(const char *name)
{
	static const char *const vm_only[] = { "holder", "mirror", "log_slot",
					       "device_io", "log_cluster",
					       "region_lock" };

	for (size_t i = 0; i < sizeof(vm_only) / sizeof(*vm_only); i++)
		if (!strcmp(name, vm_only[i]))
			return true;
	return false;
}

static void test_every_table_exercised(void **state)
{
	(void)state;
	for (size_t i = 0; i < ntables; i++)
		if (!tables[i].used && !needs_vm(tables[i].name))
			fail_msg("table \"%s\" was not exercised",
				 tables[i].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_parses),
		cmocka_unit_test(test_dump_reports),
		cmocka_unit_test(test_check_reports),
		cmocka_unit_test(test_format_reports),
		cmocka_unit_test(test_online_reports),
		cmocka_unit_test(test_every_table_exercised),
	};

	return cmocka_run_group_tests(tests, load_schema, scratch_cleanup);
}
