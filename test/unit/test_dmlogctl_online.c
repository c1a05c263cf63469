/* dmlogctl's online commands against a running dmlogd (--no-kernel):
 * status, regions, stats, map and resync values after driving a log with
 * frames; the control protocol's error replies; a non-root client
 * refused; no daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "test_dmlogctl_util.h"
#include "test_online_util.h"
#include "ulog_codec.h"

struct online {
	struct dmlogd_proc d;
	int fd;
};

static int setup(void **state)
{
	struct online *o = calloc(1, sizeof(*o));

	if (!o)
		return -1;
	o->fd = ol_start(&o->d);
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	struct online *o = *state;

	close(o->fd);
	dmlogd_cleanup(&o->d);
	free(o);
	return 0;
}

static void test_status_values(void **state)
{
	struct json_object *j;
	int st;

	(void)state;
	j = CTL_JSON(&st, "status");
	assert_int_equal(st, 0);
	assert_string_equal(json_object_get_string(jpath(j, "logs.0.uuid")),
			    OL_UUID);
	assert_int_equal(jint(j, "logs.0.region_count"), 1024);
	assert_int_equal(jint(j, "logs.0.region_size_sectors"), 8);
	assert_int_equal(jint(j, "logs.0.in_sync_regions"), 1023);
	assert_int_equal(jint(j, "logs.0.out_of_sync_regions"), 1);
	assert_int_equal(jint(j, "logs.0.dirty_regions"), 3);
	assert_int_equal(jint(j, "logs.0.flush.count"), 1);
	assert_null(jpath(j, "logs.0.log_device"));
	assert_null(jpath(j, "logs.0.mirror"));
	assert_string_equal(json_object_get_string(jpath(j, "logs.0.health")),
			    "out-of-sync");
	json_object_put(j);
	/* by unique prefix; an unknown log is exit 3 */
	j = CTL_JSON(&st, "status", "LVM-online");
	assert_int_equal(st, 0);
	assert_int_equal(jint(j, "logs.0.luid"), OL_LUID);
	json_object_put(j);
	{
		struct ctl_run r;

		assert_int_equal(CTL(&r, "status", "nosuchlog"), 3);
		assert_contains(r.err, "nosuchlog");
		ctl_free(&r);
		assert_int_equal(CTL(&r, "status"), 0);
		assert_contains(r.out, "1023 (99.90%), 1 out of sync");
		assert_contains(r.out, "3 (this node)");
		ctl_free(&r);
	}
}

static void test_regions(void **state)
{
	struct json_object *j;
	int st;

	(void)state;
	j = CTL_JSON(&st, "regions", OL_UUID);
	assert_int_equal(st, 0);
	assert_int_equal(json_object_array_length(jpath(j, "ranges")), 2);
	assert_int_equal(jint(j, "ranges.0.first_region"), 5);
	assert_int_equal(jint(j, "ranges.0.count"), 1);
	assert_true(json_object_get_boolean(jpath(j, "ranges.0.out_of_sync")));
	assert_int_equal(jint(j, "ranges.0.first_sector"), 40);
	assert_int_equal(jint(j, "ranges.0.offset_bytes"), 40 * 512);
	assert_int_equal(jint(j, "ranges.1.first_region"), 10);
	assert_int_equal(jint(j, "ranges.1.last_region"), 12);
	assert_true(json_object_get_boolean(jpath(j, "ranges.1.dirty")));
	assert_false(json_object_get_boolean(jpath(j, "ranges.1.out_of_sync")));
	json_object_put(j);
	j = CTL_JSON(&st, "regions", OL_UUID, "--dirty");
	assert_int_equal(json_object_array_length(jpath(j, "ranges")), 1);
	assert_int_equal(jint(j, "ranges.0.first_region"), 10);
	json_object_put(j);
	j = CTL_JSON(&st, "regions", OL_UUID, "--recovering");
	assert_int_equal(json_object_array_length(jpath(j, "ranges")), 0);
	json_object_put(j);
}

static void test_stats(void **state)
{
	struct json_object *j, *reqs;
	bool saw_mark = false;
	int st;

	(void)state;
	j = CTL_JSON(&st, "stats", OL_UUID);
	assert_int_equal(st, 0);
	reqs = jpath(j, "logs.0.requests");
	for (size_t i = 0; i < json_object_array_length(reqs); i++) {
		struct json_object *q = json_object_array_get_idx(reqs, i);

		if (strcmp(json_object_get_string(jpath(q, "type")),
			   "MARK_REGION"))
			continue;
		saw_mark = true;
		assert_true(jint(q, "count") >= 3);
		assert_true(jint(q, "latency_ns.max") >=
			    jint(q, "latency_ns.p50"));
	}
	assert_true(saw_mark);
	assert_int_equal(jint(j, "logs.0.flush.requests"), 1);
	assert_null(jpath(j, "logs.0.device"));	/* core log */
	json_object_put(j);
}

static void test_map(void **state)
{
	struct json_object *j;
	struct ctl_run r;
	int st;

	(void)state;
	setenv("COLUMNS", "10", 1);
	setenv("LINES", "7", 1);
	j = CTL_JSON(&st, "map", OL_UUID);
	assert_int_equal(st, 0);
	assert_int_equal(jint(j, "regions_per_cell"), 52);
	assert_int_equal(json_object_array_length(jpath(j, "dirty")), 20);
	assert_int_equal(jint(j, "dirty.0"), 3);
	assert_int_equal(jint(j, "out_of_sync.0"), 1);
	json_object_put(j);
	assert_int_equal(CTL(&r, "map", OL_UUID), 0);
	assert_contains(r.out, "52 per cell");
	ctl_free(&r);
	unsetenv("COLUMNS");
	unsetenv("LINES");
}

static void test_resync(void **state)
{
	struct json_object *j;
	struct ctl_run r;
	int st;

	(void)state;
	j = CTL_JSON(&st, "resync", OL_UUID, "--regions", "100-199");
	assert_int_equal(st, 0);
	assert_int_equal(jint(j, "marked"), 100);
	assert_false(json_object_get_boolean(jpath(j, "mirror_restarted")));
	json_object_put(j);
	j = CTL_JSON(&st, "status", OL_UUID);
	assert_int_equal(jint(j, "logs.0.out_of_sync_regions"), 101);
	json_object_put(j);
	/* sectors 1600-1607 are region 200 */
	j = CTL_JSON(&st, "resync", OL_UUID, "--sectors", "1600-1607");
	assert_int_equal(jint(j, "first_region"), 200);
	assert_int_equal(jint(j, "count"), 1);
	json_object_put(j);
	/* --wait with no kernel: says so, does not hang */
	assert_int_equal(CTL(&r, "resync", OL_UUID, "--regions", "7", "--wait"),
			 0);
	assert_contains(r.err, "not waiting");
	ctl_free(&r);
	/* bad ranges */
	assert_int_equal(CTL(&r, "resync", OL_UUID, "--regions", "5-1024"), 2);
	assert_contains(r.err, "past the end");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "resync", OL_UUID), 2);
	ctl_free(&r);
	assert_int_equal(CTL(&r, "resync", OL_UUID, "--all", "--regions", "1"),
			 2);
	ctl_free(&r);
	/* the kernel's next resync work is the first region marked */
	{
		uint64_t v[2];
		struct ulogc_reply rep;

		assert_int_equal(ulogc_call(((struct online *)*state)->fd,
					    DM_ULOG_GET_RESYNC_WORK, OL_LUID,
					    OL_UUID, NULL, 0, &rep), 0);
		memcpy(v, rep.data, sizeof(v));
		assert_int_equal(v[0], 1);
		assert_int_equal(v[1], 5);
	}
}

/* One raw request on the control socket: the reply's error code, or
 * "" when ok. */
static const char *raw(const char *path, const char *req)
{
	static char code[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536];
	struct json_object *o;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	o = json_parse_or_fail(buf);
	assert_int_equal(jint(o, "version"), 1);
	snprintf(code, sizeof(code), "%s", jpath(o, "error.code") ?
		 json_object_get_string(jpath(o, "error.code")) : "");
	assert_true(json_object_get_boolean(jpath(o, "ok")) == !code[0]);
	json_object_put(o);
	return code;
}

static void test_bad_requests(void **state)
{
	struct online *o = *state;
	const char *p = o->d.ctl;

	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"list\"}"), "");
	assert_string_equal(raw(p, "{nope"), "bad-json");
	assert_string_equal(raw(p, "[1,2]"), "bad-json");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"list\"}{}"),
			    "bad-json");
	assert_string_equal(raw(p, "{\"request\":\"list\"}"), "bad-argument");
	assert_string_equal(raw(p, "{\"version\":9,\"request\":\"list\"}"),
			    "bad-version");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"reboot\"}"),
			    "unknown-request");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"regions\"}"),
			    "bad-argument");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"regions\","
			    "\"args\":{\"log\":7}}"), "bad-argument");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"map\","
			    "\"args\":{\"log\":\"LVM\",\"cells\":0}}"),
			    "bad-argument");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"resync\","
			    "\"args\":{\"log\":\"LVM\",\"first_region\":-1}}"),
			    "bad-argument");
	assert_string_equal(raw(p, "{\"version\":1,\"request\":\"status\","
			    "\"args\":{\"logs\":[\"zzz\"]}}"), "no-such-log");
	assert_true(dmlogd_running(&o->d));
}

/* As nobody: the socket's mode refuses (EACCES), and with the mode
 * opened up, the daemon's peer check does. */
static int as_nobody_status(const char *path)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ctl_run r;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(99);
		setenv("DMLOG_CONTROL_SOCKET", path, 1);
		_exit(ctl_runv(&r, (const char *const[]){ "dmlogctl", "status",
							  NULL }));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_non_root_refused(void **state)
{
	struct online *o = *state;

	assert_int_equal(as_nobody_status(o->d.ctl), 5);
	assert_int_equal(chmod(o->d.dir, 0711), 0);
	assert_int_equal(chmod(o->d.ctl, 0666), 0);
	assert_int_equal(as_nobody_status(o->d.ctl), 5);
	assert_true(dmlogd_wait_log(&o->d, "control socket: refused uid "
				    "65534", 2000));
	assert_int_equal(chmod(o->d.ctl, 0600), 0);
	assert_int_equal(chmod(o->d.dir, 0700), 0);
}

static void test_no_daemon(void **state)
{
	struct ctl_run r;

	(void)state;
	setenv("DMLOG_CONTROL_SOCKET", "/nonexistent/dmlogd.sock", 1);
	assert_int_equal(CTL(&r, "status"), 4);
	assert_contains(r.err, "dmlogd is not running");
	assert_string_equal(r.out, "");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "--json", "stats"), 4);
	assert_string_equal(r.out, "");
	ctl_free(&r);
	assert_int_equal(CTL(&r, "regions"), 2);	/* usage first */
	ctl_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_values),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_non_root_refused),
		cmocka_unit_test(test_resync),
		cmocka_unit_test(test_no_daemon),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
