/* Fixed log-linear histogram (see vhist.h). */
#include "vhist.h"

static unsigned bucket_of(uint64_t v)
{
	unsigned e, idx;

	if (v < 8)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);		/* >= 3 */
	idx = 8u * (e - 2u) + (unsigned)((v >> (e - 3u)) & 7u);
	return idx < VHIST_BUCKETS ? idx : VHIST_BUCKETS - 1;
}

/* Smallest and largest value of bucket idx. */
static void bucket_bounds(unsigned idx, uint64_t *lo, uint64_t *hi)
{
	unsigned e, sub;

	if (idx < 8) {
		*lo = *hi = idx;
		return;
	}
	e = idx / 8u + 2u;
	sub = idx % 8u;
	*lo = (uint64_t)(8u + sub) << (e - 3u);
	*hi = *lo + ((uint64_t)1 << (e - 3u)) - 1;
}

void vhist_add(struct vhist *h, uint64_t v)
{
	unsigned idx = bucket_of(v);

	if (h->b[idx] != UINT32_MAX)
		h->b[idx]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

uint64_t vhist_quantile(const struct vhist *h, double q)
{
	uint64_t want, seen = 0, lo, hi, mid;

	if (!h->count)
		return 0;
	if (q < 0)
		q = 0;
	want = (uint64_t)(q * (double)h->count + 0.999999);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < VHIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < want)
			continue;
		bucket_bounds(i, &lo, &hi);
		mid = lo + (hi - lo) / 2;
		return mid < h->max ? mid : h->max;
	}
	return h->max;
}
