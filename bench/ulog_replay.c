/* ulog_replay: replays kernel-like dm-log-userspace request streams over
 * the Unix-socket transport and times them.
 *
 *   ulog_replay [options] NAME=SOCKET [BASE=SOCKET]
 *
 * Each target gets its own log instance (CTR + RESUME with --log) and the
 * same request stream (same seed). A run is --requests requests per
 * target, one in flight at a time as one mirror's kmirrord issues them,
 * sent in --slices slices that alternate between the targets ABBA-wise
 * (A B B A A B ...), so the drifts of a shared machine hit both alike.
 * Printed (bench_common.h format), per target: the median over --reps
 * runs of requests/s, p50 and p99 latency; with a baseline, the ratios
 *   <label>.slowdown   = NAME time / BASE time for the same requests
 *                        (= BASE req/s / NAME req/s; 1.0: as fast): per
 *                        run the median over its slices, so that one
 *                        slice hit by a stall of the machine does not
 *                        decide it; then the median over runs
 *   <label>.p50_ratio  = NAME p50 / BASE p50,  <label>.p99_ratio: the
 *                        median over runs of the per-run ratios
 * (label: --label, by default the stream's name).
 *
 * Streams (what dm-raid1 + dm-log-userspace send, doc/design.md 3):
 *   write   bursts of --burst random regions: one IN_SYNC per
 *           region, one MARK_REGION with all of them, FLUSH, one
 *           CLEAR_REGION with all of them, FLUSH (an in-sync mirror:
 *           nosync log)
 *   read    IN_SYNC of random regions (in-sync mirror: nosync log)
 *   resync  GET_RESYNC_WORK, SET_REGION_SYNC(r, 1), GET_SYNC_COUNT for
 *           r = 0, 1, 2, ... (a new log, every region out of sync) */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#define MAX_BURST 32u		/* the kernel's regions per MARK/CLEAR */

enum stream_kind { STREAM_WRITE, STREAM_READ, STREAM_RESYNC };

static const char *const stream_names[] = { "write", "read", "resync" };

struct stream {
	enum stream_kind kind;
	uint64_t regions;
	unsigned burst;
	uint64_t rng;
	unsigned step;
	uint64_t burst_regions[MAX_BURST];
	uint64_t resync_next;
};

struct request {
	uint32_t type;
	uint64_t data[MAX_BURST];
	size_t len;			/* bytes */
};

struct options {
	enum stream_kind kind;
	unsigned requests, reps, burst, slices;
	uint64_t regions;
	uint32_t region_size;
	uint64_t seed;
	const char *log_args;
	const char *label;		/* metric prefix; the stream name */
};

struct target {
	const char *name;
	const char *path;
	struct bench_client client;
	struct stream stream;
	double *lat_us;			/* the current run's latencies */
	unsigned done;			/* requests of the current run */
	uint64_t busy_ns;		/* time spent in the current run */
	double *rps, *p50, *p99;	/* per rep */
	double *slowdown;		/* per rep, vs the other target */
	double *slice_ratio;		/* per slice of the current rep */
};

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void set_regions(struct request *q, uint32_t type,
			const uint64_t *regions, unsigned n)
{
	q->type = type;
	memcpy(q->data, regions, n * sizeof(*regions));
	q->len = n * sizeof(*regions);
}

static void next_write(struct stream *st, struct request *q)
{
	unsigned b = st->burst, step = st->step;

	st->step = (step + 1) % (b + 4);
	if (step == 0)
		for (unsigned i = 0; i < b; i++)
			st->burst_regions[i] = next_rand(&st->rng) %
					       st->regions;
	if (step < b)
		set_regions(q, DM_ULOG_IN_SYNC, &st->burst_regions[step], 1);
	else if (step == b)
		set_regions(q, DM_ULOG_MARK_REGION, st->burst_regions, b);
	else if (step == b + 2)
		set_regions(q, DM_ULOG_CLEAR_REGION, st->burst_regions, b);
	else
		set_regions(q, DM_ULOG_FLUSH, NULL, 0);
}

static void next_resync(struct stream *st, struct request *q)
{
	unsigned step = st->step;

	st->step = (step + 1) % 3;
	if (step == 0) {
		set_regions(q, DM_ULOG_GET_RESYNC_WORK, NULL, 0);
	} else if (step == 1) {
		q->type = DM_ULOG_SET_REGION_SYNC;
		q->data[0] = st->resync_next++ % st->regions;
		q->data[1] = 1;		/* in sync */
		q->len = 2 * sizeof(uint64_t);
	} else {
		set_regions(q, DM_ULOG_GET_SYNC_COUNT, NULL, 0);
	}
}

static void next_request(struct stream *st, struct request *q)
{
	uint64_t r;

	switch (st->kind) {
	case STREAM_WRITE:
		next_write(st, q);
		break;
	case STREAM_READ:
		r = next_rand(&st->rng) % st->regions;
		set_regions(q, DM_ULOG_IN_SYNC, &r, 1);
		break;
	case STREAM_RESYNC:
		next_resync(st, q);
		break;
	}
}

/* n requests on t; their latencies go to lat_us (when not NULL).
 * Returns the time they took (ns). */
static uint64_t send_requests(struct target *t, unsigned n, double *lat_us)
{
	uint64_t out[4];
	struct request q;
	uint64_t start = bench_now_ns(), t0, t1 = start;
	int err;

	for (unsigned i = 0; i < n; i++) {
		next_request(&t->stream, &q);
		t0 = bench_now_ns();
		err = bench_call(&t->client, q.type, q.data, q.len, out,
				 sizeof(out), NULL, -1);
		t1 = bench_now_ns();
		if (err)
			bench_die("%s: %s failed with %d", t->name,
				  ulog_type_name(q.type), err);
		if (lat_us)
			lat_us[i] = (double)(t1 - t0) / 1e3;
	}
	t->busy_ns += t1 - start;
	return t1 - start;
}

/* One run: o->requests per target in alternating slices. */
static void run_rep(struct target *t, unsigned nt, const struct options *o,
		    unsigned rep)
{
	unsigned per = (o->requests + o->slices - 1) / o->slices;

	for (unsigned i = 0; i < nt; i++) {
		t[i].done = 0;
		t[i].busy_ns = 0;
	}
	unsigned s;

	for (s = 0; t[0].done < o->requests; s++) {
		uint64_t ns[2] = { 1, 1 };

		for (unsigned k = 0; k < nt; k++) {
			/* A B, B A, A B, ...: ABBA order */
			unsigned idx = (s + rep) % 2 ? nt - 1 - k : k;
			struct target *x = &t[idx];
			unsigned n = o->requests - x->done < per ?
				     o->requests - x->done : per;

			ns[idx] = send_requests(x, n, x->lat_us + x->done);
			x->done += n;
		}
		t[0].slice_ratio[s] = (double)ns[0] / (double)ns[nt - 1];
	}
	t[0].slowdown[rep] = bench_median(t[0].slice_ratio, s);
	for (unsigned i = 0; i < nt; i++) {
		struct target *x = &t[i];

		x->rps[rep] = (double)o->requests / ((double)x->busy_ns / 1e9);
		x->p50[rep] = bench_percentile(x->lat_us, o->requests, 50);
		x->p99[rep] = bench_percentile(x->lat_us, o->requests, 99);
		printf("# rep %u %s: %.0f req/s, p50 %.1f us, p99 %.1f us\n",
		       rep, x->name, x->rps[rep], x->p50[rep], x->p99[rep]);
	}
}

static void setup_target(struct target *t, const struct options *o,
			 unsigned idx)
{
	char uuid[64], args[200];
	bool in_sync = o->kind != STREAM_RESYNC;

	snprintf(uuid, sizeof(uuid), "BENCH-REPLAY-%u-%s", idx,
		 stream_names[o->kind]);
	bench_client_open(&t->client, t->path, uuid, 0x1000 + idx);
	snprintf(args, sizeof(args), "%s%s", o->log_args,
		 in_sync ? " nosync" : "");
	bench_log_start(&t->client, o->regions * o->region_size, args);
	t->stream = (struct stream){ .kind = o->kind, .regions = o->regions,
				     .burst = o->burst, .rng = o->seed };
	t->lat_us = calloc(o->requests, sizeof(double));
	t->slowdown = calloc(o->reps, sizeof(double));
	t->slice_ratio = calloc(o->slices + 1, sizeof(double));
	t->rps = calloc(o->reps, sizeof(double));
	t->p50 = calloc(o->reps, sizeof(double));
	t->p99 = calloc(o->reps, sizeof(double));
	if (!t->lat_us || !t->slowdown || !t->slice_ratio || !t->rps ||
	    !t->p50 || !t->p99)
		bench_die("out of memory");
}

/* Suspend and destroy the log, as a mirror's removal does. */
static void teardown_target(struct target *t)
{
	static const uint32_t steps[] = { DM_ULOG_PRESUSPEND,
					  DM_ULOG_POSTSUSPEND, DM_ULOG_DTR };

	for (unsigned i = 0; i < 3; i++)
		if (bench_call(&t->client, steps[i], NULL, 0, NULL, 0, NULL,
			       -1))
			bench_die("%s: %s failed", t->name,
				  ulog_type_name(steps[i]));
	bench_client_close(&t->client);
	free(t->lat_us);
	free(t->slowdown);
	free(t->slice_ratio);
	free(t->rps);
	free(t->p50);
	free(t->p99);
}

static void emit_target(const struct options *o, struct target *t)
{
	char m[128];
	const char *s = o->label;

	snprintf(m, sizeof(m), "%s.%s.rps", s, t->name);
	bench_emit(m, bench_median(t->rps, o->reps), "req/s");
	snprintf(m, sizeof(m), "%s.%s.p50", s, t->name);
	bench_emit(m, bench_median(t->p50, o->reps), "us");
	snprintf(m, sizeof(m), "%s.%s.p99", s, t->name);
	bench_emit(m, bench_median(t->p99, o->reps), "us");
}

/* Median over reps of a[i] / b[i] (same-rep pairs). */
static double pair_ratio(const double *a, const double *b, unsigned reps)
{
	double *r = calloc(reps, sizeof(*r)), med;

	if (!r)
		bench_die("out of memory");
	for (unsigned i = 0; i < reps; i++)
		r[i] = b[i] > 0 ? a[i] / b[i] : 0;
	med = bench_median(r, reps);
	free(r);
	return med;
}

static void emit_ratios(const struct options *o, const struct target *t,
			const struct target *base)
{
	char m[128];
	const char *s = o->label;

	snprintf(m, sizeof(m), "%s.slowdown", s);
	bench_emit(m, bench_median(t->slowdown, o->reps), "x");
	snprintf(m, sizeof(m), "%s.p50_ratio", s);
	bench_emit(m, pair_ratio(t->p50, base->p50, o->reps), "x");
	snprintf(m, sizeof(m), "%s.p99_ratio", s);
	bench_emit(m, pair_ratio(t->p99, base->p99, o->reps), "x");
}

static void __attribute__((noreturn)) usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--stream write|read|resync] [--requests N] "
		"[--reps N]\n"
		"       [--slices N] [--regions N] [--burst N] "
		"[--region-size SECTORS] [--seed N]\n"
		"       [--log \"clustered-core 1024\"] [--label PREFIX] "
		"NAME=SOCKET [BASE=SOCKET]\n", prog);
	exit(2);
}

static enum stream_kind parse_stream(const char *s, const char *prog)
{
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(s, stream_names[i]))
			return (enum stream_kind)i;
	usage(prog);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "stream", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "slices", required_argument, NULL, 'c' },
		{ "regions", required_argument, NULL, 'R' },
		{ "burst", required_argument, NULL, 'b' },
		{ "region-size", required_argument, NULL, 'z' },
		{ "seed", required_argument, NULL, 'S' },
		{ "log", required_argument, NULL, 'l' },
		{ "label", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .kind = STREAM_WRITE, .requests = 50000,
			       .reps = 5, .slices = 20, .burst = 4, .regions = 1u << 20,
			       .region_size = 1024, .seed = 1,
			       .log_args = "clustered-core 1024" };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->kind = parse_stream(optarg, argv[0]); break;
		case 'n': o->requests = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': o->reps = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': o->slices = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'R': o->regions = strtoull(optarg, NULL, 0); break;
		case 'b': o->burst = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'z': o->region_size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'S': o->seed = strtoull(optarg, NULL, 0); break;
		case 'l': o->log_args = optarg; break;
		case 'L': o->label = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (!o->requests || !o->reps || !o->slices || !o->regions || !o->region_size ||
	    !o->burst || o->burst > MAX_BURST)
		usage(argv[0]);
	if (!o->label)
		o->label = stream_names[o->kind];
}

int main(int argc, char **argv)
{
	struct options o;
	struct target t[2];
	unsigned nt = 0;

	parse_options(argc, argv, &o);
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || nt == 2)
			usage(argv[0]);
		*eq = '\0';
		t[nt] = (struct target){ .name = argv[i], .path = eq + 1 };
		nt++;
	}
	if (!nt)
		usage(argv[0]);
	for (unsigned i = 0; i < nt; i++)
		setup_target(&t[i], &o, i);
	printf("# stream %s, %u requests x %u reps in %u slices, %" PRIu64
	       " regions, burst %u, log \"%s\"\n", stream_names[o.kind],
	       o.requests, o.reps, o.slices, o.regions, o.burst, o.log_args);
	/* warm-up: caches, lazily allocated bitmap chunks, page faults */
	for (unsigned i = 0; i < nt; i++)
		send_requests(&t[i], o.requests / 10 + 1, NULL);
	for (unsigned rep = 0; rep < o.reps; rep++)
		run_rep(t, nt, &o, rep);
	for (unsigned i = 0; i < nt; i++)
		emit_target(&o, &t[i]);
	if (nt == 2)
		emit_ratios(&o, &t[0], &t[1]);
	for (unsigned i = 0; i < nt; i++)
		teardown_target(&t[i]);
	return 0;
}
