/* dmlogctl lv activate|deactivate|status VG/LV, and activate|deactivate
 * --selected (every mirror LV dmlog.conf selects): runs the helper
 * dmlog-lvm (dmlog-lvm(8)), which links liblvm2cmd, so that dmlogctl
 * itself works on a host without LVM. The helper is looked up in
 * $DMLOG_LVM_HELPER, next to dmlogctl's own executable (installed: both
 * in sbindir), in the build tree (../dmlog-lvm/), then in PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "msg.h"

#define HELPER "dmlog-lvm"

static int lv_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32], *slash;
	const char *env = getenv("DMLOG_LVM_HELPER");
	char *args[5];
	int n = 0, i;
	ssize_t len;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			ctl_command_usage(&cmd_lv, stdout);
			return CTL_EXIT_OK;
		}
	if (argc != 3 || (strcmp(argv[1], "activate") &&
			  strcmp(argv[1], "deactivate") &&
			  strcmp(argv[1], "status"))) {
		ctl_err("lv: give activate, deactivate or status and VG/LV "
			"(or activate/deactivate --selected)");
		ctl_try_help(&cmd_lv);
		return CTL_EXIT_USAGE;
	}
	if (!strcmp(argv[2], "--selected") && !strcmp(argv[1], "status")) {
		ctl_err("lv: --selected goes with activate or deactivate");
		ctl_try_help(&cmd_lv);
		return CTL_EXIT_USAGE;
	}
	args[n++] = (char *)HELPER;
	if (ctx->verbose)
		args[n++] = (char *)"-v";
	args[n++] = argv[1];
	args[n++] = argv[2];
	args[n] = NULL;
	fflush(stdout);
	if (env && *env) {
		execv(env, args);
		ctl_err("cannot run %s: %s", env, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/" HELPER, self);
			if (!access(path, X_OK))
				execv(path, args);
			snprintf(path, sizeof(path), "%s/../dmlog-lvm/" HELPER,
				 self);
			if (!access(path, X_OK))
				execv(path, args);
		}
	}
	execvp(HELPER, args);
	ctl_err("cannot run %s (part of dmlog's LVM support): %s", HELPER,
		strerror(errno));
	return CTL_EXIT_FAILURE;
}

const struct ctl_command cmd_lv = {
	.name = "lv",
	.synopsis = "activate|deactivate|status VG/LV | "
		    "activate|deactivate --selected",
	.positional = NULL,
	.summary = "Activate an LVM mirror LV with dmlogd's clustered-disk log",
	.description =
"Runs dmlog-lvm(8): reads the mirror's layout from LVM and builds its\n"
"devices under LVM's names and uuids, with the mirror's log served by\n"
"dmlogd on the LV's own mlog (activate); removes them (deactivate); or\n"
"says how the LV is active (status).\n"
"With --selected instead of VG/LV: every mirror LV that dmlog.conf's\n"
"lvm/volume_list selects (what dmlog-lvm.service runs at boot and\n"
"shutdown); each LV is attempted and every failure named.",
	.run = lv_run,
};
