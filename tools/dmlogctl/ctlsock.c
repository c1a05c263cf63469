/* Talking to dmlogd's control socket (see ctlsock.h). */
#include <errno.h>
#include <json.h>
#include <libdevmapper.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_exit.h"
#include "ctlsock.h"
#include "msg.h"

#define DEFAULT_CONFIG "/etc/dmlog/dmlog.conf"
#define DEFAULT_SOCKET "/run/dmlogd.sock"
#define REPLY_MAX (1024 * 1024 + 4096)
#define REPLY_TIMEOUT_MS 30000

static void quiet_dm_log(int level, const char *file, int line, int e,
			 const char *f, ...)
{
	(void)level; (void)file; (void)line; (void)e; (void)f;
}

/* The configuration file's text (at most 64 KiB), or NULL. */
static char *read_config(void)
{
	const char *path = getenv("DMLOG_CONFIG");
	FILE *f = fopen(path && *path ? path : DEFAULT_CONFIG, "r");
	char *buf = malloc(65536);
	size_t n = 0;

	if (f && buf) {
		n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
	}
	if (f)
		fclose(f);
	if (!f || !n) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* dmlogd/control_socket from the configuration file, if set. A file that
 * does not parse is dmlogd's to report: the default is used. */
static void socket_from_config(char *out, size_t len)
{
	char *text = read_config();
	struct dm_config_tree *cft;
	const char *v;

	if (!text)
		return;
	dm_log_with_errno_init(quiet_dm_log);
	if ((cft = dm_config_from_string(text))) {
		v = dm_config_find_str(cft->root, "dmlogd/control_socket",
				       NULL);
		if (v && v[0] == '/')
			snprintf(out, len, "%s", v);
		dm_config_destroy(cft);
	}
	dm_log_with_errno_init(NULL);
	free(text);
}

static void socket_path(char *out, size_t len)
{
	const char *env = getenv("DMLOG_CONTROL_SOCKET");

	snprintf(out, len, "%s", DEFAULT_SOCKET);
	if (env && *env)
		snprintf(out, len, "%s", env);
	else
		socket_from_config(out, len);
}

static int connect_error(const struct ctl_conn *c, int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		ctl_err("dmlogd is not running: nothing listens on %s; start "
			"it (systemctl start dmlogd) or set "
			"dmlogd/control_socket in dmlog.conf", c->path);
		return CTL_EXIT_NO_DAEMON;
	case EACCES:
	case EPERM:
		ctl_err("%s: permission denied: talking to dmlogd needs root",
			c->path);
		return CTL_EXIT_PERMISSION;
	default:
		ctl_err("cannot connect to dmlogd at %s: %s", c->path,
			strerror(e));
		return CTL_EXIT_FAILURE;
	}
}

int ctl_connect(struct ctl_conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int e;

	socket_path(c->path, sizeof(c->path));
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return connect_error(c, errno);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return CTL_EXIT_OK;
	e = errno;
	close(c->fd);
	c->fd = -1;
	return connect_error(c, e);
}

void ctl_disconnect(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int send_request(struct ctl_conn *c, const char *request,
			struct json_object *args)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	int r = -ENOMEM;

	if (o && !json_object_object_add(o, "version",
					 json_object_new_int(1)) &&
	    !json_object_object_add(o, "request",
				    json_object_new_string(request)) &&
	    (!args || !json_object_object_add(o, "args",
					      json_object_get(args))) &&
	    (s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))) {
		r = send(c->fd, s, strlen(s), MSG_NOSIGNAL) ==
		    (ssize_t)strlen(s) ? 0 : -errno;
	}
	json_object_put(o);
	return r;
}

/* The reply packet, parsed; NULL after a message. */
static struct json_object *recv_reply(struct ctl_conn *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char *buf = malloc(REPLY_MAX);
	struct json_object *o = NULL;
	ssize_t n = -1;

	int e = ETIMEDOUT;

	if (buf && poll(&p, 1, timeout_ms) == 1) {
		n = recv(c->fd, buf, REPLY_MAX - 1, 0);
		/* A peer that closed with our request unread reports
		 * ECONNRESET first; its reply may still be queued. */
		if (n < 0 && errno == ECONNRESET)
			n = recv(c->fd, buf, REPLY_MAX - 1, MSG_DONTWAIT);
		e = n < 0 ? errno : 0;
	}
	if (n > 0) {
		buf[n] = '\0';
		o = json_tokener_parse(buf);
	}
	if (!o)
		ctl_err("dmlogd at %s did not answer%s%s", c->path,
			n == 0 ? " (connection closed)" : n < 0 ? ": " :
			" with valid JSON", n < 0 ? strerror(e) : "");
	free(buf);
	return o;
}

static int exit_for(const char *code)
{
	static const struct {
		const char *code;
		int exit;
	} map[] = {
		{ "no-such-log", CTL_EXIT_NOT_FOUND },
		{ "ambiguous-log", CTL_EXIT_NOT_FOUND },
		{ "permission-denied", CTL_EXIT_PERMISSION },
		{ "bad-argument", CTL_EXIT_USAGE },
		{ "busy", CTL_EXIT_BUSY },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].code, code))
			return map[i].exit;
	return CTL_EXIT_FAILURE;
}

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int reply_error(struct json_object *reply)
{
	struct json_object *err = NULL;
	const char *code, *msg;

	json_object_object_get_ex(reply, "error", &err);
	code = str_at(err, "code");
	msg = str_at(err, "message");
	if (!strcmp(code, "no-such-log"))
		ctl_err("%s; 'dmlogctl status' lists the logs it serves", msg);
	else
		ctl_err("%s", msg[0] ? msg : "dmlogd refused the request");
	return exit_for(code);
}

int ctl_request(struct ctl_conn *c, const char *request,
		struct json_object *args, struct json_object **result)
{
	struct json_object *reply, *ok = NULL, *res = NULL;
	int r;

	*result = NULL;
	r = send_request(c, request, args);
	/* A refusing dmlogd (not root) answers and closes at once: its
	 * reply may be waiting although the send failed. */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
		ctl_err("cannot send to dmlogd at %s: %s", c->path,
			strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	if (!(reply = recv_reply(c, r < 0 ? 0 : REPLY_TIMEOUT_MS)))
		return CTL_EXIT_FAILURE;
	if (!json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		r = reply_error(reply);
		json_object_put(reply);
		return r;
	}
	if (!json_object_object_get_ex(reply, "result", &res) || !res) {
		ctl_err("dmlogd at %s sent a reply without a result", c->path);
		json_object_put(reply);
		return CTL_EXIT_FAILURE;
	}
	*result = json_object_get(res);
	json_object_put(reply);
	return CTL_EXIT_OK;
}

int ctl_request_once(const char *request, struct json_object *args,
		     struct json_object **result)
{
	struct ctl_conn c;
	int r = ctl_connect(&c);

	if (r)
		return r;
	r = ctl_request(&c, request, args, result);
	ctl_disconnect(&c);
	return r;
}
