/* lib/cluster_info.c and the control socket's cluster parts
 * (daemons/dmlogd/control_cluster.c) against known slot contents.
 *
 * Three store instances share one in-memory log device with 3 slots, as
 * three nodes would: slot 0 is this node's (node 1), slot 1 node 2's,
 * slot 2 node 3's. Each marks known regions and flushes. The protocol
 * state (struct cluster_log, cluster_log_int.h) is set by hand to each
 * situation a report must describe: joined with a lost node being merged,
 * region locks held, bits queued; still joining; a freed slot. */
#include <errno.h>
#include <json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bitmap.h"
#include "blockdev.h"
#include "cluster_info.h"
#include "cluster_log.h"
#include "cluster_log_int.h"
#include "ctr_parse.h"
#include "log_admin.h"
#include "log_engine.h"
#include "log_format.h"
#include "log_store.h"
#include "store_disk.h"

/* The daemon's JSON glue, built into this test (it is not in libdmlog). */
#include "../../daemons/dmlogd/control_cluster.c"
#include "../../daemons/dmlogd/control_util.c"

#define UUID "LVM-clusterinfo0123456789abcdef0123456789abcdef0123456789abcd"
#define REGIONS 128
#define SLOTS 3

/* ---------------------------------------------------------------- */
/* A device shared by several stores: each store closes its own view. */

struct view {
	struct blockdev bd;
	struct blockdev *under;
};

static int v_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	bd->nr_reads++;
	return blockdev_read(((struct view *)bd)->under, off, buf, len);
}

static int v_write(struct blockdev *bd, uint64_t off, const void *buf,
		   size_t len)
{
	bd->nr_writes++;
	return blockdev_write(((struct view *)bd)->under, off, buf, len);
}

static int v_sync(struct blockdev *bd)
{
	return blockdev_sync(((struct view *)bd)->under);
}

static void v_close(struct blockdev *bd)
{
	free(bd);
}

static const struct blockdev_ops view_ops = { v_read, v_write, v_sync,
					      v_close };

static struct blockdev *view_new(struct blockdev *under)
{
	struct view *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->bd.ops = &view_ops;
	v->bd.size = under->size;
	v->bd.block_size = under->block_size;
	v->bd.major = 253;
	v->bd.minor = 7;
	v->under = under;
	return &v->bd;
}

static struct ctr_params params(void)
{
	struct ctr_params p;

	memset(&p, 0, sizeof(p));
	p.region_size = 8;
	p.region_count = REGIONS;
	p.target_sectors = REGIONS * 8;
	p.kind = CTR_LOG_DISK;
	p.clustered = true;
	snprintf(p.type_name, sizeof(p.type_name), "clustered-disk");
	snprintf(p.log_dev, sizeof(p.log_dev), "253:7");
	p.sync = CTR_SYNC_NONE;	/* all in sync */
	return p;
}

/* One node's store on the shared device, joined into `slot`. */
static struct log_store *node_store(struct blockdev *mem, uint32_t slot,
				    uint32_t node_id, struct bitmap *in_sync)
{
	struct ctr_params p = params();
	struct log_store *st = NULL;
	uint8_t merge[SLOTS] = { 0 };
	char err[256] = "";

	assert_int_equal(store_disk_open(view_new(mem), &p, UUID, SLOTS, slot,
					 &st, err, sizeof(err)), 0);
	st->cops->set_shared(st, true);
	assert_int_equal(st->cops->set_slot(st, slot, node_id), 0);
	merge[slot] = 1;
	assert_int_equal(st->cops->load_mask(st, in_sync, merge), 0);
	return st;
}

/* Mark regions [first, first + n) in a store's slot, durably. */
static void mark_flush(struct log_store *st, struct bitmap *clean,
		       struct bitmap *in_sync, uint64_t first, uint64_t n)
{
	for (uint64_t r = first; r < first + n; r++) {
		assert_int_equal(bitmap_clear(clean, r), 0);
		st->ops->note(st, STORE_BIT_CLEAN, r);
	}
	assert_int_equal(st->ops->flush(st, clean, in_sync), 0);
}

/* ---------------------------------------------------------------- */
/* The fixture: node 1's log and its hand-set protocol state. */

static bool alive[8] = { false, true, true, false };	/* nodes 1, 2 */

static bool fake_alive(struct lockmgr *lm, uint32_t node)
{
	(void)lm;
	return node < 8 && alive[node];
}

static const struct lockmgr_async_ops fake_am = { .node_alive = fake_alive };

struct fx {
	struct blockdev *mem;
	struct dmlog_log *log;		/* node 1, slot 0 */
	struct log_store *other[2];	/* slots 1 (node 2), 2 (node 3) */
	struct bitmap *oclean[2], *oin[2];
	struct cluster_log cl;
	struct watch w[SLOTS];
	struct rlock rl[2];
	struct setoos so[2];
};

/* Joined: slot 0 marks 5 (flushed) and 6 (not flushed); node 2's slot
 * 10-12; node 3 (lost, being merged) 20-24. Out of sync on the device:
 * 40 and 51 (51 written by an operator resync, announcement going on);
 * 50 queued. Region locks: 31 waiting, 30 copying. */
static int setup(void **state)
{
	struct ctr_params p = params();
	struct log_store *st;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mem = blockdev_mem_new(dmlog_min_device_bytes(REGIONS, SLOTS),
				  512);
	assert_non_null(f->mem);
	assert_int_equal(log_create(&p, UUID, 1, NULL, NULL, &f->log), 0);
	st = node_store(f->mem, 0, 1, f->log->in_sync);
	f->log->store = st;
	for (int i = 0; i < 2; i++) {
		f->oclean[i] = bitmap_new(REGIONS, true);
		f->oin[i] = bitmap_new(REGIONS, true);
		assert_non_null(f->oclean[i]);
		assert_non_null(f->oin[i]);
		f->other[i] = node_store(f->mem, 1 + i, 2 + i, f->oin[i]);
	}
	mark_flush(f->other[0], f->oclean[0], f->oin[0], 10, 3);
	mark_flush(f->other[1], f->oclean[1], f->oin[1], 20, 5);
	mark_flush(st, f->log->idle, f->log->in_sync, 5, 1);
	assert_int_equal(bitmap_clear(f->log->idle, 6), 0);	/* unflushed */
	assert_int_equal(st->cops->oos_update(st, 40, true), 0);
	assert_int_equal(st->cops->oos_update(st, 51, true), 0);

	f->cl.log = f->log;
	f->cl.st = st;
	f->cl.cops = st->cops;
	f->cl.am = &fake_am;
	f->cl.node_id = 1;
	f->cl.nr_regions = REGIONS;
	f->cl.join = J_DONE;
	f->cl.loaded = true;
	f->cl.b = B_PR;
	f->cl.t = T_IDLE;
	f->cl.nr_slots = SLOTS;
	f->cl.slot = 0;
	f->cl.w = f->w;
	for (uint32_t m = 0; m < SLOTS; m++) {
		f->w[m].cl = &f->cl;
		f->w[m].slot = m;
	}
	/* node 2 watched (its EX lock seen); node 3 lost, PR granted */
	f->w[1] = (struct watch){ .cl = &f->cl, .slot = 1, .active = true,
				  .node_id = 2 };
	f->w[2] = (struct watch){ .cl = &f->cl, .slot = 2, .active = true,
				  .suspect = true, .lost = true, .merge = true,
				  .node_id = 3 };
	f->cl.nr_suspect = 1;
	f->cl.suspect = bitmap_new(REGIONS, false);
	assert_non_null(f->cl.suspect);
	assert_int_equal(bitmap_assign_range(f->cl.suspect, 20, 5, true), 0);
	/* the cache: the device's OOS bits (40, 51) out of sync */
	assert_int_equal(bitmap_clear(f->log->in_sync, 40), 0);
	assert_int_equal(bitmap_clear(f->log->in_sync, 51), 0);
	f->rl[0] = (struct rlock){ .cl = &f->cl, .region = 31,
				   .st = RL_WAIT, .next = NULL };
	f->rl[1] = (struct rlock){ .cl = &f->cl, .region = 30, .st = RL_HELD,
				   .handed = true, .next = &f->rl[0] };
	f->cl.rl = &f->rl[1];
	f->so[0] = (struct setoos){ 50, SO_QUEUED, false };
	f->so[1] = (struct setoos){ 51, SO_WRITTEN, false };
	f->cl.setoos = f->so;
	f->cl.nr_setoos = 2;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bitmap_free(f->cl.suspect);
	for (int i = 0; i < 2; i++) {
		f->other[i]->ops->destroy(f->other[i]);
		bitmap_free(f->oclean[i]);
		bitmap_free(f->oin[i]);
	}
	f->log->cl = NULL;
	log_destroy(f->log, false);	/* constructed: destroys the store */
	blockdev_close(f->mem);
	free(f);
	return 0;
}

static uint64_t weight_of(const struct bitmap *bm)
{
	return bitmap_weight(bm);
}

/* ---------------------------------------------------------------- */

static void test_joined_info(void **state)
{
	struct fx *f = *state;
	struct cluster_info ci;

	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_int_equal(ci.error, 0);
	assert_int_equal(ci.node_id, 1);
	assert_true(ci.has_slot);
	assert_int_equal(ci.slot, 0);
	assert_int_equal(ci.join, CI_JOIN_DONE);
	assert_int_equal(ci.barrier, CI_BAR_MEMBER);
	assert_int_equal(ci.table, CI_TABLE_IDLE);
	assert_int_equal(ci.nr_slots, SLOTS);

	assert_true(ci.slots[0].this_node);
	assert_true(ci.slots[0].active);
	assert_int_equal(ci.slots[0].node_id, 1);
	assert_int_equal(ci.slots[0].owner, CI_OWNER_THIS);
	assert_true(ci.slots[0].dirty_known);
	assert_int_equal(ci.slots[0].dirty, 2);	/* 5 on disk, 6 unflushed */

	assert_false(ci.slots[1].this_node);
	assert_true(ci.slots[1].active);
	assert_int_equal(ci.slots[1].node_id, 2);
	assert_true(ci.slots[1].member);
	assert_false(ci.slots[1].suspect);
	assert_int_equal(ci.slots[1].owner, CI_OWNER_ALIVE);
	assert_int_equal(ci.slots[1].dirty, 3);

	assert_int_equal(ci.slots[2].node_id, 3);
	assert_false(ci.slots[2].member);
	assert_true(ci.slots[2].suspect);
	assert_true(ci.slots[2].merging);
	assert_int_equal(ci.slots[2].owner, CI_OWNER_MERGING);
	assert_int_equal(ci.slots[2].dirty, 5);
	assert_int_equal(ci.nr_lost, 1);
	assert_int_equal(ci.nr_merging, 1);

	assert_int_equal(ci.dirty_cluster, 2 + 3 + 5);
	assert_int_equal(ci.suspect_regions, 5);
	assert_int_equal(ci.oos_device, 2);		/* 40, 51 */
	assert_int_equal(ci.oos_pending, 1);		/* 50 */
	assert_int_equal(ci.oos_announcing, 1);		/* 51 */
	assert_int_equal(ci.out_of_sync, 2 + 1 + 5);
	/* GET_SYNC_COUNT: the cache minus the suspect regions */
	assert_int_equal(ci.sync_count, REGIONS - 2 - 5);

	assert_int_equal(ci.nr_locks, 2);
	assert_int_equal(ci.nr_locks_held, 1);
	assert_int_equal(ci.nr_locks_listed, 2);
	assert_int_equal(ci.locks[0].region, 30);	/* sorted */
	assert_int_equal(ci.locks[0].state, CI_RL_COPYING);
	assert_int_equal(ci.locks[1].region, 31);
	assert_int_equal(ci.locks[1].state, CI_RL_WAITING);
	cluster_info_free(&ci);
}

static void test_node_dirty(void **state)
{
	struct fx *f = *state;
	struct bitmap *bm = bitmap_new(REGIONS, false);
	bool found;

	assert_non_null(bm);
	assert_int_equal(cluster_info_node_dirty(&f->cl, 2, bm, &found), 0);
	assert_true(found);
	assert_int_equal(weight_of(bm), 3);
	assert_int_equal(bitmap_find_next(bm, 0, true), 10);
	assert_int_equal(bitmap_find_next(bm, 13, true), REGIONS);

	assert_int_equal(cluster_info_node_dirty(&f->cl, 3, bm, &found), 0);
	assert_true(found);
	assert_int_equal(weight_of(bm), 5);
	assert_int_equal(bitmap_find_next(bm, 0, true), 20);

	assert_int_equal(cluster_info_node_dirty(&f->cl, 1, bm, &found), 0);
	assert_true(found);
	assert_int_equal(weight_of(bm), 2);
	assert_true(bitmap_test(bm, 5));
	assert_true(bitmap_test(bm, 6));

	assert_int_equal(cluster_info_node_dirty(&f->cl, 7, bm, &found), 0);
	assert_false(found);
	assert_int_equal(weight_of(bm), 0);

	assert_int_equal(cluster_info_dirty(&f->cl, bm), 0);
	assert_int_equal(weight_of(bm), 10);

	bitmap_fill(bm, true);
	assert_int_equal(cluster_info_in_sync(&f->cl, bm), 0);
	assert_int_equal(weight_of(bm), REGIONS - 8);
	assert_false(bitmap_test(bm, 50));	/* queued counts */
	assert_false(bitmap_test(bm, 22));	/* suspect */
	bitmap_free(bm);
}

/* A slot freed on the device (its node left): FREE, no dirty count, not
 * in the union; its stale bits do not count. */
static void test_free_slot(void **state)
{
	struct fx *f = *state;
	struct cluster_info ci;

	assert_int_equal(f->cl.cops->write_slot_info(f->cl.st, 1,
						     DMLOG_SLOT_FREE, 0), 0);
	f->w[1].active = false;
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_false(ci.slots[1].active);
	assert_int_equal(ci.slots[1].owner, CI_OWNER_FREE);
	assert_false(ci.slots[1].dirty_known);
	assert_int_equal(ci.dirty_cluster, 2 + 5);
	cluster_info_free(&ci);
}

/* Before the join: no slot, nothing read from the device. */
static void test_joining(void **state)
{
	struct fx *f = *state;
	struct cluster_info ci;
	struct json_object *o = json_object_new_object();
	char words[512];
	const char *code = NULL;

	f->cl.join = J_WAIT_PR;
	f->cl.loaded = false;
	f->cl.b = B_WAIT_PR;
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_false(ci.has_slot);
	assert_int_equal(ci.join, CI_JOIN_BARRIER);
	assert_int_equal(ci.nr_slots, 0);
	assert_null(ci.slots);
	assert_int_equal(ci.dirty_cluster, 2);	/* this node's engine */
	assert_true(control_cluster_health(&ci, &code, words, sizeof(words)));
	assert_string_equal(code, "starting");
	assert_non_null(strstr(words, "waiting for the barrier lock"));
	control_cluster_obj(&ci, o);
	assert_true(json_object_is_type(json_object_object_get(o, "slot"),
					json_type_null));
	assert_string_equal(json_object_get_string(
				    json_object_object_get(o, "join")),
			    "waiting-barrier");
	json_object_put(o);
	cluster_info_free(&ci);

	f->cl.join = J_FAIL;
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_true(control_cluster_health(&ci, &code, words, sizeof(words)));
	assert_string_equal(code, "failed");
	cluster_info_free(&ci);
}

/* ---------------------------------------------------------------- */
/* The JSON of the control replies */

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static void test_json(void **state)
{
	struct fx *f = *state;
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array(), *s, *l;
	struct cluster_info ci;
	char words[768], note[384];
	const char *code = NULL;

	control_cj_reset();
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	control_cluster_obj(&ci, o);
	control_cluster_slots(&ci, arr);
	assert_false(control_cj_failed());

	assert_int_equal(jint(o, "node_id"), 1);
	assert_int_equal(jint(o, "slot"), 0);
	assert_string_equal(jstr(o, "join"), "joined");
	assert_string_equal(jstr(o, "barrier"), "member");
	assert_true(json_object_get_boolean(json_object_object_get(
		o, "merge_in_progress")));
	l = json_object_object_get(o, "lost_nodes");
	assert_int_equal(json_object_array_length(l), 1);
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(l, 0)),
			 3);
	assert_int_equal(jint(o, "out_of_sync_regions"), 8);
	assert_int_equal(jint(o, "out_of_sync_queued"), 1);
	assert_int_equal(jint(o, "region_locks_held"), 1);
	l = json_object_object_get(o, "region_locks_list");
	assert_int_equal(json_object_array_length(l), 2);
	assert_string_equal(jstr(json_object_array_get_idx(l, 0), "state"),
			    "copying");
	assert_non_null(strstr(jstr(o, "state_words"), "up to date"));

	assert_int_equal(json_object_array_length(arr), 3);
	s = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(s, "state"), "ACTIVE");
	assert_string_equal(jstr(s, "owner"), "alive");
	assert_int_equal(jint(s, "node_id"), 2);
	assert_int_equal(jint(s, "dirty_regions"), 3);
	s = json_object_array_get_idx(arr, 2);
	assert_string_equal(jstr(s, "owner"), "merging");
	assert_true(json_object_get_boolean(json_object_object_get(s,
								  "merging")));

	assert_true(control_cluster_health(&ci, &code, words, sizeof(words)));
	assert_string_equal(code, "node-lost");
	assert_string_equal(words, "node 3 lost (slot 2): merging its 5 dirty "
			    "regions");
	control_cluster_note(&ci, note, sizeof(note));
	assert_non_null(strstr(note, "1 regions queued"));

	/* lost, not granted yet: the marks read as out of sync meanwhile */
	cluster_info_free(&ci);
	f->w[2].merge = false;
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_true(control_cluster_health(&ci, &code, words, sizeof(words)));
	assert_non_null(strstr(words, "node 3 lost (slot 2): its 5 dirty "
				      "regions read as out of sync"));
	cluster_info_free(&ci);

	/* node 3 merged; node 2's daemon was killed: its live lock free */
	f->w[2].lost = f->w[2].suspect = false;
	f->w[2].active = false;
	f->w[1].live = LV_FREE;
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_int_equal(ci.nr_no_daemon, 1);
	assert_true(ci.slots[1].no_daemon);
	assert_true(control_cluster_health(&ci, &code, words, sizeof(words)));
	assert_string_equal(code, "node-without-daemon");
	assert_non_null(strstr(words, "node 2 (slot 1) has no running "
				      "dmlogd"));
	json_object_put(o);
	o = json_object_new_object();
	control_cluster_obj(&ci, o);
	l = json_object_object_get(o, "nodes_without_daemon");
	assert_int_equal(json_object_array_length(l), 1);
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(l, 0)),
			 2);
	f->w[1].live = LV_WAIT;		/* its new daemon took EX: alive */
	cluster_info_free(&ci);
	assert_int_equal(cluster_info_get(&f->cl, &ci), 0);
	assert_int_equal(ci.nr_no_daemon, 0);
	cluster_info_free(&ci);
	json_object_put(o);
	json_object_put(arr);
}

/* The region views: ranges of node 2's marks; cluster-wide dirty union;
 * out of sync as the cluster sees it; no slot of node 9: a clear error. */
static void test_views(void **state)
{
	struct fx *f = *state;
	struct control_err e = { NULL, "" };
	struct cluster_view v;
	struct log_range r;
	struct log_range_counts c;

	f->log->cl = &f->cl;
	assert_int_equal(control_cluster_view(f->log, true, 2, &v, &e), 0);
	assert_true(log_next_range(&v.log, 0, LOG_RANGE_DIRTY, &r));
	assert_int_equal(r.first, 10);
	assert_int_equal(r.count, 3);
	assert_false(log_next_range(&v.log, 13, LOG_RANGE_DIRTY, &r));
	control_cluster_view_free(&v);

	assert_int_equal(control_cluster_view(f->log, false, 0, &v, &e), 0);
	log_count_range(&v.log, 0, REGIONS, &c);
	assert_int_equal(c.dirty, 10);
	assert_int_equal(c.out_of_sync, 8);
	log_count_range(&v.log, 45, 10, &c);	/* 50, 51 */
	assert_int_equal(c.out_of_sync, 2);
	control_cluster_view_free(&v);

	assert_int_equal(control_cluster_view(f->log, true, 9, &v, &e), -1);
	assert_string_equal(e.code, "bad-argument");
	assert_non_null(strstr(e.message, "node 9 has no ACTIVE slot"));
	f->log->cl = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_joined_info, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_dirty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_slot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_joining, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
