/* Fixed-window rate limiter (see ratelimit.h). */
#include "ratelimit.h"

bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms,
		     unsigned *suppressed)
{
	if (suppressed)
		*suppressed = 0;
	if (rl->used == 0 || now_ms - rl->window_start >= rl->interval_ms) {
		if (suppressed)
			*suppressed = rl->suppressed;
		rl->window_start = now_ms;
		rl->used = 0;
		rl->suppressed = 0;
	}
	if (rl->used < rl->burst) {
		rl->used++;
		return true;
	}
	rl->suppressed++;
	return false;
}
