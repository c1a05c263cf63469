/* Model of one node's dm-raid1 over a userspace log (sim_kernel.c). */
#ifndef DMLOG_SIM_KERNEL_H
#define DMLOG_SIM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

enum krs { RS_NONE, RS_CLEAN, RS_DIRTY, RS_NOSYNC, RS_RECOVERING };

struct kreg {
	enum krs st;
	int pending;
};

struct kwrite {
	uint64_t id;
	int block;
	unsigned legs_left;	/* bit per leg */
	unsigned legs_failed;	/* transient leg write errors */
	uint64_t not_before;	/* requeued writes wait */
};

struct world;

struct knode {
	struct world *w;
	uint32_t node;
	bool up;		/* the mirror device exists */
	bool boot;		/* the first CTR + RESUME not done yet */
	uint64_t luid;		/* the live table's log instance */
	uint64_t nluid;		/* a reload's new instance (0: none) */
	bool nluid_lost;	/* ... unknown to the daemon (-ESRCH) */
	uint64_t dtr_luid;	/* the old instance, DTR not done yet */
	struct kreg rh[SIM_REGIONS];
	struct kwrite q[64];	/* writes not issued yet */
	int nq;
	struct kwrite fl[64];	/* issued, in flight */
	int nfl;
	struct kwrite fail[64];	/* leg I/O done, one failed: waits for
				 * SET_REGION_SYNC(r, 0) to be answered */
	int nfail;
	unsigned legs_bad;	/* failed here: reads avoid until reload */
	uint64_t rec_start;	/* when the current recovery was handed */
	int reads[16];
	int nreads;
	bool mark[SIM_REGIONS], clear[SIM_REGIONS];
	int rec;		/* region being recovered, -1 none */
	int rec_next;		/* next block to copy */
	bool rec_done;
	uint64_t hint, irr_next;
	bool need_recreate, need_resume;
	int susp;		/* 0 none, 1 draining, 2 resuming */
	bool presusp;		/* PRESUSPEND sent, in-flight writes draining */
	bool susp_drop, reload_req;
	uint64_t last_clear_flush;
	bool wake;		/* kmirrord woken: I/O, a resume, a finished
				 * recovery (it has no periodic wake) */
};

void k_init(struct knode *k, struct world *w, uint32_t node);
/* The scheduler gives kmirrord a turn: a pass only if it was woken
 * (k->wake, or I/O queued); the log's delayed flush either way. */
void k_pass(struct knode *k);
/* One leg I/O of one in-flight write lands. */
bool k_complete_one(struct knode *k);
/* One block of the current recovery copy. */
bool k_copy_one(struct knode *k);
void k_suspend(struct knode *k, bool reload);
bool k_quiet(const struct knode *k);
/* Power loss: in-flight leg writes land or not. */
void k_crash(struct knode *k);

#endif
