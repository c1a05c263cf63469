/* Test harness for the built dmlogd: start it in the foreground on a
 * private socket/pidfile/config, read its log, and exchange request
 * frames with it over the Unix socket. No cmocka dependency. */
#ifndef DMLOG_TEST_DMLOGD_HARNESS_H
#define DMLOG_TEST_DMLOGD_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct dmlogd_proc {
	pid_t pid;			/* 0: not running */
	char dir[64];			/* private temp directory */
	char sock[128], pidfile[128], conf[128], log[128];
	char ctl[128];			/* control socket (dmlogctl) */
};

/* $DMLOG_BUILD/daemons/dmlogd/dmlogd, or ./build/daemons/dmlogd/dmlogd. */
const char *dmlogd_binary(void);

/* Make the temp dir and a config file with `conf_text`. 0 or -errno. */
int dmlogd_prepare(struct dmlogd_proc *d, const char *conf_text);

/* Run `dmlogd -f -s sock -C ctl -p pidfile -c conf <extra...>` (extra is
 * NULL-terminated, may be NULL) with stdout+stderr appended to d->log.
 * Waits until the socket accepts connections. Returns 0; the exit status
 * (> 0, +128 for a signal) if the daemon exited first; -ETIMEDOUT. */
int dmlogd_start(struct dmlogd_proc *d, const char *const *extra);

/* Wait for the daemon to exit: its exit status (+128 + signal when
 * killed), or -ETIMEDOUT. */
int dmlogd_wait_exit(struct dmlogd_proc *d, int timeout_ms);
/* SIGKILL and reap (no-op when not running). */
void dmlogd_kill(struct dmlogd_proc *d);
/* Kill if running, remove the temp dir and its files. */
void dmlogd_cleanup(struct dmlogd_proc *d);
bool dmlogd_running(struct dmlogd_proc *d);

/* The daemon's log so far (static buffer, NUL-terminated). */
const char *dmlogd_log_text(const struct dmlogd_proc *d);
/* Poll the log until it contains needle. */
bool dmlogd_wait_log(const struct dmlogd_proc *d, const char *needle,
		     int timeout_ms);

/* ---- frame client ---- */

/* Connect a SOCK_SEQPACKET socket to path: fd or -errno. */
int ulogc_connect(const char *path);

struct ulogc_reply {
	int error;			/* request.error of the reply */
	uint32_t seq;
	uint32_t request_type;
	uint8_t data[512];
	size_t data_len;
};

/* Send one raw frame: 0 or -errno. */
int ulogc_send_raw(int fd, const void *frame, size_t len);
/* Receive one frame as is: its length, -ETIMEDOUT, -ECONNRESET. */
ssize_t ulogc_recv_raw(int fd, int timeout_ms, void *buf, size_t cap);
/* Receive one reply frame within timeout_ms and decode it: 0, -ETIMEDOUT,
 * -EPROTO (undecodable), -ECONNRESET (connection closed). */
int ulogc_recv(int fd, int timeout_ms, struct ulogc_reply *r);
/* Encode a request as the kernel would, send it, wait for its reply
 * (matching seq). 0 or -errno as above. */
int ulogc_call(int fd, uint32_t type, uint64_t luid, const char *uuid,
	       const void *data, size_t len, struct ulogc_reply *r);
/* ulogc_call for requests answered with one u64/s64 (or nothing: *out
 * is then 0). Returns the transport status like ulogc_call; the reply's
 * error goes to *error. */
int ulogc_call_u64(int fd, uint32_t type, uint64_t luid, const char *uuid,
		   const void *data, size_t len, uint64_t *out, int *error);

#endif
