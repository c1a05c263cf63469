/* Shared helpers of the benchmark programs (one program per
 * bench/NAME.c): clocks, statistics, process memory, and a minimal
 * blocking client for the dm-log-userspace frames on dmlogd's Unix
 * socket.
 *
 * Every program prints its figures as tab-separated lines
 *   <metric>\t<value>\t<unit>
 * and comments as lines starting with "# "; bench/run.sh collects them. */
#ifndef DMLOG_BENCH_COMMON_H
#define DMLOG_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ulog_codec.h"

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* Percentile (0..100, nearest rank) of v[0..n); sorts v in place. */
double bench_percentile(double *v, size_t n, double pct);
/* Median of v[0..n); v is left as it is. */
double bench_median(const double *v, size_t n);

/* A KiB field of /proc/PID/status ("VmRSS", "VmHWM": peak RSS), or -1. */
long bench_proc_kib(pid_t pid, const char *field);

/* One metric line on stdout. */
void bench_emit(const char *metric, double value, const char *unit);

/* Exit with a message: the benchmarks have no partial results worth
 * keeping when a request fails. */
void bench_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* A connection to dmlogd (or to anything speaking its socket protocol),
 * with one log instance on it. */
struct bench_client {
	int fd;
	uint32_t seq;
	uint64_t luid;
	char uuid[DM_UUID_LEN];
};

/* Connect to the SOCK_SEQPACKET socket at path; dies on failure. */
void bench_client_open(struct bench_client *c, const char *path,
		       const char *uuid, uint64_t luid);
void bench_client_close(struct bench_client *c);

/* Send one request and wait for its reply (matching seq); returns the
 * reply's error field, copies up to out_cap payload bytes to out (when
 * not NULL) and their count to *out_len. timeout_ms < 0: wait forever.
 * Transport failures are fatal. */
int bench_call(struct bench_client *c, uint32_t type, const void *data,
	       size_t len, void *out, size_t out_cap, size_t *out_len,
	       int timeout_ms);

/* CTR with "<target sectors> <log args>" (as the kernel's first CTR: no
 * NUL), then RESUME. Dies when either fails. */
void bench_log_start(struct bench_client *c, uint64_t target_sectors,
		     const char *log_args);

#endif
