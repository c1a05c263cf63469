/* The control socket (see control.h): accept root clients, read one
 * request packet at a time, answer it with control_answer(). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "dmlog_log.h"
#include "event_loop.h"

#define CONTROL_CLIENTS 16

struct control {
	struct event_loop *el;
	const struct control_env *env;
	int lfd;
	struct sockaddr_un addr;
	dev_t dev;
	ino_t ino;
	int clients[CONTROL_CLIENTS];	/* -1: free */
	char *buf;			/* CONTROL_MAX_REQUEST + 1 */
};

static void drop(struct control *c, int i)
{
	el_del_fd(c->el, c->clients[i]);
	close(c->clients[i]);
	c->clients[i] = -1;
}

static int slot_of(const struct control *c, int fd)
{
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		if (c->clients[i] == fd)
			return i;
	return -1;
}

/* Send one reply packet; false when the client must go. */
static bool send_reply(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	do {
		n = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return true;
	log_warn("control socket: reply of %zu bytes not sent (%s); closing "
		 "the connection", len, n < 0 ? strerror(errno) : "short");
	return false;
}

static void on_client(struct event_loop *el, int fd, void *ctx)
{
	struct control *c = ctx;
	int i = slot_of(c, fd);
	char *reply;
	ssize_t n;

	(void)el;
	if (i < 0)
		return;
	n = recv(fd, c->buf, CONTROL_MAX_REQUEST + 1, MSG_DONTWAIT |
		 MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c, i);
		return;
	}
	if (n > CONTROL_MAX_REQUEST)
		reply = strdup("{\"version\":1,\"ok\":false,\"error\":{"
			       "\"code\":\"too-large\",\"message\":\"the "
			       "request exceeds 65536 bytes\"}}");
	else
		reply = control_answer(c->env, c->buf, (size_t)n);
	if (!reply || !send_reply(fd, reply))
		drop(c, i);
	free(reply);
}

/* A refused peer gets one error reply (so dmlogctl can say why), then
 * the connection closes. */
static void refuse(int fd, const struct ucred *cr)
{
	static const char msg[] =
		"{\"version\":1,\"ok\":false,\"error\":{\"code\":"
		"\"permission-denied\",\"message\":\"only root may use the "
		"dmlogd control socket\"}}";

	log_warn("control socket: refused uid %u (pid %d): not root",
		 (unsigned)cr->uid, (int)cr->pid);
	(void)!send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void on_accept(struct event_loop *el, int lfd, void *ctx)
{
	struct control *c = ctx;
	struct ucred cr = { 0, (uid_t)-1, (gid_t)-1 };
	socklen_t len = sizeof(cr);
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int i, big = CONTROL_MAX_REPLY + 65536;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    cr.uid != 0) {
		refuse(fd, &cr);
		return;
	}
	if ((i = slot_of(c, -1)) < 0 || el_add_fd(el, fd, on_client, c) < 0) {
		log_warn("control socket: too many clients; refused pid %d",
			 (int)cr.pid);
		close(fd);
		return;
	}
	/* room for the largest reply in one packet */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	c->clients[i] = fd;
}

/* Replace a stale socket at the path; refuse a live one or a non-socket. */
static int clear_path(const struct sockaddr_un *a)
{
	struct stat st;
	int fd, r;

	if (lstat(a->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control socket: %s exists and is not a socket",
			a->sun_path);
		return -EEXIST;
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)a, sizeof(*a));
	close(fd);
	if (r == 0) {
		log_err("control socket: another process listens on %s "
			"(another dmlogd?)", a->sun_path);
		return -EADDRINUSE;
	}
	return unlink(a->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int listen_at(struct control *c)
{
	struct stat st;
	mode_t old;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&c->addr, sizeof(c->addr));
	umask(old);
	if (r < 0 || chmod(c->addr.sun_path, 0600) < 0 ||
	    stat(c->addr.sun_path, &st) < 0 || listen(fd, 8) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->lfd = fd;
	return 0;
}

static int setup(struct control *c, const char *path)
{
	int r;

	if (!path[0] || strlen(path) >= sizeof(c->addr.sun_path))
		return -EINVAL;
	c->addr.sun_family = AF_UNIX;
	memcpy(c->addr.sun_path, path, strlen(path) + 1);
	if ((r = clear_path(&c->addr)) < 0 || (r = listen_at(c)) < 0)
		return r;
	if ((r = el_add_fd(c->el, c->lfd, on_accept, c)) < 0) {
		close(c->lfd);
		unlink(path);
	}
	return r;
}

int control_open(struct event_loop *el, const char *path,
		 const struct control_env *env, struct control **out)
{
	struct control *c = calloc(1, sizeof(*c));
	int r;

	if (!c || !(c->buf = malloc(CONTROL_MAX_REQUEST + 1))) {
		free(c);
		log_err("control socket: out of memory");
		return -ENOMEM;
	}
	c->el = el;
	c->env = env;
	c->lfd = -1;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		c->clients[i] = -1;
	if ((r = setup(c, path)) < 0) {
		if (r != -EADDRINUSE && r != -EEXIST)
			log_err("control socket: cannot listen on %s: %s",
				path, strerror(-r));
		free(c->buf);
		free(c);
		return r;
	}
	log_notice("control socket: listening on %s", path);
	*out = c;
	return 0;
}

void control_close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		if (c->clients[i] >= 0)
			drop(c, i);
	el_del_fd(c->el, c->lfd);
	close(c->lfd);
	if (stat(c->addr.sun_path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->addr.sun_path);
	free(c->buf);
	free(c);
}
