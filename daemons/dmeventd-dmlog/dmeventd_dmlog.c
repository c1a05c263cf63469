/* libdevmapper-event-dmlog.so: dmeventd plugin for LVM mirror LVs
 * (dmlog-dmeventd(8)).
 *
 * Named by lvm.conf's dmeventd/mirror_library instead of LVM's
 * libdevmapper-event-lvm2mirror.so. For every mirror it does what the
 * stock plugin does: on a leg or log failure it runs
 *   lvconvert --repair --use-policies vg/lv
 * through liblvm2cmd. (The stock plugin first runs "lvscan --cache vg/lv",
 * a no-op since LVM 2.03 dropped lvmetad: 2.03.16 refuses it with
 * "Command does not accept argument" and the plugin logs a warning.) For the mirrors dmlog.conf selects (lvm/volume_list)
 * it also switches the mirror's log from the kernel's "disk" log to
 * dmlogd's "userspace ... clustered-disk" log on the same mlog device when
 * the mirror is registered (and again after a repair that leaves a
 * mirror), under LVM's own VG lock file so that no LVM command on the VG
 * runs at the same time. The table logic is in lib/lvm_mirror.c. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libdevmapper.h>
#include <libdevmapper-event.h>
#include <limits.h>
#include <linux/dm-ioctl.h>
#include <lvm2cmd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lvm_mirror.h"
#include "lvm_report.h"

#define DEFAULT_CONFIG "/etc/dmlog/dmlog.conf"
#define DEFAULT_CONTROL_SOCKET "/run/dmlogd.sock"
#define DEFAULT_LOCKING_DIR "/run/lock/lvm"
#define CONFIG_MAX (1024 * 1024)
#define CMD_MAX 512
#define LVM_NAME_MAX 128

/* dm_event_log levels (LVM's: syslog priorities) */
#define L_ERR 3
#define L_WARN 4
#define L_NOTICE 5
#define L_INFO 6
#define L_DEBUG 7

struct dso_state {
	char device[DM_NAME_LEN];
	char uuid[DM_UUID_LEN];
	char vg[LVM_NAME_MAX], lv[LVM_NAME_MAX];
	char cmd_repair[CMD_MAX];
	bool sublv;		/* an LVM sub-LV (_mlog, _mimage_N): never
				 * switched */
	bool selected;		/* dmlog.conf selected it at registration */
};

/* ---- logging: dmeventd's (syslog, or stderr with dmeventd -l) ---- */

static void plog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void plog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dm_event_log("dmlog", level, __FILE__, __LINE__, 0, fmt, ap);
	va_end(ap);
}

/* ---- liblvm2cmd: one handle for every registered mirror ---- */

static pthread_mutex_t register_mutex = PTHREAD_MUTEX_INITIALIZER;
static int register_count;
static void *lvm_handle;

/* One LVM command at a time; while one runs, capture (if set) collects
 * the lines it prints (reports) instead of logging them. */
static pthread_mutex_t run_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct lvm_report capture;

static void log_line(const char *subsys, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_line(const char *subsys, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dm_event_log(subsys, level, __FILE__, __LINE__, 0, fmt, ap);
	va_end(ap);
}

static void lvm_log(int level, const char *file, int line, int dm_errno,
		    const char *message)
{
	(void)file;
	(void)line;
	(void)dm_errno;
	level &= 7;
	/* Reports and warnings both come at LVM2_LOG_PRINT */
	if (lvm_report_line(&capture, level == LVM2_LOG_PRINT, message))
		return;
	/* LVM's verbose and debug lines only with dmeventd -d */
	log_line(level > LVM2_LOG_PRINT ? "#lvm" : "lvm",
		 level < L_ERR ? L_ERR : level, "%s", message);
}

static int lvm_acquire(void)
{
	int r = 0;

	pthread_mutex_lock(&register_mutex);
	if (!lvm_handle) {
		lvm2_log_fn(lvm_log);
		if (!(lvm_handle = lvm2_init_threaded())) {
			plog(L_ERR, "Cannot initialise liblvm2cmd.");
			goto out;
		}
		/* The repair must not ask dmeventd (us) to monitor. */
		lvm2_disable_dmeventd_monitoring(lvm_handle);
		/* Keep LVM's memory locked, as LVM's own plugins do: the
		 * repair runs while mirrors are suspended. */
		lvm2_run(lvm_handle, "_memlock_inc");
	}
	register_count++;
	r = 1;
out:
	pthread_mutex_unlock(&register_mutex);
	return r;
}

static void lvm_release(void)
{
	pthread_mutex_lock(&register_mutex);
	if (register_count && !--register_count && lvm_handle) {
		lvm2_run(lvm_handle, "_memlock_dec");
		lvm2_exit(lvm_handle);
		lvm_handle = NULL;
	}
	pthread_mutex_unlock(&register_mutex);
}

/* LVM's own plugins (snapshot, thin, raid, vdo) share one liblvm2cmd
 * handle in libdevmapper-event-lvm2.so and run one command at a time
 * under its lock. When that library is loaded in this dmeventd, take its
 * lock as well, so that commands of the two handles never overlap. */
typedef void (*lock_fn)(void);

static void *lvm2_helper_lock(void)
{
	void *h = dlopen("libdevmapper-event-lvm2.so.2.03",
			 RTLD_NOW | RTLD_NOLOAD);
	lock_fn lock;

	if (!h)
		return NULL;
	if (!(lock = (lock_fn)dlsym(h, "dmeventd_lvm2_lock")) ||
	    !dlsym(h, "dmeventd_lvm2_unlock")) {
		dlclose(h);
		return NULL;
	}
	lock();
	return h;
}

static void lvm2_helper_unlock(void *h)
{
	lock_fn unlock;

	if (!h)
		return;
	if ((unlock = (lock_fn)dlsym(h, "dmeventd_lvm2_unlock")))
		unlock();
	dlclose(h);
}

/* Run one LVM command; with out, its printed lines are returned there
 * (malloc'd, NUL-terminated). true when LVM says it succeeded. */
static bool lvm_run(const char *cmdline, char **out)
{
	void *helper;
	bool ok;
	int r;

	pthread_mutex_lock(&run_mutex);
	helper = lvm2_helper_lock();
	if (out && lvm_report_start(&capture, 64 * 1024)) {
		plog(L_ERR, "Out of memory running %s.", cmdline);
		ok = false;
		goto out;
	}
	/* The log function is global in liblvm2cmd and LVM's helper library
	 * sets its own when it initialises: set ours for every command. */
	lvm2_log_fn(lvm_log);
	plog(L_DEBUG, "Running: %s", cmdline);
	r = lvm2_run(lvm_handle, cmdline);
	ok = r == LVM2_COMMAND_SUCCEEDED;
	if (out) {
		if (capture.overflow)
			plog(L_ERR, "Output of \"%s\" too long.", cmdline);
		*out = lvm_report_end(&capture, ok);
		ok = *out != NULL;
	}
out:
	lvm2_helper_unlock(helper);
	pthread_mutex_unlock(&run_mutex);
	return ok;
}

/* ---- dmlog.conf ---- */

static int read_config(struct lvm_conf *c, char *err, size_t errlen)
{
	const char *path = getenv("DMLOG_CONFIG");
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, r;

	memset(c, 0, sizeof(*c));
	if (!path || !*path)
		path = DEFAULT_CONFIG;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;	/* nothing selected */
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most "
			 "1 MiB", path);
		close(fd);
		return -EINVAL;
	}
	if (!(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	text[got] = '\0';
	r = lvm_conf_parse(c, text, got, path, err, errlen);
	free(text);
	return r;
}

/* ---- selection ---- */

/* Collect the comma-separated tags of one report field into tags[]. */
static size_t add_tags(const char *field, char *store, size_t cap,
		       const char **tags, size_t ntags, size_t max)
{
	char *p, *save = NULL;

	if (strlen(field) >= cap)
		return ntags;
	memcpy(store, field, strlen(field) + 1);
	for (p = strtok_r(store, ",", &save); p && ntags < max;
	     p = strtok_r(NULL, ",", &save))
		tags[ntags++] = p;
	return ntags;
}

/* LVM's JSON report of the LV's and VG's tags:
 * {"report":[{"lv":[{"lv_tags":"a,b","vg_tags":"c"}]}]} */
static int lv_tags(const struct dso_state *s, char *lvt, char *vgt,
		   size_t cap, const char **tags, size_t max, size_t *ntags)
{
	char cmd[CMD_MAX], *out = NULL;
	struct json_object *root, *rep, *lvs, *lv, *f;
	int r = -EINVAL;

	*ntags = 0;
	snprintf(cmd, sizeof(cmd), "lvs --reportformat json --noheadings "
		 "-o lv_tags,vg_tags %s/%s", s->vg, s->lv);
	if (!lvm_run(cmd, &out)) {
		plog(L_ERR, "%s: \"%s\" failed: cannot read the LV's tags.",
		     s->device, cmd);
		return -EIO;
	}
	root = json_tokener_parse(out);
	if (root && json_object_object_get_ex(root, "report", &rep) &&
	    json_object_is_type(rep, json_type_array) &&
	    json_object_array_length(rep) > 0 &&
	    json_object_object_get_ex(json_object_array_get_idx(rep, 0), "lv",
				      &lvs) &&
	    json_object_is_type(lvs, json_type_array) &&
	    json_object_array_length(lvs) == 1) {
		lv = json_object_array_get_idx(lvs, 0);
		if (json_object_object_get_ex(lv, "lv_tags", &f))
			*ntags = add_tags(json_object_get_string(f), lvt, cap,
					  tags, *ntags, max);
		if (json_object_object_get_ex(lv, "vg_tags", &f))
			*ntags = add_tags(json_object_get_string(f), vgt, cap,
					  tags, *ntags, max);
		r = 0;
	} else {
		plog(L_ERR, "%s: unexpected output of \"%s\".", s->device,
		     cmd);
	}
	json_object_put(root);
	free(out);
	return r;
}

static bool is_selected(struct dso_state *s, const struct lvm_conf *c)
{
	char lvt[1024], vgt[1024];
	const char *tags[64];
	size_t ntags = 0;

	if (!c->sel.n)
		return false;
	/* names first: the tags cost an LVM command */
	if (lvm_select_match(&c->sel, s->vg, s->lv, NULL, 0))
		return true;
	if (!lvm_select_needs_tags(&c->sel) ||
	    lv_tags(s, lvt, vgt, sizeof(lvt), tags, 64, &ntags))
		return false;
	return lvm_select_match(&c->sel, s->vg, s->lv, tags, ntags);
}

/* dmlogd's control socket (SOCK_SEQPACKET) accepts a connection: 0, or
 * -errno. */
static int dmlogd_running(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		r = -errno;
	close(fd);
	return r;
}

/* ---- LVM's VG lock file ---- */

/* LVM (file locking) holds flock() on <locking_dir>/V_<vg> for every
 * command on the VG and unlinks the file when it is done; lock the file
 * that is there, and retry if it was replaced meanwhile. */
static int lock_vg(const char *dir, const char *vg, const char *device)
{
	char path[PATH_MAX];
	struct stat a, b;
	int fd, i;

	if (snprintf(path, sizeof(path), "%s/V_%s", dir, vg) >=
	    (int)sizeof(path)) {
		plog(L_ERR, "%s: lock file name too long.", device);
		return -1;
	}
	for (i = 0; i < 100; i++) {
		if ((fd = open(path, O_CREAT | O_APPEND | O_RDWR | O_CLOEXEC,
			       0600)) < 0) {
			plog(L_ERR, "%s: cannot open LVM's lock file %s: %s.",
			     device, path, strerror(errno));
			return -1;
		}
		while (flock(fd, LOCK_EX) && errno == EINTR)
			;
		if (!fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);	/* unlinked by LVM meanwhile: again */
	}
	plog(L_ERR, "%s: LVM's lock file %s keeps changing.", device, path);
	return -1;
}

static void unlock_vg(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock; LVM unlinks stale files */
}

/* ---- device-mapper ---- */

static struct dm_task *dm_task_for(int type, const char *uuid)
{
	struct dm_task *dmt;

	if (!(dmt = dm_task_create(type)))
		return NULL;
	if (!dm_task_set_uuid(dmt, uuid)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

/* The single target of the device's live table. */
static int get_table(const char *uuid, uint64_t *start, uint64_t *len,
		     char *type, size_t typelen, char *params, size_t plen)
{
	struct dm_task *dmt;
	char *t = NULL, *p = NULL;
	void *next;
	int r = -EIO;

	if (!(dmt = dm_task_for(DM_DEVICE_TABLE, uuid)))
		return -ENOMEM;
	if (!dm_task_run(dmt))
		goto out;
	r = -ENODEV;
	next = dm_get_next_target(dmt, NULL, start, len, &t, &p);
	if (!t || !p)
		goto out;
	r = -EMLINK;		/* more than one target */
	if (next)
		goto out;
	r = -ENAMETOOLONG;
	if (strlen(t) >= typelen || strlen(p) >= plen)
		goto out;
	memcpy(type, t, strlen(t) + 1);
	memcpy(params, p, strlen(p) + 1);
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

static int dev_uuid(uint32_t major, uint32_t minor, char *uuid, size_t len)
{
	struct dm_task *dmt;
	struct dm_info info;
	const char *u;
	int r = -ENODEV;

	if (!(dmt = dm_task_create(DM_DEVICE_INFO)))
		return -ENOMEM;
	if (!dm_task_set_major(dmt, (int)major) ||
	    !dm_task_set_minor(dmt, (int)minor) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, &info) || !info.exists)
		goto out;
	u = dm_task_get_uuid(dmt);
	if (u && strlen(u) < len) {
		memcpy(uuid, u, strlen(u) + 1);
		r = 0;
	}
out:
	dm_task_destroy(dmt);
	return r;
}

static bool dm_simple(int type, const char *uuid, bool udev)
{
	struct dm_task *dmt;
	uint32_t cookie = 0;
	bool ok = false;

	if (!(dmt = dm_task_for(type, uuid)))
		return false;
	if (udev && !dm_task_set_cookie(dmt, &cookie, 0))
		goto out;
	ok = dm_task_run(dmt);
	if (udev)
		(void)dm_udev_wait(cookie);
out:
	dm_task_destroy(dmt);
	return ok;
}

static bool dm_load(const char *uuid, uint64_t start, uint64_t len,
		    const char *params)
{
	struct dm_task *dmt;
	bool ok = false;

	if (!(dmt = dm_task_for(DM_DEVICE_RELOAD, uuid)))
		return false;
	if (dm_task_add_target(dmt, start, len, "mirror", params))
		ok = dm_task_run(dmt);
	dm_task_destroy(dmt);
	return ok;
}

/* ---- the switch ---- */

/* With the VG locked: reload the mirror with dmlogd's log. */
static void switch_locked(struct dso_state *s)
{
	char type[32], params[4096], nparams[4096], err[256];
	char loguuid[DM_UUID_LEN], devuuid[DM_UUID_LEN];
	uint64_t start, len;
	uint32_t ma, mi;
	int r;

	if ((r = get_table(s->uuid, &start, &len, type, sizeof(type), params,
			   sizeof(params)))) {
		if (r == -EMLINK)
			plog(L_WARN, "%s: table has several segments: LVM's "
			     "log kept.", s->device);
		else
			plog(L_INFO, "%s: no table to switch (%s).", s->device,
			     strerror(-r));
		return;
	}
	if (strcmp(type, "mirror")) {
		plog(L_INFO, "%s: now a %s device: nothing to switch.",
		     s->device, type);
		return;
	}
	if ((r = lvm_mirror_log_dev(params, &ma, &mi))) {
		plog(r == -ENOENT ? L_NOTICE : L_ERR,
		     "%s: %s: LVM's log kept.", s->device,
		     r == -ENOENT ? "no log device (core log)"
				  : "cannot read the mirror table");
		return;
	}
	if ((r = dev_uuid(ma, mi, devuuid, sizeof(devuuid))) ||
	    (r = lvm_log_uuid(s->uuid, devuuid, loguuid, sizeof(loguuid)))) {
		plog(L_ERR, "%s: log device %u:%u is not an LVM device of "
		     "this VG: LVM's log kept.", s->device, ma, mi);
		return;
	}
	r = lvm_mirror_userspace_params(params, loguuid, nparams,
					sizeof(nparams), err, sizeof(err));
	if (r == -EALREADY) {
		plog(L_INFO, "%s: already uses a userspace log.", s->device);
		return;
	}
	if (r) {
		plog(r == -ENOTSUP ? L_NOTICE : L_ERR, "%s: %s: LVM's log kept.",
		     s->device, err);
		return;
	}
	if (!dm_load(s->uuid, start, len, nparams)) {
		plog(L_ERR, "%s: loading the table with dmlogd's log failed "
		     "(is dm-log-userspace loaded and dmlogd running?): LVM's "
		     "log kept.", s->device);
		return;
	}
	if (!dm_simple(DM_DEVICE_SUSPEND, s->uuid, false)) {
		plog(L_ERR, "%s: suspend failed: LVM's log kept.", s->device);
		if (!dm_simple(DM_DEVICE_CLEAR, s->uuid, false))
			plog(L_ERR, "%s: clearing the inactive table failed.",
			     s->device);
		return;
	}
	if (!dm_simple(DM_DEVICE_RESUME, s->uuid, true) &&
	    !dm_simple(DM_DEVICE_RESUME, s->uuid, true)) {
		plog(L_ERR, "%s: resume failed: the mirror is SUSPENDED; "
		     "resume it with dmsetup resume.", s->device);
		return;
	}
	if (get_table(s->uuid, &start, &len, type, sizeof(type), params,
		      sizeof(params)) || strncmp(params, "userspace ", 10)) {
		plog(L_ERR, "%s: the new table is not live after resume.",
		     s->device);
		return;
	}
	plog(L_NOTICE, "%s: switched to dmlogd's log (clustered-disk on "
	     "%u:%u, log uuid %s).", s->device, ma, mi, loguuid);
}

/* Switch a mirror dmlog.conf selects; anything else is left alone. */
static void maybe_switch(struct dso_state *s)
{
	struct lvm_conf c;
	char err[512];
	const char *sock;
	int fd, r;

	if (read_config(&c, err, sizeof(err))) {
		plog(L_ERR, "%s: %s: LVM's log kept.", s->device, err);
		return;
	}
	if (!(s->selected = is_selected(s, &c))) {
		plog(L_INFO, "%s: not selected in dmlog.conf (lvm/volume_list)"
		     ": LVM's log kept.", s->device);
		goto out;
	}
	sock = c.control_socket ? c.control_socket : DEFAULT_CONTROL_SOCKET;
	if ((r = dmlogd_running(sock))) {
		plog(L_ERR, "%s: selected in dmlog.conf, but dmlogd is not "
		     "running (%s: %s): LVM's log kept.", s->device, sock,
		     strerror(-r));
		goto out;
	}
	if ((fd = lock_vg(c.locking_dir ? c.locking_dir : DEFAULT_LOCKING_DIR,
			  s->vg, s->device)) < 0)
		goto out;
	switch_locked(s);
	unlock_vg(fd);
out:
	lvm_conf_free(&c);
}

/* ---- the plugin interface ---- */

static void report_dev(const char *what, uint32_t major, uint32_t minor,
		       char health, void *ctx)
{
	(void)ctx;
	switch (health) {
	case 'F':
		plog(L_ERR, "%s device %u:%u flush failed.", what, major,
		     minor);
		break;
	case 'S':
		plog(L_ERR, "%s device %u:%u sync failed.", what, major,
		     minor);
		break;
	case 'R':
		plog(L_ERR, "%s device %u:%u read failed.", what, major,
		     minor);
		break;
	default:
		plog(L_ERR, "%s device %u:%u has failed (%c).", what, major,
		     minor, health);
	}
}

static void repair(struct dso_state *s)
{
	if (!lvm_run(s->cmd_repair, NULL)) {
		plog(L_ERR, "Repair of mirrored device %s failed.", s->device);
		return;
	}
	plog(L_INFO, "Repair of mirrored device %s finished successfully.",
	     s->device);
}

void process_event(struct dm_task *dmt, enum dm_event_mask event,
		   void **user)
{
	struct dso_state *s = *user;
	struct mirror_status st;
	uint64_t start, length;
	char *type = NULL, *params = NULL, err[256];
	void *next = NULL;
	const char *device = dm_task_get_name(dmt);

	(void)event;
	if (!device)
		device = s->device;
	do {
		next = dm_get_next_target(dmt, next, &start, &length, &type,
					  &params);
		if (!type) {
			plog(L_INFO, "%s mapping lost.", device);
			continue;
		}
		if (strcmp(type, "mirror")) {
			plog(L_INFO, "%s has unmirrored portion.", device);
			continue;
		}
		if (!params ||
		    mirror_status_parse(params, &st, err, sizeof(err))) {
			plog(L_ERR, "Unable to parse mirror status string "
			     "of %s (%s).", device, params ? err : "none");
			continue;
		}
		switch (mirror_status_event(&st, report_dev, NULL)) {
		case MIRROR_EV_INSYNC:
			plog(L_NOTICE, "%s is now in-sync.", device);
			break;
		case MIRROR_EV_FAILURE:
			plog(L_ERR, "Device failure in %s.", device);
			repair(s);
			/* a repair that leaves a mirror (policy "allocate")
			 * reloads it with LVM's log */
			if (s->selected)
				maybe_switch(s);
			break;
		case MIRROR_EV_IGNORE:
			break;
		}
	} while (next);
}

int register_device(const char *device, const char *uuid, int major,
		    int minor, void **user)
{
	struct dso_state *s;
	char layer[LVM_NAME_MAX];

	(void)major;
	(void)minor;
	if (!(s = calloc(1, sizeof(*s)))) {
		plog(L_ERR, "Failed to monitor mirror %s: out of memory.",
		     device);
		return 0;
	}
	if (strlen(device) >= sizeof(s->device) ||
	    strlen(uuid) >= sizeof(s->uuid) ||
	    lvm_split_dm_name(device, s->vg, sizeof(s->vg), s->lv,
			      sizeof(s->lv), layer, sizeof(layer))) {
		plog(L_ERR, "Unable to determine VG name from %s.", device);
		goto bad;
	}
	memcpy(s->device, device, strlen(device) + 1);
	memcpy(s->uuid, uuid, strlen(uuid) + 1);
	{
		size_t n = strlen(s->lv);

		lvm_mirror_top_name(s->lv);
		s->sublv = layer[0] || strlen(s->lv) != n;
	}
	if (snprintf(s->cmd_repair, sizeof(s->cmd_repair),
		     "lvconvert --repair --use-policies %s/%s", s->vg,
		     s->lv) >= CMD_MAX) {
		plog(L_ERR, "Unable to form LVM command. (too long).");
		goto bad;
	}
	if (!lvm_acquire())
		goto bad;
	*user = s;
	plog(L_INFO, "Monitoring mirror device %s for events.", device);
	/* only the mirror itself, not a sub-LV LVM may register */
	if (!s->sublv)
		maybe_switch(s);
	return 1;
bad:
	plog(L_ERR, "Failed to monitor mirror %s.", device);
	free(s);
	return 0;
}

int unregister_device(const char *device, const char *uuid, int major,
		      int minor, void **user)
{
	struct dso_state *s = *user;

	(void)uuid;
	(void)major;
	(void)minor;
	free(s);
	*user = NULL;
	lvm_release();
	plog(L_INFO, "No longer monitoring mirror device %s for events.",
	     device);
	return 1;
}
