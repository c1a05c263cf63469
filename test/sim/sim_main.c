/* sim_test: the deterministic cluster simulation (see sim.h).
 *
 * Usage: sim_test [--seeds N] [--first N] [--seed N] [--steps N]
 *                 [--nodes N] [--trace] [--ext | --resyncs | --write-errors]
 *                 [--drain-requeued] [--expect-fail]
 * --ext adds write errors and operator resyncs (--resyncs, --write-errors:
 * one of them; not yet in check-sim:
 * open findings, doc/design.md 7.10).
 * Every seed is independent and reproduces alone with --seed N.
 * --expect-fail (broken builds): succeed iff some seed fails, and print
 * the first failing seed. Output ends with "sim: N passed, N failed" and
 * cmocka-style [  PASSED  ] / [  FAILED  ] lines for run-host-tests.sh. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dm-log-userspace.h>

#include "bitmap.h"
#include "dmlog_log.h"
#include "ctr_parse.h"
#include "log_engine.h"
#include "log_format.h"
#include "store_disk.h"
#include "ulog_codec.h"
#include "sim_world.h"

bool sim_trace;
bool sim_resyncs;	/* operator resyncs */
bool sim_write_errors;	/* transient secondary-leg write errors */
bool sim_drain_requeued;	/* suspends wait for requeued writes */
static struct world *cur;

uint64_t sim_rand(struct sim_rng *g)
{
	uint64_t z = (g->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t sim_below(struct sim_rng *g, uint64_t n)
{
	return sim_rand(g) % n;
}

bool sim_pct(struct sim_rng *g, unsigned pct)
{
	return sim_below(g, 100) < pct;
}

void sim_log(const char *fmt, ...)
{
	va_list ap;

	if (!sim_trace)
		return;
	va_start(ap, fmt);
	printf("[%6llu] ", cur ? (unsigned long long)cur->now : 0ull);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

void w_fail(struct world *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	w->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	sim_log("FAIL: %s", w->why);
}

/* ------------------------------------------------------------ checker */

void chk_write_issued(struct world *w, int b)
{
	w->epoch[b]++;
	w->live_inflight[b]++;
}

void chk_write_done(struct world *w, int b, uint64_t id)
{
	w->epoch[b]++;
	w->live_inflight[b]--;
	w->busy[b] = false;
	w->done[b] = id;
	w->ndead[b] = 0;
}

void chk_write_died(struct world *w, int b, uint64_t id)
{
	w->epoch[b]++;
	w->live_inflight[b]--;
	w->busy[b] = false;
	if (w->ndead[b] < 8)
		w->dead[b][w->ndead[b]++] = id;
}

/* A read returns the last completed write, a write in flight, or one in
 * flight when its node died; two reads with no write between agree. */
void chk_read(struct world *w, uint32_t node, int b, int leg)
{
	uint64_t v = w->legs[leg][b];
	bool ok = v == w->done[b] || w->live_inflight[b] > 0;

	for (int i = 0; i < w->ndead[b]; i++)
		ok |= v == w->dead[b][i];
	if (!ok)
		w_fail(w, "n%u read block %d from leg %d: got write %llu, "
		       "last completed %llu", node, b, leg,
		       (unsigned long long)v, (unsigned long long)w->done[b]);
	if (!w->live_inflight[b] && w->rd_valid[b] &&
	    w->rd_epoch[b] == w->epoch[b] && w->rd_val[b] != v)
		w_fail(w, "n%u read block %d from leg %d: got write %llu, "
		       "an earlier read with no write between got %llu", node,
		       b, leg, (unsigned long long)v,
		       (unsigned long long)w->rd_val[b]);
	w->rd_valid[b] = true;
	w->rd_epoch[b] = w->epoch[b];
	w->rd_val[b] = v;
	sim_log("n%u: read block %d leg %d = %llu", node, b, leg,
		(unsigned long long)v);
}

void chk_copy_start(struct world *w, uint32_t node, int region)
{
	uint64_t asked = w->resync_asked[region];

	if (!asked)
		return;
	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++)
		if (n != node && w->k[n].up && w->resumed[n] < asked &&
		    (w->resync_believers[region] & (1u << n)))
			w_fail(w, "n%u copies region %d after an operator "
			       "resync at %llu, but n%u's kernel has not "
			       "resumed since (hazard 4)", node, region,
			       (unsigned long long)asked, n);
}

void chk_copy_block(struct world *w, uint32_t node, int region)
{
	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++) {
		const struct knode *k = &w->k[n];

		for (int i = 0; n != node && k->up && i < k->nfl; i++)
			if (k->fl[i].block / SIM_BPR == region)
				w_fail(w, "n%u copies region %d while n%u's "
				       "write %llu to it is in flight "
				       "(hazard 3)", node, region, n,
				       (unsigned long long)k->fl[i].id);
	}
}

void chk_recovered(struct world *w, uint32_t node, int region,
		   uint64_t started)
{
	(void)node;
	if (w->copy_due[region] && started >= w->copy_due[region]) {
		w->copy_due[region] = 0;
		w->resync_asked[region] = 0;
	}
}

/* ------------------------------------------------------------ daemons */

static int open_store(void *ctx, const struct ctr_params *p, const char *uuid,
		      struct lockmgr *lm, struct log_store **out, char *err,
		      size_t errlen)
{
	struct sdaemon *d = ctx;
	struct blockdev *bd = sim_disk_view(cur->disk);

	(void)lm;
	d->view = bd;
	return store_disk_open(bd, p, uuid, SIM_SLOTS, 0, out, err, errlen);
}

static void reload_cb(void *ctx, const char *uuid)
{
	struct knode *k = ctx;

	(void)uuid;
	sim_log("n%u: daemon asks for a table reload", k->node);
	k_suspend(k, true);
}

static void daemon_start(struct world *w, uint32_t n)
{
	struct sdaemon *d = &w->dm[n];
	struct log_server_env env = { .open_store = open_store, .ctx = d };

	d->lm = sim_dlm_connect(w->dlm, n);
	env.lm = d->lm;
	d->srv = log_server_new(&env);
	d->cenv.lm = d->lm;
	d->cenv.reload = reload_cb;
	d->cenv.ctx = &w->k[n];
	log_server_set_cluster(d->srv, &d->cenv);
	d->up = true;
}

/* kill -9 (node lives) or node death (crash: the view loses unsynced
 * writes; the DLM already holds the node's locks for fencing). */
static void daemon_stop(struct world *w, uint32_t n, bool crash)
{
	struct sdaemon *d = &w->dm[n];

	if (!d->up)
		return;
	if (d->view) {
		if (crash)
			sim_view_crash(d->view, sim_rand(&w->rng));
		else
			sim_view_kill(d->view);
	}
	if (!crash)
		sim_dlm_proc_exit(d->lm);
	w->op[n].on = false;	/* a resync not on the device yet: lost */
	log_server_free(d->srv);
	d->lm->ops->destroy(d->lm);
	memset(d, 0, sizeof(*d));
}

/* " 3 5" for a request's regions (trace only) */
static const char *req_regions(uint32_t type, const void *in, size_t len)
{
	static char s[160];
	const uint64_t *v = in;
	size_t o = 0;

	s[0] = 0;
	if (type == DM_ULOG_MARK_REGION || type == DM_ULOG_CLEAR_REGION ||
	    type == DM_ULOG_SET_REGION_SYNC)
		for (size_t i = 0; i < len / 8 && o + 24 < sizeof(s); i++)
			o += (size_t)snprintf(s + o, sizeof(s) - o, " %lld",
					      (long long)v[i]);
	return s;
}

struct dmlog_log *w_log(struct world *w, uint32_t n)
{
	struct log_server *srv = w->dm[n].up ? w->dm[n].srv : NULL;

	for (size_t i = 0; srv && i < log_server_count(srv); i++)
		if (log_server_at(srv, i)->luid == w->k[n].luid)
			return log_server_at(srv, i);
	return NULL;
}

int w_req(struct world *w, uint32_t node, uint64_t luid, uint32_t type,
	  const void *in, size_t in_len, void *out, size_t *out_len)
{
	static uint8_t buf[ULOG_MAX_PAYLOAD];
	struct ulog_msg m;
	int r;

	if (!w->dm[node].up)
		return -ESRCH;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.req.request_type = type;
	m.req.luid = luid;
	snprintf(m.req.uuid, sizeof(m.req.uuid), "SIM-MIRROR-UUID");
	m.payload = in;
	m.payload_len = in_len;
	*out_len = 0;
	r = log_server_handle(w->dm[node].srv, &m, buf, sizeof(buf), out_len);
	if (!r && out && *out_len)
		memcpy(out, buf, *out_len);
	if (type != DM_ULOG_IN_SYNC && type != DM_ULOG_IS_REMOTE_RECOVERING &&
	    type != DM_ULOG_GET_RESYNC_WORK && type != DM_ULOG_GET_SYNC_COUNT)
		sim_log("n%u: %s%s (instance %llu) -> %d", node,
			ulog_type_name(type), req_regions(type, in, in_len),
			(unsigned long long)luid, r);
	if (r && r != -EAGAIN && r != -ESRCH)
		w_fail(w, "n%u: %s failed: %d", node, ulog_type_name(type), r);
	return r;
}

/* ------------------------------------------------------------ world */

static void node_boot(struct world *w, uint32_t n)
{
	struct knode *k = &w->k[n];

	k_init(k, w, n);
	k->up = true;
	k->boot = true;
	k->luid = ++w->luid;
	k->need_recreate = true;	/* CTR + RESUME at the first pass */
	w->node_alive[n] = true;
	sim_dlm_node_up(w->dlm, n);
	daemon_start(w, n);
	sim_log("n%u: boots and joins", n);
}

static void node_crash(struct world *w, uint32_t n)
{
	sim_log("n%u: CRASH", n);
	for (int i = 0; i < w->k[n].nq; i++)
		w->busy[w->k[n].q[i].block] = false;	/* never issued */
	k_crash(&w->k[n]);
	for (int r = 0; r < SIM_REGIONS; r++) {
		w->resync_believers[r] &= ~(1u << n);
		for (int m = 1; m <= w->nr_nodes; m++)
			w->op[m].believers[r] &= ~(1u << n);
	}
	sim_dlm_node_die(w->dlm, n, w->now + 20 + sim_below(&w->rng, 200));
	daemon_stop(w, n, true);
	w->node_alive[n] = false;
	w->restart_at[n] = w->now + 300 + sim_below(&w->rng, 400);
}

static void daemon_kill(struct world *w, uint32_t n)
{
	sim_log("n%u: dmlogd killed (-9) and restarted", n);
	daemon_stop(w, n, false);
	daemon_start(w, n);
	/* the kernel finds out at its next request: -ESRCH, CTR, RESUME */
	w->k[n].need_recreate = true;
	w->k[n].need_resume = false;
}

static uint32_t pick_node(struct world *w)
{
	for (int t = 0; t < 8; t++) {
		uint32_t n = 1 + (uint32_t)sim_below(&w->rng,
						     (uint64_t)w->nr_nodes);

		if (w->node_alive[n])
			return n;
	}
	return 0;
}

static void new_write(struct world *w, uint32_t n)
{
	struct knode *k = &w->k[n];

	int b = (int)sim_below(&w->rng, SIM_BLOCKS);

	/* the application never overlaps two writes to one block; dm core
	 * holds back new I/O while the device suspends */
	if (k->nq >= 64 || k->nfl >= 48 || w->busy[b] ||
	    (sim_drain_requeued && k->susp))
		return;
	w->busy[b] = true;
	k->q[k->nq].id = ++w->next_id;
	k->q[k->nq].block = b;
	k->q[k->nq].not_before = 0;
	k->nq++;
}

static void new_read(struct world *w, uint32_t n)
{
	struct knode *k = &w->k[n];

	if (k->nreads < 16)
		k->reads[k->nreads++] = (int)sim_below(&w->rng, SIM_BLOCKS);
}

/* The up kernels that take region r for in sync without asking (their
 * region hash says clean or dirty, or r is below their in_sync_hint):
 * bit n. Hazard 4 is about them; the others need no reload. */
static uint32_t believers(const struct world *w, int r)
{
	uint32_t m = 0;

	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++) {
		const struct knode *k = &w->k[n];

		if (k->up && (k->rh[r].st == RS_CLEAN ||
			      k->rh[r].st == RS_DIRTY || (uint64_t)r < k->hint))
			m |= 1u << n;
	}
	return m;
}

/* dmlogctl resync of a region range on node n (the operator). */
static void operator_resync(struct world *w, uint32_t n)
{
	struct dmlog_log *log = w_log(w, n);
	uint64_t first = sim_below(&w->rng, SIM_REGIONS);
	uint64_t count = 1 + sim_below(&w->rng, SIM_REGIONS - first);

	if (!log || !log->cl ||
	    cluster_resync_regions(log->cl, first, count))
		return;
	sim_log("n%u: operator resync of regions %llu..%llu", n,
		(unsigned long long)first,
		(unsigned long long)(first + count - 1));
	w->op[n].on = true;
	w->op[n].first = first;
	w->op[n].count = count;
	w->op[n].at = w->now;
	/* hazard 4 is about kernels that take r for in sync: one that
	 * already treats it as out of sync needs no reload */
	for (uint64_t r = first; r < first + count; r++)
		w->op[n].believers[r] = believers(w, (int)r);
}

/* The operator's command returns once the bits are on the device
 * (cluster_resync_pending): from then on the request must be honoured,
 * measured from when it was asked. Until then a daemon kill or a crash
 * loses it (and the command fails). */
static void operator_resync_commit(struct world *w, uint32_t n)
{
	struct dmlog_log *log = w_log(w, n);

	if (!w->op[n].on || (log && log->cl && cluster_resync_pending(log->cl)))
		return;
	w->op[n].on = false;
	if (!log || !log->cl)
		return;		/* the daemon went: the command failed */
	sim_log("n%u: operator resync of regions %llu..%llu on the device", n,
		(unsigned long long)w->op[n].first,
		(unsigned long long)(w->op[n].first + w->op[n].count - 1));
	w->nr_resyncs++;
	for (uint64_t r = w->op[n].first; r < w->op[n].first + w->op[n].count;
	     r++) {
		w->resync_believers[r] = w->op[n].believers[r];
		if (w->resync_believers[r])
			w->resync_asked[r] = w->op[n].at;
		w->copy_due[r] = w->op[n].at;
	}
}

static void restarts(struct world *w)
{
	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++)
		if (!w->node_alive[n] && w->now >= w->restart_at[n] &&
		    sim_dlm_fenced(w->dlm, n))
			node_boot(w, n);
}

/* The daemon's suspend/resume worker (mirror_kick): a log that told the
 * kernel "no work" and has work now, or a re-created log (needs_kick). */
static void take_kicks(struct world *w)
{
	char uuid[DM_UUID_LEN];

	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++) {
		if (!w->dm[n].up)
			continue;
		while (log_server_take_kick(w->dm[n].srv, uuid, sizeof(uuid))) {
			sim_log("n%u: dmlogd kicks the mirror (suspend/resume)",
				n);
			k_suspend(&w->k[n], false);
		}
	}
}

static void step(struct world *w, bool chaos)
{
	uint64_t x = sim_below(&w->rng, 1000);
	uint32_t n = pick_node(w);

	w->now++;
	w->chaos = chaos;
	sim_dlm_run(w->dlm);
	restarts(w);
	take_kicks(w);
	for (uint32_t i = 1; i <= (uint32_t)w->nr_nodes; i++)
		operator_resync_commit(w, i);
	if (!n)
		return;
	if (x < 250)
		k_pass(&w->k[n]);
	else if (x < 500)
		k_complete_one(&w->k[n]);
	else if (x < 650)
		k_copy_one(&w->k[n]);
	else if (x < 800 && chaos)
		new_write(w, n);
	else if (x < 950 && chaos)
		new_read(w, n);	/* the quiet period is an idle mirror */
	else if (!chaos)
		k_pass(&w->k[n]);
	else if (x < 960)
		k_suspend(&w->k[n], sim_pct(&w->rng, 50));
	else if (x < 963)
		node_crash(w, n);
	else if (x < 966)
		daemon_kill(w, n);
	else if (x < 968 && sim_resyncs)
		operator_resync(w, n);
}

static bool converged(struct world *w)
{
	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++) {
		struct dmlog_log *log;

		if (!w->node_alive[n] || !k_quiet(&w->k[n]))
			return false;
		log = w_log(w, n);
		if (!log || log_sync_count(log) != SIM_REGIONS)
			return false;
	}
	return sim_dlm_idle(w->dlm);
}

static void final_check(struct world *w)
{
	/* every operator resync and write error was followed by a copy */
	for (int r = 0; r < SIM_REGIONS; r++)
		if (w->copy_due[r])
			w_fail(w, "end: region %d never copied after the "
			       "resync or write error at %llu", r,
			       (unsigned long long)w->copy_due[r]);
	for (int b = 0; b < SIM_BLOCKS; b++)
		for (int l = 1; l < SIM_LEGS; l++)
			if (w->legs[l][b] != w->legs[0][b])
				w_fail(w, "end: block %d differs: leg 0 has "
				       "%llu, leg %d has %llu, log says in "
				       "sync", b,
				       (unsigned long long)w->legs[0][b], l,
				       (unsigned long long)w->legs[l][b]);
}

static void world_free(struct world *w)
{
	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++)
		daemon_stop(w, n, false);
	sim_dlm_free(w->dlm);
	sim_disk_free(w->disk);
	free(w);
}

static bool run_seed(uint64_t seed, uint64_t steps, int nodes)
{
	struct world *w = calloc(1, sizeof(*w));
	bool ok;
	uint64_t i;

	if (!w)
		abort();
	cur = w;
	w->seed = seed;
	w->rng.s = seed * 0x2545F4914F6CDD1Dull + 1;
	w->nr_nodes = nodes ? nodes : 2 + (int)sim_below(&w->rng, 3);
	w->dlm = sim_dlm_new(&w->rng, &w->now);
	w->disk = sim_disk_new(dmlog_min_device_bytes(SIM_REGIONS, SIM_SLOTS));
	for (uint32_t n = 1; n <= (uint32_t)w->nr_nodes; n++)
		node_boot(w, n);
	for (i = 0; i < steps && !w->failed; i++)
		step(w, true);
	/* quiet period: no new writes, no faults, every node back */
	for (i = 0; i < 60000 && !w->failed; i++) {
		if (i % 64 == 0 && converged(w))
			break;
		step(w, false);
	}
	if (!w->failed && !converged(w)) {
		w_fail(w, "no convergence: resync did not finish");
		if (sim_trace)
			sim_dlm_dump(w->dlm);
		for (uint32_t n = 1; sim_trace && n <= (uint32_t)w->nr_nodes;
		     n++) {
			struct dmlog_log *log = w_log(w, n);
			char line[256] = "";

			if (log && log->cl)
				cluster_describe(log->cl, line, sizeof(line));
			printf("n%u: alive %d quiet %d hint %llu rec %d nfl %d nr %d rc %d rs %d "
			       "susp %d nq %d | %s\n", n, w->node_alive[n],
			       k_quiet(&w->k[n]),
			       (unsigned long long)w->k[n].hint, w->k[n].rec, w->k[n].nfl, w->k[n].nreads, w->k[n].need_recreate, w->k[n].need_resume,
			       w->k[n].susp, w->k[n].nq, line);
			for (int r = 0; r < SIM_REGIONS; r++)
				printf(" rh%d=%d/%d", r, w->k[n].rh[r].st,
				       w->k[n].rh[r].pending);
			for (int j = 0; j < w->k[n].nq; j++)
				printf(" q%d:b%d@%llu", j, w->k[n].q[j].block,
				       (unsigned long long)w->k[n].q[j].not_before);
			printf("\n");
		}
	}
	if (!w->failed)
		final_check(w);
	ok = !w->failed;
	if (!ok)
		printf("seed %llu FAILED (%d nodes, step %llu): %s\n",
		       (unsigned long long)seed, w->nr_nodes,
		       (unsigned long long)w->now, w->why);
	world_free(w);
	cur = NULL;
	return ok;
}

static void sink(int level, const char *msg)
{
	(void)level;
	sim_log("lib: %s", msg);
}

int main(int argc, char **argv)
{
	uint64_t first = 1, count = 200, steps = 3000, one = 0;
	bool single = false, expect_fail = false;
	int nodes = 0, passed = 0, failed = 0;
	uint64_t first_bad = 0;
	const char *known = "";

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";

		if (!strcmp(a, "--trace"))
			sim_trace = true;
		else if (!strcmp(a, "--ext"))
			sim_resyncs = sim_write_errors = true;
		else if (!strcmp(a, "--resyncs"))
			sim_resyncs = true;
		else if (!strcmp(a, "--write-errors"))
			sim_write_errors = true;
		else if (!strcmp(a, "--drain-requeued"))
			sim_drain_requeued = true;
		else if (!strcmp(a, "--expect-fail"))
			expect_fail = true;
		else if (!strcmp(a, "--seed") && ++i)
			one = strtoull(v, NULL, 0), single = true;
		else if (!strcmp(a, "--seeds") && ++i)
			count = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--first") && ++i)
			first = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--steps") && ++i)
			steps = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--nodes") && ++i)
			nodes = atoi(v);
		else if (!strcmp(a, "--known-failing") && ++i)
			known = v;
		else {
			fprintf(stderr, "usage: %s [--seed N | --seeds N "
				"--first N] [--steps N] [--nodes 2..4] "
				"[--trace] [--ext | --resyncs | --write-errors] "
				"[--drain-requeued] [--expect-fail]\n", argv[0]);
			return 2;
		}
	}
	if (sim_trace)
		dmlog_set_sink(sink, LOG_DEBUG);
	if (nodes && (nodes < 2 || nodes > SIM_MAX_NODES))
		return 2;
	if (single) {
		first = one;
		count = 1;
	}
	for (uint64_t s = first; s < first + count; s++) {
		bool is_known = false;
		char key[32];

		snprintf(key, sizeof(key), ",%llu,", (unsigned long long)s);
		if (*known) {
			char list[256];

			snprintf(list, sizeof(list), ",%s,", known);
			is_known = strstr(list, key) != NULL;
		}
		if (run_seed(s, steps, nodes)) {
			if (is_known)
				printf("seed %llu: listed as known failing, "
				       "now passes\n", (unsigned long long)s);
			passed++;
			continue;
		}
		if (is_known) {
			printf("seed %llu: KNOWN FAILURE (open bug, see "
			       "doc/design.md 7.10)\n", (unsigned long long)s);
			continue;
		}
		failed++;
		if (!first_bad)
			first_bad = s;
		if (expect_fail)
			break;
	}
	if (expect_fail) {
		if (failed)
			printf("broken build caught: first failing seed %llu "
			       "(reproduce: --seed %llu --trace)\n",
			       (unsigned long long)first_bad,
			       (unsigned long long)first_bad);
		else
			printf("broken build NOT caught in %llu seeds\n",
			       (unsigned long long)count);
		printf("sim: %d passed, %d failed\n", failed ? 1 : 0,
		       failed ? 0 : 1);
		printf("[  %s  ] 1 test(s).\n", failed ? "PASSED" : "FAILED");
		return failed ? 0 : 1;
	}
	printf("sim: %d passed, %d failed\n", passed, failed);
	if (passed)
		printf("[  PASSED  ] %d test(s).\n", passed);
	if (failed)
		printf("[  FAILED  ] %d test(s).\n", failed);
	return failed ? 1 : 0;
}
