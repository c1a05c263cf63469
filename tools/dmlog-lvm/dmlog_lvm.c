/* dmlog-lvm: activate an LVM mirror LV with dmlogd's clustered-disk log
 * (dmlog-lvm(8), doc/lvm.md section 3). `dmlogctl lv ...` runs it.
 *
 *   dmlog-lvm activate|deactivate|status VG/LV
 *   dmlog-lvm activate|deactivate --selected      (selected.c)
 *
 * The layout comes from LVM through liblvm2cmd (JSON reports), the tables
 * from lib/lvm_layout.c, and the devices are created with libdevmapper
 * under LVM's own names and uuids, so LVM sees a normal active LV. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <libdevmapper.h>
#include <lvm2cmd.h>

#include "dmlog_lvm.h"
#include "lvlock.h"
#include "lvm_layout.h"
#include "lvm_report.h"

const char *prog = "dmlog-lvm";
bool verbose;

static struct lvm_report capture;

static void lvm_log(int level, const char *file, int line, int dm_errno,
		    const char *message)
{
	(void)file;
	(void)line;
	(void)dm_errno;
	level &= 7;
	if (lvm_report_line(&capture, level == LVM2_LOG_PRINT, message))
		return;
	/* LVM's messages; with -v its verbose ones, never its debug */
	if (level <= LVM2_LOG_PRINT || (verbose && level == LVM2_LOG_VERBOSE))
		fprintf(stderr, "%s: lvm: %s\n", prog, message);
}

void *lvm_open(void)
{
	void *h;

	lvm2_log_fn(lvm_log);
	if (!(h = lvm2_init()))
		fprintf(stderr, "%s: cannot initialise liblvm2cmd\n", prog);
	return h;
}

void lvm_close(void *h)
{
	if (h)
		lvm2_exit(h);
}

int lvm_report_partial(void *h, const char *cmdline, char **out,
		       bool *failed)
{
	int r;

	bool overflow;

	if (lvm_report_start(&capture, 4 << 20))
		return -ENOMEM;
	if (verbose)
		fprintf(stderr, "%s: running: %s\n", prog, cmdline);
	r = lvm2_run(h, cmdline);
	overflow = capture.overflow;
	if (failed)
		*failed = r != LVM2_COMMAND_SUCCEEDED;
	*out = lvm_report_end(&capture, failed != NULL ||
			      r == LVM2_COMMAND_SUCCEEDED);
	if (!*out) {
		fprintf(stderr, "%s: \"%s\" failed%s\n", prog, cmdline,
			overflow ? " (output too long)" : "");
		return -EIO;
	}
	return 0;
}

/* Run an LVM report; its JSON in *out (malloc'd). */
static int lvm_report(void *h, const char *cmdline, char **out)
{
	return lvm_report_partial(h, cmdline, out, NULL);
}

/* LVM's name rules: letters, digits, "+_.-", not starting with '-'. */
static bool lvm_name_ok(const char *s)
{
	if (!*s || *s == '-' || strlen(s) >= LVM_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("+_.-", *s)))
			return false;
	return true;
}

/* say_refusal: print why a layout is refused (-ENOTSUP) */
static int read_layout(void *h, const char *vg, const char *lv,
		       struct lvm_mirror_layout *l, bool say_refusal)
{
	char cmd[512], err[512];
	char *vgs = NULL, *lvs = NULL, *pvs = NULL;
	int r;

	snprintf(cmd, sizeof(cmd), "vgs --reportformat json --units s -o "
		 "vg_name,vg_uuid,vg_extent_size,vg_lock_type,vg_lock_args %s",
		 vg);
	if ((r = lvm_report(h, cmd, &vgs)))
		goto out;
	snprintf(cmd, sizeof(cmd), "lvs --reportformat json --units s -a -o "
		 "lv_name,lv_uuid,segtype,seg_start_pe,seg_size_pe,"
		 "region_size,mirror_log,stripes,stripe_size,devices %s", vg);
	if ((r = lvm_report(h, cmd, &lvs)))
		goto out;
	snprintf(cmd, sizeof(cmd), "pvs --reportformat json --units s -o "
		 "pv_name,pe_start -S vg_name=%s", vg);
	if ((r = lvm_report(h, cmd, &pvs)))
		goto out;
	r = lvm_layout_parse(l, vg, lv, vgs, lvs, pvs, err, sizeof(err));
	if (r && (r != -ENOTSUP || say_refusal))
		fprintf(stderr, "%s: %s\n", prog, err);
out:
	free(vgs);
	free(lvs);
	free(pvs);
	return r;
}

/* ---- libdevmapper ---- */

static int resolve_pv(const char *pv, uint32_t *ma, uint32_t *mi, void *ctx)
{
	struct stat st;

	(void)ctx;
	if (stat(pv, &st) || !S_ISBLK(st.st_mode))
		return -ENOENT;
	*ma = major(st.st_rdev);
	*mi = minor(st.st_rdev);
	return 0;
}

/* Does a device with this uuid exist? its name, numbers and first table
 * line's target and params (optional). */
static bool dm_exists(const char *uuid, char *name, size_t namelen,
		      uint32_t *ma, uint32_t *mi, char *table, size_t tlen)
{
	struct dm_task *dmt;
	struct dm_info info;
	uint64_t start, len;
	char *target = NULL, *params = NULL;
	bool found = false;

	if (!(dmt = dm_task_create(table ? DM_DEVICE_TABLE : DM_DEVICE_INFO)))
		return false;
	if (!dm_task_set_uuid(dmt, uuid) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, &info) || !info.exists)
		goto out;
	found = true;
	if (ma)
		*ma = info.major;
	if (mi)
		*mi = info.minor;
	if (name)
		snprintf(name, namelen, "%s", dm_task_get_name(dmt));
	if (table) {
		dm_get_next_target(dmt, NULL, &start, &len, &target, &params);
		snprintf(table, tlen, "%s %s", target ? target : "",
			 params ? params : "");
	}
out:
	dm_task_destroy(dmt);
	return found;
}

/* Hidden sub-LVs: no udev rules beyond device-mapper's own, as LVM does
 * for its private LVs. */
#define HIDDEN_FLAGS (DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | \
		      DM_UDEV_DISABLE_DISK_RULES_FLAG | \
		      DM_UDEV_DISABLE_OTHER_RULES_FLAG)

static int dm_create(const char *name, const char *uuid,
		     const struct lvm_table_line *t, unsigned n,
		     uint16_t flags, uint32_t *ma, uint32_t *mi)
{
	struct dm_task *dmt;
	struct dm_info info;
	uint32_t cookie = 0;
	unsigned i;
	int ok = 0;

	if (verbose)
		for (i = 0; i < n; i++)
			fprintf(stderr, "%s: %s: %" PRIu64 " %" PRIu64 " %s %s\n",
				prog, name, t[i].start, t[i].len, t[i].target,
				t[i].params);
	if (!(dmt = dm_task_create(DM_DEVICE_CREATE)))
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) || !dm_task_set_uuid(dmt, uuid))
		goto out;
	for (i = 0; i < n; i++)
		if (!dm_task_add_target(dmt, t[i].start, t[i].len, t[i].target,
					t[i].params))
			goto out;
	if (!dm_task_set_cookie(dmt, &cookie, flags))
		goto out;
	ok = dm_task_run(dmt);
	(void)dm_udev_wait(cookie);
	if (ok && dm_task_get_info(dmt, &info) && info.exists) {
		*ma = info.major;
		*mi = info.minor;
	} else {
		ok = 0;
	}
out:
	dm_task_destroy(dmt);
	if (!ok)
		fprintf(stderr, "%s: cannot create %s\n", prog, name);
	return ok ? 0 : -EIO;
}

static int dm_remove(const char *uuid, uint16_t flags)
{
	struct dm_task *dmt;
	uint32_t cookie = 0;
	char name[256];
	int ok = 0;

	if (!dm_exists(uuid, name, sizeof(name), NULL, NULL, NULL, 0))
		return 0;
	if (!(dmt = dm_task_create(DM_DEVICE_REMOVE)))
		return -ENOMEM;
	if (dm_task_set_uuid(dmt, uuid) &&
	    dm_task_set_cookie(dmt, &cookie, flags)) {
		ok = dm_task_run(dmt);
		(void)dm_udev_wait(cookie);
	}
	dm_task_destroy(dmt);
	if (!ok) {
		fprintf(stderr, "%s: cannot remove %s\n", prog, name);
		return -EBUSY;
	}
	if (verbose)
		fprintf(stderr, "%s: removed %s\n", prog, name);
	return 0;
}

/* The devices of a layout: [0..nlegs) images, nlegs the log, nlegs+1
 * the top. */
struct devs {
	unsigned n;
	char name[LVM_LAYOUT_MAX_LEGS + 2][2 * LVM_NAME_MAX + 8];
	char uuid[LVM_LAYOUT_MAX_LEGS + 2][LVM_DM_UUID_LEN + 1];
};

static int dev_names(const struct lvm_mirror_layout *l, struct devs *d)
{
	unsigned i;
	const char *lv;
	const char *id;

	d->n = l->nlegs + 2;
	for (i = 0; i < d->n; i++) {
		if (i < l->nlegs) {
			lv = l->legs[i].name;
			id = l->legs[i].id;
		} else if (i == l->nlegs) {
			lv = l->log.name;
			id = l->log.id;
		} else {
			lv = l->lv;
			id = l->lv_id;
		}
		if (lvm_dm_name(l->vg, lv, d->name[i], sizeof(d->name[i])) ||
		    lvm_dm_uuid(l->vg_id, id, d->uuid[i], sizeof(d->uuid[i])))
			return -ENAMETOOLONG;
	}
	return 0;
}

static int activate(const struct lvm_mirror_layout *l, const struct devs *d)
{
	struct lvm_table_line *t;
	uint32_t ma[LVM_LAYOUT_MAX_LEGS + 2], mi[LVM_LAYOUT_MAX_LEGS + 2];
	char err[512], name[256];
	unsigned i, n, made = 0;
	int r = 0;

	for (i = 0; i < d->n; i++)
		if (dm_exists(d->uuid[i], name, sizeof(name), NULL, NULL, NULL,
			      0)) {
			fprintf(stderr, "%s: %s/%s is already active here (%s "
				"exists); deactivate it first\n", prog, l->vg,
				l->lv, name);
			return -EEXIST;
		}
	/* lvmlockd VG: PR on LVM's LV lock first, so that LVM cannot
	 * activate the LV exclusively or change it while it is ours */
	if (!strcmp(l->lock_type, "dlm")) {
		if ((r = lvlock_start(l->vg, l->lv_uuid, d->name[l->nlegs + 1],
				      err, sizeof(err)))) {
			fprintf(stderr, "%s: %s/%s: %s\n", prog, l->vg, l->lv,
				err);
			return r;
		}
		if (verbose)
			fprintf(stderr, "%s: PR held on LV lock %s in lvm_%s\n",
				prog, l->lv_uuid, l->vg);
	}
	if (!(t = calloc(LVM_LAYOUT_MAX_SEGS, sizeof(*t)))) {
		r = -ENOMEM;
		goto unlock;
	}
	/* images and log first, then the mirror on top of them */
	for (i = 0; i <= l->nlegs; i++) {
		const struct lvm_sublv *s = i < l->nlegs ? &l->legs[i] : &l->log;

		if ((r = lvm_sublv_table(s, resolve_pv, NULL, t,
					 LVM_LAYOUT_MAX_SEGS, &n, err,
					 sizeof(err)))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			goto undo;
		}
		if ((r = dm_create(d->name[i], d->uuid[i], t, n, HIDDEN_FLAGS,
				   &ma[i], &mi[i])))
			goto undo;
		made++;
	}
	/* the log uuid LVM gives a disk log: the mlog device's uuid */
	if ((r = lvm_mirror_top_table(l, d->uuid[l->nlegs], ma[l->nlegs],
				      mi[l->nlegs], ma, mi, t, err,
				      sizeof(err)))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto undo;
	}
	if ((r = dm_create(d->name[l->nlegs + 1], d->uuid[l->nlegs + 1], t, 1,
			   0, &ma[l->nlegs + 1], &mi[l->nlegs + 1]))) {
		fprintf(stderr, "%s: is dmlogd running? (dmesg shows the "
			"mirror target's error)\n", prog);
		goto undo;
	}
	free(t);
	/* from now on the holder releases PR when the device goes */
	if (!strcmp(l->lock_type, "dlm") &&
	    lvlock_activated(d->name[l->nlegs + 1]))
		fprintf(stderr, "%s: %s/%s: the LV lock holder is gone; run "
			"'dmlogctl lv deactivate %s/%s'\n", prog, l->vg, l->lv,
			l->vg, l->lv);
	return 0;
undo:
	while (made--)
		(void)dm_remove(d->uuid[made], HIDDEN_FLAGS);
	free(t);
unlock:
	(void)lvlock_stop(d->name[l->nlegs + 1]);
	return r;
}

static int deactivate(const struct devs *d)
{
	unsigned i;
	int r;

	/* the mirror first, then the log and the images */
	if ((r = dm_remove(d->uuid[d->n - 1], 0)))
		return r;
	for (i = d->n - 1; i-- > 0;)
		if ((r = dm_remove(d->uuid[i], HIDDEN_FLAGS)))
			return r;
	/* then LVM may have the LV again: release its LV lock */
	if ((r = lvlock_stop(d->name[d->n - 1])))
		fprintf(stderr, "%s: the LV lock holder (pid %d) did not "
			"stop\n", prog, (int)lvlock_holder(d->name[d->n - 1]));
	return r;
}

/* How the LV is active here; the top device's name and table when it
 * exists. */
static enum lv_state lv_state(const struct lvm_mirror_layout *l,
			      const struct devs *d, char *name, size_t namelen,
			      char *table, size_t tlen)
{
	unsigned i, present = 0;

	(void)l;
	/* INFO first: a TABLE request on a missing device logs an error */
	if (!dm_exists(d->uuid[d->n - 1], NULL, 0, NULL, NULL, NULL, 0) ||
	    !dm_exists(d->uuid[d->n - 1], name, namelen, NULL, NULL, table,
		       tlen)) {
		for (i = 0; i < d->n; i++)
			if (dm_exists(d->uuid[i], NULL, 0, NULL, NULL, NULL, 0))
				present++;
		return present ? LV_PARTIAL : LV_INACTIVE;
	}
	if (strstr(table, "mirror userspace ") == table &&
	    strstr(table, " clustered-disk "))
		return LV_DMLOG;
	return LV_LVM;
}

static int status(const struct lvm_mirror_layout *l, const struct devs *d)
{
	char table[2048], name[256];
	enum lv_state st = lv_state(l, d, name, sizeof(name), table,
				    sizeof(table));
	pid_t holder = lvlock_holder(d->name[d->n - 1]);

	printf("%s/%s: lock type %s, %u legs, region %" PRIu64 " sectors\n",
	       l->vg, l->lv, *l->lock_type ? l->lock_type : "none (local)",
	       l->nlegs, l->region_sectors);
	if (holder)
		printf("LV lock: PR on %s in lvm_%s, held by pid %d\n",
		       l->lv_uuid, l->vg, (int)holder);
	if (st == LV_INACTIVE || st == LV_PARTIAL) {
		printf("state: %s\n", st == LV_PARTIAL ? "partly active (sub-"
		       "LVs without the mirror)" : "inactive");
		return st == LV_PARTIAL ? 1 : 0;
	}
	if (st == LV_DMLOG) {
		printf("state: active with dmlogd's clustered-disk log "
		       "(log uuid %s)\n", d->uuid[l->nlegs]);
		if (holder)
			printf("LVM changes: refused by LVM (\"LV locked by "
			       "other host\") until 'dmlogctl lv deactivate "
			       "%s/%s' has run on every host where it is "
			       "active\n", l->vg, l->lv);
	} else
		printf("state: active with LVM's own log\n");
	printf("device: %s\ntable: %s\n", name, table);
	return 0;
}

/* ---- one LV of --selected (selected.c) ---- */

static enum sel_outcome sel_activate(const struct lvm_mirror_layout *l,
				     const struct devs *d)
{
	char table[2048], name[256];

	switch (lv_state(l, d, name, sizeof(name), table, sizeof(table))) {
	case LV_DMLOG:
		return SEL_ALREADY;
	case LV_LVM:
		fprintf(stderr, "%s: %s/%s: active with LVM's own log (LVM "
			"activated it): left alone; to move it to dmlogd's log "
			"run \"lvchange -an %s/%s\" and activate it again\n",
			prog, l->vg, l->lv, l->vg, l->lv);
		return SEL_LVM_OWN;
	default:	/* activate() refuses a partial activation */
		return activate(l, d) ? SEL_FAILED : SEL_DONE;
	}
}

static enum sel_outcome sel_deactivate(const struct lvm_mirror_layout *l,
				       const struct devs *d)
{
	char table[2048], name[256];
	enum lv_state st = lv_state(l, d, name, sizeof(name), table,
				    sizeof(table));

	if (st == LV_LVM) {
		fprintf(stderr, "%s: %s/%s: active with LVM's own log (LVM "
			"activated it): left alone\n", prog, l->vg, l->lv);
		return SEL_LVM_OWN;
	}
	/* also when inactive: a PR holder LVM's lvchange -an left */
	if (deactivate(d))
		return SEL_FAILED;
	return st == LV_INACTIVE ? SEL_NOTHING : SEL_DONE;
}

enum sel_outcome selected_one(void *h, bool act, const char *vg,
			      const char *lv)
{
	struct lvm_mirror_layout *l;
	enum sel_outcome o;
	struct devs d;
	int r;

	if (!(l = calloc(1, sizeof(*l)))) {
		fprintf(stderr, "%s: %s/%s: out of memory\n", prog, vg, lv);
		return SEL_FAILED;
	}
	/* deactivate: a layout dmlog refuses was never activated by it */
	r = read_layout(h, vg, lv, l, act);
	if (r == -ENOTSUP && !act)
		o = SEL_NOT_OURS;	/* dmlog never activates it */
	else if (r || dev_names(l, &d))
		o = SEL_FAILED;
	else
		o = act ? sel_activate(l, &d) : sel_deactivate(l, &d);
	free(l);
	return o;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-v] activate|deactivate|status VG/LV\n"
		"       %s [-v] activate|deactivate --selected\n", prog, prog);
}

/* "VG/LV" (or "/dev/VG/LV") into vg and *lv. */
static int split_vg_lv(const char *arg, char *vg, size_t vglen,
		       const char **lv)
{
	const char *slash;

	if (!strncmp(arg, "/dev/", 5))
		arg += 5;
	if (!(slash = strchr(arg, '/')) || (size_t)(slash - arg) >= vglen) {
		fprintf(stderr, "%s: %s: not VG/LV\n", prog, arg);
		return -EINVAL;
	}
	memcpy(vg, arg, (size_t)(slash - arg));
	vg[slash - arg] = '\0';
	*lv = slash + 1;
	if (!lvm_name_ok(vg) || !lvm_name_ok(*lv)) {
		fprintf(stderr, "%s: %s: not an LVM VG/LV name\n", prog, arg);
		return -EINVAL;
	}
	return 0;
}

static int one_lv(void *h, const char *cmd, const char *vg, const char *lv)
{
	struct lvm_mirror_layout *l;
	struct devs d;
	int r;

	if (!(l = calloc(1, sizeof(*l))))
		return 1;
	r = read_layout(h, vg, lv, l, true);
	if (r == -ENOTSUP || r == -ENOENT) {
		free(l);
		return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_REFUSED;
	}
	if (r || dev_names(l, &d)) {
		free(l);
		return 1;
	}
	if (!strcmp(cmd, "activate"))
		r = activate(l, &d);
	else if (!strcmp(cmd, "deactivate"))
		r = deactivate(&d);
	else
		r = status(l, &d);
	free(l);
	if (r == -EEXIST || r == -EBUSY || r == -EAGAIN)
		return EXIT_BUSY;
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	char vg[LVM_NAME_MAX];
	const char *cmd, *lv;
	void *h;
	int r, i = 1;

	if (i < argc && !strcmp(argv[i], "-v")) {
		verbose = true;
		i++;
	}
	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc - i != 2 || (strcmp(argv[i], "activate") &&
			      strcmp(argv[i], "deactivate") &&
			      strcmp(argv[i], "status"))) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[i];
	if (!strcmp(argv[i + 1], "--selected")) {
		if (!strcmp(cmd, "status")) {
			usage(stderr);
			return EXIT_USAGE;
		}
		return run_selected(!strcmp(cmd, "activate"));
	}
	if (split_vg_lv(argv[i + 1], vg, sizeof(vg), &lv))
		return EXIT_USAGE;
	if (!(h = lvm_open()))
		return 1;
	r = one_lv(h, cmd, vg, lv);
	lvm_close(h);
	return r;
}
