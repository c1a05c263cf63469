/* Things about a scanned log that the reader should know: live use,
 * partial reads, odd headers. Shared by dump and check. */
#ifndef DMLOGCTL_WARNINGS_H
#define DMLOGCTL_WARNINGS_H

struct ctl_dev;
struct ctl_scan;

typedef void (*ctl_warn_fn)(void *arg, const char *msg);

void ctl_scan_warnings(const struct ctl_dev *d, const struct ctl_scan *s,
		       ctl_warn_fn fn, void *arg);

#endif
