/* dmlogd's config file: defaults, every key, bad values, unknown keys
 * and sections warned about, syntax errors reported with their line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dmlog_log.h"
/* The unit-test rule links lib/ only; the config reader is the daemon's. */
#include "../../daemons/dmlogd/daemon_config.c"

static char warnings[4096];

static void capture(int level, const char *msg)
{
	if (level == LOG_WARNING) {
		strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
		strcat(warnings, "\n");
	}
}

static int setup(void **state)
{
	(void)state;
	warnings[0] = '\0';
	dmlog_set_sink(capture, LOG_DEBUG);
	return 0;
}

static int parse(struct daemon_config *c, const char *text, char *err,
		 size_t errlen)
{
	daemon_config_defaults(c);
	err[0] = '\0';
	return daemon_config_parse(c, text, strlen(text), "test.conf", err,
				   errlen);
}

static void assert_defaults(const struct daemon_config *c)
{
	assert_string_equal(c->socket, "/run/dmlogd/ulog.sock");
	assert_string_equal(c->control_socket, "/run/dmlogd.sock");
	assert_string_equal(c->pidfile, "/run/dmlogd.pid");
	assert_int_equal(c->log_level, LOG_NOTICE);
	assert_string_equal(c->lock_manager, "local");
}

static void test_defaults(void **state)
{
	struct daemon_config c;
	char err[256];

	(void)state;
	daemon_config_defaults(&c);
	assert_defaults(&c);
	/* no settings at all: empty, blank, comments, empty section */
	assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
	assert_defaults(&c);
	assert_int_equal(parse(&c, "  \n\t\n", err, sizeof(err)), 0);
	assert_defaults(&c);
	assert_int_equal(parse(&c, "# nothing here\n", err, sizeof(err)), 0);
	assert_defaults(&c);
	assert_int_equal(parse(&c, "dmlogd {\n}\n", err, sizeof(err)), 0);
	assert_defaults(&c);
	assert_string_equal(warnings, "");
}

static void test_every_key(void **state)
{
	struct daemon_config c;
	char err[256];
	const char *text =
		"# dmlogd settings\n"
		"dmlogd {\n"
		"    socket = \"/tmp/x/dmlogd.sock\"\n"
		"    control_socket = \"/tmp/x/control.sock\"\n"
		"    pidfile = \"/tmp/x/dmlogd.pid\"\n"
		"    log_level = \"debug\"\n"
		"    lock_manager = \"local\"\n"
		"}\n";

	(void)state;
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_string_equal(c.socket, "/tmp/x/dmlogd.sock");
	assert_string_equal(c.control_socket, "/tmp/x/control.sock");
	assert_string_equal(c.pidfile, "/tmp/x/dmlogd.pid");
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_string_equal(c.lock_manager, "local");
	assert_string_equal(warnings, "");
	assert_int_equal(parse(&c, "dmlogd { lock_manager = \"dlm\" }", err,
			       sizeof(err)), 0);
	assert_string_equal(c.lock_manager, "dlm");
	/* lvm.conf's path syntax works too */
	assert_int_equal(parse(&c, "dmlogd/log_level = \"warning\"", err,
			       sizeof(err)), 0);
	assert_int_equal(c.log_level, LOG_WARNING);
}

static void test_levels(void **state)
{
	static const struct { const char *n; int l; } t[] = {
		{ "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG },
		{ "crit", LOG_CRIT },
	};
	struct daemon_config c;
	char text[128], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "dmlogd { log_level = \"%s\" }",
			 t[i].n);
		assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
		assert_int_equal(c.log_level, t[i].l);
	}
	assert_int_equal(daemon_config_level("nonsense"), -1);
	assert_string_equal(daemon_config_level_name(LOG_INFO), "info");
}

/* The error names the file, the key and the value; *c is untouched. */
static void expect_bad(const char *text, const char *key, const char *val)
{
	struct daemon_config c;
	char err[512];

	daemon_config_defaults(&c);
	snprintf(c.socket, sizeof(c.socket), "/keep");
	err[0] = '\0';
	assert_int_equal(daemon_config_parse(&c, text, strlen(text),
					     "test.conf", err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, "test.conf") || !strstr(err, key) ||
	    (val && !strstr(err, val)))
		fail_msg("error \"%s\" should name test.conf, %s and %s", err,
			 key, val ? val : "-");
	assert_string_equal(c.socket, "/keep");
}

static void test_bad_values(void **state)
{
	char longp[200];

	(void)state;
	expect_bad("dmlogd { socket = \"relative.sock\" }", "dmlogd/socket",
		   "relative.sock");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	{
		char text[300];

		snprintf(text, sizeof(text), "dmlogd { socket = \"%s\" }",
			 longp);
		expect_bad(text, "dmlogd/socket", "too long");
	}
	expect_bad("dmlogd { pidfile = \"run/x.pid\" }", "dmlogd/pidfile",
		   "run/x.pid");
	expect_bad("dmlogd { log_level = \"loud\" }", "dmlogd/log_level",
		   "loud");
	expect_bad("dmlogd { log_level = 7 }", "dmlogd/log_level",
		   "expected a string, got 7");
	expect_bad("dmlogd { socket = [ \"/a\", \"/b\" ] }", "dmlogd/socket",
		   "an array");
	expect_bad("dmlogd { pidfile = 1.5 }", "dmlogd/pidfile", "1.5");
	expect_bad("dmlogd { lock_manager { } }", "dmlogd/lock_manager",
		   "a section");
	expect_bad("dmlogd { lock_manager = \"corosync\" }",
		   "dmlogd/lock_manager", "corosync");
	expect_bad("dmlogd = 1", "dmlogd", "expected a section");
	/* the first bad value stops the parse even after good ones */
	expect_bad("dmlogd { socket = \"/ok\" log_level = \"x\" }",
		   "dmlogd/log_level", "\"x\"");
}

static void test_unknown_warned(void **state)
{
	struct daemon_config c;
	char err[256];
	const char *text =
		"global { use_lvmetad = 0 }\n"
		"colour = \"blue\"\n"
		"dmlogd {\n"
		"    log_level = \"info\"\n"
		"    socket_mode = \"0666\"\n"
		"    extra { a = 1 }\n"
		"}\n"
		"lvm { volume_list = [ \"vg0\" ] }\n";

	(void)state;
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_int_equal(c.log_level, LOG_INFO);
	/* the dmeventd plugin's section is not dmlogd's, and not unknown */
	assert_null(strstr(warnings, "\"lvm\""));
	assert_non_null(strstr(warnings, "unknown section \"global\""));
	assert_non_null(strstr(warnings, "unknown setting \"colour\""));
	assert_non_null(strstr(warnings, "unknown setting dmlogd/socket_mode"));
	assert_non_null(strstr(warnings, "unknown section dmlogd/extra"));
	assert_non_null(strstr(warnings, "test.conf"));
}

static void test_duplicate_warned(void **state)
{
	struct daemon_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "dmlogd { log_level = \"info\" }\n"
			       "dmlogd { log_level = \"debug\" }\n", err,
			       sizeof(err)), 0);
	assert_non_null(strstr(warnings, "duplicate"));
	assert_non_null(strstr(warnings, "log_level"));
}

static void test_syntax_error_line(void **state)
{
	struct daemon_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "dmlogd {\n    socket = \"/a\"\n"
			       "    pidfile =\n}\n", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "test.conf"));
	assert_non_null(strstr(err, "line 4"));
	assert_int_equal(parse(&c, "dmlogd {\n  = \"/a\"\n}\n", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	assert_int_equal(parse(&c, "dmlogd {\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "test.conf"));
	assert_defaults(&c);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/dmlog-conf-XXXXXX", path[128], err[512];
	struct daemon_config c;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dmlog.conf", dir);

	/* missing: defaults, unless the file was asked for explicitly */
	daemon_config_defaults(&c);
	assert_int_equal(daemon_config_load(&c, path, false, err, sizeof(err)),
			 0);
	assert_defaults(&c);
	assert_int_equal(daemon_config_load(&c, path, true, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, path));

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("dmlogd {\n  pidfile = \"/tmp/p.pid\"\n}\n", f);
	fclose(f);
	assert_int_equal(daemon_config_load(&c, path, true, err, sizeof(err)),
			 0);
	assert_string_equal(c.pidfile, "/tmp/p.pid");

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("dmlogd {\n  pidfile = \"/tmp/p.pid\"\n  = \n}\n", f);
	fclose(f);
	assert_int_equal(daemon_config_load(&c, path, true, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 3"));

	/* a directory is not a config file */
	assert_true(daemon_config_load(&c, dir, true, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, dir));

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_every_key, setup),
		cmocka_unit_test_setup(test_levels, setup),
		cmocka_unit_test_setup(test_bad_values, setup),
		cmocka_unit_test_setup(test_unknown_warned, setup),
		cmocka_unit_test_setup(test_duplicate_warned, setup),
		cmocka_unit_test_setup(test_syntax_error_line, setup),
		cmocka_unit_test_setup(test_load_file, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
