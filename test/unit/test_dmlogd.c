/* The built dmlogd, end to end on the host (no device-mapper needed):
 * a clustered-core log driven over the Unix socket, malformed frames,
 * root-only access, foreign netlink senders ignored, the SIGTERM policy,
 * the pidfile lock and restart after kill -9. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers/dmlogd_harness.h"
#include "ulog_codec.h"

#define UUID "LVM-dmlogdtest0000000000000000000000000000000000000000000000000000"
#define LUID 0xffff8880deadbeefULL
#define CTR_CORE "131072 clustered-core 1024"	/* 128 regions */

static const char *const no_kernel[] = { "--no-kernel", NULL };

static int setup(void **state)
{
	struct dmlogd_proc *d = calloc(1, sizeof(*d));

	if (!d || dmlogd_prepare(d, "dmlogd {\n    log_level = \"info\"\n}\n"))
		return -1;
	*state = d;
	return 0;
}

/* A loop device a test attached, detached even when the test fails. */
static char test_loop[64];

static void detach_loop(void)
{
	char cmd[128];

	if (!test_loop[0])
		return;
	snprintf(cmd, sizeof(cmd), "losetup -d %s", test_loop);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: %s failed\n", cmd);
	test_loop[0] = '\0';
}

/* Fails the test when the daemon (built with sanitizers) reported. */
static int teardown(void **state)
{
	struct dmlogd_proc *d = *state;
	const char *log = dmlogd_log_text(d);
	int bad = strstr(log, "runtime error:") ||
		  strstr(log, "AddressSanitizer") ||
		  strstr(log, "LeakSanitizer");

	if (bad || getenv("DMLOG_TEST_VERBOSE"))
		fprintf(stderr, "---- dmlogd log ----\n%s", log);
	dmlogd_cleanup(d);
	detach_loop();
	free(d);
	return bad ? -1 : 0;
}

static void start_ok(struct dmlogd_proc *d, const char *const *extra)
{
	int r = dmlogd_start(d, extra);

	if (r != 0)
		fail_msg("dmlogd did not start (%d):\n%s", r,
			 dmlogd_log_text(d));
}

static int connect_ok(const struct dmlogd_proc *d)
{
	int fd = ulogc_connect(d->sock);

	if (fd < 0)
		fail_msg("connect %s: %s", d->sock, strerror(-fd));
	return fd;
}

/* One request; returns the reply's error; *val gets a u64 answer. */
static int req(int fd, uint32_t type, const void *data, size_t len,
	       uint64_t *val)
{
	uint64_t v;
	int err, rc;

	rc = ulogc_call_u64(fd, type, LUID, UUID, data, len, &v, &err);
	if (rc)
		fail_msg("%s: no reply: %s", ulog_type_name(type),
			 strerror(-rc));
	if (val)
		*val = v;
	return err;
}

static int req_region(int fd, uint32_t type, uint64_t region, uint64_t *val)
{
	return req(fd, type, &region, sizeof(region), val);
}

static void ctr_core(int fd)
{
	struct ulogc_reply r;

	/* the kernel's first CTR: no terminating NUL */
	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, CTR_CORE,
				    strlen(CTR_CORE), &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.data_len, 0);	/* core: no device name */
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);
}

/* ---- a clustered-core log through its whole life ---- */

static void test_core_log(void **state)
{
	struct dmlogd_proc *d = *state;
	struct { uint64_t region; int64_t in_sync; } rs = { 0, 1 };
	struct { int64_t i; uint64_t r; } work;
	struct ulogc_reply r;
	uint64_t v;
	int fd;

	start_ok(d, no_kernel);
	fd = connect_ok(d);

	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, CTR_CORE,
				    strlen(CTR_CORE), &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.data_len, 0);
	assert_int_equal(req(fd, DM_ULOG_GET_REGION_SIZE, NULL, 0, &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);

	/* a fresh "sync" log: nothing in sync yet, region 0 to recover */
	assert_int_equal(req_region(fd, DM_ULOG_IN_SYNC, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ulogc_call(fd, DM_ULOG_GET_RESYNC_WORK, LUID, UUID,
				    NULL, 0, &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.data_len, sizeof(work));
	memcpy(&work, r.data, sizeof(work));
	assert_int_equal(work.i, 1);
	assert_int_equal(work.r, 0);
	assert_int_equal(req(fd, DM_ULOG_SET_REGION_SYNC, &rs, sizeof(rs),
			     NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(req_region(fd, DM_ULOG_IN_SYNC, 0, &v), 0);
	assert_int_equal(v, 1);

	/* a write burst on region 5: mark, flush, clear, flush */
	assert_int_equal(req_region(fd, DM_ULOG_IS_CLEAN, 5, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(req_region(fd, DM_ULOG_MARK_REGION, 5, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_FLUSH, NULL, 0, NULL), 0);
	assert_int_equal(req_region(fd, DM_ULOG_IS_CLEAN, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(req_region(fd, DM_ULOG_CLEAR_REGION, 5, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_FLUSH, NULL, 0, NULL), 0);
	assert_int_equal(req_region(fd, DM_ULOG_IS_CLEAN, 5, &v), 0);
	assert_int_equal(v, 1);

	assert_int_equal(ulogc_call(fd, DM_ULOG_STATUS_INFO, LUID, UUID,
				    NULL, 0, &r), 0);
	assert_int_equal(r.error, 0);
	assert_true(r.data_len > 0 && r.data_len < sizeof(r.data));
	r.data[r.data_len] = '\0';
	assert_non_null(strstr((char *)r.data, "clustered-core"));

	/* SIGUSR1 dumps one line per log */
	assert_int_equal(kill(d->pid, SIGUSR1), 0);
	assert_true(dmlogd_wait_log(d, "in sync 1/128", 2000));

	assert_int_equal(req(fd, DM_ULOG_POSTSUSPEND, NULL, 0, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_DTR, NULL, 0, NULL), 0);
	/* gone: the kernel would now be told to re-create it */
	assert_int_not_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	close(fd);

	/* nothing live: SIGTERM stops it cleanly and removes its files */
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	assert_int_equal(dmlogd_wait_exit(d, 5000), 0);
	assert_int_equal(access(d->pidfile, F_OK), -1);
	assert_int_equal(access(d->sock, F_OK), -1);
}

/* ---- malformed frames ---- */

/* The reply to a bad frame, if any, carries an error. */
static void expect_error_or_nothing(int fd, const char *what)
{
	struct ulogc_reply r;
	int rc = ulogc_recv(fd, 300, &r);

	if (rc == 0 && r.error == 0)
		fail_msg("%s: answered without an error", what);
	if (rc != 0 && rc != -ETIMEDOUT)
		fail_msg("%s: %s", what, strerror(-rc));
}

/* A reply the codec's reply decoder itself refuses (it echoes an unknown
 * request type): read its error field straight from the frame. */
static void expect_raw_error(int fd, uint32_t seq, const char *what)
{
	uint64_t buf[1024];
	struct dm_ulog_request rq;
	ssize_t n = ulogc_recv_raw(fd, 2000, buf, sizeof(buf));

	if (n < (ssize_t)ULOG_HDR_LEN)
		fail_msg("%s: no reply (%zd)", what, n);
	memcpy(&rq, (uint8_t *)buf + ULOG_HDR_LEN - sizeof(rq), sizeof(rq));
	assert_int_equal(rq.seq, seq);
	assert_int_not_equal(rq.error, 0);
	assert_int_equal(rq.data_size, 0);
}

static void test_malformed(void **state)
{
	struct dmlogd_proc *d = *state;
	uint64_t frame[2048];
	uint8_t *f = (uint8_t *)frame;
	struct nlmsghdr *nlh = (struct nlmsghdr *)f;
	struct cn_msg *cn = (struct cn_msg *)(f + NLMSG_HDRLEN);
	size_t n;
	uint64_t v;
	int fd;

	start_ok(d, no_kernel);
	fd = connect_ok(d);
	ctr_core(fd);

	/* tiny garbage */
	assert_int_equal(ulogc_send_raw(fd, "abc", 3), 0);
	expect_error_or_nothing(fd, "garbage");
	/* an unknown request type: header intact, must be refused */
	n = ulog_encode_request(frame, sizeof(frame), 7, 99, LUID, UUID,
				NULL, 0);
	assert_int_equal(ulogc_send_raw(fd, frame, n), 0);
	expect_raw_error(fd, 7, "unknown type");
	/* a connector id that is not dm-log-userspace's */
	n = ulog_encode_request(frame, sizeof(frame), 8, DM_ULOG_RESUME,
				LUID, UUID, NULL, 0);
	cn->id.idx = 1;
	assert_int_equal(ulogc_send_raw(fd, frame, n), 0);
	expect_error_or_nothing(fd, "foreign connector id");
	/* lengths that lie: nlmsg_len and cn_msg.len past the packet */
	n = ulog_encode_request(frame, sizeof(frame), 9, DM_ULOG_IN_SYNC,
				LUID, UUID, &v, sizeof(v));
	nlh->nlmsg_len = 4000;
	assert_int_equal(ulogc_send_raw(fd, frame, n), 0);
	expect_error_or_nothing(fd, "nlmsg_len too big");
	n = ulog_encode_request(frame, sizeof(frame), 10, DM_ULOG_IN_SYNC,
				LUID, UUID, &v, sizeof(v));
	cn->len = 60000;
	assert_int_equal(ulogc_send_raw(fd, frame, n), 0);
	expect_error_or_nothing(fd, "cn_msg.len too big");
	/* IN_SYNC without its region */
	n = ulog_encode_request(frame, sizeof(frame), 11, DM_ULOG_IN_SYNC,
				LUID, UUID, NULL, 0);
	assert_int_equal(ulogc_send_raw(fd, frame, n), 0);
	expect_error_or_nothing(fd, "IN_SYNC without payload");
	/* a region past the end of the log */
	assert_int_not_equal(req_region(fd, DM_ULOG_IN_SYNC, 1u << 30, &v), 0);
	/* larger than any frame */
	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(ulogc_send_raw(fd, frame, 10000), 0);
	expect_error_or_nothing(fd, "oversized");
	/* random bytes shaped like a header */
	n = ulog_encode_request(frame, sizeof(frame), 12, DM_ULOG_FLUSH,
				LUID, UUID, NULL, 0);
	for (size_t i = NLMSG_HDRLEN; i < n; i += 7)
		f[i] ^= 0x5a;
	assert_int_equal(ulogc_send_raw(fd, frame, n), 0);
	expect_error_or_nothing(fd, "scrambled header");

	/* still alive and answering */
	assert_true(dmlogd_running(d));
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(v, 0);
	close(fd);
}

/* ---- only root may talk to it ---- */

/* Child: drop to nobody, connect, send a valid request. Exit 0 when
 * refused (connect denied, or the daemon closes the connection without
 * answering), 1 when answered. */
static int try_as_nobody(const char *sock)
{
	uint64_t frame[(ULOG_MAX_FRAME + 7) / 8];
	struct ulogc_reply r;
	size_t n;
	int fd, rc;

	if (setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return 2;
	fd = ulogc_connect(sock);
	if (fd == -EACCES || fd == -EPERM)
		return 10;		/* refused by the socket's mode */
	if (fd < 0)
		return 3;
	n = ulog_encode_request(frame, sizeof(frame), 1, DM_ULOG_GET_SYNC_COUNT,
				LUID, UUID, NULL, 0);
	ulogc_send_raw(fd, frame, n);	/* may fail: already closed */
	rc = ulogc_recv(fd, 3000, &r);
	close(fd);
	return rc == -ECONNRESET || rc == -EPIPE ? 0 : 1;
}

static int run_as_nobody(const char *sock)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(try_as_nobody(sock));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_non_root_refused(void **state)
{
	struct dmlogd_proc *d = *state;
	struct stat st;
	uint64_t v;
	int fd;

	start_ok(d, no_kernel);
	assert_int_equal(stat(d->sock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(chmod(d->dir, 0755), 0);

	/* first line of defence: the socket's mode */
	assert_int_equal(run_as_nobody(d->sock), 10);

	/* second: the daemon checks the peer's uid itself */
	assert_int_equal(chmod(d->sock, 0666), 0);
	assert_int_equal(run_as_nobody(d->sock), 0);
	assert_true(dmlogd_wait_log(d, "refused a connection from uid 65534",
				    2000));
	assert_int_equal(chmod(d->sock, 0600), 0);

	/* root still gets through */
	fd = connect_ok(d);
	assert_int_not_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	close(fd);
	assert_true(dmlogd_running(d));
}

/* ---- a netlink sender that is not the kernel ---- */

static uint32_t daemon_port(const struct dmlogd_proc *d)
{
	const char *p;
	unsigned port;

	if (!dmlogd_wait_log(d, "port id ", 2000))
		fail_msg("no port id in the log:\n%s", dmlogd_log_text(d));
	p = strstr(dmlogd_log_text(d), "port id ");
	assert_int_equal(sscanf(p, "port id %u", &port), 1);
	return port;
}

static void send_nl(int nl, const void *frame, size_t len, uint32_t port,
		    uint32_t groups)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port,
				  .nl_groups = groups };

	assert_int_equal(sendto(nl, frame, len, 0, (struct sockaddr *)&to,
				sizeof(to)), (ssize_t)len);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void test_foreign_netlink_ignored(void **state)
{
	struct dmlogd_proc *d = *state;
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	uint64_t frame[(ULOG_MAX_FRAME + 7) / 8];
	const char *ctr = CTR_CORE;
	uint64_t v;
	size_t n;
	int nl, fd;

	nl = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (nl < 0)
		skip();		/* no netlink connector on this kernel */
	assert_int_equal(bind(nl, (struct sockaddr *)&me, sizeof(me)), 0);

	start_ok(d, NULL);		/* with the kernel transport */
	n = ulog_encode_request(frame, sizeof(frame), 1, DM_ULOG_CTR, LUID,
				UUID, ctr, strlen(ctr));
	/* to the group the kernel multicasts on, then straight to the
	 * daemon's port */
	send_nl(nl, frame, n, 0, 1u << (CN_IDX_DM - 1));
	send_nl(nl, frame, n, daemon_port(d), 0);
	n = ulog_encode_request(frame, sizeof(frame), 2, DM_ULOG_RESUME, LUID,
				UUID, NULL, 0);
	send_nl(nl, frame, n, daemon_port(d), 0);
	close(nl);

	assert_true(dmlogd_wait_log(d, "only the kernel (port 0)", 2000));
	for (int i = 0; i < 100 && count(dmlogd_log_text(d),
					 "only the kernel (port 0)") < 3; i++)
		usleep(10000);
	assert_int_equal(count(dmlogd_log_text(d), "only the kernel (port 0)"),
			 3);
	assert_null(strstr(dmlogd_log_text(d), "log constructed"));

	/* and the log those frames tried to create does not exist */
	fd = connect_ok(d);
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), -ESRCH);
	close(fd);
	assert_true(dmlogd_running(d));
}

/* ---- stopping with live logs ---- */

static void test_sigterm_refused_then_forced(void **state)
{
	struct dmlogd_proc *d = *state;
	int fd;

	start_ok(d, no_kernel);
	fd = connect_ok(d);
	ctr_core(fd);

	assert_int_equal(kill(d->pid, SIGTERM), 0);
	assert_true(dmlogd_wait_log(d, "refusing to stop", 2000));
	assert_true(dmlogd_wait_log(d, UUID, 2000));
	usleep(200000);
	assert_true(dmlogd_running(d));
	/* the log still works */
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, NULL), 0);

	assert_int_equal(kill(d->pid, SIGTERM), 0);
	assert_int_equal(dmlogd_wait_exit(d, 5000), 0);
	assert_non_null(strstr(dmlogd_log_text(d), "abandoning 1 live log"));
	assert_int_equal(access(d->pidfile, F_OK), -1);
	close(fd);
}

/* A suspended log is not live: one SIGTERM is enough. */
static void test_sigterm_after_suspend(void **state)
{
	struct dmlogd_proc *d = *state;
	int fd;

	start_ok(d, no_kernel);
	fd = connect_ok(d);
	ctr_core(fd);
	assert_int_equal(req(fd, DM_ULOG_PRESUSPEND, NULL, 0, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_POSTSUSPEND, NULL, 0, NULL), 0);
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	assert_int_equal(dmlogd_wait_exit(d, 5000), 0);
	close(fd);
}

/* ---- one daemon per pidfile ---- */

static void test_pidfile_lock(void **state)
{
	struct dmlogd_proc *d = *state;
	struct dmlogd_proc second = *d;
	char other_sock[128], expect[64];
	const char *extra[] = { "--no-kernel", "-s", other_sock, NULL };
	FILE *f;
	long pid = 0;

	start_ok(d, no_kernel);
	f = fopen(d->pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	assert_int_equal(pid, d->pid);

	/* same pidfile, another socket: refused, naming the running pid */
	snprintf(other_sock, sizeof(other_sock), "%s/other.sock", d->dir);
	second.pid = 0;
	snprintf(second.sock, sizeof(second.sock), "%s", other_sock);
	assert_int_equal(dmlogd_start(&second, extra), 4);
	snprintf(expect, sizeof(expect), "already running (pid %ld", pid);
	assert_non_null(strstr(dmlogd_log_text(d), expect));
	assert_int_equal(access(other_sock, F_OK), -1);
	/* the loser left the winner's pidfile alone */
	assert_int_equal(access(d->pidfile, F_OK), 0);

	/* same socket, another pidfile: refused too */
	{
		struct dmlogd_proc third = *d;

		third.pid = 0;
		snprintf(third.sock, sizeof(third.sock), "%s", d->sock);
		snprintf(third.pidfile, sizeof(third.pidfile), "%s/3.pid",
			 d->dir);
		assert_int_equal(dmlogd_start(&third, no_kernel), 1);
		assert_non_null(strstr(dmlogd_log_text(d),
				       "another process is listening"));
		unlink(third.pidfile);
	}
	assert_true(dmlogd_running(d));
}

/* ---- restart: kill -9, start again, the kernel re-creates its logs ---- */

static void test_restart(void **state)
{
	struct dmlogd_proc *d = *state;
	const char ctr0[] = CTR_CORE;	/* with its NUL, as the re-CTR is */
	struct ulogc_reply r;
	uint64_t v;
	int fd;

	start_ok(d, no_kernel);
	fd = connect_ok(d);
	ctr_core(fd);
	assert_int_equal(req_region(fd, DM_ULOG_MARK_REGION, 3, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_FLUSH, NULL, 0, NULL), 0);
	close(fd);

	dmlogd_kill(d);		/* stale pidfile and socket stay behind */
	assert_int_equal(access(d->sock, F_OK), 0);
	start_ok(d, no_kernel);
	fd = connect_ok(d);

	/* the log is unknown: -ESRCH makes the kernel re-send CTR+RESUME */
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), -ESRCH);
	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, ctr0,
				    sizeof(ctr0), &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.data_len, 0);	/* no reply buffer here */
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(req_region(fd, DM_ULOG_IS_CLEAN, 3, &v), 0);
	assert_int_equal(req(fd, DM_ULOG_GET_REGION_SIZE, NULL, 0, &v), 0);
	assert_int_equal(v, 1024);
	close(fd);
}

/* ---- disk logs ---- */

#define CTR_DISK_FMT "131072 clustered-disk %s 1024"

/* Recover every region, then write to region 3 and flush: the device
 * now says "region 3 may differ between the legs". */
static void disk_log_first_life(int fd, const char *ctr, const char *devname)
{
	struct { uint64_t region; int64_t in_sync; } rs = { 0, 1 };
	struct ulogc_reply r;
	uint64_t v;

	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, ctr,
				    strlen(ctr), &r), 0);
	if (r.error)
		fail_msg("CTR %s: %s", ctr, strerror(-r.error));
	/* the kernel is told which device to hold open */
	assert_int_equal(r.data_len, strlen(devname) + 1);
	assert_string_equal((char *)r.data, devname);
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);
	for (rs.region = 0; rs.region < 128; rs.region++)
		assert_int_equal(req(fd, DM_ULOG_SET_REGION_SYNC, &rs,
				     sizeof(rs), NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_FLUSH, NULL, 0, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(v, 128);
	assert_int_equal(req_region(fd, DM_ULOG_MARK_REGION, 3, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_FLUSH, NULL, 0, NULL), 0);
	assert_int_equal(ulogc_call(fd, DM_ULOG_STATUS_INFO, LUID, UUID,
				    NULL, 0, &r), 0);
	assert_int_equal(r.error, 0);
	r.data[r.data_len < sizeof(r.data) ? r.data_len : 0] = '\0';
	assert_non_null(strstr((char *)r.data, "clustered-disk"));
	assert_non_null(strstr((char *)r.data, devname));
}

/* After kill -9 and the kernel's re-CTR: region 3 comes back out of sync
 * (its write may have reached one leg only), everything else in sync. */
static void disk_log_after_crash(int fd, const char *ctr)
{
	struct { int64_t i; uint64_t r; } work;
	struct ulogc_reply r;
	uint64_t v;

	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), -ESRCH);
	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, ctr,
				    strlen(ctr) + 1, &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.data_len, 0);
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(v, 127);
	assert_int_equal(req_region(fd, DM_ULOG_IN_SYNC, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ulogc_call(fd, DM_ULOG_GET_RESYNC_WORK, LUID, UUID,
				    NULL, 0, &r), 0);
	assert_int_equal(r.error, 0);
	memcpy(&work, r.data, sizeof(work));
	assert_int_equal(work.i, 1);
	assert_int_equal(work.r, 3);
}

static void make_image(const char *path, off_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static void test_disk_log_file(void **state)
{
	struct dmlogd_proc *d = *state;
	char img[160], ctr[256], devname[32];
	struct stat st;
	int fd;

	snprintf(img, sizeof(img), "%s/log.img", d->dir);
	make_image(img, 16 << 20);
	assert_int_equal(stat(img, &st), 0);
	snprintf(ctr, sizeof(ctr), CTR_DISK_FMT, img);
	snprintf(devname, sizeof(devname), "0:0");	/* not a device */

	/* The usual life of a mirror: resync everything, then a write. */
	start_ok(d, no_kernel);
	fd = connect_ok(d);
	disk_log_first_life(fd, ctr, devname);
	close(fd);
	dmlogd_kill(d);
	start_ok(d, no_kernel);
	fd = connect_ok(d);
	disk_log_after_crash(fd, ctr);
	close(fd);

	/* a device that does not exist: CTR fails, naming it */
	fd = connect_ok(d);
	{
		struct ulogc_reply r;
		const char *bad = "131072 clustered-disk /nonexistent/dev 1024";

		assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID + 1, UUID,
					    bad, strlen(bad), &r), 0);
		assert_int_not_equal(r.error, 0);
		assert_true(dmlogd_wait_log(d, "/nonexistent/dev", 2000));
	}
	close(fd);
	unlink(img);
}

/* "major:minor" with no /dev/block (no udev): the daemon makes its own
 * node. Needs a free loop device. */
static void test_disk_log_majmin(void **state)
{
	struct dmlogd_proc *d = *state;
	struct { int64_t i; uint64_t r; } work;
	char img[160], cmd[256], ctr[256], devname[32], node[64];
	struct ulogc_reply r;
	struct stat st;
	uint64_t v;
	FILE *p;
	int fd;

	snprintf(img, sizeof(img), "%s/log.img", d->dir);
	make_image(img, 16 << 20);
	snprintf(cmd, sizeof(cmd), "losetup --find --show %s 2>/dev/null",
		 img);
	p = popen(cmd, "r");
	if (!p || !fgets(test_loop, sizeof(test_loop), p) ||
	    test_loop[0] != '/') {
		test_loop[0] = '\0';
		if (p)
			pclose(p);
		skip();		/* no loop devices here */
	}
	pclose(p);
	test_loop[strcspn(test_loop, "\n")] = '\0';
	assert_int_equal(stat(test_loop, &st), 0);
	snprintf(devname, sizeof(devname), "%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	snprintf(ctr, sizeof(ctr), CTR_DISK_FMT, devname);
	snprintf(node, sizeof(node), "/run/dmlogd/%s", devname);

	start_ok(d, no_kernel);
	fd = connect_ok(d);
	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, ctr,
				    strlen(ctr), &r), 0);
	if (r.error)
		fail_msg("CTR %s: %s\n%s", ctr, strerror(-r.error),
			 dmlogd_log_text(d));
	assert_string_equal((char *)r.data, devname);
	if (access("/dev/block", F_OK) != 0) {
		/* the node dmlogd made for itself */
		assert_int_equal(stat(node, &st), 0);
		assert_true(S_ISBLK(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);
	assert_int_equal(req_region(fd, DM_ULOG_MARK_REGION, 3, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_FLUSH, NULL, 0, NULL), 0);
	assert_int_equal(ulogc_call(fd, DM_ULOG_STATUS_INFO, LUID, UUID,
				    NULL, 0, &r), 0);
	r.data[r.data_len < sizeof(r.data) ? r.data_len : 0] = '\0';
	assert_non_null(strstr((char *)r.data, devname));
	close(fd);

	/* restart: the kernel's re-CTR (NUL-terminated, no reply buffer) */
	dmlogd_kill(d);
	start_ok(d, no_kernel);
	fd = connect_ok(d);
	assert_int_equal(ulogc_call(fd, DM_ULOG_CTR, LUID, UUID, ctr,
				    strlen(ctr) + 1, &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.data_len, 0);
	assert_int_equal(req(fd, DM_ULOG_RESUME, NULL, 0, NULL), 0);
	/* never recovered: still nothing in sync, recovery starts at 0 */
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ulogc_call(fd, DM_ULOG_GET_RESYNC_WORK, LUID, UUID,
				    NULL, 0, &r), 0);
	memcpy(&work, r.data, sizeof(work));
	assert_int_equal(work.i, 1);
	assert_int_equal(work.r, 0);
	assert_int_equal(req(fd, DM_ULOG_POSTSUSPEND, NULL, 0, NULL), 0);
	assert_int_equal(req(fd, DM_ULOG_DTR, NULL, 0, NULL), 0);
	close(fd);
	dmlogd_kill(d);
	detach_loop();
	unlink(node);
	unlink(img);
}

/* ---- as a real daemon: fork, detach, pidfile ---- */

static long read_pidfile(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Run dmlogd without -f; return the launcher's exit status. */
static int run_detached(const struct dmlogd_proc *d, const char *sock)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl(dmlogd_binary(), "dmlogd", "--no-kernel", "-s", sock,
		      "-p", d->pidfile, "-c", d->conf, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_daemon_mode(void **state)
{
	struct dmlogd_proc *d = *state;
	char other[160];
	long pid;
	int fd, i;

	/* the launcher returns once the daemon is ready */
	assert_int_equal(run_detached(d, d->sock), 0);
	pid = read_pidfile(d->pidfile);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, 0), 0);
	assert_int_equal(getsid((pid_t)pid), (pid_t)pid);	/* setsid */
	fd = connect_ok(d);
	ctr_core(fd);
	close(fd);

	/* a failure after the fork still reaches the launcher's stderr and
	 * exit status: here the pidfile is taken */
	snprintf(other, sizeof(other), "%s/other.sock", d->dir);
	assert_int_equal(run_detached(d, other), 4);
	assert_non_null(strstr(dmlogd_log_text(d), "already running"));

	/* SIGTERM is refused (a live log), the second one stops it */
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	usleep(200000);
	assert_int_equal(kill((pid_t)pid, 0), 0);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	for (i = 0; i < 500 && kill((pid_t)pid, 0) == 0; i++)
		usleep(10000);
	assert_int_not_equal(kill((pid_t)pid, 0), 0);
	assert_int_equal(access(d->pidfile, F_OK), -1);
	assert_int_equal(access(d->sock, F_OK), -1);
}

/* ---- SIGHUP: the log level is re-read ---- */

static void write_conf(const struct dmlogd_proc *d, const char *text)
{
	FILE *f = fopen(d->conf, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_sighup_reload(void **state)
{
	struct dmlogd_proc *d = *state;
	uint64_t v;
	int fd;

	start_ok(d, no_kernel);
	fd = connect_ok(d);
	ctr_core(fd);
	/* at "info", requests are not logged */
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_null(strstr(dmlogd_log_text(d), "GET_SYNC_COUNT"));

	write_conf(d, "dmlogd {\n    log_level = \"debug\"\n"
		   "    socket = \"/run/elsewhere.sock\"\n}\n");
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	assert_true(dmlogd_wait_log(d, "log level debug", 2000));
	/* -s given: the file's socket is not even a pending change */
	assert_null(strstr(dmlogd_log_text(d), "socket change"));
	assert_int_equal(req(fd, DM_ULOG_GET_SYNC_COUNT, NULL, 0, &v), 0);
	assert_true(dmlogd_wait_log(d, "debug: GET_SYNC_COUNT", 2000));

	/* a broken file is reported and changes nothing */
	write_conf(d, "dmlogd {\n    log_level = \"loud\"\n}\n");
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	assert_true(dmlogd_wait_log(d, "reload failed, keeping the current "
				    "settings", 2000));
	assert_non_null(strstr(dmlogd_log_text(d), "loud"));
	assert_true(dmlogd_running(d));
	close(fd);
}

/* ---- command line and config errors ---- */

static void test_startup_errors(void **state)
{
	struct dmlogd_proc *d = *state;
	const char *bad_opt[] = { "--bogus", NULL };
	const char *missing[] = { "-c", "/nonexistent/dmlog.conf", NULL };
	FILE *f;

	assert_int_equal(dmlogd_start(d, bad_opt), 2);
	assert_int_equal(dmlogd_start(d, missing), 3);
	assert_non_null(strstr(dmlogd_log_text(d), "/nonexistent/dmlog.conf"));

	f = fopen(d->conf, "w");
	assert_non_null(f);
	fputs("dmlogd {\n  lock_manager = \"dlm\"\n}\n", f);
	fclose(f);
	/* the host has no DLM: a clear start-up failure */
	assert_int_equal(dmlogd_start(d, no_kernel), 1);
	assert_non_null(strstr(dmlogd_log_text(d),
		"dlm_controld not running? /dev/misc/dlm-control missing?"));
	assert_int_equal(access(d->pidfile, F_OK), -1);
	assert_int_equal(access(d->sock, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_non_root_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_netlink_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_refused_then_forced,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_after_suspend,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_log_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disk_log_majmin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_daemon_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sighup_reload, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_startup_errors, setup,
						teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
