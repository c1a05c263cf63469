/* flush_cost: what one single-region flush of a clustered-disk log costs,
 * for logs of 2^min .. 2^max regions, against the kernel's own `disk` log.
 *
 *   flush_cost [--dir DIR] [--reps N] [--cycles N] [--min-log2 N]
 *              [--max-log2 N] [--step N]
 *
 * The engine and the disk store run in this process (libdmlog.a) on a
 * sparse file in DIR (blockdev_file: O_DIRECT, durable writes), exactly
 * as dmlogd runs them; the blockdev counters give the I/O of each flush.
 * One cycle is what one isolated write does to its log: MARK r, FLUSH,
 * CLEAR r, FLUSH (two flushes, each with one region changed).
 *
 * The kernel's dm-log.c `disk` log writes its header and its whole clean
 * bitmap as one I/O on every flush that changed something:
 * round_up(1024 + round_up(R, 64) / 8, 512) bytes (computed, not
 * measured: the host has no device-mapper). For a time ratio measured in
 * the same run, the same I/O pattern is replayed on a second file of DIR:
 * one O_DIRECT write of that many bytes, then fdatasync (dm-log.c follows
 * a flush that marked regions with an empty PREFLUSH bio). The two are
 * timed in alternating slices (ABBA), --reps times; medians are printed.
 *
 * Metrics, per size (rNN = 2^NN regions):
 *   flush.rNN.bytes / .writes / .syncs   dmlog, per flush (measured)
 *   flush.rNN.kernel_bytes               kernel disk log, per flush (computed)
 *   flush.rNN.bytes_ratio                kernel_bytes / bytes
 *   flush.rNN.fps / .kernel_fps          flushes/s, dmlog and the replay
 *   flush.rNN.fps_ratio                  fps / kernel_fps (median of pairs) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "blockdev.h"
#include "ctr_parse.h"
#include "lockmgr.h"
#include "log_engine.h"
#include "log_format.h"
#include "store_disk.h"

#define KERNEL_LBS 512u		/* logical block size the figure assumes */

struct options {
	const char *dir;
	unsigned reps, cycles, min_log2, max_log2, step;
};

/* A clustered-disk log on a file, driven in-process. */
struct disk_log {
	char path[256];
	struct blockdev *bd;		/* owned by the store */
	struct lockmgr *lm;
	struct dmlog_log *log;
	uint64_t regions, rng;
};

/* The kernel disk log's flush I/O, replayed on a file. */
struct kernel_replay {
	char path[256];
	int fd;
	void *buf;
	size_t len;
};

static void request(struct disk_log *d, uint32_t type, const void *in,
		    size_t in_len)
{
	uint64_t out[8];
	size_t out_len;
	int r = log_request(d->log, type, in, in_len, out, sizeof(out),
			    &out_len);

	if (r)
		bench_die("%s on %s: %s", ulog_type_name(type), d->path,
			  strerror(-r));
}

static void make_file(const char *path, uint64_t bytes)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0)
		bench_die("%s: %s", path, strerror(errno));
	close(fd);
}

static void disk_log_open(struct disk_log *d, const char *dir,
			  uint64_t regions)
{
	struct log_store *store;
	struct ctr_params p;
	char ctr[512], err[256];
	int r;

	memset(d, 0, sizeof(*d));
	d->regions = regions;
	d->rng = 42;
	snprintf(d->path, sizeof(d->path), "%s/dmlog-bench-flush.img", dir);
	make_file(d->path, dmlog_min_device_bytes(regions, 1));
	snprintf(ctr, sizeof(ctr), "%" PRIu64 " clustered-disk %s 1024 nosync",
		 regions * 1024, d->path);
	if (ctr_parse(ctr, strlen(ctr), &p, err, sizeof(err)))
		bench_die("constructor \"%s\": %s", ctr, err);
	r = blockdev_file_open(d->path, 0, &d->bd, err, sizeof(err));
	if (r)
		bench_die("%s", err);
	r = store_disk_open(d->bd, &p, "BENCH-FLUSH", 1, 0, &store, err,
			    sizeof(err));
	if (r)
		bench_die("%s", err);
	d->lm = lockmgr_local_new();
	if (!d->lm || log_create(&p, "BENCH-FLUSH", 1, store, d->lm, &d->log))
		bench_die("cannot create the log");
	request(d, DM_ULOG_RESUME, NULL, 0);
}

static void disk_log_close(struct disk_log *d)
{
	log_destroy(d->log, false);
	d->lm->ops->destroy(d->lm);
	unlink(d->path);
}

/* n cycles: MARK r, FLUSH, CLEAR r, FLUSH. */
static void disk_cycles(struct disk_log *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t r = (d->rng = d->rng * 6364136223846793005ull +
				       1442695040888963407ull) >> 11;

		r %= d->regions;
		request(d, DM_ULOG_MARK_REGION, &r, sizeof(r));
		request(d, DM_ULOG_FLUSH, NULL, 0);
		request(d, DM_ULOG_CLEAR_REGION, &r, sizeof(r));
		request(d, DM_ULOG_FLUSH, NULL, 0);
	}
}

static void kernel_open(struct kernel_replay *k, const char *dir,
			uint64_t regions)
{
	k->len = dmlog_kernel_io_bytes(regions, KERNEL_LBS);
	snprintf(k->path, sizeof(k->path), "%s/dmlog-bench-kdisk.img", dir);
	make_file(k->path, (k->len + 4095) / 4096 * 4096);
	k->fd = open(k->path, O_RDWR | O_DIRECT);
	if (k->fd < 0 || posix_memalign(&k->buf, 4096, k->len))
		bench_die("%s: %s", k->path, strerror(errno));
	memset(k->buf, 0xff, k->len);
}

static void kernel_close(struct kernel_replay *k)
{
	close(k->fd);
	free(k->buf);
	unlink(k->path);
}

static void kernel_flushes(struct kernel_replay *k, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pwrite(k->fd, k->buf, k->len, 0) != (ssize_t)k->len ||
		    fdatasync(k->fd) < 0)
			bench_die("%s: %s", k->path, strerror(errno));
}

static void size_row(const struct options *o, unsigned lg)
{
	uint64_t regions = UINT64_C(1) << lg;
	struct disk_log d;
	struct kernel_replay k;
	double *fps = calloc(o->reps, sizeof(double));
	double *kfps = calloc(o->reps, sizeof(double));
	double *ratio = calloc(o->reps, sizeof(double));
	uint64_t w0, s0, b0, flushes = 2ull * o->cycles * o->reps;
	unsigned slice = o->cycles / 5 ? o->cycles / 5 : 1;
	char m[64];

	if (!fps || !kfps || !ratio)
		bench_die("out of memory");
	disk_log_open(&d, o->dir, regions);
	kernel_open(&k, o->dir, regions);
	disk_cycles(&d, 2);		/* warm-up */
	kernel_flushes(&k, 2);
	w0 = d.bd->nr_writes;
	s0 = d.bd->nr_syncs;
	b0 = d.bd->bytes_written;
	for (unsigned rep = 0; rep < o->reps; rep++) {
		uint64_t dns = 0, kns = 0, t;

		for (unsigned done = 0, s = 0; done < o->cycles; s++) {
			unsigned n = o->cycles - done < slice ?
				     o->cycles - done : slice;

			for (unsigned j = 0; j < 2; j++) {
				t = bench_now_ns();
				if ((s + rep + j) % 2) {
					kernel_flushes(&k, 2 * n);
					kns += bench_now_ns() - t;
				} else {
					disk_cycles(&d, n);
					dns += bench_now_ns() - t;
				}
			}
			done += n;
		}
		fps[rep] = 2.0 * o->cycles / ((double)dns / 1e9);
		kfps[rep] = 2.0 * o->cycles / ((double)kns / 1e9);
		ratio[rep] = fps[rep] / kfps[rep];
		printf("# 2^%u regions rep %u: dmlog %.0f flushes/s, kernel "
		       "replay (%zu bytes) %.0f flushes/s\n", lg, rep,
		       fps[rep], k.len, kfps[rep]);
	}
#define EMIT(name, v, unit) \
	(snprintf(m, sizeof(m), "flush.r%u." name, lg), bench_emit(m, v, unit))
	EMIT("bytes", (double)(d.bd->bytes_written - b0) / (double)flushes,
	     "B/flush");
	EMIT("writes", (double)(d.bd->nr_writes - w0) / (double)flushes,
	     "calls/flush");
	EMIT("syncs", (double)(d.bd->nr_syncs - s0) / (double)flushes,
	     "calls/flush");
	EMIT("kernel_bytes", (double)k.len, "B/flush");
	EMIT("bytes_ratio", (double)k.len /
	     ((double)(d.bd->bytes_written - b0) / (double)flushes), "x");
	EMIT("fps", bench_median(fps, o->reps), "flush/s");
	EMIT("kernel_fps", bench_median(kfps, o->reps), "flush/s");
	EMIT("fps_ratio", bench_median(ratio, o->reps), "x");
#undef EMIT
	disk_log_close(&d);
	kernel_close(&k);
	free(fps);
	free(kfps);
	free(ratio);
}

static void __attribute__((noreturn)) usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--dir DIR] [--reps N] [--cycles N] "
		"[--min-log2 N] [--max-log2 N] [--step N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "min-log2", required_argument, NULL, 'a' },
		{ "max-log2", required_argument, NULL, 'b' },
		{ "step", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .dir = "/var/tmp", .reps = 5, .cycles = 50,
			     .min_log2 = 10, .max_log2 = 24, .step = 2 };
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		unsigned v = optarg ? (unsigned)strtoul(optarg, NULL, 0) : 0;

		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'r': o.reps = v; break;
		case 'c': o.cycles = v; break;
		case 'a': o.min_log2 = v; break;
		case 'b': o.max_log2 = v; break;
		case 's': o.step = v; break;
		default: usage(argv[0]);
		}
	}
	if (!o.reps || !o.cycles || !o.step || o.min_log2 > o.max_log2 ||
	    o.max_log2 > 32)
		usage(argv[0]);
	printf("# %u cycles (2 flushes each) x %u reps per size, files in %s\n",
	       o.cycles, o.reps, o.dir);
	for (unsigned lg = o.min_log2; lg <= o.max_log2; lg += o.step)
		size_row(&o, lg);
	return 0;
}
