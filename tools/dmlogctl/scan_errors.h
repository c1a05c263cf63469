/* The message and exit code for a failed ctl_scan_log, and for a device
 * without any log. Shared by the reading commands. */
#ifndef DMLOGCTL_SCAN_ERRORS_H
#define DMLOGCTL_SCAN_ERRORS_H

struct ctl_scan;

/* r: ctl_scan_log's return (negative). Prints, returns the exit code. */
int ctl_scan_error(const char *path, int r);
/* CTL_CONTINUE when a log was found, else prints and returns
 * CTL_EXIT_NOT_FOUND. */
int ctl_scan_require_log(const char *path, const struct ctl_scan *s);

#endif
