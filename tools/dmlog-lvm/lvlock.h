/* lvmlockd's LV lock held in PR by dmlog-lvm while it has the LV active
 * (doc/lvm.md section 3): a child process per LV joins lvmlockd's DLM
 * lockspace "lvm_<vg>" and holds PR (not persistent) on the resource
 * named by the LV's uuid, so that lvmlockd's EX (lvchange -aey,
 * lvconvert, lvremove) fails on every host, until deactivate stops it,
 * or until the LV's top device-mapper device is gone (LVM's lvchange -an
 * removes it), or never appeared within two minutes (the activating
 * command died). Its pid is in RUNDIR/<dm name>.pid. */
#ifndef DMLOG_LVM_LVLOCK_H
#define DMLOG_LVM_LVLOCK_H

#include <stdbool.h>
#include <sys/types.h>

#define LVLOCK_RUNDIR "/run/dmlog-lvm"

/* Start the holder. 0 once PR is granted; -EAGAIN when LVM holds the
 * LV exclusively somewhere; -ENOENT when the lockspace is not there
 * (lvmlockd has not started the VG's locking); other -errno. */
int lvlock_start(const char *vg, const char *lv_uuid, const char *dmname,
		 char *err, size_t errlen);

/* Tell the holder of dmname that its device now exists (it releases PR
 * once the device is gone). 0, or -ESRCH when no holder runs. */
int lvlock_activated(const char *dmname);

/* Stop the holder of dmname (releases PR). 0 also when none runs. */
int lvlock_stop(const char *dmname);

/* The holder's pid, or 0 when none runs. */
pid_t lvlock_holder(const char *dmname);

#endif
