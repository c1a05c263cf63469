/* Read-only reporting of a cluster log's protocol state (dmlogctl status,
 * regions, resync --wait). Nothing here changes the protocol state or
 * takes a lock: it reads struct cluster_log (cluster_log_int.h) and, for
 * slot infos, slot bitmaps and the shared out-of-sync area, the store's
 * cluster read ops (no lock is needed to read them). Must run on the
 * thread that runs the protocol (dmlogd's event loop).
 *
 * The device reads are what make these answers cluster-wide: another
 * node's marks exist only in its slot on the shared device, and bits
 * other nodes cleared reach this node's cache only at its next refresh. */
#ifndef DMLOG_CLUSTER_INFO_H
#define DMLOG_CLUSTER_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitmap;
struct cluster_log;

/* How far this node is in joining the cluster log. */
enum ci_join {
	CI_JOIN_NONE,		/* not started (no RESUME yet) */
	CI_JOIN_BARRIER,	/* waiting for "barrier" PR */
	CI_JOIN_QUEUED,		/* waiting for "table" to claim a slot (or
				 * every slot was busy: retried later) */
	CI_JOIN_SLOT,		/* claiming a slot */
	CI_JOIN_DONE,		/* joined: bitmaps loaded */
	CI_JOIN_FAILED,		/* failed: the RESUME fails */
};

/* This node's part in the "barrier" lock (design 7.3). */
enum ci_barrier {
	CI_BAR_NONE,		/* not held */
	CI_BAR_WAITING,		/* PR requested */
	CI_BAR_MEMBER,		/* PR held: up to date with every announcement */
	CI_BAR_RELOADING,	/* another node announces: reloading the local
				 * mirror before releasing PR */
	CI_BAR_ANNOUNCING,	/* EX requested: waiting for every other node
				 * to reload */
	CI_BAR_ANNOUNCED,	/* EX held: every other node has reloaded;
				 * this node's reload still to finish */
};

enum ci_table { CI_TABLE_IDLE, CI_TABLE_WAITING, CI_TABLE_HELD };

/* Who owns a slot, as this node sees it. */
enum ci_owner {
	CI_OWNER_FREE,		/* FREE slot */
	CI_OWNER_THIS,		/* this node's slot */
	CI_OWNER_ALIVE,		/* its owner holds the slot lock */
	CI_OWNER_PROBING,	/* ACTIVE, owner not proven alive yet */
	CI_OWNER_LOST,		/* owner lost (dead or an earlier life of a
				 * node): its marks are suspect */
	CI_OWNER_MERGING,	/* lost and its slot lock granted to this
				 * node: merged at its next "table" session */
	CI_OWNER_UNWATCHED,	/* ACTIVE but not watched (yet) by this node */
};

struct ci_slot {
	uint32_t slot;
	bool info_ok;		/* the slot info block could be read */
	bool active;		/* state ACTIVE (a bad info block reads as
				 * ACTIVE, node 0: see log_store.h) */
	uint32_t node_id;
	bool this_node;
	bool member;		/* node_id is a live cluster member */
	bool suspect;		/* its marks answer "not in sync" here */
	bool merging;
	/* its kernel runs without a daemon that reloaded it (killed, or a
	 * restart not finished): no node grants resync work meanwhile */
	bool no_daemon;
	enum ci_owner owner;
	bool dirty_known;	/* dirty was read (ACTIVE slots only) */
	uint64_t dirty;		/* regions marked in the slot's bitmap (bad
				 * blocks: every region they cover) */
};

/* One region lock of this node (design 7.5). */
enum ci_rlock { CI_RL_WAITING, CI_RL_VERIFYING, CI_RL_HELD, CI_RL_COPYING,
		CI_RL_CLEARING };

struct ci_lock {
	uint64_t region;
	enum ci_rlock state;
	bool nosync;		/* its kernel wrote it NOSYNC: recovers first */
};

#define CI_MAX_LOCKS 64

struct cluster_info {
	uint32_t node_id;
	bool has_slot;
	uint32_t slot;		/* this node's slot when has_slot */
	enum ci_join join;
	bool loaded;
	enum ci_barrier barrier;
	enum ci_table table;
	bool reload_pending;	/* a reload of the local mirror is awaited */
	bool leaving;

	uint32_t nr_slots;	/* 0 before the device was probed */
	struct ci_slot *slots;	/* nr_slots entries */
	uint32_t nr_lost, nr_merging, nr_probing, nr_no_daemon;

	uint64_t region_count;
	uint64_t sync_count;	/* what GET_SYNC_COUNT answers the kernel */
	uint64_t suspect_regions;	/* dirty in a suspect slot */
	uint64_t dirty_cluster;	/* union of every ACTIVE slot's marks and
				 * this node's unflushed ones */
	uint64_t oos_device;	/* out of sync in the device's shared area */
	uint64_t oos_pending;	/* queued to be set out of sync, not yet
				 * written (operator resync, write errors) */
	uint64_t oos_announcing;	/* written, announcement not finished */
	uint64_t out_of_sync;	/* cluster-wide: device | pending | suspect */

	size_t nr_locks;	/* region locks of this node (all of them) */
	size_t nr_locks_held;	/* held, copying or clearing: this node
				 * recovers them */
	size_t nr_locks_listed;	/* entries in locks (at most CI_MAX_LOCKS) */
	struct ci_lock locks[CI_MAX_LOCKS];	/* by region */

	int error;		/* 0, or the -errno of the first device read
				 * that failed (the numbers that depend on it
				 * are then partial) */
};

/* Fill ci (cluster_info_free it afterwards, even on error). Reads every
 * slot info, the bitmaps of ACTIVE slots and the shared OOS area.
 * 0, or -ENOMEM (ci->error holds a device read error; still 0 then). */
int cluster_info_get(const struct cluster_log *cl, struct cluster_info *ci);
void cluster_info_free(struct cluster_info *ci);

/* Region bitmaps (region_count bits each, allocated by the caller):
 *
 * dirty := regions marked in the slot(s) of node node_id (ACTIVE slots
 * whose info names it; this node's slot also with its unflushed marks).
 * *found: such a slot exists. 0 or -errno of a device read. */
int cluster_info_node_dirty(const struct cluster_log *cl, uint32_t node_id,
			    struct bitmap *dirty, bool *found);
/* dirty := the union over every ACTIVE slot (and this node's unflushed
 * marks). 0 or -errno. */
int cluster_info_dirty(const struct cluster_log *cl, struct bitmap *dirty);
/* in_sync := the cluster-wide view: in sync in the device's shared area,
 * not queued to be set out of sync, not dirty in a suspect slot.
 * 0 or -errno. */
int cluster_info_in_sync(const struct cluster_log *cl,
			 struct bitmap *in_sync);

const char *ci_join_name(enum ci_join j);
const char *ci_barrier_name(enum ci_barrier b);
const char *ci_table_name(enum ci_table t);
const char *ci_owner_name(enum ci_owner o);
const char *ci_rlock_name(enum ci_rlock s);

#endif
