/* Scan failures (see scan_errors.h). */
#include <errno.h>
#include <string.h>

#include "ctl.h"
#include "ctl_exit.h"
#include "logscan.h"
#include "msg.h"
#include "scan_errors.h"

int ctl_scan_error(const char *path, int r)
{
	switch (r) {
	case -ENOMEM:
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	case -ENOSPC:
		ctl_err("%s: smaller than one 4096-byte block: it cannot hold "
			"a log", path);
		return CTL_EXIT_NOT_FOUND;
	default:
		ctl_err("%s: cannot read the first block: %s", path,
			strerror(-r));
		return ctl_exit_from_errno(-r) == CTL_EXIT_PERMISSION ?
		       CTL_EXIT_PERMISSION : CTL_EXIT_FAILURE;
	}
}

int ctl_scan_require_log(const char *path, const struct ctl_scan *s)
{
	if (ctl_scan_found(s))
		return CTL_CONTINUE;
	ctl_err("%s: no dmlog log and no kernel disk log here (neither a "
		"dmlog superblock nor a MiRr header); 'dmlogctl format' "
		"writes one", path);
	return CTL_EXIT_NOT_FOUND;
}
