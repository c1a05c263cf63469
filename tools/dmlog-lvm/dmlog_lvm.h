/* dmlog-lvm's parts shared between the one-LV commands (dmlog_lvm.c)
 * and the --selected mode (selected.c). */
#ifndef DMLOG_LVM_TOOL_H
#define DMLOG_LVM_TOOL_H

#include <stdbool.h>

/* dmlogctl's exit codes (dmlogctl(8)), as `dmlogctl lv` returns ours */
#define EXIT_USAGE 2
#define EXIT_NOT_FOUND 3	/* no such VG or LV */
#define EXIT_BUSY 6		/* already active here / in use */
#define EXIT_REFUSED 8		/* not an LV dmlog activates */

extern const char *prog;
extern bool verbose;

/* liblvm2cmd with dmlog-lvm's log function; NULL (said why) on failure */
void *lvm_open(void);
void lvm_close(void *h);

/* Run an LVM report; its JSON in *out (malloc'd). With failed non-NULL,
 * a command that fails still gives what it printed (*failed = true): a
 * report over all VGs lists those LVM could read. */
int lvm_report_partial(void *h, const char *cmdline, char **out,
		       bool *failed);

/* How a mirror LV is active on this host. */
enum lv_state {
	LV_INACTIVE,
	LV_PARTIAL,	/* sub-LVs without the mirror */
	LV_DMLOG,	/* with dmlogd's clustered-disk log */
	LV_LVM,		/* with LVM's own log */
};

/* What --selected did with one mirror LV. */
enum sel_outcome {
	SEL_DONE,	/* activated / deactivated */
	SEL_ALREADY,	/* activate: already active with dmlogd's log */
	SEL_NOTHING,	/* deactivate: inactive already */
	SEL_LVM_OWN,	/* active with LVM's own log: left alone */
	SEL_NOT_OURS,	/* deactivate: a layout dmlog never activates */
	SEL_FAILED,	/* the message is printed */
};

/* Activate (act) or deactivate one mirror LV for --selected. */
enum sel_outcome selected_one(void *h, bool act, const char *vg,
			      const char *lv);

/* dmlog-lvm activate|deactivate --selected: the exit status. */
int run_selected(bool activate);

#endif
