/* The layout of an LVM mirror LV, read from LVM's JSON reports, and the
 * device-mapper tables dmlog builds for it (dmlog-lvm(8), doc/lvm.md
 * section 3): the pure part of `dmlogctl lv activate`.
 *
 * Input: the JSON that liblvm2cmd prints for
 *   vgs --reportformat json --units s -o vg_name,vg_uuid,vg_extent_size,
 *       vg_lock_type,vg_lock_args VG
 *   lvs --reportformat json --units s -a -o lv_name,lv_uuid,segtype,
 *       seg_start_pe,seg_size_pe,region_size,mirror_log,stripes,
 *       stripe_size,devices VG
 *   pvs --reportformat json --units s -o pv_name,pe_start
 * (numbers with or without LVM's "S" suffix).
 *
 * Accepted: a mirror LV of one segment with 2 or 3 images and a disk log,
 * whose images and log are linear or striped LVs on PVs (no nested
 * layers: a mirrored log or an image that is itself a mirror is refused),
 * in a VG whose lock type is none (local, one host) or "dlm".
 *
 * Names and uuids as LVM gives them (measured with lvm2 2.03.16): every
 * sub-LV is an LV of its own, device "vg-lv_mimage_0" / "vg-lv_mlog"
 * ('-' inside a name doubled), uuid "LVM-" + VG id + LV id (dashes
 * removed), no layer suffix. No system calls. */
#ifndef DMLOG_LVM_LAYOUT_H
#define DMLOG_LVM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define LVM_NAME_MAX 128	/* LVM's NAME_LEN */
#define LVM_ID_LEN 32		/* an LVM id without dashes */
#define LVM_DM_UUID_LEN (4 + 2 * LVM_ID_LEN)
#define LVM_PV_NAME_MAX 256
#define LVM_LAYOUT_MAX_SEGS 8	/* segments of one image or log */
#define LVM_LAYOUT_MAX_STRIPES 8
#define LVM_LAYOUT_MAX_LEGS 3

struct lvm_area {
	char pv[LVM_PV_NAME_MAX];	/* PV name as LVM reports it */
	uint64_t offset;		/* sectors: pe_start + pe * extent */
};

struct lvm_seg {
	uint64_t start, len;		/* sectors in the LV */
	unsigned stripes;		/* 1: linear */
	uint64_t stripe_sectors;	/* chunk size when striped */
	struct lvm_area areas[LVM_LAYOUT_MAX_STRIPES];
};

struct lvm_sublv {
	char name[LVM_NAME_MAX];	/* "m_mimage_0", "m_mlog" */
	char id[LVM_ID_LEN + 1];	/* LV id, no dashes */
	unsigned nsegs;
	struct lvm_seg segs[LVM_LAYOUT_MAX_SEGS];
};

struct lvm_mirror_layout {
	char vg[LVM_NAME_MAX], lv[LVM_NAME_MAX];
	char vg_id[LVM_ID_LEN + 1], lv_id[LVM_ID_LEN + 1];
	/* the LV's uuid as LVM prints it (with dashes): the name of
	 * lvmlockd's LV lock in the DLM lockspace "lvm_<vg>" */
	char lv_uuid[LVM_ID_LEN + 8];
	char lock_type[16];		/* "" (local) or "dlm" */
	char lock_args[64];
	uint64_t extent_sectors;
	uint64_t size;			/* sectors */
	uint64_t region_sectors;
	unsigned nlegs;
	struct lvm_sublv legs[LVM_LAYOUT_MAX_LEGS];
	struct lvm_sublv log;
};

/* Read the layout of vg/lv from the three reports. 0; -ENOENT when the
 * VG or LV is not in the reports; -ENOTSUP for a layout dmlog does not
 * activate (the message says what and why); -EINVAL for JSON that is
 * not LVM's report; -ENAMETOOLONG. err gets the message. */
int lvm_layout_parse(struct lvm_mirror_layout *l, const char *vg,
		     const char *lv, const char *vgs_json,
		     const char *lvs_json, const char *pvs_json, char *err,
		     size_t errlen);

/* "vg-lv" with '-' doubled inside each name: LVM's device-mapper name. */
int lvm_dm_name(const char *vg, const char *lv, char *out, size_t len);

/* "LVM-" + vg id + lv id; ids with or without LVM's dashes, 32 id
 * characters each. -EINVAL, -ENAMETOOLONG. */
int lvm_dm_uuid(const char *vg_id, const char *lv_id, char *out,
		size_t len);

/* One line of a device-mapper table. */
struct lvm_table_line {
	uint64_t start, len;
	char target[16];
	char params[1024];
};

/* Resolve a PV name to its device numbers (the tool stat()s it). */
typedef int (*lvm_pv_resolve_fn)(const char *pv, uint32_t *major,
				 uint32_t *minor, void *ctx);

/* The table of an image or the log: one linear or striped line per
 * segment. 0, or the resolver's error / -ENOSPC with err set. */
int lvm_sublv_table(const struct lvm_sublv *s, lvm_pv_resolve_fn resolve,
		    void *ctx, struct lvm_table_line *lines, unsigned max,
		    unsigned *n, char *err, size_t errlen);

/* The top table: "mirror userspace 4 <log_uuid> clustered-disk
 * <log maj:min> <region> <nlegs> <leg maj:min> 0 ... 1 handle_errors". */
int lvm_mirror_top_table(const struct lvm_mirror_layout *l,
			 const char *log_uuid, uint32_t log_major,
			 uint32_t log_minor, const uint32_t *leg_major,
			 const uint32_t *leg_minor,
			 struct lvm_table_line *line, char *err,
			 size_t errlen);

#endif
