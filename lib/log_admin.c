/* Views of a log for the operator, and the operator's resync (see
 * log_admin.h). */
#include <errno.h>
#include <string.h>

#include "bitmap.h"
#include "dmlog_log.h"
#include "log_admin.h"
#include "log_engine.h"
#include "log_store.h"

unsigned log_region_flags(const struct dmlog_log *log, uint64_t region)
{
	unsigned f = 0;

	if (!bitmap_test(log->idle, region))
		f |= LOG_RANGE_DIRTY;
	if (!bitmap_test(log->in_sync, region))
		f |= LOG_RANGE_OUT_OF_SYNC;
	if (bitmap_test(log->recovering, region))
		f |= LOG_RANGE_RECOVERING;
	return f;
}

/* The bitmap behind one state, and the bit value that means "set". */
struct state_bits {
	unsigned flag;
	const struct bitmap *bm;
	bool value;
};

static unsigned state_bits(const struct dmlog_log *log,
			   struct state_bits out[3])
{
	out[0] = (struct state_bits){ LOG_RANGE_DIRTY, log->idle, false };
	out[1] = (struct state_bits){ LOG_RANGE_OUT_OF_SYNC, log->in_sync,
				      false };
	out[2] = (struct state_bits){ LOG_RANGE_RECOVERING, log->recovering,
				      true };
	return 3;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

bool log_next_range(const struct dmlog_log *log, uint64_t from,
		    unsigned mask, struct log_range *out)
{
	uint64_t n = log_region_count(log), start = n, end = n;
	struct state_bits sb[3];
	unsigned k = state_bits(log, sb);

	for (unsigned i = 0; i < k; i++)
		if ((mask & sb[i].flag) && from < n)
			start = min_u64(start, bitmap_find_next(sb[i].bm, from,
								sb[i].value));
	if (start >= n)
		return false;
	out->flags = log_region_flags(log, start) & mask;
	for (unsigned i = 0; i < k; i++) {
		bool set = out->flags & sb[i].flag;

		if (mask & sb[i].flag)
			end = min_u64(end, bitmap_find_next(sb[i].bm, start,
							    set ? !sb[i].value :
							    sb[i].value));
	}
	out->first = start;
	out->count = end - start;
	return true;
}

void log_count_range(const struct dmlog_log *log, uint64_t first,
		     uint64_t count, struct log_range_counts *c)
{
	uint64_t n = log_region_count(log);

	*c = (struct log_range_counts){ 0, 0, 0 };
	if (first >= n)
		return;
	count = min_u64(count, n - first);
	c->dirty = bitmap_count_range(log->idle, first, count, false);
	c->out_of_sync = bitmap_count_range(log->in_sync, first, count, false);
	c->recovering = bitmap_count_range(log->recovering, first, count,
					   true);
}

uint64_t log_dirty_count(const struct dmlog_log *log)
{
	return log_region_count(log) - bitmap_weight(log->idle);
}

uint64_t log_recovering_count(const struct dmlog_log *log)
{
	return bitmap_weight(log->recovering);
}

static int check_resync(const struct dmlog_log *log, uint64_t first,
			uint64_t count)
{
	uint64_t n = log_region_count(log);

	if (!count || first >= n || count > n - first)
		return -EINVAL;
	if (log->cl)
		return -EOPNOTSUPP;
	if (log->state == LOG_CONSTRUCTED || log->flush_failed)
		return -EBUSY;
	return 0;
}

/* Clear the in_sync bits of the range, telling the store about each one
 * that changes. */
static int mark_out_of_sync(struct dmlog_log *log, uint64_t first,
			    uint64_t count, uint64_t *marked)
{
	uint64_t end = first + count, r = first;

	*marked = 0;
	while ((r = bitmap_find_next(log->in_sync, r, true)) < end) {
		int e = bitmap_clear(log->in_sync, r);

		if (e)
			return e;
		if (log->store)
			log->store->ops->note(log->store, STORE_BIT_SYNC, r);
		(*marked)++;
		r++;
	}
	return 0;
}

int log_resync_range(struct dmlog_log *log, uint64_t first, uint64_t count,
		     uint64_t *marked)
{
	int r = check_resync(log, first, count);

	*marked = 0;
	if (r)
		return r;
	r = mark_out_of_sync(log, first, count, marked);
	if (r)
		return r;
	if (log->sync_search > first)
		log->sync_search = first;
	if (!log->store)
		return 0;
	r = log->store->ops->flush(log->store, log->idle, log->in_sync);
	if (r) {
		log->flush_failed = true;
		log_err("%s: writing the resync request to log device %s "
			"failed: %s", log->uuid, log->store->dev_name,
			strerror(-r));
	}
	return r;
}
