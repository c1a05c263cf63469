/* Shared by the dmlogctl tests (test_dmlogctl_*.c): run the built binary
 * ($DMLOG_BUILD/tools/dmlogctl/dmlogctl, default ./build), scratch images
 * in a directory under $DMLOG_BUILD (or /var/tmp: O_DIRECT may not work
 * on tmpfs), byte pokes, and JSON lookups.
 *
 * Include after <cmocka.h>. Every helper is static and may go unused. */
#ifndef TEST_DMLOGCTL_UTIL_H
#define TEST_DMLOGCTL_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNUSED_FN __attribute__((unused))

struct ctl_run {
	int status;	/* exit status; 128 + signal when killed */
	char *out;	/* standard output */
	char *err;	/* standard error */
};

static UNUSED_FN const char *ctl_path(void)
{
	static char path[4096];
	const char *b = getenv("DMLOG_BUILD");

	snprintf(path, sizeof(path), "%s/tools/dmlogctl/dmlogctl",
		 b && *b ? b : "./build");
	return path;
}

/* An anonymous temporary file for a child's output. */
static UNUSED_FN int anon_file(void)
{
	char tmpl[] = "/var/tmp/dmlogctl-out-XXXXXX";
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	unlink(tmpl);
	return fd;
}

static UNUSED_FN char *slurp(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf;

	assert_true(size >= 0);
	buf = calloc(1, (size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
	return buf;
}

/* Run dmlogctl with argv (argv[0] is ignored), NULL-terminated. */
static UNUSED_FN int ctl_runv(struct ctl_run *r, const char *const *argv)
{
	int out = anon_file(), err = anon_file(), st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		execv(ctl_path(), (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = slurp(out);
	r->err = slurp(err);
	close(out);
	close(err);
	/* a sanitizer report means a bug even when the status is right */
	assert_null(strstr(r->err, "Sanitizer"));
	assert_null(strstr(r->err, "runtime error"));
	return r->status;
}

#define CTL(r, ...) \
	ctl_runv((r), (const char *const[]){ "dmlogctl", __VA_ARGS__, NULL })

static UNUSED_FN void ctl_free(struct ctl_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Assert a substring, printing the haystack when it is missing. */
#define assert_contains(hay, needle) do {				\
	if (!strstr((hay), (needle)))					\
		fail_msg("\"%s\" not found in:\n%s", (needle), (hay));	\
} while (0)

/* The number after `label` on the first line of a text report that holds
 * it after leading blanks ("  clean   666"). */
static UNUSED_FN uint64_t text_number(const char *out, const char *label)
{
	size_t len = strlen(label);

	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		const char *q = p + strspn(p, " ");

		if (!strncmp(q, label, len) && q[len] == ' ')
			return strtoull(q + len, NULL, 10);
	}
	fail_msg("no \"%s\" line in:\n%s", label, out);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Scratch files, removed by scratch_cleanup (a group teardown). */

static char scratch_dir[4096];
static char *scratch_files[64];
static size_t scratch_n;

static UNUSED_FN int scratch_setup(void **state)
{
	const char *b = getenv("DMLOG_BUILD");

	(void)state;
	snprintf(scratch_dir, sizeof(scratch_dir), "%s/dmlogctl-test-XXXXXX",
		 b && *b ? b : "/var/tmp");
	if (!mkdtemp(scratch_dir)) {
		snprintf(scratch_dir, sizeof(scratch_dir),
			 "/var/tmp/dmlogctl-test-XXXXXX");
		if (!mkdtemp(scratch_dir))
			return -1;
	}
	return 0;
}

static UNUSED_FN int scratch_cleanup(void **state)
{
	(void)state;
	for (size_t i = 0; i < scratch_n; i++) {
		if (scratch_files[i])
			unlink(scratch_files[i]);
		free(scratch_files[i]);
	}
	scratch_n = 0;
	rmdir(scratch_dir);
	return 0;
}

/* A zero-filled file of size bytes in the scratch directory. */
static UNUSED_FN const char *scratch_file(const char *name, uint64_t size)
{
	char *path = NULL;
	int fd;

	assert_true(scratch_n < sizeof(scratch_files) / sizeof(*scratch_files));
	assert_true(asprintf(&path, "%s/%s", scratch_dir, name) > 0);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
	scratch_files[scratch_n++] = path;
	return path;
}

static UNUSED_FN void poke(const char *path, uint64_t off, const void *buf,
			   size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static UNUSED_FN void peek(const char *path, uint64_t off, void *buf,
			   size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* Flip every bit of one byte. */
static UNUSED_FN void flip_byte(const char *path, uint64_t off)
{
	uint8_t b;

	peek(path, off, &b, 1);
	b = (uint8_t)~b;
	poke(path, off, &b, 1);
}

/* Run an external tool (mkfs.ext4, mkswap) on a file; it must work. */
static UNUSED_FN void run_tool(const char *const *argv)
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		setenv("PATH", "/usr/sbin:/sbin:/usr/bin:/bin", 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("%s failed (status %d)", argv[0], st);
}

/* ---------------------------------------------------------------- */
/* JSON */

static UNUSED_FN struct json_object *json_parse_or_fail(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (!o)
		fail_msg("not JSON:\n%s", text);
	return o;
}

/* Value at a dotted path ("slots.1.dirty_regions": array indexes are
 * numbers); NULL when missing (or a JSON null). */
static UNUSED_FN struct json_object *jpath(struct json_object *o,
					   const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o;
	     k = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	}
	return o;
}

static UNUSED_FN uint64_t jint(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	if (!v || !json_object_is_type(v, json_type_int))
		fail_msg("%s: not an integer", path);
	return json_object_get_uint64(v);
}

static UNUSED_FN const char *jstr(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	if (!v || !json_object_is_type(v, json_type_string))
		fail_msg("%s: not a string", path);
	return json_object_get_string(v);
}

static UNUSED_FN bool jbool(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	if (!v || !json_object_is_type(v, json_type_boolean))
		fail_msg("%s: not a boolean", path);
	return json_object_get_boolean(v);
}

static UNUSED_FN bool jnull(struct json_object *o, const char *path)
{
	struct json_object *v = NULL;
	char buf[256], *dot;

	/* present with a null value */
	snprintf(buf, sizeof(buf), "%s", path);
	dot = strrchr(buf, '.');
	if (dot) {
		*dot = '\0';
		o = jpath(o, buf);
	}
	return o && json_object_object_get_ex(o, dot ? dot + 1 : buf, &v) &&
	       !v;
}

/* Run dmlogctl with --json and parse stdout; the status is returned in
 * *status. */
#define CTL_JSON(status, ...) ctl_json((status), (const char *const[]){ \
	"dmlogctl", "--json", __VA_ARGS__, NULL })

static UNUSED_FN struct json_object *ctl_json(int *status,
					      const char *const *argv)
{
	struct ctl_run r;
	struct json_object *o;

	*status = ctl_runv(&r, argv);
	o = json_parse_or_fail(r.out);
	ctl_free(&r);
	return o;
}

#endif
