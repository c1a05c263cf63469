/* The dirty log engine: region state and the kernel's requests on it.
 *
 * Request semantics follow dm-log.c so that the same request sequence
 * gives the same answers as the kernel's own core/disk log. One deliberate
 * difference: SET_REGION_SYNC(r, 1) on a region already in sync does not
 * count it twice (dm-log.c would let sync_count exceed region_count). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "cluster_log.h"
#include "dmlog_log.h"
#include "lockmgr.h"
#include "log_engine.h"
#include "log_store.h"

struct resync_work_reply {
	int64_t i;
	uint64_t r;
};

struct set_region_sync_req {
	uint64_t region;
	int64_t in_sync;
};

struct remote_recovering_reply {
	int64_t is_recovering;
	uint64_t in_sync_hint;
};

static uint64_t nr_regions(const struct dmlog_log *log)
{
	return log->params.region_count;
}

uint64_t log_region_count(const struct dmlog_log *log)
{
	return nr_regions(log);
}

uint64_t log_sync_count(const struct dmlog_log *log)
{
	return bitmap_weight(log->in_sync);
}

int log_create(const struct ctr_params *p, const char *uuid, uint64_t luid,
	       struct log_store *store, struct lockmgr *lm,
	       struct dmlog_log **out)
{
	struct dmlog_log *log;

	*out = NULL;
	if (!p->region_count || strnlen(uuid, DM_UUID_LEN) >= DM_UUID_LEN) {
		if (store)
			store->ops->destroy(store);
		return -EINVAL;
	}
	log = calloc(1, sizeof(*log));
	if (!log)
		goto nomem;
	memcpy(log->uuid, uuid, strlen(uuid) + 1);
	log->luid = luid;
	log->params = *p;
	log->state = LOG_CONSTRUCTED;
	log->store = store;
	log->lm = lm;
	log->clean = bitmap_new(p->region_count, true);
	log->idle = bitmap_new(p->region_count, true);
	log->in_sync = bitmap_new(p->region_count, p->sync == CTR_SYNC_NONE);
	log->recovering = bitmap_new(p->region_count, false);
	if (!log->clean || !log->idle || !log->in_sync || !log->recovering)
		goto nomem;
	*out = log;
	return 0;
nomem:
	if (log) {
		log->store = NULL;
		log_destroy(log, false);
	}
	if (store)
		store->ops->destroy(store);
	return -ENOMEM;
}

void log_destroy(struct dmlog_log *log, bool handoff)
{
	if (!log)
		return;
	/* Cluster: the store was closed by cluster_leave(), or the daemon
	 * is going away abruptly and the slot lock keeps the slot ours; the
	 * store is shared by the instances of the uuid: the last one goes. */
	if (log->cl && !cluster_log_detach(log->cl, log))
		log->store = NULL;
	if (log->store) {
		/* A log that never resumed never read the device: it has
		 * nothing to hand back. */
		if (!log->cl && log->state != LOG_CONSTRUCTED &&
		    log->store->ops->close(log->store, log->idle,
					   log->in_sync, handoff))
			log_err("%s: closing the log device failed: "
				"the next user resyncs what it cannot trust",
				log->uuid);
		log->store->ops->destroy(log->store);
	}
	bitmap_free(log->clean);
	bitmap_free(log->idle);
	bitmap_free(log->in_sync);
	bitmap_free(log->recovering);
	free(log);
}

/* Payload helpers: the kernel sends native-endian u64/s64 values. */
static uint64_t get_u64(const void *in, size_t idx)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)in + idx * sizeof(v), sizeof(v));
	return v;
}

static int put(void *out, size_t out_cap, size_t *out_len, const void *v,
	       size_t len)
{
	if (len > out_cap)
		return -ENOSPC;
	memcpy(out, v, len);
	*out_len = len;
	return 0;
}

static int put_s64(void *out, size_t cap, size_t *len, int64_t v)
{
	return put(out, cap, len, &v, sizeof(v));
}

static int put_u64(void *out, size_t cap, size_t *len, uint64_t v)
{
	return put(out, cap, len, &v, sizeof(v));
}

static int check_region(const struct dmlog_log *log, uint64_t region,
			const char *what)
{
	if (region < nr_regions(log))
		return 0;
	log_err("%s: %s: region %llu out of range (log has %llu regions)",
		log->uuid, what, (unsigned long long)region,
		(unsigned long long)nr_regions(log));
	return -EINVAL;
}

/* Every region of a MARK/CLEAR/FLUSH payload must be valid before any is
 * applied: a bad request changes nothing. */
static int check_regions(const struct dmlog_log *log, const void *in,
			 size_t in_len, const char *what)
{
	for (size_t i = 0; i < in_len / sizeof(uint64_t); i++) {
		int r = check_region(log, get_u64(in, i), what);

		if (r)
			return r;
	}
	return 0;
}

static void note(struct dmlog_log *log, enum store_bit which, uint64_t region)
{
	if (log->store)
		log->store->ops->note(log->store, which, region);
}

/* MARK (clean = false) or CLEAR (clean = true) of one region: the kernel's
 * clean bit, and this node's mark as the store persists it. */
static int set_clean(struct dmlog_log *log, uint64_t region, bool clean)
{
	int r = bitmap_assign(log->clean, region, clean);

	if (r || bitmap_test(log->idle, region) == clean)
		return r;
	r = bitmap_assign(log->idle, region, clean);
	if (r)
		return r;
	log->touched = true;
	note(log, STORE_BIT_CLEAN, region);
	return 0;
}

static int set_in_sync(struct dmlog_log *log, uint64_t region, bool in_sync)
{
	int r;

	if (bitmap_test(log->in_sync, region) == in_sync)
		return 0;
	r = bitmap_assign(log->in_sync, region, in_sync);
	if (r)
		return r;
	note(log, STORE_BIT_SYNC, region);
	return 0;
}

static int mark_regions(struct dmlog_log *log, const void *in, size_t in_len)
{
	for (size_t i = 0; i < in_len / sizeof(uint64_t); i++) {
		int r = set_clean(log, get_u64(in, i), false);

		if (r)
			return r;
		log->counters.marks++;
	}
	return 0;
}

static int req_mark(struct dmlog_log *log, const void *in, size_t in_len)
{
	int r = check_regions(log, in, in_len, "MARK_REGION");

	return r ? r : mark_regions(log, in, in_len);
}

static int req_clear(struct dmlog_log *log, const void *in, size_t in_len)
{
	int r = check_regions(log, in, in_len, "CLEAR_REGION");

	if (r)
		return r;
	/* After a failed flush the kernel's disk log stops clearing: what
	 * could not be recorded stays dirty. */
	if (log->flush_failed)
		return 0;
	for (size_t i = 0; i < in_len / sizeof(uint64_t); i++) {
		r = set_clean(log, get_u64(in, i), true);
		if (r)
			return r;
		log->counters.clears++;
	}
	return 0;
}

/* FLUSH: marks carried in the payload (integrated_flush) first, then every
 * change since the last flush made durable before the reply. */
static int req_flush(struct dmlog_log *log, const void *in, size_t in_len)
{
	int r = check_regions(log, in, in_len, "FLUSH");

	if (r)
		return r;
	r = mark_regions(log, in, in_len);
	if (r)
		return r;
	if (!log->store)
		return 0;
#ifdef DMLOG_FAULT_FLUSH_NOTHING
	/* Test-only broken build (dmlogd-broken): acknowledges flushes
	 * without writing, so the VM tests can show they catch a log that
	 * loses marks. Never built into dmlogd. */
	return 0;
#endif
	r = log->store->ops->flush(log->store, log->idle, log->in_sync);
	if (r) {
		log->flush_failed = true;
		log_err("%s: flush to log device %s failed: %s", log->uuid,
			log->store->dev_name, strerror(-r));
		return r;
	}
	if (log->touched)
		log->counters.flushes_written++;
	log->touched = false;
	return 0;
}

static int req_is_clean(struct dmlog_log *log, const void *in, void *out,
			size_t cap, size_t *len)
{
	uint64_t region = get_u64(in, 0);
	int r = check_region(log, region, "IS_CLEAN");

	return r ? r : put_s64(out, cap, len, bitmap_test(log->clean, region));
}

static int req_in_sync(struct dmlog_log *log, const void *in, void *out,
		       size_t cap, size_t *len)
{
	uint64_t region = get_u64(in, 0);
	int r = check_region(log, region, "IN_SYNC");

	if (r)
		return r;
	/* Cluster: not in sync while a lost node's marks are unmerged
	 * (reads go to the default leg only, hazard 5). */
	return put_s64(out, cap, len, log->cl ?
		       cluster_in_sync(log->cl, region) :
		       bitmap_test(log->in_sync, region));
}

/* The kernel's get_resync_work: next region out of sync at or after the
 * cursor that nobody is recovering yet. */
static int req_get_resync_work(struct dmlog_log *log, void *out, size_t cap,
			       size_t *len)
{
	struct resync_work_reply w = { 0, 0 };
	uint64_t n = nr_regions(log);
	uint64_t region;

	if (log->cl) {
		/* Cluster: only regions whose lock this node holds. */
		if (cluster_resync_work(log->cl, &region) == 1) {
			if (bitmap_set(log->recovering, region))
				return -ENOMEM;
			w.i = 1;
			w.r = region;
		}
		return put(out, cap, len, &w, sizeof(w));
	}
	while (log->sync_search < n) {
		region = bitmap_find_next(log->in_sync, log->sync_search,
					  false);
		log->sync_search = region + 1;
		if (region >= n)
			break;
		if (bitmap_test(log->recovering, region))
			continue;
		if (bitmap_set(log->recovering, region))
			return -ENOMEM;
		w.i = 1;
		w.r = region;
		break;
	}
	return put(out, cap, len, &w, sizeof(w));
}

static int req_set_region_sync(struct dmlog_log *log, const void *in)
{
	struct set_region_sync_req q;
	int r;

	memcpy(&q, in, sizeof(q));
	r = check_region(log, q.region, "SET_REGION_SYNC");
	if (r)
		return r;
	r = bitmap_clear(log->recovering, q.region);
	if (r)
		return r;
	/* Cluster: the shared OOS bit is updated under the locks; a copy
	 * not made under this node's region lock proves nothing; a bit
	 * set is answered once announced (-EAGAIN: the kernel resends). */
	if (log->cl) {
		r = cluster_set_region_sync(log->cl, q.region, q.in_sync != 0);
		if (r)
			return r < 0 ? r : 0;
	}
	return set_in_sync(log, q.region, q.in_sync != 0);
}

/* On one node nobody else recovers. The hint must never pass a region
 * that is out of sync: the kernel stops asking below it. */
static int req_is_remote_recovering(struct dmlog_log *log, const void *in,
				    void *out, size_t cap, size_t *len)
{
	struct remote_recovering_reply rr;
	uint64_t region = get_u64(in, 0);
	int r = check_region(log, region, "IS_REMOTE_RECOVERING");

	if (r)
		return r;
	if (log->cl) {
		cluster_is_remote_recovering(log->cl, region,
					     log->state == LOG_PRESUSPENDED,
					     &rr.is_recovering,
					     &rr.in_sync_hint);
		return put(out, cap, len, &rr, sizeof(rr));
	}
	rr.is_recovering = !bitmap_test(log->in_sync, region) && log->lm &&
			   log->lm->ops->remote_recovering(log->lm, log->uuid,
							   region);
	rr.in_sync_hint = bitmap_find_next(log->in_sync, 0, false);
	return put(out, cap, len, &rr, sizeof(rr));
}

/* RESUME: a disk log re-reads its device (like dm-log's disk_resume, where
 * the clean bits start equal to the sync bits); a core log keeps its
 * memory. */
static int req_resume(struct dmlog_log *log)
{
	int r;

	/* The kernel never resumes a running log: a second RESUME is its
	 * resend after the 15 s timeout (loading a very large log takes
	 * about that long). Loading again would only repeat the wait. */
	if (log->state == LOG_RUNNING)
		return 0;
	if (log->cl) {
		/* join (claim a slot, load) or refresh; -EAGAIN until the
		 * locks are granted: the kernel resends */
		r = cluster_resume(log->cl, log);
		if (r)
			return r;
	} else if (log->store) {
		r = log->store->ops->load(log->store, log->in_sync);
		if (r) {
			log_err("%s: reading log device %s failed: %s",
				log->uuid, log->store->dev_name, strerror(-r));
			return r;
		}
	}
	if (log->store) {
		r = bitmap_copy(log->clean, log->in_sync);
		if (r)
			return r;
		/* load merged and emptied this node's slot */
		bitmap_fill(log->idle, true);
		log->sync_search = 0;
		log->flush_failed = false;
		log->touched = false;
	}
	log->state = LOG_RUNNING;
	if (log->recreated && log_sync_count(log) < nr_regions(log))
		log->needs_kick = true;
	log->recreated = false;
	return 0;
}

/* POSTSUSPEND: the mirror is quiet; make everything durable. */
static int req_postsuspend(struct dmlog_log *log)
{
	int r = 0;

	if (log->store && log->state != LOG_CONSTRUCTED)
		r = log->store->ops->flush(log->store, log->idle,
					   log->in_sync);
	if (log->cl)
		cluster_postsuspend(log->cl, log);
	log->state = LOG_SUSPENDED;
	return r;
}

/* n: what log_status_*() returned; the string already sits in out. */
static int status_reply(int n, size_t *len)
{
	if (n < 0)
		return n;
	*len = (size_t)n + 1;	/* the kernel gets the NUL too */
	return 0;
}

static const char *sync_word(enum ctr_sync s)
{
	return s == CTR_SYNC_NONE ? "nosync " :
	       s == CTR_SYNC_FORCE ? "sync " : "";
}

int log_status_info(const struct dmlog_log *log, char *buf, size_t cap)
{
	int n;

	if (log->params.kind == CTR_LOG_CORE)
		n = snprintf(buf, cap, "1 %s", log->params.type_name);
	else
		n = snprintf(buf, cap, "3 %s %s %c", log->params.type_name,
			     log->store ? log->store->dev_name : "0:0",
			     log->store && log->store->failed ? 'D' : 'A');
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int log_status_table(const struct dmlog_log *log, char *buf, size_t cap)
{
	const struct ctr_params *p = &log->params;
	const char *boe = p->block_on_error ? "block_on_error" : "";
	int n;

	if (p->kind == CTR_LOG_CORE)
		n = snprintf(buf, cap, "%s %u %s%s ", p->type_name,
			     p->region_size, sync_word(p->sync), boe);
	else
		n = snprintf(buf, cap, "%s %s %u %s%s ", p->type_name,
			     log->store ? log->store->dev_name : p->log_dev,
			     p->region_size, sync_word(p->sync), boe);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static int dispatch(struct dmlog_log *log, uint32_t type, const void *in,
		    size_t in_len, void *out, size_t cap, size_t *len)
{
	switch (type) {
	case DM_ULOG_PRESUSPEND:
		log->state = LOG_PRESUSPENDED;
		return 0;
	case DM_ULOG_POSTSUSPEND:
		return req_postsuspend(log);
	case DM_ULOG_RESUME:
		return req_resume(log);
	case DM_ULOG_GET_REGION_SIZE:
		return put_u64(out, cap, len, log->params.region_size);
	case DM_ULOG_IS_CLEAN:
		return req_is_clean(log, in, out, cap, len);
	case DM_ULOG_IN_SYNC:
		return req_in_sync(log, in, out, cap, len);
	case DM_ULOG_FLUSH:
		return req_flush(log, in, in_len);
	case DM_ULOG_MARK_REGION:
		return req_mark(log, in, in_len);
	case DM_ULOG_CLEAR_REGION:
		return req_clear(log, in, in_len);
	case DM_ULOG_GET_RESYNC_WORK:
		return req_get_resync_work(log, out, cap, len);
	case DM_ULOG_SET_REGION_SYNC:
		return req_set_region_sync(log, in);
	case DM_ULOG_GET_SYNC_COUNT:
		return put_u64(out, cap, len, log->cl ?
			       cluster_sync_count(log->cl) :
			       log_sync_count(log));
	case DM_ULOG_STATUS_INFO:
		return status_reply(log_status_info(log, out, cap), len);
	case DM_ULOG_STATUS_TABLE:
		return status_reply(log_status_table(log, out, cap), len);
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return req_is_remote_recovering(log, in, out, cap, len);
	default:
		log_err("%s: request type %u is not handled by a log",
			log->uuid, type);
		return -EINVAL;
	}
}

/* Minimum payload each request reads; the codec has already enforced the
 * exact sizes, this only keeps the engine safe on its own. */
static size_t min_payload(uint32_t type)
{
	switch (type) {
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return sizeof(uint64_t);
	case DM_ULOG_SET_REGION_SYNC:
		return sizeof(struct set_region_sync_req);
	default:
		return 0;
	}
}

static bool needs_state(uint32_t type)
{
	switch (type) {
	case DM_ULOG_RESUME:
	case DM_ULOG_PRESUSPEND:
	case DM_ULOG_POSTSUSPEND:
	case DM_ULOG_GET_REGION_SIZE:
	case DM_ULOG_STATUS_INFO:
	case DM_ULOG_STATUS_TABLE:
		return false;
	default:
		return true;
	}
}

/* A request through an instance the cluster does not serve: the shared
 * answers for queries (sync count, in sync), and the safe ones for the
 * rest (no work, someone recovers, not clean); changes wait (-EAGAIN). */
static int unserved_reply(struct dmlog_log *log, uint32_t type,
			  const void *in, void *out, size_t cap, size_t *len)
{
	struct resync_work_reply w = { 0, 0 };
	struct remote_recovering_reply rr = { 1, 0 };
	uint64_t region;

	switch (type) {
	case DM_ULOG_GET_SYNC_COUNT:
		return put_u64(out, cap, len, cluster_sync_count(log->cl));
	case DM_ULOG_IN_SYNC:
		region = get_u64(in, 0);
		if (check_region(log, region, "IN_SYNC"))
			return -EINVAL;
		return put_s64(out, cap, len, cluster_in_sync(log->cl, region));
	case DM_ULOG_IS_CLEAN:
		return put_s64(out, cap, len, 0);
	case DM_ULOG_GET_RESYNC_WORK:
		return put(out, cap, len, &w, sizeof(w));
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return put(out, cap, len, &rr, sizeof(rr));
	default:
		return -EAGAIN;
	}
}

int log_request(struct dmlog_log *log, uint32_t type, const void *in,
		size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
	int r;

	*out_len = 0;
	if (type < sizeof(log->counters.requests) /
		   sizeof(log->counters.requests[0]))
		log->counters.requests[type]++;
	if (in_len < min_payload(type) || in_len % sizeof(uint32_t)) {
		log->counters.errors++;
		return -EINVAL;
	}
	/* Hazard 10: a cluster log answers nothing about regions before it
	 * has read the device and taken its locks. Through an instance the
	 * cluster does not serve (a reload's old or new table) it changes
	 * nothing, but the old table's kmirrord still asks while the kernel
	 * destroys it (mirror_dtr waits for it): -EAGAIN there is resent for
	 * ever and the reload hangs (found on the real cluster). */
	if (log->cl && !cluster_serves(log->cl, log) && needs_state(type)) {
		if (!cluster_loaded(log->cl))
			return -EAGAIN;
		return unserved_reply(log, type, in, out, out_cap, out_len);
	}
	r = dispatch(log, type, in, in_len, out, out_cap, out_len);
	if (r) {
		log->counters.errors++;
		*out_len = 0;
	}
	return r;
}
