/*
 * dlm-counter - a read-modify-write counter on a shared disk, coordinated (or
 * not) with a DLM EX lock. Test tool for the multi-guest cluster harness
 * (test/vm/cluster/README.md); built on the host by the scenario:
 *
 *     gcc -O2 -Wall -o dlm-counter dlm-counter.c -ldlm_lt
 *
 * (-ldlm_lt: without dlm_pthread_init() and no AST thread, -ldlm makes
 * dlm_ls_lock_wait hang forever.)
 *
 * usage: dlm-counter [-L LOCKSPACE] [-r RESOURCE] COMMAND ...
 *   init DEV OFF                 write a counter block with value 0 at byte OFF
 *   read DEV OFF                 print the counter's value
 *   incr DEV OFF COUNT [--nolock] [--barrier TOKEN NODES]
 *                                COUNT increments; each one (unless --nolock)
 *                                takes EX on RESOURCE, reads the block with
 *                                O_DIRECT, adds 1, writes it with O_DIRECT,
 *                                unlocks. --barrier: first wait on the disk
 *                                until nodes 1..NODES all arrived with TOKEN
 *                                (blocks OFF+4096*i), so the runs overlap.
 *   hold [SECONDS]               take EX on RESOURCE, print "held", keep it
 *                                SECONDS (default: until killed)
 *   wait TIMEOUT                 a NOQUEUE EX request on RESOURCE must fail
 *                                with EAGAIN ("busy"); then queue an EX
 *                                request ("queued"), wait up to TIMEOUT s for
 *                                the grant ("granted after N ms")
 *   lockspace                    create/join the lockspace, print the time
 * The node id (for --barrier) is $DMLOG_NODE_ID. Every line of output is
 * flushed at once (the host reads it while the program runs).
 * Exit status: 0 ok, 1 error, 2 usage, 3 (wait) not busy, 4 (wait) timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libdlm.h>

#define BLK 4096
static const char counter_magic[8] = "DMLCNTR1";
static const char barrier_magic[8] = "DMLBARR1";

static const char *lsname = "dmlogtest";
static const char *resname = "counter";
static dlm_lshandle_t ls;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "dlm-counter: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_dev(const char *dev)
{
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0)
		die(dev);
	return fd;
}

static unsigned char *buf_alloc(void)
{
	void *p;

	if (posix_memalign(&p, BLK, BLK))
		die("posix_memalign");
	memset(p, 0, BLK);
	return p;
}

static void rd(int fd, unsigned char *b, off_t off)
{
	ssize_t n = pread(fd, b, BLK, off);

	if (n != BLK) {
		if (n >= 0)
			errno = EIO;
		die("O_DIRECT read");
	}
}

static void wr(int fd, const unsigned char *b, off_t off)
{
	ssize_t n = pwrite(fd, b, BLK, off);

	if (n != BLK) {
		if (n >= 0)
			errno = EIO;
		die("O_DIRECT write");
	}
}

static uint64_t counter_get(const unsigned char *b)
{
	uint64_t v;

	if (memcmp(b, counter_magic, 8)) {
		fprintf(stderr, "dlm-counter: no counter block (run init first)\n");
		exit(1);
	}
	memcpy(&v, b + 8, 8);
	return v;
}

static void counter_set(unsigned char *b, uint64_t v)
{
	memcpy(b, counter_magic, 8);
	memcpy(b + 8, &v, 8);
}

static void ls_open(void)
{
	double t0 = now_ms();

	if (ls)
		return;
	ls = dlm_create_lockspace(lsname, 0600);
	if (!ls)
		ls = dlm_open_lockspace(lsname);
	if (!ls)
		die("dlm_create_lockspace");
	printf("lockspace %s ready in %.0f ms\n", lsname, now_ms() - t0);
}

/* EX lock (flags: 0 or LKF_NOQUEUE); returns 0 or the lksb status */
static int lock_ex(struct dlm_lksb *lksb, uint32_t flags)
{
	int rc;

	memset(lksb, 0, sizeof(*lksb));
	rc = dlm_ls_lock_wait(ls, LKM_EXMODE, lksb, flags, resname, strlen(resname),
			      0, NULL, NULL, NULL);
	if (rc && lksb->sb_status == 0)
		return errno ? errno : EIO;
	return lksb->sb_status;
}

static void unlock(struct dlm_lksb *lksb)
{
	int rc = dlm_ls_unlock_wait(ls, lksb->sb_lkid, 0, lksb);

	/* a completed unlock reports EUNLOCK in the lksb */
	if (rc && lksb->sb_status != EUNLOCK)
		die("dlm_ls_unlock_wait");
}

static void barrier(int fd, off_t off, uint64_t token, int nodes)
{
	unsigned char *b = buf_alloc();
	const char *id_s = getenv("DMLOG_NODE_ID");
	int id = id_s ? atoi(id_s) : 0, i, all;
	double t0 = now_ms();

	if (id < 1 || id > nodes) {
		fprintf(stderr, "dlm-counter: --barrier needs DMLOG_NODE_ID in 1..%d\n", nodes);
		exit(2);
	}
	memcpy(b, barrier_magic, 8);
	memcpy(b + 8, &token, 8);
	wr(fd, b, off + (off_t)BLK * id);
	do {
		all = 1;
		for (i = 1; i <= nodes && all; i++) {
			uint64_t t;

			rd(fd, b, off + (off_t)BLK * i);
			memcpy(&t, b + 8, 8);
			all = !memcmp(b, barrier_magic, 8) && t == token;
		}
		if (!all) {
			if (now_ms() - t0 > 60000) {
				fprintf(stderr, "dlm-counter: barrier: not all %d nodes arrived in 60 s\n", nodes);
				exit(1);
			}
			usleep(1000);
		}
	} while (!all);
	printf("barrier %" PRIu64 ": all %d nodes arrived after %.0f ms\n", token, nodes, now_ms() - t0);
	free(b);
}

static int cmd_incr(int argc, char **argv)
{
	int fd, locked = 1, nodes = 0, i;
	uint64_t token = 0, v = 0, count;
	off_t off;
	unsigned char *b = buf_alloc();
	double t0, tlock = 0, tmax = 0;
	struct dlm_lksb lksb;

	if (argc < 3)
		return 2;
	fd = open_dev(argv[0]);
	off = strtoll(argv[1], NULL, 0);
	count = strtoull(argv[2], NULL, 0);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--nolock")) {
			locked = 0;
		} else if (!strcmp(argv[i], "--barrier") && i + 2 < argc) {
			token = strtoull(argv[i + 1], NULL, 0);
			nodes = atoi(argv[i + 2]);
			i += 2;
		} else {
			return 2;
		}
	}
	if (locked)
		ls_open();
	if (nodes)
		barrier(fd, off, token, nodes);
	t0 = now_ms();
	for (uint64_t n = 0; n < count; n++) {
		if (locked) {
			double tl = now_ms();
			int st = lock_ex(&lksb, 0);

			if (st) {
				errno = st;
				die("EX lock");
			}
			tl = now_ms() - tl;
			tlock += tl;
			if (tl > tmax)
				tmax = tl;
		}
		rd(fd, b, off);
		v = counter_get(b) + 1;
		counter_set(b, v);
		wr(fd, b, off);
		if (locked)
			unlock(&lksb);
	}
	printf("incr: %" PRIu64 " %s increments in %.0f ms (last value written %" PRIu64 ")",
	       count, locked ? "locked" : "UNLOCKED", now_ms() - t0, v);
	if (locked && count)
		printf(", lock wait avg %.1f ms max %.0f ms", tlock / count, tmax);
	printf("\n");
	return 0;
}

static void ast_done(void *arg)
{
	*(int *)arg = 1;
}

static int cmd_wait(int argc, char **argv)
{
	struct dlm_lksb lksb;
	struct pollfd pfd;
	double timeout_ms, t0;
	int st, granted = 0;

	if (argc < 1)
		return 2;
	timeout_ms = atof(argv[0]) * 1000;
	ls_open();
	st = lock_ex(&lksb, LKF_NOQUEUE);
	if (st != EAGAIN) {
		printf("not busy: NOQUEUE EX request on %s returned %d (%s)\n", resname, st, strerror(st));
		return 3;
	}
	printf("busy: NOQUEUE EX request on %s: EAGAIN (another node holds it)\n", resname);
	memset(&lksb, 0, sizeof(lksb));
	if (dlm_ls_lock(ls, LKM_EXMODE, &lksb, 0, resname, strlen(resname), 0,
			ast_done, &granted, NULL, NULL))
		die("dlm_ls_lock");
	t0 = now_ms();
	printf("queued: EX request on %s\n", resname);
	pfd.fd = dlm_ls_get_fd(ls);
	pfd.events = POLLIN;
	while (!granted) {
		double left = timeout_ms - (now_ms() - t0);

		if (left <= 0) {
			printf("timeout: no grant after %.0f ms\n", timeout_ms);
			return 4;
		}
		if (poll(&pfd, 1, (int)left + 1) < 0 && errno != EINTR)
			die("poll");
		if (pfd.revents & POLLIN)
			dlm_dispatch(pfd.fd);
	}
	if (lksb.sb_status) {
		errno = lksb.sb_status;
		die("queued EX request completed with an error");
	}
	printf("granted after %.0f ms\n", now_ms() - t0);
	unlock(&lksb);
	return 0;
}

static int cmd_hold(int argc, char **argv)
{
	struct dlm_lksb lksb;
	int st;

	ls_open();
	st = lock_ex(&lksb, 0);
	if (st) {
		errno = st;
		die("EX lock");
	}
	printf("held: EX on %s\n", resname);
	if (argc >= 1) {
		sleep(atoi(argv[0]));
		unlock(&lksb);
		printf("released\n");
		return 0;
	}
	for (;;)
		pause();
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dlm-counter [-L LOCKSPACE] [-r RESOURCE] COMMAND ...\n"
		"  init DEV OFF | read DEV OFF\n"
		"  incr DEV OFF COUNT [--nolock] [--barrier TOKEN NODES]\n"
		"  hold [SECONDS] | wait TIMEOUT | lockspace\n");
}

int main(int argc, char **argv)
{
	int opt, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+L:r:h")) != -1) {
		switch (opt) {
		case 'L': lsname = optarg; break;
		case 'r': resname = optarg; break;
		default: usage(); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
		return 2;
	}
	if (!strcmp(argv[0], "init") || !strcmp(argv[0], "read")) {
		unsigned char *b = buf_alloc();
		int fd;

		if (argc < 3) {
			usage();
			return 2;
		}
		fd = open_dev(argv[1]);
		if (argv[0][0] == 'i') {
			counter_set(b, 0);
			wr(fd, b, strtoll(argv[2], NULL, 0));
			if (fsync(fd))
				die("fsync");
		} else {
			rd(fd, b, strtoll(argv[2], NULL, 0));
			printf("%" PRIu64 "\n", counter_get(b));
		}
		return 0;
	}
	if (!strcmp(argv[0], "incr"))
		rc = cmd_incr(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "wait"))
		rc = cmd_wait(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "hold"))
		rc = cmd_hold(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "lockspace")) {
		ls_open();
		rc = 0;
	} else
		rc = 2;
	if (rc == 2)
		usage();
	return rc;
}
