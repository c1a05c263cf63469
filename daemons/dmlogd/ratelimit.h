/* Rate limiting for log lines a remote party can trigger at will
 * (foreign netlink senders, refused clients, malformed frames). */
#ifndef DMLOGD_RATELIMIT_H
#define DMLOGD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t interval_ms;
	unsigned burst;
	/* state */
	uint64_t window_start;
	unsigned used;
	unsigned suppressed;
};

#define RATELIMIT_INIT(interval, n) \
	{ .interval_ms = (interval), .burst = (n) }

/* May one more message be logged now? When a new window opens after
 * messages were suppressed, *suppressed (if not NULL) receives how many,
 * so the caller can say so; otherwise it is set to 0. */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms,
		     unsigned *suppressed);

#endif
