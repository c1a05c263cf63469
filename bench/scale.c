/* scale: memory and CTR+RESUME time of dmlogd for large logs.
 *
 *   scale [--dir DIR] [--reps N] [--type core|disk] LOG2 [LOG2...]
 *
 * For each size (2^LOG2 regions of 1024 sectors) and each rep, a fresh
 * dmlogd (--no-kernel, the test harness's private socket) gets one log:
 * CTR + RESUME over its Unix socket, timed from the CTR send to the
 * RESUME reply. Its RSS is read before and after. A disk log lives on a
 * new sparse file in DIR, so its RESUME formats the device; then dmlogd
 * is killed (SIGKILL) and restarted, and the kernel's re-CTR + RESUME
 * after a daemon crash is timed too (the store reads and merges the
 * device: doc/design.md 5). Medians over the reps:
 *   scale.<type>.rNN.ctr_resume_ms     first CTR + RESUME
 *   scale.<type>.rNN.rss_kib           RSS growth of dmlogd (KiB)
 *   scale.<type>.rNN.peak_kib          peak RSS (VmHWM) growth (KiB)
 *   scale.<type>.rNN.kernel_kib        the kernel's own core/disk log for
 *                                      the same size: 3 bitmaps of
 *                                      round_up(R, 64) / 8 bytes (computed)
 *   scale.<type>.rNN.mem_ratio         rss_kib / kernel_kib
 *   scale.disk.rNN.restart_ms          re-CTR + RESUME after SIGKILL
 *   scale.disk.rNN.file_mib            log file size */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "dmlogd_harness.h"
#include "log_format.h"

struct options {
	const char *dir;
	unsigned reps;
	bool disk;
};

struct sample {
	double ms, rss_kib, peak_kib, restart_ms;
};

static void start_daemon(struct dmlogd_proc *d)
{
	static const char *const extra[] = { "--no-kernel", NULL };
	int r = dmlogd_start(d, extra);

	if (r)
		bench_die("dmlogd did not start (%d); its log: %s", r,
			  dmlogd_log_text(d));
}

/* CTR + RESUME on a fresh connection: milliseconds. */
static double ctr_resume(const struct dmlogd_proc *d, uint64_t regions,
			 const char *args)
{
	struct bench_client c;
	uint64_t t0;
	double ms;

	bench_client_open(&c, d->sock, "BENCH-SCALE", 7);
	t0 = bench_now_ns();
	bench_log_start(&c, regions * 1024, args);
	ms = (double)(bench_now_ns() - t0) / 1e6;
	bench_client_close(&c);
	return ms;
}

static struct sample one_rep(const struct options *o, uint64_t regions,
			     const char *file)
{
	struct dmlogd_proc d;
	struct sample s = { 0, 0, 0, 0 };
	char args[300];
	long rss0;
	int fd;

	if (o->disk) {
		fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)dmlog_min_device_bytes(
						regions, 1)) < 0)
			bench_die("%s: %s", file, strerror(errno));
		close(fd);
		snprintf(args, sizeof(args), "clustered-disk %s 1024", file);
	} else {
		snprintf(args, sizeof(args), "clustered-core 1024");
	}
	if (dmlogd_prepare(&d, ""))
		bench_die("cannot prepare a dmlogd directory");
	start_daemon(&d);
	rss0 = bench_proc_kib(d.pid, "VmRSS");
	s.ms = ctr_resume(&d, regions, args);
	s.rss_kib = (double)(bench_proc_kib(d.pid, "VmRSS") - rss0);
	s.peak_kib = (double)(bench_proc_kib(d.pid, "VmHWM") - rss0);
	if (o->disk) {
		dmlogd_kill(&d);	/* a crash: the kernel re-sends CTR */
		start_daemon(&d);
		s.restart_ms = ctr_resume(&d, regions, args);
	}
	dmlogd_cleanup(&d);
	if (o->disk)
		unlink(file);
	return s;
}

static void size_row(const struct options *o, unsigned lg)
{
	uint64_t regions = UINT64_C(1) << lg;
	const char *type = o->disk ? "disk" : "core";
	double *ms = calloc(o->reps, sizeof(double));
	double *rss = calloc(o->reps, sizeof(double));
	double *rms = calloc(o->reps, sizeof(double));
	double *peak = calloc(o->reps, sizeof(double));
	double kernel_kib = 3.0 * (double)((regions + 63) / 64 * 8) / 1024;
	char file[256], m[96];

	if (!ms || !rss || !rms || !peak)
		bench_die("out of memory");
	snprintf(file, sizeof(file), "%s/dmlog-bench-scale.img", o->dir);
	for (unsigned rep = 0; rep < o->reps; rep++) {
		struct sample s = one_rep(o, regions, file);

		ms[rep] = s.ms;
		rss[rep] = s.rss_kib;
		rms[rep] = s.restart_ms;
		peak[rep] = s.peak_kib;
		printf("# %s 2^%u rep %u: CTR+RESUME %.1f ms, RSS +%.0f KiB "
		       "(peak +%.0f)", type, lg, rep, s.ms, s.rss_kib,
		       s.peak_kib);
		if (o->disk)
			printf(", after restart %.1f ms", s.restart_ms);
		printf("\n");
		fflush(stdout);
	}
#define EMIT(name, v, unit) (snprintf(m, sizeof(m), "scale.%s.r%u." name, \
				      type, lg), bench_emit(m, v, unit))
	EMIT("ctr_resume_ms", bench_median(ms, o->reps), "ms");
	EMIT("rss_kib", bench_median(rss, o->reps), "KiB");
	EMIT("peak_kib", bench_median(peak, o->reps), "KiB");
	EMIT("kernel_kib", kernel_kib, "KiB");
	EMIT("mem_ratio", bench_median(rss, o->reps) / kernel_kib, "x");
	if (o->disk) {
		EMIT("restart_ms", bench_median(rms, o->reps), "ms");
		EMIT("file_mib", (double)dmlog_min_device_bytes(regions, 1) /
		     1048576.0, "MiB");
	}
#undef EMIT
	free(ms);
	free(rss);
	free(rms);
	free(peak);
}

static void __attribute__((noreturn)) usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--dir DIR] [--reps N] [--type core|disk] "
		"LOG2 [LOG2...]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .dir = "/var/tmp", .reps = 5, .disk = false };
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'r': o.reps = (unsigned)strtoul(optarg, NULL, 0); break;
		case 't':
			if (strcmp(optarg, "core") && strcmp(optarg, "disk"))
				usage(argv[0]);
			o.disk = !strcmp(optarg, "disk");
			break;
		default: usage(argv[0]);
		}
	}
	if (optind >= argc || !o.reps)
		usage(argv[0]);
	printf("# dmlogd %s, %s logs, %u reps per size\n", dmlogd_binary(),
	       o.disk ? "clustered-disk" : "clustered-core", o.reps);
	for (int i = optind; i < argc; i++) {
		unsigned lg = (unsigned)strtoul(argv[i], NULL, 0);

		if (lg > 32)
			usage(argv[0]);
		size_row(&o, lg);
	}
	return 0;
}
