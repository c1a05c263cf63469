/* dmlogctl's exit codes, shared by every command (offline ones now, the
 * online ones that talk to dmlogd later). Documented in dmlogctl(8). */
#ifndef DMLOGCTL_EXIT_H
#define DMLOGCTL_EXIT_H

enum ctl_exit {
	CTL_EXIT_OK = 0,		/* success; --help, --version */
	CTL_EXIT_FAILURE = 1,		/* anything else: I/O error, too small */
	CTL_EXIT_USAGE = 2,		/* bad command line */
	CTL_EXIT_NOT_FOUND = 3,		/* no such device / no log on it */
	CTL_EXIT_NO_DAEMON = 4,		/* dmlogd not running (online commands) */
	CTL_EXIT_PERMISSION = 5,	/* permission denied, read-only device */
	CTL_EXIT_BUSY = 6,		/* device busy, or holds data (format) */
	CTL_EXIT_DAMAGED = 7,		/* check found damage */
	CTL_EXIT_REFUSED = 8,		/* lv: not an LV dmlog activates */
};

/* The exit code for an error number (positive errno). */
int ctl_exit_from_errno(int err);

#endif
