/* Storage seam: where a log keeps its state across restarts.
 *
 * The engine (log_engine.c) tells the store which bits changed and when
 * the kernel asks for a flush; the store decides what to write. A core log
 * has no store (NULL). The disk store (store_disk.c) implements the
 * on-disk format in doc/format.md over a struct blockdev.
 *
 * Bit meanings, as the engine keeps them (the kernel's dm-log semantics):
 *   clean:   1 = no write of this node may be in flight: not marked since
 *            the last clear (the engine's `idle` bitmap; not the kernel's
 *            IS_CLEAN bit, which dm-log resets to in_sync at resume)
 *   in_sync: 1 = legs hold the same data for the region
 * The store persists "dirty" = !clean in this node's slot and
 * "out of sync" = !in_sync in the shared area. */
#ifndef DMLOG_LOG_STORE_H
#define DMLOG_LOG_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct bitmap;
struct dmlog_slot_info;
struct log_store;

enum store_bit { STORE_BIT_CLEAN, STORE_BIT_SYNC };

struct log_store_ops {
	/* RESUME: read the device. Regions dirty in any slot or out of sync
	 * in the shared area come back with in_sync = 0 (durably merged
	 * before returning); bad blocks count as all dirty. Also makes the
	 * kernel-format header invalid for as long as the store is live.
	 * in_sync has region_count bits. 0 or -errno. */
	int (*load)(struct log_store *s, struct bitmap *in_sync);
	/* A bit changed in the engine (called for every change). */
	void (*note)(struct log_store *s, enum store_bit which, uint64_t region);
	/* FLUSH: every noted change is durable when this returns 0. */
	int (*flush)(struct log_store *s, const struct bitmap *clean,
		     const struct bitmap *in_sync);
	/* DTR. With handoff (the mirror was suspended and no other instance
	 * of this log is live), also write a valid kernel "disk" log header
	 * and clean bitmap (clean && in_sync) so the kernel's own disk log
	 * can take the device over without a full resync. */
	int (*close)(struct log_store *s, const struct bitmap *clean,
		     const struct bitmap *in_sync, bool handoff);
	void (*destroy)(struct log_store *s);
};

/* What the cluster protocol (cluster_log.c) needs from a store whose
 * device is shared by several nodes (doc/design.md section 7). Every call
 * that writes makes its writes durable before it returns. The caller holds
 * the locks the design names; the store takes none. */
struct log_store_cluster_ops {
	/* Read block 0: the slot count of the format on the device, or of
	 * the one load would create. Slot info reads need a probe first. */
	int (*probe)(struct log_store *s, uint32_t *nr_slots);
	/* This node's slot and node id (before load). */
	int (*set_slot)(struct log_store *s, uint32_t slot, uint32_t node_id);
	/* Shared: flush writes only this node's slot; the OOS area changes
	 * only through oos_update and merges. */
	void (*set_shared)(struct log_store *s, bool shared);
	/* load, merging only the slots whose merge[] byte is set (this
	 * node's slot must be one): doc/format.md 5.1 RECOVER with M. */
	int (*load_mask)(struct log_store *s, struct bitmap *in_sync,
			 const uint8_t *merge);
	/* in_sync := NOT OOS area (bad blocks: out of sync). No write. */
	int (*read_oos)(struct log_store *s, struct bitmap *in_sync);
	/* dirty |= the bitmap of `slot` (bad blocks: all dirty). No write. */
	int (*read_slot)(struct log_store *s, uint32_t slot,
			 struct bitmap *dirty);
	/* Read-modify-write of the OOS block holding region: its bit := oos. */
	int (*oos_update)(struct log_store *s, uint64_t region, bool oos);
	/* OOS |= slot's bitmap, then the slot cleared and its info FREE. */
	int (*merge_slot)(struct log_store *s, uint32_t slot);
	/* A bad slot info block reads as ACTIVE with node id 0. */
	int (*read_slot_info)(struct log_store *s, uint32_t slot,
			      struct dmlog_slot_info *si);
	int (*write_slot_info)(struct log_store *s, uint32_t slot,
			       uint32_t state, uint32_t node_id);
	/* This node's slot := clean (bits set = not marked), durable;
	 * only blocks holding marks are written. */
	int (*reset_slot)(struct log_store *s, const struct bitmap *clean);
};

struct log_store {
	const struct log_store_ops *ops;
	const struct log_store_cluster_ops *cops;	/* NULL: not shareable */
	char dev_name[32];	/* "major:minor" for status and CTR reply */
	bool failed;		/* an I/O error happened: status shows 'D' */
};

#endif
