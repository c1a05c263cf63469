/* ulog_echo: the baseline of the request-path benchmark.
 *
 *   ulog_echo SOCKET
 *
 * Listens on a Unix SOCK_SEQPACKET socket like dmlogd's local transport
 * and answers every dm-log-userspace request frame with a valid reply of
 * the size its type needs (in sync, clean, no resync work, zero counts),
 * keeping no log state. It runs the same per-frame work as dmlogd minus
 * the log: one epoll wakeup and one recv per frame, ulog_decode,
 * ulog_encode_reply, one send. Stops on SIGTERM or SIGINT. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_common.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The reply payload of a request type: what a real log would return,
 * with neutral values. */
static size_t reply_payload(uint32_t type, uint8_t *out)
{
	static const char status[] = "1 echo";
	int64_t one = 1;

	memset(out, 0, 16);
	switch (type) {
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
		memcpy(out, &one, sizeof(one));
		return 8;
	case DM_ULOG_GET_REGION_SIZE:
	case DM_ULOG_GET_SYNC_COUNT:
		return 8;
	case DM_ULOG_GET_RESYNC_WORK:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return 16;
	case DM_ULOG_STATUS_INFO:
	case DM_ULOG_STATUS_TABLE:
		memcpy(out, status, sizeof(status));
		return sizeof(status);
	default:
		return 0;
	}
}

static void answer(int fd)
{
	uint64_t in[(ULOG_MAX_FRAME + 64) / 8], out[(ULOG_MAX_FRAME + 7) / 8];
	uint8_t payload[16];
	struct ulog_msg m;
	size_t n, plen = 0;
	ssize_t got;
	int err = 0;

	got = recv(fd, in, sizeof(in), MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		close(fd);	/* also leaves the epoll set */
		return;
	}
	switch (ulog_decode(in, (size_t)got, &m, NULL, 0)) {
	case ULOG_DROP:
		return;
	case ULOG_REJECT:
		err = m.req.error;
		break;
	case ULOG_OK:
		plen = reply_payload(m.type, payload);
		break;
	}
	n = ulog_encode_reply(out, sizeof(out), &m, err, payload, plen);
	if (n && send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n)
		close(fd);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		bench_die("socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0)
		bench_die("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

static void add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		bench_die("epoll_ctl: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct epoll_event evs[32];
	int lfd, ep, n, i, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	lfd = listen_on(argv[1]);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		bench_die("epoll_create1: %s", strerror(errno));
	add_fd(ep, lfd);
	while (!stopping) {
		n = epoll_wait(ep, evs, 32, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bench_die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != lfd) {
				answer(evs[i].data.fd);
				continue;
			}
			fd = accept4(lfd, NULL, NULL,
				     SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0)
				add_fd(ep, fd);
		}
	}
	close(lfd);
	unlink(argv[1]);
	return 0;
}
