/* Shared helpers of the benchmark programs (see bench_common.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "dmlogd_harness.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_percentile(double *v, size_t n, double pct)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	rank = (size_t)(pct / 100.0 * (double)n + 0.5);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double bench_median(const double *v, size_t n)
{
	double *c, m;

	if (n == 0)
		return 0;
	c = malloc(n * sizeof(*c));
	if (!c)
		bench_die("out of memory");
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

long bench_proc_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':' &&
		    sscanf(line + flen + 1, "%ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

void bench_emit(const char *metric, double value, const char *unit)
{
	printf("%s\t%.6g\t%s\n", metric, value, unit);
	fflush(stdout);
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void bench_client_open(struct bench_client *c, const char *path,
		       const char *uuid, uint64_t luid)
{
	memset(c, 0, sizeof(*c));
	c->fd = ulogc_connect(path);
	if (c->fd < 0)
		bench_die("cannot connect to %s: %s", path, strerror(-c->fd));
	c->seq = 1;
	c->luid = luid;
	snprintf(c->uuid, sizeof(c->uuid), "%s", uuid);
}

void bench_client_close(struct bench_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Blocking receive of one frame, or a poll() with a timeout first. */
static ssize_t recv_frame(int fd, void *buf, size_t cap, int timeout_ms)
{
	ssize_t n;

	if (timeout_ms >= 0)
		return ulogc_recv_raw(fd, timeout_ms, buf, cap);
	do {
		n = recv(fd, buf, cap, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ECONNRESET : n;
}

int bench_call(struct bench_client *c, uint32_t type, const void *data,
	       size_t len, void *out, size_t out_cap, size_t *out_len,
	       int timeout_ms)
{
	uint64_t buf[(ULOG_MAX_FRAME + 64) / 8];
	struct ulog_msg m;
	uint32_t seq = ++c->seq;
	size_t n;
	ssize_t got;
	int rc;

	n = ulog_encode_request(buf, sizeof(buf), seq, type, c->luid, c->uuid,
				data, len);
	if (n == 0)
		bench_die("cannot encode a %s request", ulog_type_name(type));
	rc = ulogc_send_raw(c->fd, buf, n);
	if (rc < 0)
		bench_die("send %s: %s", ulog_type_name(type), strerror(-rc));
	for (;;) {
		got = recv_frame(c->fd, buf, sizeof(buf), timeout_ms);
		if (got < 0)
			bench_die("reply to %s: %s", ulog_type_name(type),
				  strerror((int)-got));
		if (ulog_decode_reply(buf, (size_t)got, &m, NULL, 0) != ULOG_OK)
			bench_die("undecodable reply to %s",
				  ulog_type_name(type));
		if (m.req.seq == seq)
			break;
	}
	if (out_len)
		*out_len = m.payload_len;
	if (out && m.payload_len)
		memcpy(out, m.payload,
		       m.payload_len < out_cap ? m.payload_len : out_cap);
	return m.req.error;
}

void bench_log_start(struct bench_client *c, uint64_t target_sectors,
		     const char *log_args)
{
	char ctr[256], name[128];
	size_t len = 0;
	int n, err;

	n = snprintf(ctr, sizeof(ctr), "%llu %s",
		     (unsigned long long)target_sectors, log_args);
	if (n < 0 || (size_t)n >= sizeof(ctr))
		bench_die("constructor string too long");
	err = bench_call(c, DM_ULOG_CTR, ctr, (size_t)n, name, sizeof(name),
			 &len, -1);
	if (err)
		bench_die("CTR \"%s\": error %d", ctr, err);
	err = bench_call(c, DM_ULOG_RESUME, NULL, 0, NULL, 0, NULL, -1);
	if (err)
		bench_die("RESUME \"%s\": error %d", ctr, err);
}
