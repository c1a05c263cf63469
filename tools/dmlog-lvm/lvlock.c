/* The PR holder on lvmlockd's LV lock (lvlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libdevmapper.h>
#include <libdlm.h>
#include <syslog.h>

#include "lvlock.h"

#define DLM_NAME_MAX 64
/* How often the holder looks for the LV's device, and how long it waits
 * for the activation to create it. */
#define WATCH_SECONDS 2
#define APPEAR_SECONDS 120

static void pidfile_path(const char *dmname, char *path, size_t len)
{
	snprintf(path, len, "%s/%s.pid", LVLOCK_RUNDIR, dmname);
}

static void quiet(int level, const char *file, int line, int e,
		  const char *f, ...)
{
	(void)level; (void)file; (void)line; (void)e; (void)f;
}

/* 1: the device-mapper device exists; 0: it does not; -1: unknown. */
static int dm_present(const char *dmname)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_INFO);
	struct dm_info info;
	int r = -1;

	if (!t)
		return -1;
	if (dm_task_set_name(t, dmname) && dm_task_run(t) &&
	    dm_task_get_info(t, &info))
		r = info.exists ? 1 : 0;
	dm_task_destroy(t);
	return r;
}

/* Hold until SIGTERM/SIGINT, or until the LV's device is gone: LVM's own
 * "lvchange -an" removes it without telling us, and the PR must not
 * outlive the activation. SIGUSR1 (lvlock_activated) says the device was
 * created: an activation and an LVM deactivation can both fit between two
 * looks. No SIGUSR1 and no device for a while (the activating command
 * died) releases it too. Returns why, for the log. */
static const char *hold(const sigset_t *set, const char *dmname)
{
	struct timespec tick = { WATCH_SECONDS, 0 };
	unsigned waited = 0;
	bool seen = false;
	int sig, present;

	dm_log_with_errno_init(quiet);
	for (;;) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			return NULL;
		if (sig == SIGUSR1)
			seen = true;
		if (sig >= 0 || errno != EAGAIN)
			continue;
		present = dm_present(dmname);
		if (present > 0)
			seen = true;
		else if (!present && seen)
			return "its device is gone (deactivated by LVM?)";
		else if (!present && (waited += WATCH_SECONDS) >= APPEAR_SECONDS)
			return "its device never appeared";
	}
}

/* Remove the pid file if it is still ours. */
static void unlink_own_pidfile(const char *dmname)
{
	char path[512];
	int pid = 0;
	FILE *f;

	pidfile_path(dmname, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid == (int)getpid())
		unlink(path);
}

/* The child: take PR, report to the parent, hold (hold()). */
static void holder(int wfd, const char *ls_name, const char *res,
		   const char *dmname)
{
	const char *why;
	struct dlm_lksb lksb;
	dlm_lshandle_t ls;
	sigset_t set;
	int status = 0, fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!(ls = dlm_open_lockspace(ls_name))) {
		status = errno ? errno : ENOENT;
		goto report;
	}
	memset(&lksb, 0, sizeof(lksb));
	if (dlm_ls_lock_wait(ls, LKM_PRMODE, &lksb, LKF_NOQUEUE, res,
			     strlen(res), 0, NULL, NULL, NULL))
		status = errno ? errno : EIO;
	else if (lksb.sb_status)
		status = lksb.sb_status;
report:
	if (write(wfd, &status, sizeof(status)) != sizeof(status))
		status = EIO;
	close(wfd);
	if (status)
		_exit(1);
	/* detach from the command's terminal and session */
	setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	why = hold(&set, dmname);
	dlm_ls_unlock_wait(ls, lksb.sb_lkid, 0, &lksb);
	dlm_close_lockspace(ls);
	if (why) {
		openlog("dmlog-lvm", LOG_PID, LOG_DAEMON);
		syslog(LOG_NOTICE, "%s: PR on LV lock %s in %s released: %s",
		       dmname, res, ls_name, why);
		closelog();
		unlink_own_pidfile(dmname);
	}
	_exit(0);
}

int lvlock_start(const char *vg, const char *lv_uuid, const char *dmname,
		 char *err, size_t errlen)
{
	char ls_name[DLM_NAME_MAX + 8], path[512];
	int p[2], status = EIO, r;
	pid_t pid;
	FILE *f;

	if (snprintf(ls_name, sizeof(ls_name), "lvm_%s", vg) > DLM_NAME_MAX ||
	    strlen(lv_uuid) > DLM_NAME_MAX) {
		snprintf(err, errlen, "lockspace or resource name too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(LVLOCK_RUNDIR, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", LVLOCK_RUNDIR, strerror(errno));
		return -errno;
	}
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	if ((pid = fork()) < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (!pid) {
		close(p[0]);
		holder(p[1], ls_name, lv_uuid, dmname);
	}
	close(p[1]);
	r = (int)read(p[0], &status, sizeof(status));
	close(p[0]);
	if (r != (int)sizeof(status))
		status = EIO;
	if (status) {
		waitpid(pid, NULL, 0);
		if (status == EAGAIN)
			snprintf(err, errlen, "LVM holds the LV lock %s in %s "
				 "exclusively (lvchange -aey on some host)",
				 lv_uuid, ls_name);
		else if (status == ENOENT)
			snprintf(err, errlen, "no DLM lockspace %s: start the "
				 "VG's locking first (vgchange --lock-start "
				 "%s)", ls_name, vg);
		else
			snprintf(err, errlen, "PR on %s in %s: %s", lv_uuid,
				 ls_name, strerror(status));
		return -status;
	}
	pidfile_path(dmname, path, sizeof(path));
	if (!(f = fopen(path, "we")) || fprintf(f, "%d\n", (int)pid) < 0 ||
	    fclose(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -EIO;
	}
	return 0;
}

pid_t lvlock_holder(const char *dmname)
{
	char path[512], comm[64];
	int pid = 0;
	FILE *f;
	size_t n;

	pidfile_path(dmname, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return 0;
	/* still ours? */
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(comm, 1, sizeof(comm) - 1, f);
	fclose(f);
	comm[n] = '\0';
	return strncmp(comm, "dmlog-lvm", 9) ? 0 : pid;
}

int lvlock_activated(const char *dmname)
{
	pid_t pid = lvlock_holder(dmname);

	if (!pid)
		return -ESRCH;
	return kill(pid, SIGUSR1) ? -errno : 0;
}

int lvlock_stop(const char *dmname)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	char path[512];
	pid_t pid = lvlock_holder(dmname);
	int i;

	if (pid > 0 && !kill(pid, SIGTERM))
		for (i = 0; i < 200 && !kill(pid, 0); i++)
			nanosleep(&ts, NULL);
	if (pid > 0 && !kill(pid, 0))
		return -EBUSY;
	pidfile_path(dmname, path, sizeof(path));
	unlink(path);
	return 0;
}
