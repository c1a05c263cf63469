/* Engine semantics, request by request (dm-log.c is the reference). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "blockdev.h"
#include "helpers/fake_store.h"
#include "store_disk.h"
#include "lockmgr.h"
#include "log_engine.h"

struct rr { int64_t is_recovering; uint64_t hint; };
struct work { int64_t i; uint64_t r; };
struct srs { uint64_t region; int64_t in_sync; };

static struct ctr_params params(enum ctr_log_kind kind, uint64_t regions,
				enum ctr_sync sync)
{
	struct ctr_params p;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.clustered = true;
	snprintf(p.type_name, sizeof(p.type_name), "%s",
		 kind == CTR_LOG_CORE ? "clustered-core" : "clustered-disk");
	p.region_size = 1024;
	p.region_count = regions;
	p.target_sectors = regions * 1024;
	p.sync = sync;
	if (kind == CTR_LOG_DISK)
		snprintf(p.log_dev, sizeof(p.log_dev), "253:4");
	return p;
}

static struct dmlog_log *core_log(uint64_t regions, enum ctr_sync sync)
{
	struct ctr_params p = params(CTR_LOG_CORE, regions, sync);
	struct dmlog_log *log;

	assert_int_equal(log_create(&p, "LVM-test", 7, NULL, NULL, &log), 0);
	return log;
}

static int req(struct dmlog_log *log, uint32_t type, const void *in,
	       size_t in_len, void *out, size_t *out_len)
{
	static uint8_t scratch[512];

	return log_request(log, type, in, in_len, out ? out : scratch,
			   332, out_len);
}

static int64_t ask(struct dmlog_log *log, uint32_t type, uint64_t region)
{
	int64_t v = -1;
	size_t len = 0;

	assert_int_equal(req(log, type, &region, 8, &v, &len), 0);
	assert_int_equal(len, 8);
	return v;
}

static uint64_t ask_u64(struct dmlog_log *log, uint32_t type)
{
	uint64_t v = 0;
	size_t len = 0;

	assert_int_equal(req(log, type, NULL, 0, &v, &len), 0);
	assert_int_equal(len, 8);
	return v;
}

static int regions_req(struct dmlog_log *log, uint32_t type,
		       const uint64_t *r, size_t n)
{
	size_t len;

	return req(log, type, r, n * 8, NULL, &len);
}

static struct work resync_work(struct dmlog_log *log)
{
	struct work w;
	size_t len = 0;

	assert_int_equal(req(log, DM_ULOG_GET_RESYNC_WORK, NULL, 0, &w, &len),
			 0);
	assert_int_equal(len, sizeof(w));
	return w;
}

static void set_sync(struct dmlog_log *log, uint64_t r, int64_t v)
{
	struct srs s = { r, v };
	size_t len;

	assert_int_equal(req(log, DM_ULOG_SET_REGION_SYNC, &s, sizeof(s),
			     NULL, &len), 0);
}

static void test_initial_state(void **st)
{
	struct dmlog_log *d = core_log(100, CTR_SYNC_DEFAULT);
	struct dmlog_log *n = core_log(100, CTR_SYNC_NONE);

	(void)st;
	assert_int_equal(ask(d, DM_ULOG_IS_CLEAN, 5), 1);
	assert_int_equal(ask(d, DM_ULOG_IN_SYNC, 5), 0);
	assert_int_equal(ask_u64(d, DM_ULOG_GET_SYNC_COUNT), 0);
	assert_int_equal(ask(n, DM_ULOG_IN_SYNC, 99), 1);
	assert_int_equal(ask_u64(n, DM_ULOG_GET_SYNC_COUNT), 100);
	assert_int_equal(ask_u64(n, DM_ULOG_GET_REGION_SIZE), 1024);
	log_destroy(d, false);
	log_destroy(n, false);
}

static void test_mark_clear(void **st)
{
	struct dmlog_log *log = core_log(100, CTR_SYNC_NONE);
	uint64_t r[3] = { 1, 50, 99 };
	uint64_t bad[2] = { 2, 100 };

	(void)st;
	assert_int_equal(regions_req(log, DM_ULOG_MARK_REGION, r, 3), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 50), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 2), 1);
	/* a bad region anywhere rejects the whole request */
	assert_int_equal(regions_req(log, DM_ULOG_MARK_REGION, bad, 2),
			 -EINVAL);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 2), 1);
	assert_int_equal(regions_req(log, DM_ULOG_CLEAR_REGION, r, 2), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 1), 1);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 99), 0);
	/* marking never changes the sync state */
	assert_int_equal(ask(log, DM_ULOG_IN_SYNC, 99), 1);
	log_destroy(log, false);
}

static void test_integrated_flush_marks(void **st)
{
	struct dmlog_log *log = core_log(10, CTR_SYNC_NONE);
	uint64_t r[2] = { 3, 4 };

	(void)st;
	assert_int_equal(regions_req(log, DM_ULOG_FLUSH, r, 2), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 3), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 4), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 5), 1);
	assert_int_equal(regions_req(log, DM_ULOG_FLUSH, NULL, 0), 0);
	log_destroy(log, false);
}

static void test_resync_work(void **st)
{
	struct dmlog_log *log = core_log(5, CTR_SYNC_DEFAULT);
	struct work w;

	(void)st;
	set_sync(log, 1, 1);
	w = resync_work(log);
	assert_int_equal(w.i, 1);
	assert_int_equal(w.r, 0);
	w = resync_work(log);		/* region 1 is in sync: skipped */
	assert_int_equal(w.r, 2);
	set_sync(log, 0, 1);
	set_sync(log, 2, 0);		/* failed copy: stays out of sync */
	assert_int_equal(ask_u64(log, DM_ULOG_GET_SYNC_COUNT), 2);
	w = resync_work(log);
	assert_int_equal(w.r, 3);
	w = resync_work(log);
	assert_int_equal(w.r, 4);
	/* cursor at the end: no more work until the next resume */
	w = resync_work(log);
	assert_int_equal(w.i, 0);
	/* a second "in sync" for one region is not counted twice */
	set_sync(log, 3, 1);
	set_sync(log, 3, 1);
	assert_int_equal(ask_u64(log, DM_ULOG_GET_SYNC_COUNT), 3);
	set_sync(log, 3, 0);
	assert_int_equal(ask_u64(log, DM_ULOG_GET_SYNC_COUNT), 2);
	log_destroy(log, false);
}

static void test_remote_recovering_hint(void **st)
{
	struct dmlog_log *log = core_log(8, CTR_SYNC_DEFAULT);
	struct rr rr;
	uint64_t region = 6;
	size_t len;

	(void)st;
	log->lm = lockmgr_local_new();
	for (uint64_t r = 0; r < 5; r++)
		set_sync(log, r, 1);
	assert_int_equal(req(log, DM_ULOG_IS_REMOTE_RECOVERING, &region, 8,
			     &rr, &len), 0);
	assert_int_equal(len, sizeof(rr));
	assert_int_equal(rr.is_recovering, 0);
	assert_int_equal(rr.hint, 5);	/* never past an out-of-sync region */
	for (uint64_t r = 5; r < 8; r++)
		set_sync(log, r, 1);
	assert_int_equal(req(log, DM_ULOG_IS_REMOTE_RECOVERING, &region, 8,
			     &rr, &len), 0);
	assert_int_equal(rr.hint, 8);
	region = 8;
	assert_int_equal(req(log, DM_ULOG_IS_REMOTE_RECOVERING, &region, 8,
			     &rr, &len), -EINVAL);
	log->lm->ops->destroy(log->lm);
	log_destroy(log, false);
}

static void test_status_strings(void **st)
{
	struct ctr_params p = params(CTR_LOG_CORE, 4, CTR_SYNC_DEFAULT);
	struct fake_store *fs = fake_store_new("253:4");
	struct dmlog_log *log;
	char buf[128];
	size_t len;

	(void)st;
	assert_int_equal(log_create(&p, "u", 1, NULL, NULL, &log), 0);
	assert_int_equal(req(log, DM_ULOG_STATUS_INFO, NULL, 0, buf, &len), 0);
	assert_string_equal(buf, "1 clustered-core");
	assert_int_equal(len, strlen(buf) + 1);
	assert_int_equal(req(log, DM_ULOG_STATUS_TABLE, NULL, 0, buf, &len), 0);
	assert_string_equal(buf, "clustered-core 1024  ");
	log_destroy(log, false);

	p = params(CTR_LOG_DISK, 4, CTR_SYNC_NONE);
	p.block_on_error = true;
	assert_int_equal(log_create(&p, "u", 1, &fs->base, NULL, &log), 0);
	assert_int_equal(log_status_info(log, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "3 clustered-disk 253:4 A");
	log_status_table(log, buf, sizeof(buf));
	assert_string_equal(buf,
			    "clustered-disk 253:4 1024 nosync block_on_error ");
	fs->base.failed = true;
	log_status_info(log, buf, sizeof(buf));
	assert_string_equal(buf, "3 clustered-disk 253:4 D");
	assert_int_equal(log_status_info(log, buf, 10), -ENOSPC);
	log_destroy(log, false);

	p = params(CTR_LOG_CORE, 4, CTR_SYNC_FORCE);
	snprintf(p.type_name, sizeof(p.type_name), "core");
	assert_int_equal(log_create(&p, "u", 1, NULL, NULL, &log), 0);
	log_status_table(log, buf, sizeof(buf));
	assert_string_equal(buf, "core 1024 sync  ");
	log_status_info(log, buf, sizeof(buf));
	assert_string_equal(buf, "1 core");
	log_destroy(log, false);
}

static void test_store_seam(void **st)
{
	struct ctr_params p = params(CTR_LOG_DISK, 64, CTR_SYNC_DEFAULT);
	struct fake_store *fs = fake_store_new("7:1");
	struct dmlog_log *log;
	uint64_t r = 9;
	int destroyed = 0;
	bool handoff = false;
	size_t len;

	(void)st;
	fs->load_out_of_sync = 10;
	fs->destroyed_flag = &destroyed;
	fs->handoff_flag = &handoff;
	assert_int_equal(log_create(&p, "u", 1, &fs->base, NULL, &log), 0);
	assert_int_equal(req(log, DM_ULOG_RESUME, NULL, 0, NULL, &len), 0);
	assert_int_equal(fs->loads, 1);
	/* after resume clean bits equal sync bits, as in dm-log */
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 9), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 10), 1);
	assert_int_equal(ask_u64(log, DM_ULOG_GET_SYNC_COUNT), 54);
	r = 20;
	assert_int_equal(regions_req(log, DM_ULOG_MARK_REGION, &r, 1), 0);
	assert_int_equal(fs->notes_clean, 1);
	assert_int_equal(fs->last_note, 20);
	/* marking an already dirty region changes nothing to store */
	assert_int_equal(regions_req(log, DM_ULOG_MARK_REGION, &r, 1), 0);
	assert_int_equal(fs->notes_clean, 1);
	assert_int_equal(regions_req(log, DM_ULOG_FLUSH, NULL, 0), 0);
	assert_int_equal(fs->flushes, 1);
	set_sync(log, 3, 1);
	assert_int_equal(fs->notes_sync, 1);
	/* a failed flush is an error, and clears stop (dm-log does too) */
	fs->fail_flush = -EIO;
	assert_int_equal(regions_req(log, DM_ULOG_FLUSH, NULL, 0), -EIO);
	assert_int_equal(regions_req(log, DM_ULOG_CLEAR_REGION, &r, 1), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, 20), 0);
	fs->fail_flush = 0;
	assert_int_equal(req(log, DM_ULOG_PRESUSPEND, NULL, 0, NULL, &len), 0);
	assert_int_equal(req(log, DM_ULOG_POSTSUSPEND, NULL, 0, NULL, &len),
			 0);
	assert_int_equal(fs->flushes, 3);
	assert_int_equal(log->state, LOG_SUSPENDED);
	log_destroy(log, true);
	assert_int_equal(destroyed, 1);
	assert_true(handoff);
}

static void test_failed_load(void **st)
{
	struct ctr_params p = params(CTR_LOG_DISK, 8, CTR_SYNC_DEFAULT);
	struct fake_store *fs = fake_store_new("7:1");
	struct dmlog_log *log;
	size_t len;

	(void)st;
	fs->fail_load = -EIO;
	assert_int_equal(log_create(&p, "u", 1, &fs->base, NULL, &log), 0);
	assert_int_equal(req(log, DM_ULOG_RESUME, NULL, 0, NULL, &len), -EIO);
	assert_int_equal(log->state, LOG_CONSTRUCTED);
	log_destroy(log, true);
}

static void test_bad_requests(void **st)
{
	struct dmlog_log *log = core_log(4, CTR_SYNC_DEFAULT);
	uint64_t r = 4;
	int64_t v;
	size_t len = 99;

	(void)st;
	assert_int_equal(req(log, DM_ULOG_IN_SYNC, &r, 8, &v, &len), -EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(req(log, DM_ULOG_IS_CLEAN, &r, 4, &v, &len), -EINVAL);
	assert_int_equal(req(log, DM_ULOG_CTR, NULL, 0, NULL, &len), -EINVAL);
	assert_int_equal(req(log, 99, NULL, 0, NULL, &len), -EINVAL);
	assert_true(log->counters.errors >= 4);
	log_destroy(log, false);
}

static void test_huge_log(void **st)
{
	/* 2^32 regions: created, marked and counted without a cap. */
	struct dmlog_log *log = core_log(1ULL << 32, CTR_SYNC_NONE);
	uint64_t last = (1ULL << 32) - 1;

	(void)st;
	assert_int_equal(ask_u64(log, DM_ULOG_GET_SYNC_COUNT), 1ULL << 32);
	assert_int_equal(regions_req(log, DM_ULOG_MARK_REGION, &last, 1), 0);
	assert_int_equal(ask(log, DM_ULOG_IS_CLEAN, last), 0);
	set_sync(log, last, 0);
	assert_int_equal(resync_work(log).r, last);
	log_destroy(log, false);
}


/* With the real disk store: a region marked after RESUME (where the
 * kernel semantics reset clean := in_sync) must be on disk after FLUSH,
 * and come back out of sync after a crash; nothing else may. */
static struct dmlog_log *disk_log_on(struct blockdev *bd)
{
	struct ctr_params p = params(CTR_LOG_DISK, 128, CTR_SYNC_DEFAULT);
	struct log_store *st;
	struct dmlog_log *log;
	char err[128];
	size_t len;

	assert_int_equal(store_disk_open(bd, &p, "LVM-t", 1, 0, &st, err,
					 sizeof(err)), 0);
	assert_int_equal(log_create(&p, "LVM-t", 1, st, NULL, &log), 0);
	assert_int_equal(req(log, DM_ULOG_RESUME, NULL, 0, NULL, &len), 0);
	return log;
}

static void test_mark_after_resume_is_durable(void **st)
{
	struct blockdev *bd = blockdev_mem_new(1 << 20, 4096);
	struct blockdev *view;
	struct dmlog_log *log;
	uint64_t three = 3;

	(void)st;
	log = disk_log_on(bd);
	for (uint64_t r = 0; r < 128; r++)
		set_sync(log, r, 1);
	assert_int_equal(regions_req(log, DM_ULOG_FLUSH, NULL, 0), 0);
	assert_int_equal(regions_req(log, DM_ULOG_MARK_REGION, &three, 1), 0);
	assert_int_equal(regions_req(log, DM_ULOG_FLUSH, NULL, 0), 0);
	/* power cut now: a second device over a copy of the durable image */
	view = blockdev_mem_new(1 << 20, 4096);
	memcpy(blockdev_mem_image(view), blockdev_mem_image(bd), 1 << 20);
	log_destroy(log, false);	/* no handoff: like a crash */
	log = disk_log_on(view);
	assert_int_equal(ask_u64(log, DM_ULOG_GET_SYNC_COUNT), 127);
	assert_int_equal(ask(log, DM_ULOG_IN_SYNC, 3), 0);
	assert_int_equal(resync_work(log).r, 3);
	log_destroy(log, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_state),
		cmocka_unit_test(test_mark_clear),
		cmocka_unit_test(test_integrated_flush_marks),
		cmocka_unit_test(test_resync_work),
		cmocka_unit_test(test_remote_recovering_hint),
		cmocka_unit_test(test_status_strings),
		cmocka_unit_test(test_store_seam),
		cmocka_unit_test(test_failed_load),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_huge_log),
		cmocka_unit_test(test_mark_after_resume_is_durable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
