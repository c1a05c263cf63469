/* Messages to the user: errors and warnings on stderr, prefixed with the
 * program name. Reports (tables, JSON) go to stdout and never mix with
 * these. */
#ifndef DMLOGCTL_MSG_H
#define DMLOGCTL_MSG_H

#define CTL_PROG "dmlogctl"

void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void ctl_info(int verbose, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Route the library's diagnostics (lib/dmlog_log.h) to stderr: warnings
 * and worse always, informational ones with -v. */
void ctl_install_log_sink(int verbose);

#endif
