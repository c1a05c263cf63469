/* Per-log request statistics (see req_stats.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_loop.h"
#include "log_engine.h"
#include "log_server.h"
#include "log_store.h"
#include "req_stats.h"
#include "store_disk.h"

#define RATE_WINDOW_MS 1000
#define RATE_STALE_MS 10000
#define FORMAT_BLOCK 4096

struct req_stats {
	struct log_stats **v;
	size_t n, cap;
};

struct req_stats *req_stats_new(void)
{
	return calloc(1, sizeof(struct req_stats));
}

void req_stats_free(struct req_stats *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i]);
	free(rs->v);
	free(rs);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static ssize_t find_idx(const struct req_stats *rs, const char *uuid)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i]->uuid, uuid))
			return (ssize_t)i;
	return -1;
}

const struct log_stats *req_stats_find(const struct req_stats *rs,
				       const char *uuid)
{
	ssize_t i = find_idx(rs, uuid);

	return i < 0 ? NULL : rs->v[i];
}

/* NULL when out of memory: the request then goes uncounted. */
static struct log_stats *get(struct req_stats *rs, const char *uuid)
{
	ssize_t i = find_idx(rs, uuid);
	struct log_stats *ls;

	if (i >= 0)
		return rs->v[i];
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 8;
		struct log_stats **v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		rs->v = v;
		rs->cap = cap;
	}
	if (!(ls = calloc(1, sizeof(*ls))))
		return NULL;
	memcpy(ls->uuid, uuid, strnlen(uuid, DM_UUID_LEN - 1));
	rs->v[rs->n++] = ls;
	return ls;
}

static bool uuid_live(struct log_server *srv, const char *uuid)
{
	struct dmlog_log *log;

	for (size_t k = 0; (log = log_server_at(srv, k)); k++)
		if (!strncmp(log->uuid, uuid, DM_UUID_LEN))
			return true;
	return false;
}

static void drop_orphans(struct req_stats *rs, struct log_server *srv)
{
	for (size_t i = 0; i < rs->n;) {
		if (uuid_live(srv, rs->v[i]->uuid)) {
			i++;
			continue;
		}
		free(rs->v[i]);
		rs->v[i] = rs->v[--rs->n];
	}
}

static struct dmlog_log *find_log(struct log_server *srv,
				  const struct ulog_msg *m)
{
	struct dmlog_log *log;

	for (size_t i = 0; (log = log_server_at(srv, i)); i++)
		if (log->luid == m->req.luid &&
		    !strncmp(log->uuid, m->req.uuid, DM_UUID_LEN))
			return log;
	return NULL;
}

static int io_counters(struct log_server *srv, const struct ulog_msg *m,
		       struct store_io_counters *c)
{
	struct dmlog_log *log = find_log(srv, m);

	return log ? store_disk_io_counters(log->store, c) : -1;
}

void req_stats_begin(struct req_stats *rs, struct log_server *srv,
		     const struct ulog_msg *m, struct req_timing *t)
{
	struct store_io_counters c;

	(void)rs;
	t->have_io = 0;
	if (m->type == DM_ULOG_FLUSH && io_counters(srv, m, &c) == 0) {
		t->bytes0 = c.bytes_written;
		t->syncs0 = c.syncs;
		t->have_io = 1;
	}
	t->t0_ns = now_ns();
}

static void note_flush(struct log_stats *ls, struct log_server *srv,
		       const struct ulog_msg *m, const struct req_timing *t)
{
	struct store_io_counters c;
	uint64_t bytes;

	if (!t->have_io || io_counters(srv, m, &c))
		return;
	bytes = c.bytes_written - t->bytes0;
	if (!bytes)
		return;
	vhist_add(&ls->flush_blocks, (bytes + FORMAT_BLOCK - 1) /
		  FORMAT_BLOCK);
	ls->flush_bytes += bytes;
	ls->flush_syncs += c.syncs - t->syncs0;
}

static void note_sync(struct log_stats *ls, struct log_server *srv,
		      const struct ulog_msg *m)
{
	struct dmlog_log *log = find_log(srv, m);
	uint64_t now = el_now_ms(), n;
	int64_t in_sync;

	if (!log || m->payload_len < 16)
		return;
	memcpy(&in_sync, m->payload + 8, sizeof(in_sync));
	if (!in_sync)
		return;
	ls->regions_recovered++;
	n = log_sync_count(log);
	if (!ls->last_sync_ms || now - ls->last_sync_ms > RATE_STALE_MS) {
		ls->rate_t0_ms = now;
		ls->rate_n0 = n;
	} else if (now - ls->rate_t0_ms >= RATE_WINDOW_MS) {
		ls->rate = n > ls->rate_n0 ? (double)(n - ls->rate_n0) * 1000.0
			   / (double)(now - ls->rate_t0_ms) : 0.0;
		ls->rate_t0_ms = now;
		ls->rate_n0 = n;
	}
	ls->last_sync_ms = now;
}

void req_stats_end(struct req_stats *rs, struct log_server *srv,
		   const struct ulog_msg *m, const struct req_timing *t,
		   int err)
{
	uint64_t dt = now_ns() - t->t0_ns;
	struct log_stats *ls;

	if (m->type == DM_ULOG_DTR) {
		drop_orphans(rs, srv);
		return;
	}
	/* requests for unknown logs (-ESRCH) make no entry */
	if (m->type >= REQ_STATS_TYPES || !uuid_live(srv, m->req.uuid) ||
	    !(ls = get(rs, m->req.uuid)))
		return;
	vhist_add(&ls->latency_ns[m->type], dt);
	if (err)
		ls->errors[m->type]++;
	if (m->type == DM_ULOG_FLUSH && !err)
		note_flush(ls, srv, m, t);
	if (m->type == DM_ULOG_SET_REGION_SYNC && !err)
		note_sync(ls, srv, m);
}

double req_stats_rate(const struct log_stats *ls, uint64_t now_ms)
{
	if (!ls || !ls->last_sync_ms || now_ms - ls->last_sync_ms >
	    RATE_STALE_MS)
		return 0.0;
	return ls->rate;
}
