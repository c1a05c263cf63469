/* Deterministic simulation of several nodes sharing a mirror and its
 * dmlog disk log (doc/design.md section 7): each node runs the real
 * engine, server and cluster protocol against a simulated DLM, a
 * simulated shared disk and a model of its kernel's dm-raid1. One seed
 * decides everything. */
#ifndef DMLOG_SIM_H
#define DMLOG_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "blockdev.h"
#include "cluster_log.h"
#include "lockmgr.h"

#define SIM_MAX_NODES 4
#define SIM_LEGS 2
#define SIM_REGIONS 8
#define SIM_BPR 4			/* blocks per region */
#define SIM_BLOCKS (SIM_REGIONS * SIM_BPR)
#define SIM_SLOTS 4

/* ---- rng: splitmix64 */
struct sim_rng {
	uint64_t s;
};
uint64_t sim_rand(struct sim_rng *g);
uint64_t sim_below(struct sim_rng *g, uint64_t n);
bool sim_pct(struct sim_rng *g, unsigned pct);

extern bool sim_trace;
extern bool sim_resyncs;	/* --resyncs / --ext: operator resyncs */
extern bool sim_write_errors;	/* --write-errors / --ext */
/* --drain-requeued: a suspend waits for requeued writes too, as dm core
 * does (open finding, doc/design.md 7.10; not in check-sim) */
extern bool sim_drain_requeued;
void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- simulated DLM (sim_dlm.c) */
struct sim_dlm;
struct sim_dlm *sim_dlm_new(struct sim_rng *rng, uint64_t *now);
void sim_dlm_free(struct sim_dlm *d);
/* A daemon incarnation's connection. */
struct lockmgr *sim_dlm_connect(struct sim_dlm *d, uint32_t node);
/* The daemon died: non-persistent locks released, persistent orphaned. */
void sim_dlm_proc_exit(struct lockmgr *lm);
/* The node died: members told at once; locks released when fenced. */
void sim_dlm_node_die(struct sim_dlm *d, uint32_t node, uint64_t fence_at);
bool sim_dlm_fenced(struct sim_dlm *d, uint32_t node);
void sim_dlm_node_up(struct sim_dlm *d, uint32_t node);
/* Deliver every callback due now. Returns how many ran. */
int sim_dlm_run(struct sim_dlm *d);
bool sim_dlm_idle(struct sim_dlm *d);
void sim_dlm_dump(struct sim_dlm *d);

/* ---- shared disk (sim_disk.c) */
struct sim_disk;
struct sim_disk *sim_disk_new(uint64_t size);
void sim_disk_free(struct sim_disk *d);
struct blockdev *sim_disk_view(struct sim_disk *d);
/* Process death: its submitted writes reach the disk; later I/O fails. */
void sim_view_kill(struct blockdev *bd);
/* Power loss of the node: unsynced writes kept, lost or torn. */
void sim_view_crash(struct blockdev *bd, uint64_t seed);

#endif
