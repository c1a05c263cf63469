/* Model test: the engine (lib/log_engine.c) against the reference model
 * (dmlog_model.c), request by request, for core logs.
 *
 *  1. random: seeded random request sequences over random log sizes
 *     (with sizes on the 64-bit word and 32768-bit chunk boundaries), all
 *     request types, mostly valid and sometimes invalid regions, and
 *     suspend/resume cycles; every reply (error, data_size, bytes) is
 *     compared, then the whole final state.
 *  2. kernel: a driver that behaves like dm-raid1 over its region hash
 *     (write bursts: IN_SYNC, MARK, FLUSH, CLEAR, FLUSH; recovery one
 *     region at a time: GET_RESYNC_WORK, CLEAR, SET_REGION_SYNC; a
 *     GET_SYNC_COUNT every pass) until the mirror is in sync. Checks its
 *     own expectations (each region recovered exactly once, in order) on
 *     top of the model comparison.
 *  3. directed: status strings, invalid regions changing nothing, the
 *     resync cursor never rewinding, and the model's own invariant.
 * The model is checked against itself: sync_count equals the number of
 * in-sync regions (a full recount after every request on logs of up to
 * 1024 regions, every 256 requests and at every state comparison on
 * bigger ones, and after every SET_REGION_SYNC the count must move
 * exactly with the region's bit). State comparisons also read the
 * engine's bitmaps and resync cursor directly (struct dmlog_log).
 *
 * Not reachable with core logs: GET_RESYNC_WORK skipping a region that
 * is already being recovered (the cursor only moves forward; only a disk
 * log's RESUME rewinds it), so that branch is not covered here.
 *
 * Usage: model_test [--seed N] [--seeds COUNT] [--first N] [--steps N]
 *                   [--trace]
 * --seed N (or DMLOG_MODEL_SEED=N) runs random seed N alone, e.g. to
 * reproduce a reported mismatch; --trace prints every request.
 * The summary ends with "model: N passed, N failed"; cmocka-style
 * "[  PASSED  ]"/"[  FAILED  ]" lines are printed for the test runner. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/dm-log-userspace.h>

#include "bitmap.h"
#include "ctr_parse.h"
#include "dmlog_log.h"
#include "dmlog_model.h"
#include "lockmgr.h"
#include "log_engine.h"
#include "ulog_codec.h"

#define MAX_PAYLOAD ULOG_MAX_PAYLOAD
#define MAX_REGIONS_PER_REQ (MAX_PAYLOAD / 8)
#define HISTORY 12

/* ---------------------------------------------------------------- rng */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the bias is irrelevant here). */
static uint64_t rng_below(struct rng *g, uint64_t n)
{
	return rng_next(g) % n;
}

/* True with probability pct/100. */
static bool rng_pct(struct rng *g, unsigned pct)
{
	return rng_below(g, 100) < pct;
}

/* ------------------------------------------------------------ harness */

struct hist_entry {
	uint64_t step;
	uint32_t type;
	size_t len;
	uint8_t payload[MAX_PAYLOAD];
	int err;
	size_t out_len;
	uint8_t out[16];
};

/* One engine log and its model, driven in lockstep. */
struct pair {
	const char *test;		/* test name for messages */
	uint64_t seed;
	char ctr[160];
	struct dmlog_log *log;
	struct model_log *m;
	uint64_t step;
	bool failed;
	bool trace;
	struct hist_entry hist[HISTORY];
	unsigned nhist;
};

static struct lockmgr *g_lm;
static bool g_trace;
static bool g_verbose_fail = true;

static const char *type_name(uint32_t type)
{
	return ulog_type_name(type);
}

static void print_payload(FILE *f, uint32_t type, const uint8_t *p,
			  size_t len)
{
	uint64_t v;
	int64_t s;

	if (type == DM_ULOG_SET_REGION_SYNC && len == 16) {
		memcpy(&v, p, 8);
		memcpy(&s, p + 8, 8);
		fprintf(f, "{region=%" PRIu64 ", in_sync=%" PRId64 "}", v, s);
		return;
	}
	fprintf(f, "[");
	for (size_t i = 0; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		fprintf(f, "%s%" PRIu64, i ? "," : "", v);
	}
	fprintf(f, "]");
}

static void print_reply(FILE *f, const char *who, uint32_t type, int err,
			size_t len, const uint8_t *out)
{
	fprintf(f, "    %-6s error=%d data_size=%zu bytes=", who, err, len);
	for (size_t i = 0; i < len && i < 64; i++)
		fprintf(f, "%02x", out[i]);
	if ((type == DM_ULOG_STATUS_INFO || type == DM_ULOG_STATUS_TABLE) &&
	    len > 0 && out[len - 1] == '\0')
		fprintf(f, " (\"%s\")", (const char *)out);
	else if (len == 8 || len == 16) {
		uint64_t a, b;

		memcpy(&a, out, 8);
		fprintf(f, " (%" PRId64, (int64_t)a);
		if (len == 16) {
			memcpy(&b, out + 8, 8);
			fprintf(f, ", %" PRIu64, b);
		}
		fprintf(f, ")");
	}
	fprintf(f, "\n");
}

static void print_history(const struct pair *pr)
{
	unsigned n = pr->nhist < HISTORY ? pr->nhist : HISTORY;

	fprintf(stderr, "  last %u requests (oldest first):\n", n);
	for (unsigned k = 0; k < n; k++) {
		const struct hist_entry *h =
			&pr->hist[(pr->nhist - n + k) % HISTORY];

		fprintf(stderr, "    step %" PRIu64 ": %s ", h->step,
			type_name(h->type));
		print_payload(stderr, h->type, h->payload, h->len);
		fprintf(stderr, " -> error=%d data_size=%zu\n", h->err,
			h->out_len);
	}
}

static void pair_fail(struct pair *pr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pair_fail(struct pair *pr, const char *fmt, ...)
{
	va_list ap;

	if (pr->failed)
		return;
	pr->failed = true;
	if (!g_verbose_fail)
		return;
	fprintf(stderr, "MISMATCH in %s, seed %" PRIu64 ", step %" PRIu64
		", log \"%s\" (%" PRIu64 " regions): ", pr->test, pr->seed,
		pr->step, pr->ctr, pr->m ? pr->m->region_count : 0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	print_history(pr);
}

static const char *sync_arg(enum model_sync s)
{
	return s == MODEL_SYNC_FORCE ? " sync" :
	       s == MODEL_SYNC_NONE ? " nosync" : "";
}

/* Build the engine log from a CTR string the way the server does (parse,
 * then create) and the model from the same numbers. */
static bool pair_open(struct pair *pr, const char *test, uint64_t seed,
		      bool clustered, uint64_t target, uint32_t rs,
		      enum model_sync sync, bool boe)
{
	struct ctr_params p;
	char err[256], uuid[DM_UUID_LEN];
	const char *tname = clustered ? "clustered-core" : "core";
	int r;

	memset(pr, 0, sizeof(*pr));
	pr->test = test;
	pr->seed = seed;
	pr->trace = g_trace;
	snprintf(pr->ctr, sizeof(pr->ctr), "%" PRIu64 " %s %u%s%s", target,
		 tname, rs, sync_arg(sync), boe ? " block_on_error" : "");
	pr->m = model_create(tname, target, rs, sync, boe);
	if (!pr->m) {
		pair_fail(pr, "model_create failed (out of memory)");
		return false;
	}
	r = ctr_parse(pr->ctr, strlen(pr->ctr), &p, err, sizeof(err));
	if (r) {
		pair_fail(pr, "ctr_parse rejected \"%s\": %d %s", pr->ctr, r,
			  err);
		return false;
	}
	if (p.region_count != pr->m->region_count) {
		pair_fail(pr, "ctr_parse region_count %" PRIu64
			  ", model %" PRIu64, p.region_count,
			  pr->m->region_count);
		return false;
	}
	snprintf(uuid, sizeof(uuid), "LVM-model-%s-%" PRIu64, test, seed);
	r = log_create(&p, uuid, 0xffff888000000000ULL + seed * 64, NULL,
		       g_lm, &pr->log);
	if (r) {
		pair_fail(pr, "log_create failed: %d", r);
		return false;
	}
	if (log_region_count(pr->log) != pr->m->region_count ||
	    log_sync_count(pr->log) != pr->m->sync_count) {
		pair_fail(pr, "after create: engine regions %" PRIu64
			  " sync %" PRIu64 ", model regions %" PRIu64
			  " sync %" PRIu64, log_region_count(pr->log),
			  log_sync_count(pr->log), pr->m->region_count,
			  pr->m->sync_count);
		return false;
	}
	if (pr->trace)
		fprintf(stderr, "[%s seed %" PRIu64 "] CTR \"%s\" -> %" PRIu64
			" regions\n", test, seed, pr->ctr,
			pr->m->region_count);
	return true;
}

static void pair_close(struct pair *pr)
{
	log_destroy(pr->log, false);
	model_destroy(pr->m);
	pr->log = NULL;
	pr->m = NULL;
}

/* Send one request to both; compare everything the kernel would see.
 * Returns the model's error; the model's reply lands in out (16 bytes
 * at least) when not NULL. */
static int req(struct pair *pr, uint32_t type, const void *in, size_t len,
	       uint8_t *out, size_t *out_len)
{
	uint8_t eout[MAX_PAYLOAD], mout[MAX_PAYLOAD];
	size_t elen = 12345, mlen = 12345;
	struct hist_entry *h;
	size_t cmp;
	int eerr, merr;

	uint64_t sr_region = 0, sr_count_before = pr->m->sync_count;
	bool sr_valid = false, sr_before = false;

	if (pr->failed)
		return -EIO;
	pr->step++;
	/* SET_REGION_SYNC is the only request that moves sync_count: check
	 * the model's count moves with the bit (the full recount below is
	 * too slow to run after every request on a big log). */
	if (type == DM_ULOG_SET_REGION_SYNC && len >= 8) {
		memcpy(&sr_region, in, 8);
		if (sr_region < pr->m->region_count) {
			sr_valid = true;
			sr_before = pr->m->in_sync[sr_region];
		}
	}
	memset(eout, 0xa5, sizeof(eout));
	memset(mout, 0x5a, sizeof(mout));
	eerr = log_request(pr->log, type, in, len, eout, sizeof(eout), &elen);
	merr = model_request(pr->m, type, in, len, mout, sizeof(mout), &mlen);

	h = &pr->hist[pr->nhist++ % HISTORY];
	h->step = pr->step;
	h->type = type;
	h->len = len;
	if (len)
		memcpy(h->payload, in, len);
	h->err = eerr;
	h->out_len = elen;
	memcpy(h->out, eout, sizeof(h->out));

	if (pr->trace) {
		fprintf(stderr, "  %" PRIu64 ": %s ", pr->step,
			type_name(type));
		print_payload(stderr, type, in, len);
		fprintf(stderr, "\n");
		print_reply(stderr, "engine", type, eerr, elen, eout);
		print_reply(stderr, "model", type, merr, mlen, mout);
	}

	/* GET_RESYNC_WORK with i = 0: the region is "anything". */
	cmp = mlen;
	if (type == DM_ULOG_GET_RESYNC_WORK && mlen == 16) {
		int64_t i;

		memcpy(&i, mout, 8);
		if (i == 0)
			cmp = 8;
	}
	if (eerr != merr || elen != mlen ||
	    (elen == mlen && memcmp(eout, mout, cmp) != 0)) {
		pair_fail(pr, "%s reply differs", type_name(type));
		if (g_verbose_fail) {
			fprintf(stderr, "  request: %s ", type_name(type));
			print_payload(stderr, type, in, len);
			fprintf(stderr, "\n");
			print_reply(stderr, "engine", type, eerr, elen, eout);
			print_reply(stderr, "model", type, merr, mlen, mout);
		}
	} else if (sr_valid &&
		   pr->m->sync_count - sr_count_before !=
		   (uint64_t)pr->m->in_sync[sr_region] -
		   (uint64_t)sr_before) {
		pair_fail(pr, "the MODEL miscounted: sync_count went from %"
			  PRIu64 " to %" PRIu64 " while region %" PRIu64
			  " went from %d to %d", sr_count_before,
			  pr->m->sync_count, sr_region, sr_before,
			  pr->m->in_sync[sr_region]);
	} else if ((pr->m->region_count <= 1024 || pr->step % 256 == 0) &&
		   !model_consistent(pr->m)) {
		pair_fail(pr, "the MODEL is inconsistent: sync_count %" PRIu64
			  " != number of in-sync regions", pr->m->sync_count);
	} else if (log_sync_count(pr->log) != pr->m->sync_count) {
		pair_fail(pr, "log_sync_count() %" PRIu64 ", model %" PRIu64,
			  log_sync_count(pr->log), pr->m->sync_count);
	} else if (log_region_count(pr->log) != pr->m->region_count) {
		pair_fail(pr, "log_region_count() %" PRIu64 ", model %" PRIu64,
			  log_region_count(pr->log), pr->m->region_count);
	}
	if (out)
		memcpy(out, mout, mlen < 16 ? 16 : mlen);
	if (out_len)
		*out_len = mlen;
	return merr;
}

static int req_region(struct pair *pr, uint32_t type, uint64_t region,
		      uint8_t *out)
{
	return req(pr, type, &region, sizeof(region), out, NULL);
}

static int req_regions(struct pair *pr, uint32_t type, const uint64_t *r,
		       size_t n)
{
	return req(pr, type, r, n * sizeof(*r), NULL, NULL);
}

static int req_set_sync(struct pair *pr, uint64_t region, int64_t in_sync)
{
	uint8_t p[16];

	memcpy(p, &region, 8);
	memcpy(p + 8, &in_sync, 8);
	return req(pr, DM_ULOG_SET_REGION_SYNC, p, sizeof(p), NULL, NULL);
}

static int64_t reply_s64(const uint8_t *out, size_t idx)
{
	int64_t v;

	memcpy(&v, out + idx * 8, 8);
	return v;
}

static uint64_t reply_u64(const uint8_t *out, size_t idx)
{
	uint64_t v;

	memcpy(&v, out + idx * 8, 8);
	return v;
}

/* Compare every region's clean and in-sync bit (a sample of them for
 * big logs), the status strings, and the accessors. */
static void compare_state(struct pair *pr, struct rng *g)
{
	uint64_t n = pr->m->region_count;
	char ebuf[256], mbuf[256];
	int len;

	if (n <= 600 || !g) {
		for (uint64_t r = 0; r < n && !pr->failed; r++) {
			req_region(pr, DM_ULOG_IS_CLEAN, r, NULL);
			req_region(pr, DM_ULOG_IN_SYNC, r, NULL);
		}
	} else {
		for (unsigned k = 0; k < 600 && !pr->failed; k++) {
			uint64_t r = rng_below(g, n);

			req_region(pr, DM_ULOG_IS_CLEAN, r, NULL);
			req_region(pr, DM_ULOG_IN_SYNC, r, NULL);
		}
		req_region(pr, DM_ULOG_IN_SYNC, n - 1, NULL);
	}
	if (pr->failed)
		return;
	/* every bit, straight from the engine's bitmaps */
	for (uint64_t r = 0; r < n && !pr->failed; r++) {
		if (bitmap_test(pr->log->clean, r) != pr->m->clean[r] ||
		    bitmap_test(pr->log->in_sync, r) != pr->m->in_sync[r] ||
		    bitmap_test(pr->log->recovering, r) !=
		    pr->m->recovering[r])
			pair_fail(pr, "region %" PRIu64 ": engine clean %d "
				  "in_sync %d recovering %d, model %d %d %d",
				  r, bitmap_test(pr->log->clean, r),
				  bitmap_test(pr->log->in_sync, r),
				  bitmap_test(pr->log->recovering, r),
				  pr->m->clean[r], pr->m->in_sync[r],
				  pr->m->recovering[r]);
	}
	/* the resync cursor: any value at or past the end means "done" */
	if (!pr->failed && pr->log->sync_search != pr->m->sync_search &&
	    (pr->log->sync_search < n || pr->m->sync_search < n))
		pair_fail(pr, "resync cursor: engine %" PRIu64 ", model %"
			  PRIu64, pr->log->sync_search, pr->m->sync_search);
	if (!pr->failed && !model_consistent(pr->m))
		pair_fail(pr, "the MODEL is inconsistent");
	if (pr->failed)
		return;
	len = log_status_info(pr->log, ebuf, sizeof(ebuf));
	model_status_info(pr->m, mbuf, sizeof(mbuf));
	if (len != (int)strlen(mbuf) || strcmp(ebuf, mbuf) != 0)
		pair_fail(pr, "log_status_info \"%s\" (%d), model \"%s\"",
			  len < 0 ? "" : ebuf, len, mbuf);
	len = log_status_table(pr->log, ebuf, sizeof(ebuf));
	model_status_table(pr->m, mbuf, sizeof(mbuf));
	if (len != (int)strlen(mbuf) || strcmp(ebuf, mbuf) != 0)
		pair_fail(pr, "log_status_table \"%s\" (%d), model \"%s\"",
			  len < 0 ? "" : ebuf, len, mbuf);
}

/* ------------------------------------------------------ test bookkeeping */

static unsigned g_passed, g_failed;

static void report(const char *name, bool ok, double secs)
{
	printf("[ %s ] %s (%.2f s)\n", ok ? "      OK" : " FAILED ", name,
	       secs);
	fflush(stdout);
	if (ok)
		g_passed++;
	else
		g_failed++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------- 1. random */

/* Region counts on interesting boundaries: 64-bit words, 32768-bit
 * bitmap chunks. */
static const uint64_t boundary_counts[] = {
	1, 2, 63, 64, 65, 127, 128, 129, 32767, 32768, 32769, 65535, 65536,
	65537, 100000,
};

struct rand_ctx {
	struct pair pr;
	struct rng g;
	uint64_t n;
	uint64_t hot[8];		/* a few regions used over and over */
	uint64_t pending[64];		/* handed out, not yet set */
	unsigned npending;
	int phase;			/* 0 running, 1 presusp, 2 postsusp */
	bool chaos;			/* suspend requests in any order */
};

static uint64_t pick_invalid(struct rand_ctx *c)
{
	switch (rng_below(&c->g, 6)) {
	case 0:
		return c->n;
	case 1:
		return c->n + 1;
	case 2:
		return UINT64_MAX;
	case 3:
		return (1ULL << 32) + rng_below(&c->g, c->n);
	case 4:
		return (1ULL << 63) | rng_below(&c->g, c->n);
	default:
		return c->n + rng_below(&c->g, 100000);
	}
}

static uint64_t pick_valid(struct rand_ctx *c)
{
	static const uint64_t edges[] = { 0, 1, 62, 63, 64, 65, 127, 128,
					  32766, 32767, 32768, 32769, 65535,
					  65536 };
	uint64_t r, s;

	switch (rng_below(&c->g, 10)) {
	case 0: case 1: case 2: case 3:
		return rng_below(&c->g, c->n);
	case 4: case 5: case 6:
		return c->hot[rng_below(&c->g, 8)];
	case 7:
		r = edges[rng_below(&c->g, sizeof(edges) / sizeof(edges[0]))];
		if (rng_pct(&c->g, 30))
			return c->n - 1;
		return r < c->n ? r : c->n - 1;
	default:
		/* near the resync cursor */
		s = c->pr.m->sync_search;
		r = s + rng_below(&c->g, 5);
		r = r >= 2 ? r - 2 : 0;
		return r < c->n ? r : c->n - 1;
	}
}

/* A region for a request in which `bad` says whether to go out of range. */
static uint64_t pick(struct rand_ctx *c, bool bad)
{
	return bad ? pick_invalid(c) : pick_valid(c);
}

static void rand_region_list(struct rand_ctx *c, uint32_t type)
{
	uint64_t r[MAX_REGIONS_PER_REQ];
	size_t n;
	bool bad = rng_pct(&c->g, 5);

	if (type == DM_ULOG_FLUSH && rng_pct(&c->g, 50))
		n = 0;
	else if (rng_pct(&c->g, 90))
		n = 1 + rng_below(&c->g, 32);
	else
		n = 1 + rng_below(&c->g, MAX_REGIONS_PER_REQ);
	if (n && rng_pct(&c->g, 40)) {
		/* a contiguous run, like a sequential write */
		uint64_t base = pick_valid(c);

		for (size_t i = 0; i < n; i++)
			r[i] = base + i < c->n ? base + i : c->n - 1 - i % c->n;
	} else {
		for (size_t i = 0; i < n; i++)
			r[i] = pick_valid(c);
	}
	if (bad && n)
		r[rng_below(&c->g, n)] = pick_invalid(c);
	req_regions(&c->pr, type, r, n);
}

static void rand_resync_work(struct rand_ctx *c)
{
	uint8_t out[MAX_PAYLOAD];

	if (req(&c->pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL) == 0 &&
	    reply_s64(out, 0) == 1 && c->npending < 64)
		c->pending[c->npending++] = reply_u64(out, 1);
}

static void rand_set_sync(struct rand_ctx *c)
{
	uint64_t region;
	int64_t v;
	uint64_t k = rng_below(&c->g, 100);

	if (c->npending && rng_pct(&c->g, 75)) {
		unsigned i = (unsigned)rng_below(&c->g, c->npending);

		region = c->pending[i];
		c->pending[i] = c->pending[--c->npending];
	} else {
		region = pick(c, rng_pct(&c->g, 5));
	}
	v = k < 70 ? 1 : k < 95 ? 0 : k < 97 ? 2 : k < 99 ? -1 : INT64_MIN;
	req_set_sync(&c->pr, region, v);
}

static void rand_lifecycle(struct rand_ctx *c)
{
	static const uint32_t any[] = { DM_ULOG_PRESUSPEND,
					DM_ULOG_POSTSUSPEND, DM_ULOG_RESUME };

	if (c->chaos) {
		req(&c->pr, any[rng_below(&c->g, 3)], NULL, 0, NULL, NULL);
		return;
	}
	/* running -> PRESUSPEND -> POSTSUSPEND -> RESUME, as the kernel
	 * does; a resume may also follow a presuspend (aborted suspend) */
	if (c->phase == 0) {
		req(&c->pr, DM_ULOG_PRESUSPEND, NULL, 0, NULL, NULL);
		c->phase = 1;
	} else if (c->phase == 1 && rng_pct(&c->g, 85)) {
		req(&c->pr, DM_ULOG_POSTSUSPEND, NULL, 0, NULL, NULL);
		c->phase = 2;
	} else {
		req(&c->pr, DM_ULOG_RESUME, NULL, 0, NULL, NULL);
		c->phase = 0;
	}
}

static void rand_step(struct rand_ctx *c)
{
	uint64_t k = rng_below(&c->g, 1000);

	/* While suspended the kernel sends no I/O-driven requests. */
	if (c->phase == 2 && !c->chaos && k < 700) {
		if (rng_pct(&c->g, 30)) {
			rand_lifecycle(c);
			return;
		}
		k = 700 + rng_below(&c->g, 300);
	}
	if (k < 90)
		req_region(&c->pr, DM_ULOG_IS_CLEAN,
			   pick(c, rng_pct(&c->g, 4)), NULL);
	else if (k < 200)
		req_region(&c->pr, DM_ULOG_IN_SYNC,
			   pick(c, rng_pct(&c->g, 4)), NULL);
	else if (k < 320)
		rand_region_list(c, DM_ULOG_MARK_REGION);
	else if (k < 440)
		rand_region_list(c, DM_ULOG_CLEAR_REGION);
	else if (k < 540)
		rand_region_list(c, DM_ULOG_FLUSH);
	else if (k < 650)
		rand_resync_work(c);
	else if (k < 700)
		rand_set_sync(c);
	else if (k < 770)
		req(&c->pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, NULL, NULL);
	else if (k < 850)
		req_region(&c->pr, DM_ULOG_IS_REMOTE_RECOVERING,
			   pick(c, rng_pct(&c->g, 4)), NULL);
	else if (k < 880)
		req(&c->pr, DM_ULOG_STATUS_INFO, NULL, 0, NULL, NULL);
	else if (k < 910)
		req(&c->pr, DM_ULOG_STATUS_TABLE, NULL, 0, NULL, NULL);
	else if (k < 930)
		req(&c->pr, DM_ULOG_GET_REGION_SIZE, NULL, 0, NULL, NULL);
	else if (k < 945)
		rand_lifecycle(c);
	else if (c->phase != 2 || c->chaos)
		rand_set_sync(c);
	else
		req(&c->pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, NULL, NULL);
}

static uint64_t rand_count(struct rng *g)
{
	uint64_t k = rng_below(g, 100);

	if (k < 35)
		return 1 + rng_below(g, 130);
	if (k < 75)
		return 1 + rng_below(g, 5000);
	if (k < 97) {
		uint64_t n = boundary_counts[rng_below(g,
			sizeof(boundary_counts) / sizeof(boundary_counts[0]))];

		return n == 100000 && rng_pct(g, 70) ? 32769 : n;
	}
	return 100000;
}

/* One seed: a fresh log, `steps` random requests, then a drain of the
 * resync work and a full state comparison. True when all matched. */
static bool run_random_seed(uint64_t seed, unsigned steps)
{
	struct rand_ctx c;
	uint32_t rs;
	uint64_t target;
	enum model_sync sync;
	bool clustered, boe;
	bool ok;

	memset(&c, 0, sizeof(c));
	c.g.s = seed * 0x2545f4914f6cdd1dULL + 0x1234567;
	c.n = rand_count(&c.g);
	rs = 1u << (1 + rng_below(&c.g, 20));
	/* target so that ceil(target / rs) == n (and rs <= target) */
	target = (c.n - 1) * (uint64_t)rs + 1 + rng_below(&c.g, rs);
	if (target < rs)
		target = rs;
	sync = (enum model_sync)rng_below(&c.g, 3);
	clustered = rng_pct(&c.g, 75);
	boe = clustered && rng_pct(&c.g, 30);
	c.chaos = rng_pct(&c.g, 20);
	for (unsigned i = 0; i < 8; i++)
		c.hot[i] = rng_below(&c.g, c.n);

	if (!pair_open(&c.pr, "random", seed, clustered, target, rs, sync,
		       boe)) {
		pair_close(&c.pr);
		return false;
	}
	/* What the kernel sends right after CTR. */
	req(&c.pr, DM_ULOG_GET_REGION_SIZE, NULL, 0, NULL, NULL);
	req(&c.pr, DM_ULOG_RESUME, NULL, 0, NULL, NULL);
	for (unsigned i = 0; i < steps && !c.pr.failed; i++)
		rand_step(&c);

	/* Drain the resync cursor (bounded for the biggest logs). */
	for (uint64_t i = 0; i < 1200 && !c.pr.failed; i++) {
		uint8_t out[MAX_PAYLOAD];

		if (req(&c.pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out,
			NULL) != 0 || reply_s64(out, 0) == 0)
			break;
		req_set_sync(&c.pr, reply_u64(out, 1), rng_pct(&c.g, 90));
	}
	req(&c.pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, NULL, NULL);
	req_region(&c.pr, DM_ULOG_IS_REMOTE_RECOVERING, 0, NULL);
	compare_state(&c.pr, &c.g);
	ok = !c.pr.failed;
	if (!ok && g_verbose_fail)
		fprintf(stderr, "  reproduce: model_test --seed %" PRIu64
			" --trace\n", seed);
	pair_close(&c.pr);
	return ok;
}

/* ---------------------------------------------- 2. kernel-like driver */

enum kstate { K_NONE, K_CLEAN, K_DIRTY, K_NOSYNC, K_RECOVERING };

struct kregion {
	enum kstate st;		/* region hash entry (K_NONE: not cached) */
	unsigned pending;	/* writes in flight */
	unsigned delayed;	/* writes waiting for recovery to end */
	unsigned recovered;	/* times handed out by GET_RESYNC_WORK */
};

struct kdrv {
	struct pair pr;
	struct rng g;
	uint64_t n;
	struct kregion *reg;
	uint64_t marks[4096], clears[4096];
	size_t nmarks, nclears;
	bool integrated_flush;
	uint64_t in_sync_hint;		/* kernel's cached hint */
	uint64_t now_ms, last_remote_query_ms;
	bool recovering;		/* MAX_RECOVERY 1 */
	uint64_t rec_region;
	unsigned rec_wait;		/* passes the copy takes */
	uint64_t last_handed;		/* order check */
	bool any_handed;
	unsigned fail_pct;		/* failed copies: set_region_sync 0 */
	uint64_t failures;
	bool mirror_in_sync;
	bool no_more_work;		/* GET_RESYNC_WORK said 0 */
	uint64_t inflight[4096];	/* one entry per write in flight */
	unsigned ninflight;
	char why[200];
};

static void kfail(struct kdrv *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void kfail(struct kdrv *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	pair_fail(&d->pr, "kernel driver expectation: %s", d->why);
}

/* The userspace log queues marks and clears and sends them at flush:
 * clears first, groups of up to 32; marks as MARK_REGION groups, or
 * inside FLUSH payloads with integrated_flush; then the FLUSH. */
static void kflush(struct kdrv *d)
{
	size_t i, k;

	for (i = 0; i < d->nclears; i += k) {
		k = d->nclears - i < 32 ? d->nclears - i : 32;
		req_regions(&d->pr, DM_ULOG_CLEAR_REGION, d->clears + i, k);
	}
	d->nclears = 0;
	if (d->integrated_flush && d->nmarks) {
		for (i = 0; i < d->nmarks; i += k) {
			k = d->nmarks - i < 32 ? d->nmarks - i : 32;
			if (req_regions(&d->pr, DM_ULOG_FLUSH, d->marks + i,
					k))
				kfail(d, "FLUSH with marks failed");
		}
	} else {
		for (i = 0; i < d->nmarks; i += k) {
			k = d->nmarks - i < 32 ? d->nmarks - i : 32;
			req_regions(&d->pr, DM_ULOG_MARK_REGION, d->marks + i,
				    k);
		}
		if (req(&d->pr, DM_ULOG_FLUSH, NULL, 0, NULL, NULL))
			kfail(d, "FLUSH failed");
	}
	d->nmarks = 0;
}

/* Region state lookup: a region not in the hash costs an IN_SYNC. */
static void klookup(struct kdrv *d, uint64_t r)
{
	uint8_t out[MAX_PAYLOAD];

	if (d->reg[r].st != K_NONE)
		return;
	if (req_region(&d->pr, DM_ULOG_IN_SYNC, r, out) == 0)
		d->reg[r].st = reply_s64(out, 0) ? K_CLEAN : K_NOSYNC;
}

/* is_remote_recovering as dm-log-userspace-base.c caches it. */
static bool kremote_recovering(struct kdrv *d, uint64_t r)
{
	uint8_t out[MAX_PAYLOAD];

	if (r < d->in_sync_hint)
		return false;
	if (d->now_ms - d->last_remote_query_ms < 250 &&
	    d->last_remote_query_ms)
		return true;	/* answered 1 between queries */
	d->last_remote_query_ms = d->now_ms;
	if (req_region(&d->pr, DM_ULOG_IS_REMOTE_RECOVERING, r, out))
		return true;
	d->in_sync_hint = reply_u64(out, 1);
	if (reply_s64(out, 0))
		kfail(d, "single node reports remote recovery of %" PRIu64,
		      r);
	return reply_s64(out, 0) != 0;
}

/* One write to region r (the first of a burst does the log work). */
static void kwrite(struct kdrv *d, uint64_t r)
{
	struct kregion *x = &d->reg[r];

	if (kremote_recovering(d, r))
		return;		/* requeued: retried later */
	if (x->st == K_RECOVERING) {
		x->delayed++;
		return;
	}
	if (d->ninflight >= 4096)
		return;		/* the driver's own limit: write dropped */
	klookup(d, r);
	if (x->st == K_CLEAN) {
		x->st = K_DIRTY;
		if (d->nmarks < 4096)
			d->marks[d->nmarks++] = r;
	}
	x->pending++;
	d->inflight[d->ninflight++] = r;
}

static void kwrite_done(struct kdrv *d, uint64_t r)
{
	struct kregion *x = &d->reg[r];

	if (!x->pending)
		return;
	if (--x->pending)
		return;
	if (x->st == K_DIRTY) {
		/* clean again: CLEAR at the next flush, entry dropped */
		if (d->nclears < 4096)
			d->clears[d->nclears++] = r;
		x->st = K_NONE;
	}
}

/* Recovery, one region at a time (MAX_RECOVERY 1). */
static void krecovery(struct kdrv *d)
{
	uint8_t out[MAX_PAYLOAD];
	struct kregion *x;

	if (!d->recovering) {
		if (req(&d->pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL))
			return;
		if (!reply_s64(out, 0)) {
			d->no_more_work = true;
			return;
		}
		d->rec_region = reply_u64(out, 1);
		if (d->rec_region >= d->n) {
			kfail(d, "resync work region %" PRIu64
			      " past the end", d->rec_region);
			return;
		}
		x = &d->reg[d->rec_region];
		if (x->recovered++)
			kfail(d, "region %" PRIu64 " handed out twice",
			      d->rec_region);
		if (d->any_handed && d->rec_region <= d->last_handed)
			kfail(d, "resync work went backwards: %" PRIu64
			      " after %" PRIu64, d->rec_region,
			      d->last_handed);
		d->any_handed = true;
		d->last_handed = d->rec_region;
		d->recovering = true;
		d->rec_wait = rng_pct(&d->g, 20) ?
			      1 + (unsigned)rng_below(&d->g, 2) : 0;
		x->st = K_RECOVERING;
		return;
	}
	x = &d->reg[d->rec_region];
	if (x->pending)
		return;		/* quiescing */
	if (d->rec_wait) {
		d->rec_wait--;
		return;		/* copying */
	}
	/* copy done: clear + set_region_sync; delayed writes go again */
	d->recovering = false;
	x->st = K_NONE;
	if (d->fail_pct && rng_pct(&d->g, d->fail_pct)) {
		d->failures++;
		req_set_sync(&d->pr, d->rec_region, 0);
	} else {
		if (d->nclears < 4096)
			d->clears[d->nclears++] = d->rec_region;
		req_set_sync(&d->pr, d->rec_region, 1);
	}
	while (x->delayed) {
		x->delayed--;
		kwrite(d, d->rec_region);
	}
	krecovery(d);	/* the next region in the same pass */
}

struct kcfg {
	uint64_t n;
	enum model_sync sync;
	bool integrated_flush;
	unsigned write_pct;	/* chance of a write burst per pass */
	unsigned fail_pct;
};

static bool run_kernel_driver(const struct kcfg *cfg, uint64_t seed)
{
	struct kdrv *d = calloc(1, sizeof(*d));
	uint64_t passes = 0, max_passes;
	uint8_t out[MAX_PAYLOAD];
	uint32_t rs = 1024;
	uint64_t target;
	bool ok;

	if (!d)
		return false;
	d->g.s = seed;
	d->n = cfg->n;
	d->integrated_flush = cfg->integrated_flush;
	d->fail_pct = cfg->fail_pct;
	d->reg = calloc(d->n, sizeof(*d->reg));
	/* a last region of half size, except when there is only one */
	target = d->n == 1 ? rs : (d->n - 1) * rs + rs / 2;
	if (!d->reg || !pair_open(&d->pr, "kernel", seed, true, target, rs,
				  cfg->sync, false)) {
		pair_close(&d->pr);
		free(d->reg);
		free(d);
		return false;
	}
	req(&d->pr, DM_ULOG_GET_REGION_SIZE, NULL, 0, out, NULL);
	if (!d->pr.failed && reply_u64(out, 0) != rs)
		kfail(d, "region size %" PRIu64, reply_u64(out, 0));
	req(&d->pr, DM_ULOG_RESUME, NULL, 0, NULL, NULL);

	max_passes = 4 * d->n + 1000;
	while (!d->pr.failed && passes++ < max_passes) {
		uint64_t count;

		d->now_ms += 10;
		/* complete some writes issued on earlier passes */
		for (unsigned i = 0; i < d->ninflight;) {
			if (rng_pct(&d->g, 50)) {
				uint64_t r = d->inflight[i];

				d->inflight[i] = d->inflight[--d->ninflight];
				kwrite_done(d, r);
			} else {
				i++;
			}
		}
		/* new write bursts, sometimes several writes to one region */
		if (rng_pct(&d->g, cfg->write_pct)) {
			unsigned burst = 1 + (unsigned)rng_below(&d->g, 4);
			uint64_t r = rng_below(&d->g, d->n);

			for (unsigned i = 0; i < burst; i++) {
				kwrite(d, r);
				if (rng_pct(&d->g, 50))
					r = rng_below(&d->g, d->n);
			}
		}
		krecovery(d);
		/* every kmirrord pass ends with a flush */
		kflush(d);
		if (req(&d->pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, out, NULL))
			break;
		count = reply_u64(out, 0);
		if (count > d->n)
			kfail(d, "sync count %" PRIu64 " > %" PRIu64, count,
			      d->n);
		if (count == d->n) {
			d->mirror_in_sync = true;
			d->in_sync_hint = d->n;
		}
		if ((d->mirror_in_sync || (d->no_more_work && !d->recovering)) &&
		    !d->ninflight)
			break;
	}
	/* let every write finish, flush, and look at the end state */
	while (d->ninflight && !d->pr.failed)
		kwrite_done(d, d->inflight[--d->ninflight]);
	kflush(d);
	if (!d->pr.failed) {
		uint64_t expect = d->n - d->failures;

		req(&d->pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, out, NULL);
		if (reply_u64(out, 0) != expect)
			kfail(d, "after %" PRIu64 " passes sync count %"
			      PRIu64 ", expected %" PRIu64, passes,
			      reply_u64(out, 0), expect);
		req(&d->pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
		if (!d->pr.failed && reply_s64(out, 0) != 0)
			kfail(d, "resync work left after sync: %" PRIu64,
			      reply_u64(out, 1));
	}
	for (uint64_t r = 0; r < d->n && !d->pr.failed; r++) {
		unsigned want = cfg->sync == MODEL_SYNC_NONE ? 0 : 1;

		if (d->reg[r].recovered != want)
			kfail(d, "region %" PRIu64 " recovered %u times", r,
			      d->reg[r].recovered);
		req_region(&d->pr, DM_ULOG_IS_CLEAN, r, out);
		if (!d->pr.failed && reply_s64(out, 0) != 1)
			kfail(d, "region %" PRIu64 " dirty at the end", r);
	}
	if (!d->pr.failed) {
		req_region(&d->pr, DM_ULOG_IS_REMOTE_RECOVERING, 0, out);
		if (!d->failures && reply_u64(out, 1) != d->n)
			kfail(d, "in_sync_hint %" PRIu64 " after full sync",
			      reply_u64(out, 1));
		/* a core log forgets nothing and restarts nothing on a
		 * suspend/resume cycle */
		req(&d->pr, DM_ULOG_PRESUSPEND, NULL, 0, NULL, NULL);
		req(&d->pr, DM_ULOG_POSTSUSPEND, NULL, 0, NULL, NULL);
		req(&d->pr, DM_ULOG_RESUME, NULL, 0, NULL, NULL);
		req(&d->pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
		if (!d->pr.failed && reply_s64(out, 0) != 0)
			kfail(d, "resync restarted after resume");
		compare_state(&d->pr, &d->g);
	}
	ok = !d->pr.failed;
	{
		const struct log_counters *k = &d->pr.log->counters;

		printf("           %" PRIu64 " passes: %" PRIu64 " IN_SYNC, %"
		       PRIu64 " MARK_REGION, %" PRIu64 " CLEAR_REGION, %"
		       PRIu64 " FLUSH, %" PRIu64 " GET_RESYNC_WORK, %" PRIu64
		       " IS_REMOTE_RECOVERING, %" PRIu64 " failed copies\n",
		       passes, k->requests[DM_ULOG_IN_SYNC],
		       k->requests[DM_ULOG_MARK_REGION],
		       k->requests[DM_ULOG_CLEAR_REGION],
		       k->requests[DM_ULOG_FLUSH],
		       k->requests[DM_ULOG_GET_RESYNC_WORK],
		       k->requests[DM_ULOG_IS_REMOTE_RECOVERING],
		       d->failures);
	}
	pair_close(&d->pr);
	free(d->reg);
	free(d);
	return ok;
}

static void test_kernel_driver(void)
{
	static const uint64_t sizes[] = { 1, 2, 63, 64, 65, 1000, 32767,
					  32768, 32769, 100000 };
	static const enum model_sync modes[] = {
		MODEL_SYNC_DEFAULT, MODEL_SYNC_FORCE, MODEL_SYNC_NONE };
	char name[128];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t j = 0; j < 3; j++) {
			/* the biggest log once: it costs the most time */
			if (sizes[i] == 100000 && j == 1)
				continue;
			struct kcfg cfg = {
				.n = sizes[i], .sync = modes[j],
				.integrated_flush = (i + j) % 2,
				.write_pct = sizes[i] > 5000 ? 10 : 60,
			};
			double t0 = now();
			bool ok = run_kernel_driver(&cfg, 1000 + i * 3 + j);

			snprintf(name, sizeof(name),
				 "kernel_driver/%" PRIu64 "_regions/%s%s",
				 sizes[i], j == 0 ? "default" :
				 j == 1 ? "sync" : "nosync",
				 cfg.integrated_flush ? "/integrated_flush" :
				 "");
			report(name, ok, now() - t0);
		}
	}
	/* failed copies: those regions stay out of sync, never handed out
	 * again (the cursor does not rewind) */
	for (unsigned k = 0; k < 3; k++) {
		struct kcfg cfg = { .n = k == 2 ? 32769 : 300 + 97 * k,
				    .sync = MODEL_SYNC_DEFAULT,
				    .integrated_flush = k == 1,
				    .write_pct = 40, .fail_pct = 10 };
		double t0 = now();
		bool ok = run_kernel_driver(&cfg, 2000 + k);

		snprintf(name, sizeof(name),
			 "kernel_driver/%" PRIu64 "_regions/failed_copies",
			 cfg.n);
		report(name, ok, now() - t0);
	}
}

/* ---------------------------------------------------------- 3. directed */

static bool expect_str(struct pair *pr, uint32_t type, const char *want)
{
	uint8_t out[MAX_PAYLOAD];
	size_t len;

	if (req(pr, type, NULL, 0, out, &len))
		return false;
	if (pr->failed)
		return false;
	if (len != strlen(want) + 1 || memcmp(out, want, len) != 0) {
		pair_fail(pr, "%s: model says \"%s\", expected \"%s\"",
			  type_name(type), (const char *)out, want);
		return false;
	}
	return true;
}

/* Exact status strings, as cmirrord and the kernel's core log print
 * them. */
static void test_status_strings(void)
{
	static const struct {
		bool clustered;
		enum model_sync sync;
		bool boe;
		const char *info, *table;
	} cases[] = {
		{ true, MODEL_SYNC_DEFAULT, false, "1 clustered-core",
		  "clustered-core 1024  " },
		{ true, MODEL_SYNC_FORCE, false, "1 clustered-core",
		  "clustered-core 1024 sync  " },
		{ true, MODEL_SYNC_NONE, false, "1 clustered-core",
		  "clustered-core 1024 nosync  " },
		{ true, MODEL_SYNC_DEFAULT, true, "1 clustered-core",
		  "clustered-core 1024 block_on_error " },
		{ true, MODEL_SYNC_FORCE, true, "1 clustered-core",
		  "clustered-core 1024 sync block_on_error " },
		{ true, MODEL_SYNC_NONE, true, "1 clustered-core",
		  "clustered-core 1024 nosync block_on_error " },
		{ false, MODEL_SYNC_DEFAULT, false, "1 core", "core 1024  " },
		{ false, MODEL_SYNC_FORCE, false, "1 core",
		  "core 1024 sync  " },
		{ false, MODEL_SYNC_NONE, false, "1 core",
		  "core 1024 nosync  " },
	};
	double t0 = now();
	bool ok = true;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair pr;

		if (pair_open(&pr, "status", i, cases[i].clustered, 4096,
			      1024, cases[i].sync, cases[i].boe)) {
			expect_str(&pr, DM_ULOG_STATUS_INFO, cases[i].info);
			expect_str(&pr, DM_ULOG_STATUS_TABLE, cases[i].table);
			compare_state(&pr, NULL);
		}
		ok = ok && !pr.failed;
		pair_close(&pr);
	}
	report("directed/status_strings", ok, now() - t0);
}

/* A request naming one region past the end fails and changes nothing,
 * wherever the bad region sits in the payload. */
static void test_invalid_changes_nothing(void)
{
	static const uint32_t types[] = { DM_ULOG_MARK_REGION,
					  DM_ULOG_CLEAR_REGION,
					  DM_ULOG_FLUSH };
	double t0 = now();
	bool ok = true;
	struct pair pr;

	if (pair_open(&pr, "invalid", 0, true, 65 * 8, 8, MODEL_SYNC_DEFAULT,
		      false)) {
		uint64_t r[4] = { 0, 64, 63, 1 };

		for (size_t t = 0; t < 3 && !pr.failed; t++) {
			for (size_t bad = 0; bad < 4 && !pr.failed; bad++) {
				uint64_t q[4];

				memcpy(q, r, sizeof(q));
				q[bad] = 65 + bad * 1000;	/* past the end */
				if (req_regions(&pr, types[t], q, 4) !=
				    -EINVAL)
					pair_fail(&pr, "model accepted a bad "
						  "region");
				compare_state(&pr, NULL);
			}
		}
		/* mark some, then a bad CLEAR must not clear them */
		req_regions(&pr, DM_ULOG_MARK_REGION, r, 4);
		r[3] = 65;
		if (req_regions(&pr, DM_ULOG_CLEAR_REGION, r, 4) != -EINVAL)
			pair_fail(&pr, "model accepted a bad region");
		compare_state(&pr, NULL);
		req_set_sync(&pr, 65, 1);
		req_set_sync(&pr, UINT64_MAX, 0);
		req_region(&pr, DM_ULOG_IS_CLEAN, 65, NULL);
		req_region(&pr, DM_ULOG_IN_SYNC, 65, NULL);
		req_region(&pr, DM_ULOG_IS_REMOTE_RECOVERING, 65, NULL);
		req(&pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, NULL, NULL);
		compare_state(&pr, NULL);
	}
	ok = !pr.failed;
	pair_close(&pr);
	report("directed/invalid_region_changes_nothing", ok, now() - t0);
}

/* GET_RESYNC_WORK skips regions being recovered, never rewinds, and a
 * region set out of sync behind the cursor is not handed out again. */
static void test_resync_cursor(void)
{
	double t0 = now();
	uint8_t out[MAX_PAYLOAD];
	struct pair pr;
	bool ok;

	if (pair_open(&pr, "cursor", 0, true, 70 * 2, 2, MODEL_SYNC_DEFAULT,
		      false)) {
		/* regions 0..69, none in sync */
		for (uint64_t r = 0; r < 5; r++) {
			req(&pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
			if (!pr.failed && (reply_s64(out, 0) != 1 ||
					   reply_u64(out, 1) != r))
				pair_fail(&pr, "expected resync work %" PRIu64,
					  r);
		}
		req_set_sync(&pr, 0, 1);
		req_set_sync(&pr, 1, 0);	/* failed copy */
		req_set_sync(&pr, 10, 1);	/* ahead of the cursor */
		req_set_sync(&pr, 10, 1);	/* twice: counted once */
		req(&pr, DM_ULOG_GET_SYNC_COUNT, NULL, 0, out, NULL);
		if (!pr.failed && reply_u64(out, 0) != 2)
			pair_fail(&pr, "sync count %" PRIu64 ", expected 2",
				  reply_u64(out, 0));
		req(&pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
		if (!pr.failed && reply_u64(out, 1) != 5)
			pair_fail(&pr, "expected resync work 5");
		for (uint64_t r = 6; r < 70; r++) {
			req(&pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
			if (!pr.failed && r != 10 && reply_u64(out, 1) != r)
				pair_fail(&pr, "expected resync work %" PRIu64,
					  r);
			if (r == 10)
				r++;	/* 10 is in sync: 11 comes next */
		}
		req(&pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
		if (!pr.failed && reply_s64(out, 0) != 0)
			pair_fail(&pr, "resync work past the end");
		req(&pr, DM_ULOG_RESUME, NULL, 0, NULL, NULL);
		req(&pr, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, NULL);
		if (!pr.failed && reply_s64(out, 0) != 0)
			pair_fail(&pr, "a core log resume rewound the cursor");
		req_region(&pr, DM_ULOG_IS_REMOTE_RECOVERING, 69, out);
		if (!pr.failed && reply_u64(out, 1) != 1)
			pair_fail(&pr, "in_sync_hint %" PRIu64 ", expected 1",
				  reply_u64(out, 1));
		compare_state(&pr, NULL);
	}
	ok = !pr.failed;
	pair_close(&pr);
	report("directed/resync_cursor", ok, now() - t0);
}

/* ------------------------------------------------------------- main */

static uint64_t parse_num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "model_test: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: model_test [--seed N] [--seeds COUNT] "
		"[--first N] [--steps N] [--trace]\n"
		"  DMLOG_MODEL_SEED=N is the same as --seed N\n");
	exit(2);
}

static void trace_sink(int level, const char *msg)
{
	fprintf(stderr, "    engine log[%d]: %s\n", level, msg);
}

int main(int argc, char **argv)
{
	uint64_t first = 1, nseeds = 2000, batch = 100;
	unsigned steps = 300;
	bool one_seed = false;
	const char *env = getenv("DMLOG_MODEL_SEED");
	double t_start = now();

	if (env && *env) {
		first = parse_num(env);
		one_seed = true;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			first = parse_num(argv[++i]);
			one_seed = true;
		} else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			nseeds = parse_num(argv[++i]);
		} else if (!strcmp(argv[i], "--first") && i + 1 < argc) {
			first = parse_num(argv[++i]);
		} else if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
			steps = (unsigned)parse_num(argv[++i]);
		} else if (!strcmp(argv[i], "--trace")) {
			g_trace = true;
		} else {
			usage();
		}
	}
	if (one_seed)
		nseeds = 1;
	if (g_trace)
		dmlog_set_sink(trace_sink, LOG_DEBUG);
	g_lm = lockmgr_local_new();
	if (!g_lm) {
		fprintf(stderr, "model_test: out of memory\n");
		return 1;
	}

	printf("[==========] model test: engine vs reference model\n");
	if (!one_seed) {
		test_status_strings();
		test_invalid_changes_nothing();
		test_resync_cursor();
		test_kernel_driver();
	}
	/* random seeds, one test per batch */
	for (uint64_t b = 0; b < nseeds; b += batch) {
		uint64_t end = b + batch < nseeds ? b + batch : nseeds;
		unsigned bad = 0;
		double t0 = now();
		char name[96];

		for (uint64_t s = first + b; s < first + end; s++) {
			if (!run_random_seed(s, steps)) {
				bad++;
				if (bad == 3)
					g_verbose_fail = false;
			}
		}
		g_verbose_fail = true;
		snprintf(name, sizeof(name), "random/seeds_%" PRIu64 "-%" PRIu64,
			 first + b, first + end - 1);
		if (bad)
			fprintf(stderr, "  %u of %" PRIu64 " seeds failed in "
				"%s\n", bad, end - b, name);
		report(name, bad == 0, now() - t0);
	}
	g_lm->ops->destroy(g_lm);

	printf("[==========] %u test(s) run (%.1f s).\n", g_passed + g_failed,
	       now() - t_start);
	if (g_failed)
		printf("[  FAILED  ] %u test(s).\n", g_failed);
	printf("[  PASSED  ] %u test(s).\n", g_passed);
	printf("model: %u passed, %u failed\n", g_passed, g_failed);
	return g_failed ? 1 : 0;
}
