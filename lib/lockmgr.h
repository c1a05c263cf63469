/* Lock manager seam: how a node coordinates a log with other nodes.
 *
 * "local" (lockmgr_local.c) is the single-node manager: every log gets
 * slot 0 and nobody else recovers anything; it has no `async` ops.
 *
 * A cluster manager also provides `async`: DLM-style asynchronous locks
 * (doc/design.md section 7). The simulated DLM (test/sim) and libdlm
 * (lockmgr_dlm.c) implement it. Rules every implementation follows, and
 * every caller may rely on:
 *  - lock()/convert() return 0 when the request was queued; the result
 *    arrives later through `ast` (status 0 = granted, -EAGAIN = refused
 *    because of LM_F_NOQUEUE, -ENOENT = no orphan to adopt), never from
 *    inside the call itself;
 *  - `bast` is called on a granted lock when another request for `mode`
 *    waits behind it (a request to release or down-convert);
 *  - unlock() takes effect at once from the caller's point of view (no
 *    AST); a waiting request is cancelled;
 *  - LVB (LM_F_VALBLK, LM_LVB_LEN bytes in lksb->lvb): written to the
 *    resource only by down-converting from PW/EX (never by unlocking from
 *    PW/EX: libdlm then writes garbage); read on a grant at PR or above,
 *    reached from NL through PR (NL->EX may return a stale LVB);
 *  - LM_F_PERSISTENT locks survive the death of the daemon that holds
 *    them as orphans; the same node adopts one with LM_F_ORPHAN (same
 *    name and mode) or drops them all with purge_orphans(). A node's
 *    locks, orphans included, are released only when the node is removed
 *    from the cluster (after fencing). */
#ifndef DMLOG_LOCKMGR_H
#define DMLOG_LOCKMGR_H

#include <stdbool.h>
#include <stdint.h>

struct lockmgr;
struct lm_space;

enum lm_mode { LM_NL = 0, LM_CR, LM_CW, LM_PR, LM_PW, LM_EX };

enum lm_flags {
	LM_F_NOQUEUE = 1u << 0,
	LM_F_PERSISTENT = 1u << 1,
	LM_F_ORPHAN = 1u << 2,
	LM_F_VALBLK = 1u << 3,
};

#define LM_LVB_LEN 32
#define LM_NAME_MAX 64		/* DLM resource and lockspace names */

/* Caller-owned lock status block (like libdlm's dlm_lksb); it must stay
 * in place from lock() until unlock(). */
struct lm_lksb {
	int status;
	uint32_t lkid;
	int mode;			/* granted mode (LM_NL when none) */
	uint8_t lvb[LM_LVB_LEN];
};

typedef void (*lm_ast_fn)(void *arg, int status);
typedef void (*lm_bast_fn)(void *arg, int mode);
typedef void (*lm_node_down_fn)(void *arg, uint32_t nodeid);

struct lockmgr_async_ops {
	/* Join / leave a lockspace. name: at most LM_NAME_MAX characters. */
	int (*ls_open)(struct lockmgr *lm, const char *name,
		       struct lm_space **out);
	void (*ls_close)(struct lockmgr *lm, struct lm_space *ls);
	int (*lock)(struct lockmgr *lm, struct lm_space *ls, const char *res,
		    int mode, unsigned flags, struct lm_lksb *lksb,
		    lm_ast_fn ast, lm_bast_fn bast, void *arg);
	int (*convert)(struct lockmgr *lm, struct lm_space *ls,
		       struct lm_lksb *lksb, int mode, unsigned flags,
		       lm_ast_fn ast, lm_bast_fn bast, void *arg);
	int (*unlock)(struct lockmgr *lm, struct lm_space *ls,
		      struct lm_lksb *lksb);
	/* Release every orphan this node holds in ls. */
	int (*purge_orphans)(struct lockmgr *lm, struct lm_space *ls);
	uint32_t (*node_id)(struct lockmgr *lm);
	/* Is nodeid a current cluster member? */
	bool (*node_alive)(struct lockmgr *lm, uint32_t nodeid);
	/* Membership: called when a member is lost (before it is fenced). */
	void (*watch_nodes)(struct lockmgr *lm, struct lm_space *ls,
			    lm_node_down_fn fn, void *arg);
};

struct lockmgr_ops {
	const char *name;
	/* Join the log's lock domain and claim a slot on its device.
	 * 0 or -errno. */
	int (*attach)(struct lockmgr *lm, const char *uuid, uint32_t nr_slots,
		      uint32_t *slot);
	void (*detach)(struct lockmgr *lm, const char *uuid);
	/* Does another node hold (or may it start) recovery of region? */
	bool (*remote_recovering)(struct lockmgr *lm, const char *uuid,
				  uint64_t region);
	/* Number of slots a new log device is formatted with. */
	uint32_t (*default_slots)(struct lockmgr *lm);
	void (*destroy)(struct lockmgr *lm);
	/* NULL for the local manager. */
	const struct lockmgr_async_ops *async;
};

struct lockmgr {
	const struct lockmgr_ops *ops;
};

struct lockmgr *lockmgr_local_new(void);

#endif
