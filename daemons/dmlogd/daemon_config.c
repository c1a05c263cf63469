/* Reading dmlog.conf with libdevmapper's dm_config API (see
 * daemon_config.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon_config.h"
#include "dmlog_log.h"

#define CONFIG_FILE_MAX (1024 * 1024)
#define SECTION "dmlogd"

static const struct {
	const char *name;
	int level;
} level_names[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "error", LOG_ERR },
	{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

int daemon_config_level(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcasecmp(name, level_names[i].name))
			return level_names[i].level;
	return -1;
}

const char *daemon_config_level_name(int level)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i].level == level)
			return level_names[i].name;
	return "unknown";
}

void daemon_config_defaults(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", DMLOGD_DEFAULT_SOCKET);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
		 DMLOGD_DEFAULT_CONTROL_SOCKET);
	snprintf(c->pidfile, sizeof(c->pidfile), "%s", DMLOGD_DEFAULT_PIDFILE);
	c->log_level = LOG_NOTICE;
	snprintf(c->lock_manager, sizeof(c->lock_manager), "local");
}

/* ---- libdevmapper diagnostics while parsing ---- */

/* dm_config_parse reports syntax errors through libdevmapper's log
 * function; catch the first error and pass warnings on. */
static struct {
	const char *name;
	char error[256];
} parse_diag;

static void dm_log_capture(int level, const char *file, int line,
			   int dm_errno_or_class, const char *f, ...)
{
	char msg[256];
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	level &= 7;		/* strip libdevmapper's flag bits */
	if (level > 4)		/* notice, info, debug, backtraces */
		return;
	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	if (level == 4)
		log_warn("%s: %s", parse_diag.name, msg);
	else if (!parse_diag.error[0])
		snprintf(parse_diag.error, sizeof(parse_diag.error), "%s", msg);
}

/* ---- values ---- */

static void describe_value(const struct dm_config_node *n, char *buf,
			   size_t len)
{
	const struct dm_config_value *v = n->v;

	if (!v)
		snprintf(buf, len, "a section");
	else if (v->next || v->type == DM_CFG_EMPTY_ARRAY)
		snprintf(buf, len, "an array");
	else if (v->type == DM_CFG_INT)
		snprintf(buf, len, "%" PRId64, v->v.i);
	else if (v->type == DM_CFG_FLOAT)
		snprintf(buf, len, "%g", (double)v->v.f);
	else
		snprintf(buf, len, "\"%s\"", v->v.str);
}

static int get_string(const struct dm_config_node *n, const char **out,
		      char *err, size_t errlen)
{
	char what[128];

	if (n->v && !n->v->next && n->v->type == DM_CFG_STRING) {
		*out = n->v->v.str;
		return 0;
	}
	describe_value(n, what, sizeof(what));
	snprintf(err, errlen, SECTION "/%s: expected a string, got %s",
		 n->key, what);
	return -EINVAL;
}

static int set_path(const char *key, const char *val, char *dst,
		    size_t cap, char *err, size_t errlen)
{
	if (val[0] != '/') {
		snprintf(err, errlen,
			 SECTION "/%s: \"%s\" is not an absolute path", key, val);
		return -EINVAL;
	}
	if (strlen(val) >= cap) {
		snprintf(err, errlen,
			 SECTION "/%s: \"%s\" is too long (at most %zu bytes)",
			 key, val, cap - 1);
		return -EINVAL;
	}
	snprintf(dst, cap, "%s", val);
	return 0;
}

static int set_socket(struct daemon_config *c, const char *val, char *err,
		      size_t errlen)
{
	return set_path("socket", val, c->socket, sizeof(c->socket), err,
			errlen);
}

static int set_control_socket(struct daemon_config *c, const char *val,
			      char *err, size_t errlen)
{
	return set_path("control_socket", val, c->control_socket,
			sizeof(c->control_socket), err, errlen);
}

static int set_pidfile(struct daemon_config *c, const char *val, char *err,
		       size_t errlen)
{
	return set_path("pidfile", val, c->pidfile, sizeof(c->pidfile), err,
			errlen);
}

static int set_log_level(struct daemon_config *c, const char *val,
			 char *err, size_t errlen)
{
	int level = daemon_config_level(val);

	if (level < 0) {
		snprintf(err, errlen,
			 SECTION "/log_level: unknown level \"%s\" (expected "
			 "err, warning, notice, info or debug)", val);
		return -EINVAL;
	}
	c->log_level = level;
	return 0;
}

static int set_lock_manager(struct daemon_config *c, const char *val,
			    char *err, size_t errlen)
{
	if (!strcmp(val, "local") || !strcmp(val, "dlm")) {
		snprintf(c->lock_manager, sizeof(c->lock_manager), "%s", val);
		return 0;
	}
	snprintf(err, errlen, SECTION "/lock_manager: unknown lock "
		 "manager \"%s\" (expected \"local\" or \"dlm\")", val);
	return -EINVAL;
}

static const struct {
	const char *key;
	int (*set)(struct daemon_config *c, const char *val, char *err,
		   size_t errlen);
} keys[] = {
	{ "socket", set_socket },
	{ "control_socket", set_control_socket },
	{ "pidfile", set_pidfile },
	{ "log_level", set_log_level },
	{ "lock_manager", set_lock_manager },
};

static int apply_setting(struct daemon_config *c, const char *name,
			 const struct dm_config_node *n, char *err,
			 size_t errlen)
{
	const char *val;
	size_t i;
	int r;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(n->key, keys[i].key))
			continue;
		if ((r = get_string(n, &val, err, errlen)) < 0)
			return r;
		return keys[i].set(c, val, err, errlen);
	}
	log_warn("%s: unknown %s " SECTION "/%s ignored", name,
		 n->v ? "setting" : "section", n->key);
	return 0;
}

static int apply_tree(struct daemon_config *c, const char *name,
		      const struct dm_config_node *root, char *err,
		      size_t errlen)
{
	const struct dm_config_node *n, *k;
	int r;

	for (n = root; n; n = n->sib) {
		/* the dmeventd plugin's section (dmlog-dmeventd(8)) */
		if (!strcmp(n->key, "lvm") && !n->v)
			continue;
		if (strcmp(n->key, SECTION)) {
			log_warn("%s: unknown %s \"%s\" ignored", name,
				 n->v ? "setting" : "section", n->key);
			continue;
		}
		if (n->v) {
			snprintf(err, errlen, SECTION ": expected a section "
				 "(" SECTION " { ... }), got a value");
			return -EINVAL;
		}
		for (k = n->child; k; k = k->sib)
			if ((r = apply_setting(c, name, k, err, errlen)) < 0)
				return r;
	}
	return 0;
}

/* ---- entry points ---- */

int daemon_config_parse(struct daemon_config *c, const char *text,
			size_t len, const char *name, char *err,
			size_t errlen)
{
	struct daemon_config tmp = *c;
	struct dm_config_tree *cft;
	char why[256];
	int ok, r;

	if (!(cft = dm_config_create())) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	parse_diag.name = name;
	parse_diag.error[0] = '\0';
	dm_log_with_errno_init(dm_log_capture);
	ok = dm_config_parse(cft, text, text + len);
	dm_log_with_errno_init(NULL);

	if (!ok && parse_diag.error[0]) {
		snprintf(err, errlen, "%s: %s", name, parse_diag.error);
		r = -EINVAL;
	} else {
		/* A file with no settings "fails" without a message. */
		r = apply_tree(&tmp, name, ok ? cft->root : NULL, why,
			       sizeof(why));
		if (r < 0)
			snprintf(err, errlen, "%s: %s", name, why);
	}
	dm_config_destroy(cft);
	if (r == 0)
		*c = tmp;
	return r;
}

static int read_file(const char *path, char **out, size_t *outlen)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	ssize_t n = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		r = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < (size_t)st.st_size && n < 0) {
		r = -errno;
		free(buf);
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
out:
	close(fd);
	return r;
}

int daemon_config_load(struct daemon_config *c, const char *path,
		       bool must_exist, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = NULL;
	int r;

	r = read_file(path, &text, &len);
	if (r == -ENOENT && !must_exist)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 r == -EINVAL ? "not a regular file" : strerror(-r));
		return r;
	}
	r = daemon_config_parse(c, text, len, path, err, errlen);
	free(text);
	return r;
}
