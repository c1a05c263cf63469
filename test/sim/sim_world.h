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
};

/* kernel -> daemon request; -ESRCH when the daemon is down */
int w_req(struct world *w, uint32_t node, uint32_t type, const void *in,
	  size_t in_len, void *out, size_t *out_len);
void w_fail(struct world *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void chk_write_issued(struct world *w, int block);
void chk_write_done(struct world *w, int block, uint64_t id);
void chk_read(struct world *w, uint32_t node, int block, int leg);
void chk_write_died(struct world *w, int block, uint64_t id);

#endif
