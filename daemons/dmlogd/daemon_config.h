/* dmlogd's configuration file (/etc/dmlog/dmlog.conf), lvm.conf syntax,
 * read with libdevmapper's dm_config API:
 *
 *   dmlogd {
 *       socket = "/run/dmlogd/ulog.sock"
 *       control_socket = "/run/dmlogd.sock"
 *       pidfile = "/run/dmlogd.pid"
 *       log_level = "notice"
 *       lock_manager = "local"
 *   }
 *
 * Unknown sections and keys are reported as warnings (through dmlog_log)
 * and otherwise ignored; a bad value is an error naming key and value. */
#ifndef DMLOGD_DAEMON_CONFIG_H
#define DMLOGD_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define DMLOGD_DEFAULT_CONFIG  "/etc/dmlog/dmlog.conf"
#define DMLOGD_DEFAULT_SOCKET  "/run/dmlogd/ulog.sock"
#define DMLOGD_DEFAULT_CONTROL_SOCKET "/run/dmlogd.sock"
#define DMLOGD_DEFAULT_PIDFILE "/run/dmlogd.pid"

/* sizeof(sockaddr_un.sun_path) */
#define DMLOGD_SOCKET_MAX 108
#define DMLOGD_PATH_MAX 4096

struct daemon_config {
	char socket[DMLOGD_SOCKET_MAX];		/* kernel-format frames */
	char control_socket[DMLOGD_SOCKET_MAX];	/* dmlogctl's JSON */
	char pidfile[DMLOGD_PATH_MAX];
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	char lock_manager[16];		/* "local" or "dlm" */
};

void daemon_config_defaults(struct daemon_config *c);

/* Parse configuration text (not necessarily NUL-terminated); `name` is
 * used in messages. On success *c holds the defaults overridden by the
 * text. 0, or -EINVAL (syntax error, with its line, or a bad value) /
 * -ENOMEM with a message in err; *c is unchanged on failure. */
int daemon_config_parse(struct daemon_config *c, const char *text,
			size_t len, const char *name, char *err,
			size_t errlen);

/* Read and parse a file. A missing file is an error (-ENOENT) only when
 * must_exist; otherwise it means the defaults. */
int daemon_config_load(struct daemon_config *c, const char *path,
		       bool must_exist, char *err, size_t errlen);

/* "err", "warning", "notice", "info", "debug" (and emerg, alert, crit,
 * error, warn): the syslog level, or -1. */
int daemon_config_level(const char *name);
const char *daemon_config_level_name(int level);

#endif
