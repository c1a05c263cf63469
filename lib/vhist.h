/* A small fixed histogram of unsigned values (latencies in nanoseconds,
 * flush sizes in blocks): 8 buckets per power of two, so a quantile is
 * within 1/16 of the true value; count, sum and maximum are exact.
 * Values of 2^41 and more share the last bucket. No allocation. */
#ifndef DMLOG_VHIST_H
#define DMLOG_VHIST_H

#include <stdint.h>

#define VHIST_BUCKETS 320

struct vhist {
	uint64_t count, sum, max;
	uint32_t b[VHIST_BUCKETS];
};

void vhist_add(struct vhist *h, uint64_t v);
/* The value below which a fraction q (0..1) of the values lie: the middle
 * of its bucket, never above the maximum. 0 when empty. */
uint64_t vhist_quantile(const struct vhist *h, double q);

#endif
