/* The state of lib/cluster_log.c, shared with the code that only reads
 * it (cluster_info.c, for dmlogctl). Everything that changes it lives in
 * cluster_log.c. */
#ifndef DMLOG_CLUSTER_LOG_INT_H
#define DMLOG_CLUSTER_LOG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster_log.h"
#include "lockmgr.h"

struct bitmap;
struct dmlog_log;
struct log_store;
struct log_store_cluster_ops;

enum rl_state { RL_WAIT, RL_VERIFY, RL_HELD, RL_CLEAR };

/* An OOS bit to set (SET_REGION_SYNC(r, 0), operator resync): queued,
 * written under "table", announced (barrier EX granted: every other
 * kernel has reloaded and every daemon re-read it). A write error's
 * SET_REGION_SYNC(r, 0) is answered only then (ack): the failed write
 * completes after no node can balance a read to the stale leg. */
enum so_state { SO_QUEUED, SO_WRITTEN, SO_DONE };

struct setoos {
	uint64_t region;
	enum so_state st;
	bool ack;		/* the kernel waits for SO_DONE */
};

struct rlock {
	struct cluster_log *cl;
	uint64_t region;
	struct lm_lksb lksb;
	enum rl_state st;
	bool nosync;		/* our kernel writes it NOSYNC: recover first */
	bool handed;		/* handed out by GET_RESYNC_WORK */
	bool stale;		/* a resync was asked while it was copied */
	struct rlock *next;
};

struct watch {
	struct cluster_log *cl;
	uint32_t slot;
	struct lm_lksb lksb;
	bool active;		/* PR requested */
	bool suspect;		/* lost or probe: marks answer "not in sync" */
	bool lost;		/* owner lost (dead, or an earlier life of us) */
	bool probe;		/* NOQUEUE PR probe pending: owner unproven */
	bool merge;		/* PR granted: merge under "table" */
	uint32_t node_id;	/* from the last slot info read */
	/* PR on "live.<slot>": queued while the owner's daemon holds EX
	 * (taken once its kernel has reloaded after its join); granted =
	 * the slot's kernel has no daemon that reloaded it: grant nothing */
	struct lm_lksb live_lksb;
	enum { LV_NONE, LV_WAIT, LV_FREE } live;
};

enum bar_state { B_NONE, B_WAIT_PR, B_PR, B_RESPONDING, B_WAIT_EX, B_EX };
enum tab_state { T_IDLE, T_WAIT, T_HELD };
enum join_state { J_NONE, J_WAIT_PR, J_QUEUED, J_SLOT_WAIT, J_DONE, J_FAIL };

struct cluster_log {
	struct cluster_env env;
	const struct lockmgr_async_ops *am;
	/* Every live instance (luid) of the log's uuid shares this state,
	 * its locks and its store (a table reload makes a new instance while
	 * the old one is live, doc/design.md 7.7). `log` is the one the
	 * kernel resumed last: its in_sync bitmap is the cache. */
	struct dmlog_log *log;
	struct dmlog_log **users;
	size_t nr_users;
	struct log_store *st;
	const struct log_store_cluster_ops *cops;
	struct lm_space *ls;
	uint32_t node_id;
	uint64_t nr_regions;

	enum join_state join;
	bool loaded, fresh_load, restarted, purge_pending;
	bool reload_pending, saw_postsuspend;
	uint64_t reload_luid;		/* the instance live at the request */
	bool leave_wanted, leave_handoff, left;

	uint32_t nr_slots, slot, slot_try;
	bool slot_adopt;		/* trying to adopt our orphan */
	bool adopt_failed;		/* ... of slot_try: there was none */
	struct lm_lksb slot_lksb;

	struct lm_lksb table;
	enum tab_state t;
	bool table_adopt_done;
	bool announce;			/* bits set in this session */

	struct lm_lksb barrier;
	enum bar_state b;

	struct lm_lksb live;		/* "live.<slot>" EX, not persistent */
	bool live_taken;

	struct watch *w;		/* nr_slots entries, never moved */
	uint32_t nr_suspect;
	struct bitmap *suspect;		/* regions dirty in a suspect slot */
	/* The part of suspect read from lost slots: a lost slot's marks
	 * always reach the OOS area (a survivor's merge, or its owner's
	 * next join) before anyone copies them (7.5). */
	struct bitmap *lost_marks;
	/* Out-of-sync regions found marked in another ACTIVE slot when
	 * verified: that node's daemon is gone while its kernel may still
	 * write them on every leg (doc/design.md 7.4). Not requested again
	 * until the next barrier PR grant (a rejoin or a merge announces). */
	struct bitmap *blocked;

	struct rlock *rl;
	uint64_t search;
	/* The kernel asks GET_RESYNC_WORK only when kmirrord runs (I/O, a
	 * resume, a finished recovery): told "no work" while a region lock
	 * was not ready, an idle mirror never asks again (7.6). */
	bool told_no_work;
	uint64_t refused;		/* NOQUEUE refusals in a row */
	struct setoos *setoos;		/* bits to set under "table" */
	size_t nr_setoos;
};

#endif
