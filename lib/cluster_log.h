/* Cluster coordination of one disk log instance over the asynchronous
 * lock manager (doc/design.md section 7). The engine (log_engine.c) calls
 * these hooks only when the log has a cluster_log; the single-node path
 * never does.
 *
 * Nothing here blocks: requests that need locks answer "not yet"
 * (-EAGAIN, which makes the kernel resend, or "recovering"/"no work") and
 * the protocol moves on in lock callbacks. */
#ifndef DMLOG_CLUSTER_LOG_H
#define DMLOG_CLUSTER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dmlog_log;
struct lockmgr;
struct cluster_log;

struct cluster_env {
	struct lockmgr *lm;		/* with async ops */
	/* Reload the local mirror table (suspend, drop the region hash,
	 * resume) outside the request loop (hazard 6). The protocol sees
	 * it done at the next POSTSUSPEND + RESUME of the log. */
	void (*reload)(void *ctx, const char *uuid);
	void *ctx;
};

/* Cluster state is per uuid: the first instance (luid) creates it and
 * its store becomes the shared one; every later instance of the same uuid
 * (a table reload constructs one while the old one is live) attaches to
 * it. The instance the kernel resumed last is the one served. */
int cluster_log_new(const struct cluster_env *env, struct dmlog_log *log,
		    struct cluster_log **out);
/* Another instance of the same uuid: log->cl and log->store are set to
 * the shared ones (a store log already had is destroyed). -EAGAIN while
 * the last instance is leaving, -EINVAL if the region count differs. */
int cluster_log_attach(struct cluster_log *cl, struct dmlog_log *log);
/* The instance goes (log_destroy). True when it was the last one: the
 * cluster state is freed (abruptly: no unlock, no write) and the caller
 * destroys the store; false: the others keep the state and the store. */
bool cluster_log_detach(struct cluster_log *cl, struct dmlog_log *log);

/* RESUME of instance `log`: join (first time) or refresh; a new
 * instance takes the state over. 0 when the bitmaps are loaded, -EAGAIN
 * while locks are pending. */
int cluster_resume(struct cluster_log *cl, struct dmlog_log *log);
void cluster_postsuspend(struct cluster_log *cl, struct dmlog_log *log);
/* DTR: leave the cluster (-EAGAIN until done; then the store is closed).
 * 0 at once while another instance of the uuid lives. */
int cluster_leave(struct cluster_log *cl, bool handoff);
/* Joined and loaded (some instance is served)? */
bool cluster_loaded(const struct cluster_log *cl);
/* Loaded, and `log` is the instance served (the last resumed)? */
bool cluster_serves(const struct cluster_log *cl,
		    const struct dmlog_log *log);

bool cluster_in_sync(struct cluster_log *cl, uint64_t region);
/* draining: asked through an instance being suspended (PRESUSPEND seen),
 * whose kernel waits for the writes a 1 requeues. */
void cluster_is_remote_recovering(struct cluster_log *cl, uint64_t region,
				  bool draining, int64_t *is_recovering,
				  uint64_t *hint);
/* 1 and *region: recover it; 0: no work now. */
int cluster_resync_work(struct cluster_log *cl, uint64_t *region);
/* SET_REGION_SYNC: 0 the engine records it, 1 it leaves the region out
 * of sync (in_sync, but the copy was not made under our region lock),
 * -EAGAIN not yet (in_sync 0: the bit is not announced yet; the kernel
 * resends). */
int cluster_set_region_sync(struct cluster_log *cl, uint64_t region,
			    bool in_sync);
/* Operator resync: regions [first, first + count) out of sync on every
 * node; copied only after every kernel reloaded (hazard 4). 0, -EAGAIN
 * (not loaded yet), -EINVAL, -ENOMEM. */
int cluster_resync_regions(struct cluster_log *cl, uint64_t first,
			   uint64_t count);
/* An operator resync asked here is not on the log device yet (it is
 * lost if this daemon or node dies now). */
bool cluster_resync_pending(const struct cluster_log *cl);
uint64_t cluster_sync_count(struct cluster_log *cl);

/* One line of protocol state (status, debugging). */
int cluster_describe(const struct cluster_log *cl, char *buf, size_t cap);

/* Lockspace name for a DM uuid (hazard 7): "dmlog-" + 32 hex digits. */
void cluster_lockspace_name(const char *uuid, char out[39]);

#endif
