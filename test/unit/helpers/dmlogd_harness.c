/* Test harness for the built dmlogd (see dmlogd_harness.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dmlogd_harness.h"
#include "ulog_codec.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *dmlogd_binary(void)
{
	static char path[512];
	const char *b = getenv("DMLOG_BUILD");

	snprintf(path, sizeof(path), "%s/daemons/dmlogd/dmlogd",
		 b && *b ? b : "./build");
	return path;
}

int dmlogd_prepare(struct dmlogd_proc *d, const char *conf_text)
{
	FILE *f;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/dmlogd-test-XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->sock, sizeof(d->sock), "%s/dmlogd.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/control.sock", d->dir);
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/dmlogd.pid", d->dir);
	snprintf(d->conf, sizeof(d->conf), "%s/dmlog.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/dmlogd.log", d->dir);
	f = fopen(d->conf, "w");
	if (!f)
		return -errno;
	fputs(conf_text ? conf_text : "", f);
	return fclose(f) == 0 ? 0 : -errno;
}

static void exec_daemon(const struct dmlogd_proc *d,
			const char *const *extra)
{
	const char *argv[32];
	int n = 0, fd;

	argv[n++] = dmlogd_binary();
	argv[n++] = "-f";
	argv[n++] = "-s";
	argv[n++] = d->sock;
	argv[n++] = "-C";
	argv[n++] = d->ctl;
	argv[n++] = "-p";
	argv[n++] = d->pidfile;
	argv[n++] = "-c";
	argv[n++] = d->conf;
	for (; extra && *extra && n < 31; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "harness: cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Non-blocking reap: exit status, or -1 while running. */
static int reap(struct dmlogd_proc *d)
{
	int status;
	pid_t p;

	if (d->pid <= 0)
		return 0;
	p = waitpid(d->pid, &status, WNOHANG);
	if (p == d->pid) {
		d->pid = 0;
		return status_code(status);
	}
	return -1;
}

/* Is the process listening on d->sock the one we started? */
static bool ours_listening(const struct dmlogd_proc *d)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd = ulogc_connect(d->sock);
	bool ours;

	if (fd < 0)
		return false;
	ours = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	       cr.pid == d->pid;
	close(fd);
	return ours;
}

int dmlogd_start(struct dmlogd_proc *d, const char *const *extra)
{
	int i, r;

	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0)
		exec_daemon(d, extra);
	for (i = 0; i < 500; i++) {
		if ((r = reap(d)) >= 0)
			return r ? r : 255;
		if (ours_listening(d))
			return 0;
		sleep_ms(10);
	}
	return -ETIMEDOUT;
}

int dmlogd_wait_exit(struct dmlogd_proc *d, int timeout_ms)
{
	int r, waited = 0;

	while ((r = reap(d)) < 0) {
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		sleep_ms(10);
		waited += 10;
	}
	return r;
}

bool dmlogd_running(struct dmlogd_proc *d)
{
	return reap(d) < 0;
}

void dmlogd_kill(struct dmlogd_proc *d)
{
	int status;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
		;
	d->pid = 0;
}

/* Empty and remove the private directory (flat: tests make no subdirs);
 * with DMLOG_KEEP_LOGS set, the daemon's log and its directory stay. */
void dmlogd_cleanup(struct dmlogd_proc *d)
{
	char path[sizeof(d->dir) + 258];
	bool keep = getenv("DMLOG_KEEP_LOGS") != NULL;
	struct dirent *e;
	DIR *dir;

	dmlogd_kill(d);
	if (!d->dir[0] || !(dir = opendir(d->dir)))
		return;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->dir, e->d_name);
		if (!keep || strcmp(path, d->log))
			unlink(path);
	}
	closedir(dir);
	rmdir(d->dir);
}

const char *dmlogd_log_text(const struct dmlogd_proc *d)
{
	static char buf[256 * 1024];
	size_t n = 0;
	FILE *f = fopen(d->log, "r");

	buf[0] = '\0';
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

bool dmlogd_wait_log(const struct dmlogd_proc *d, const char *needle,
		     int timeout_ms)
{
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		if (strstr(dmlogd_log_text(d), needle))
			return true;
		sleep_ms(10);
	}
	return false;
}

/* ---- frame client ---- */

int ulogc_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int ulogc_send_raw(int fd, const void *frame, size_t len)
{
	ssize_t n = send(fd, frame, len, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

ssize_t ulogc_recv_raw(int fd, int timeout_ms, void *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int p;

	do {
		p = poll(&pfd, 1, timeout_ms);
	} while (p < 0 && errno == EINTR);
	if (p < 0)
		return -errno;
	if (p == 0)
		return -ETIMEDOUT;
	n = recv(fd, buf, cap, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	return n;
}

int ulogc_recv(int fd, int timeout_ms, struct ulogc_reply *r)
{
	uint64_t buf[8192 / 8];
	struct ulog_msg m;
	ssize_t n;

	n = ulogc_recv_raw(fd, timeout_ms, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (ulog_decode_reply(buf, (size_t)n, &m, NULL, 0) != ULOG_OK)
		return -EPROTO;
	memset(r, 0, sizeof(*r));
	r->error = m.req.error;
	r->seq = m.req.seq;
	r->request_type = m.req.request_type;
	r->data_len = m.payload_len < sizeof(r->data) ? m.payload_len
						      : sizeof(r->data);
	if (r->data_len)
		memcpy(r->data, m.payload, r->data_len);
	return 0;
}

int ulogc_call(int fd, uint32_t type, uint64_t luid, const char *uuid,
	       const void *data, size_t len, struct ulogc_reply *r)
{
	static uint32_t seq = 1000;
	uint64_t buf[(ULOG_MAX_FRAME + 7) / 8];
	size_t n;
	int rc;

	n = ulog_encode_request(buf, sizeof(buf), ++seq, type, luid, uuid,
				data, len);
	if (n == 0)
		return -EMSGSIZE;
	if ((rc = ulogc_send_raw(fd, buf, n)) < 0)
		return rc;
	do {
		rc = ulogc_recv(fd, 5000, r);
	} while (rc == 0 && r->seq != seq);
	return rc;
}

int ulogc_call_u64(int fd, uint32_t type, uint64_t luid, const char *uuid,
		   const void *data, size_t len, uint64_t *out, int *error)
{
	struct ulogc_reply r;
	int rc = ulogc_call(fd, type, luid, uuid, data, len, &r);

	*out = 0;
	*error = rc ? 0 : r.error;
	if (rc == 0 && r.data_len >= sizeof(*out))
		memcpy(out, r.data, sizeof(*out));
	return rc;
}
