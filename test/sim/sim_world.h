/* The simulated cluster: nodes, legs, disk, DLM, checker (sim_main.c). */
#ifndef DMLOG_SIM_WORLD_H
#define DMLOG_SIM_WORLD_H

#include "log_server.h"
#include "sim.h"
#include "sim_kernel.h"

struct sdaemon {
	struct log_server *srv;
	struct lockmgr *lm;
	struct blockdev *view;
	struct cluster_env cenv;
	bool up;
};

struct world {
	struct sim_rng rng;
	uint64_t now, seed;
	int nr_nodes;
	struct sim_dlm *dlm;
	struct sim_disk *disk;
	uint64_t legs[SIM_LEGS][SIM_BLOCKS];
	struct knode k[SIM_MAX_NODES + 1];
	struct sdaemon dm[SIM_MAX_NODES + 1];
	bool node_alive[SIM_MAX_NODES + 1];
	uint64_t restart_at[SIM_MAX_NODES + 1];
	uint64_t next_id, luid;
	bool failed;
	char why[256];
	/* checker */
	uint64_t done[SIM_BLOCKS];	/* last completed write */
	uint64_t dead[SIM_BLOCKS][8];	/* in flight when their node died */
	int ndead[SIM_BLOCKS];
	uint64_t epoch[SIM_BLOCKS], rd_epoch[SIM_BLOCKS], rd_val[SIM_BLOCKS];
	bool rd_valid[SIM_BLOCKS];
	int live_inflight[SIM_BLOCKS];
	bool busy[SIM_BLOCKS];		/* a write queued or in flight */
	bool chaos;			/* faults allowed (not the quiet end) */
	/* a copy of the region must start after this time (operator
	 * resync, write error); 0: none owed */
	uint64_t copy_due[SIM_REGIONS];
	uint64_t resync_asked[SIM_REGIONS];	/* operator resync time */
	/* per node: an operator resync asked, not on the device yet (the
	 * operator's command has not returned; lost if the node dies) */
	struct { bool on; uint64_t first, count, at; uint32_t believers[SIM_REGIONS]; }
		op[SIM_MAX_NODES + 1];
	/* nodes whose kernel took the region for in sync at that time
	 * (bit n; a crash clears its bit: a booted kernel knows nothing) */
	uint32_t resync_believers[SIM_REGIONS];
	uint64_t resumed[SIM_MAX_NODES + 1];	/* kernel's last RESUME */
	unsigned nr_write_errors, nr_resyncs;
};

/* kernel -> daemon request; -ESRCH when the daemon is down */
int w_req(struct world *w, uint32_t node, uint64_t luid, uint32_t type,
	  const void *in, size_t in_len, void *out, size_t *out_len);
/* The daemon's instance of node n's live table (NULL: none). */
struct dmlog_log *w_log(struct world *w, uint32_t n);
void w_fail(struct world *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void chk_write_issued(struct world *w, int block);
void chk_write_done(struct world *w, int block, uint64_t id);
void chk_read(struct world *w, uint32_t node, int block, int leg);
void chk_write_died(struct world *w, int block, uint64_t id);
/* Node copies region: no other kernel may write it meanwhile
 * (hazard 3); after an operator resync every kernel must have resumed
 * since the request before the first copy (hazard 4). */
void chk_copy_start(struct world *w, uint32_t node, int region);
void chk_copy_block(struct world *w, uint32_t node, int region);
void chk_recovered(struct world *w, uint32_t node, int region,
		   uint64_t started);

#endif
