/* dmlogctl resync --wait: follow the copy of a range until it is in sync,
 * with a progress bar on a terminal (rate, ETA) and plain lines
 * otherwise. Ctrl-C stops the waiting, not the resync. */
#ifndef DMLOGCTL_RESYNC_WAIT_H
#define DMLOGCTL_RESYNC_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct resync_range {
	const char *id;		/* for dmlogd */
	uint64_t first, count;
};

/* Progress goes to out (stderr with --json). Exit code: 0 when the range
 * is in sync; CTL_EXIT_INTERRUPTED after Ctrl-C; an error code. */
int resync_wait(const struct resync_range *r, FILE *out,
		uint64_t *left);

/* A resync of a shared log is queued for the cluster's "table" lock:
 * wait (up to timeout_ms) until dmlogd says the bits are on the log
 * device, so that the command reports a request nothing can lose. */
int resync_recorded(const struct resync_range *r, unsigned timeout_ms);

#define CTL_EXIT_INTERRUPTED 130

#endif
