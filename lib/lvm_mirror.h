/* LVM mirror LVs and dmlog: the pure part of the dmeventd plugin
 * (daemons/dmeventd-dmlog/, dmlog-dmeventd(8)).
 *
 *  - which mirror LVs dmlog.conf selects (section "lvm", key
 *    "volume_list": "vg", "vg/lv" or "@tag" entries, as in lvm.conf's
 *    activation/volume_list);
 *  - device-mapper names of LVM devices ("vg-lv[-layer]", '-' doubled
 *    inside names) split into VG, LV and layer;
 *  - the table rewrite from LVM's mirror table (kernel "disk" log) to the
 *    same mirror with dmlogd's "userspace ... clustered-disk" log;
 *  - the mirror target's status parsed for failed legs and logs, with the
 *    same classification as LVM's stock mirror plugin.
 *
 * No system calls; libdevmapper's dm_config parser reads the selection. */
#ifndef DMLOG_LVM_MIRROR_H
#define DMLOG_LVM_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- selection ---- */

struct lvm_select {
	char **items;		/* "vg", "vg/lv", "@tag": validated */
	size_t n;
};

/* What the plugin reads from dmlog.conf. */
struct lvm_conf {
	struct lvm_select sel;		/* lvm/volume_list */
	char *locking_dir;		/* lvm/locking_dir, NULL: not set */
	char *control_socket;		/* dmlogd/control_socket, NULL */
};

/* Parse dmlog.conf text (lvm.conf syntax): lvm/volume_list,
 * lvm/locking_dir and dmlogd/control_socket. Other sections and the
 * other dmlogd keys are dmlogd's and not looked at; unknown keys inside
 * "lvm" are an error naming them. A missing section or key selects
 * nothing. 0, or -EINVAL / -ENOMEM with a message in err; *c is empty
 * on failure. `name` is used in messages. */
int lvm_conf_parse(struct lvm_conf *c, const char *text, size_t len,
		   const char *name, char *err, size_t errlen);
void lvm_conf_free(struct lvm_conf *c);

/* Add one entry after checking its syntax: LVM's name rules (letters,
 * digits, "+_.-", not starting with '-'), tags also "/=!:&#". */
int lvm_select_add(struct lvm_select *s, const char *item, char *err,
		   size_t errlen);
void lvm_select_free(struct lvm_select *s);

/* Does any entry need the LV's and VG's tags? */
bool lvm_select_needs_tags(const struct lvm_select *s);

/* Is vg/lv selected? tags: the LV's and the VG's tags together (NULL
 * when ntags == 0). */
bool lvm_select_match(const struct lvm_select *s, const char *vg,
		      const char *lv, const char *const *tags, size_t ntags);

/* ---- device-mapper names ---- */

/* "vg-lv" / "vg-lv-layer" with '-' inside a name written "--" (LVM's
 * encoding). Each out buffer gets its part (layer "" when absent).
 * -EINVAL for a name that is not an LVM name, -ENAMETOOLONG. */
int lvm_split_dm_name(const char *dmname, char *vg, size_t vglen, char *lv,
		      size_t lvlen, char *layer, size_t layerlen);

/* LVM names mirror sub-LVs "<lv>_mlog", "<lv>_mimage_<n>",
 * "<lv>_mimagetmp_<n>": cut lv (in place) to the mirror's own name, as
 * LVM's stock plugin does before building its commands. */
void lvm_mirror_top_name(char *lv);

/* The log uuid LVM gives a disk log (libdevmapper's deptree): the mlog
 * LV's own device uuid, "LVM-" + VG id (32) + LV id (32). Checks that
 * log_dev_uuid is an LVM uuid of the mirror's VG (same "LVM-<vgid>"
 * prefix as mirror_uuid) and copies it to out. -EINVAL otherwise,
 * -ENAMETOOLONG when out is too small. */
int lvm_log_uuid(const char *mirror_uuid, const char *log_dev_uuid,
		 char *out, size_t len);

/* ---- table rewrite ---- */

/* Parameters of a mirror target as the kernel prints them (dmsetup
 * table): "disk <n> <dev> <region_size> [sync|nosync] <#legs> <dev>
 * <offset>... [<#features> <features>...]". Writes the same mirror with
 * the log served by dmlogd:
 *   "userspace <n+2> <log_uuid> clustered-disk <dev> <region_size>
 *    [sync|nosync] <#legs> <dev> <offset>... [<#features> ...]"
 * (legs, region size, flags and features unchanged).
 * 0 on success; -EALREADY when the log is already "userspace";
 * -ENOTSUP for a log type other than "disk" (core logs have no log
 * device to share); -EINVAL for malformed parameters; -ENOSPC when out
 * is too small. err says why. */
int lvm_mirror_userspace_params(const char *params, const char *log_uuid,
				char *out, size_t outlen, char *err,
				size_t errlen);

/* The log device of a "disk" (or "userspace ... clustered-disk") mirror
 * table, as printed ("253:2"): 0, or -ENOENT for a core log, -EINVAL. */
int lvm_mirror_log_dev(const char *params, uint32_t *major, uint32_t *minor);

/* ---- status ---- */

#define MIRROR_MAX_LEGS 32

struct mirror_status {
	unsigned nlegs;
	struct {
		uint32_t major, minor;
		char health;	/* 'A' alive, 'D' dead (write failure),
				 * 'F' flush failed, 'S' sync failed,
				 * 'R' read failed, 'U' unclassified */
	} legs[MIRROR_MAX_LEGS];
	uint64_t insync, total;	/* regions */
	char log_type[32];	/* "disk", "core", "clustered-disk", ... */
	bool log_has_dev;	/* disk kinds: device and health below */
	uint32_t log_major, log_minor;
	char log_health;
};

/* The mirror target's INFO status ("2 253:3 253:4 120/128 1 AA 3 disk
 * 253:2 A", or with dmlogd "... 3 clustered-disk 253:2 A"). 0 or
 * -EINVAL with the reason in err. */
int mirror_status_parse(const char *status, struct mirror_status *st,
			char *err, size_t errlen);

enum mirror_event {
	MIRROR_EV_IGNORE,	/* nothing to do (resync running, or not
				 * an actionable failure) */
	MIRROR_EV_INSYNC,	/* every leg and the log alive, in sync */
	MIRROR_EV_FAILURE,	/* a leg or the log failed: repair */
};

/* LVM's stock classification: 'A' is fine; 'D', 'F', 'U' and any
 * unknown letter are failures; 'S' and 'R' are reported but do not
 * trigger a repair. For every leg or log with a health other than 'A',
 * report(what, major, minor, health, ctx) is called (what: "Primary
 * mirror", "Secondary mirror" or "Log"); report may be NULL. */
enum mirror_event mirror_status_event(const struct mirror_status *st,
				      void (*report)(const char *what,
						     uint32_t major,
						     uint32_t minor,
						     char health, void *ctx),
				      void *ctx);

#endif
