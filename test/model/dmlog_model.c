/* Reference model of a core dirty log (see dmlog_model.h). Every request
 * is written out the long way, straight from the dm-log semantics:
 *
 *  - IS_CLEAN / IN_SYNC read one bit;
 *  - MARK_REGION clears clean bits, CLEAR_REGION sets them, FLUSH with a
 *    payload (integrated flush) marks the regions it carries;
 *  - GET_RESYNC_WORK walks a cursor (sync_search) forward over regions
 *    not in sync, skipping those already being recovered; the cursor is
 *    never rewound;
 *  - SET_REGION_SYNC ends a recovery and sets or clears the sync bit,
 *    counting only real changes;
 *  - a request naming a region past the end fails with -EINVAL and
 *    changes nothing. */
#include "dmlog_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dm-log-userspace.h>

struct model_log *model_create(const char *type_name, uint64_t target_sectors,
			       uint32_t region_size, enum model_sync sync,
			       bool block_on_error)
{
	struct model_log *m = calloc(1, sizeof(*m));
	uint64_t n, i;

	if (!m)
		return NULL;
	n = target_sectors / region_size;
	if (target_sectors % region_size != 0)
		n = n + 1;
	m->type_name = type_name;
	m->region_size = region_size;
	m->region_count = n;
	m->sync = sync;
	m->block_on_error = block_on_error;
	m->clean = calloc(n ? n : 1, sizeof(bool));
	m->in_sync = calloc(n ? n : 1, sizeof(bool));
	m->recovering = calloc(n ? n : 1, sizeof(bool));
	if (!m->clean || !m->in_sync || !m->recovering) {
		model_destroy(m);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		m->clean[i] = true;
		m->in_sync[i] = (sync == MODEL_SYNC_NONE);
		m->recovering[i] = false;
	}
	m->sync_count = (sync == MODEL_SYNC_NONE) ? n : 0;
	m->sync_search = 0;
	return m;
}

void model_destroy(struct model_log *m)
{
	if (!m)
		return;
	free(m->clean);
	free(m->in_sync);
	free(m->recovering);
	free(m);
}

bool model_consistent(const struct model_log *m)
{
	uint64_t count = 0, i;

	for (i = 0; i < m->region_count; i++)
		if (m->in_sync[i])
			count++;
	return count == m->sync_count;
}

void model_status_info(const struct model_log *m, char *buf, size_t cap)
{
	snprintf(buf, cap, "1 %s", m->type_name);
}

void model_status_table(const struct model_log *m, char *buf, size_t cap)
{
	const char *sync_word = "";

	if (m->sync == MODEL_SYNC_FORCE)
		sync_word = "sync ";
	if (m->sync == MODEL_SYNC_NONE)
		sync_word = "nosync ";
	snprintf(buf, cap, "%s %u %s%s ", m->type_name, m->region_size,
		 sync_word, m->block_on_error ? "block_on_error" : "");
}

static uint64_t get_u64(const void *in, size_t index)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)in + index * 8, 8);
	return v;
}

static int64_t get_s64(const void *in, size_t index)
{
	int64_t v;

	memcpy(&v, (const uint8_t *)in + index * 8, 8);
	return v;
}

static int put_s64(void *out, size_t out_cap, size_t *out_len, int64_t v)
{
	if (out_cap < 8)
		return -ENOSPC;
	memcpy(out, &v, 8);
	*out_len = 8;
	return 0;
}

static int put_u64(void *out, size_t out_cap, size_t *out_len, uint64_t v)
{
	if (out_cap < 8)
		return -ENOSPC;
	memcpy(out, &v, 8);
	*out_len = 8;
	return 0;
}

static int put_pair(void *out, size_t out_cap, size_t *out_len, int64_t a,
		    uint64_t b)
{
	if (out_cap < 16)
		return -ENOSPC;
	memcpy(out, &a, 8);
	memcpy((uint8_t *)out + 8, &b, 8);
	*out_len = 16;
	return 0;
}

static int put_string(void *out, size_t out_cap, size_t *out_len,
		      const char *s)
{
	size_t n = strlen(s) + 1;

	if (out_cap < n)
		return -ENOSPC;
	memcpy(out, s, n);
	*out_len = n;
	return 0;
}

/* Every region in a u64[] payload must exist, or nothing happens. */
static bool all_regions_valid(const struct model_log *m, const void *in,
			      size_t in_len)
{
	size_t i;

	for (i = 0; i < in_len / 8; i++)
		if (get_u64(in, i) >= m->region_count)
			return false;
	return true;
}

static void set_clean_bits(struct model_log *m, const void *in, size_t in_len,
			   bool value)
{
	size_t i;

	for (i = 0; i < in_len / 8; i++)
		m->clean[get_u64(in, i)] = value;
}

static int get_resync_work(struct model_log *m, void *out, size_t out_cap,
			   size_t *out_len)
{
	uint64_t r;

	if (m->sync_search >= m->region_count)
		return put_pair(out, out_cap, out_len, 0, 0);
	do {
		r = m->sync_search;
		while (r < m->region_count && m->in_sync[r])
			r++;
		m->sync_search = r + 1;
		if (r >= m->region_count)
			return put_pair(out, out_cap, out_len, 0, 0);
	} while (m->recovering[r]);
	m->recovering[r] = true;
	return put_pair(out, out_cap, out_len, 1, r);
}

static void set_region_sync(struct model_log *m, uint64_t r, bool in_sync)
{
	m->recovering[r] = false;
	if (in_sync) {
		if (!m->in_sync[r]) {
			m->in_sync[r] = true;
			m->sync_count++;
		}
	} else {
		if (m->in_sync[r]) {
			m->in_sync[r] = false;
			m->sync_count--;
		}
	}
}

int model_request(struct model_log *m, uint32_t type, const void *in,
		  size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
	char text[256];
	uint64_t r;

	*out_len = 0;
	switch (type) {
	case DM_ULOG_PRESUSPEND:
	case DM_ULOG_POSTSUSPEND:
	case DM_ULOG_RESUME:
		return 0;
	case DM_ULOG_GET_REGION_SIZE:
		return put_u64(out, out_cap, out_len, m->region_size);
	case DM_ULOG_IS_CLEAN:
		if (in_len < 8 || get_u64(in, 0) >= m->region_count)
			return -EINVAL;
		return put_s64(out, out_cap, out_len,
			       m->clean[get_u64(in, 0)] ? 1 : 0);
	case DM_ULOG_IN_SYNC:
		if (in_len < 8 || get_u64(in, 0) >= m->region_count)
			return -EINVAL;
		return put_s64(out, out_cap, out_len,
			       m->in_sync[get_u64(in, 0)] ? 1 : 0);
	case DM_ULOG_FLUSH:
	case DM_ULOG_MARK_REGION:
		if (!all_regions_valid(m, in, in_len))
			return -EINVAL;
		set_clean_bits(m, in, in_len, false);
		return 0;
	case DM_ULOG_CLEAR_REGION:
		if (!all_regions_valid(m, in, in_len))
			return -EINVAL;
		set_clean_bits(m, in, in_len, true);
		return 0;
	case DM_ULOG_GET_RESYNC_WORK:
		return get_resync_work(m, out, out_cap, out_len);
	case DM_ULOG_SET_REGION_SYNC:
		if (in_len < 16 || get_u64(in, 0) >= m->region_count)
			return -EINVAL;
		set_region_sync(m, get_u64(in, 0), get_s64(in, 1) != 0);
		return 0;
	case DM_ULOG_GET_SYNC_COUNT:
		return put_u64(out, out_cap, out_len, m->sync_count);
	case DM_ULOG_STATUS_INFO:
		model_status_info(m, text, sizeof(text));
		return put_string(out, out_cap, out_len, text);
	case DM_ULOG_STATUS_TABLE:
		model_status_table(m, text, sizeof(text));
		return put_string(out, out_cap, out_len, text);
	case DM_ULOG_IS_REMOTE_RECOVERING:
		if (in_len < 8 || get_u64(in, 0) >= m->region_count)
			return -EINVAL;
		r = 0;
		while (r < m->region_count && m->in_sync[r])
			r++;
		return put_pair(out, out_cap, out_len, 0, r);
	default:
		return -EINVAL;
	}
}
