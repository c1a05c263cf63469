/* JSON rendering of scans (see scan_json.h, doc/dmlogctl-json.md). */
#include <json.h>

#include "blockdev.h"
#include "blockname.h"
#include "device.h"
#include "logscan.h"
#include "scan_json.h"

void json_device(struct jdoc *d, const struct ctl_dev *dev)
{
	struct json_object *o = jdoc_obj(d, d->root, "device");
	struct json_object *h;

	jdoc_str(d, o, "path", dev->path);
	jdoc_str(d, o, "type", dev->is_blockdev ? "block" : "file");
	jdoc_u64(d, o, "size_bytes", dev->bd->size);
	jdoc_u64(d, o, "logical_block_size", dev->bd->block_size);
	jdoc_u64(d, o, "major", dev->bd->major);
	jdoc_u64(d, o, "minor", dev->bd->minor);
	h = jdoc_arr(d, o, "holders");
	for (size_t i = 0; i < dev->nholders; i++) {
		struct json_object *e = jdoc_arr_obj(d, h);

		jdoc_str(d, e, "name", dev->holders[i].name);
		jdoc_str(d, e, "dm_name", dev->holders[i].dm_name[0] ?
			 dev->holders[i].dm_name : NULL);
	}
	jdoc_bool(d, o, "live", dev->nholders > 0);
}

void json_kernel_header(struct jdoc *d, const struct ctl_scan *s)
{
	struct json_object *o = jdoc_obj(d, d->root, "kernel_header");
	char magic[16];

	snprintf(magic, sizeof(magic), "0x%08x", s->kh.magic);
	jdoc_str(d, o, "magic", magic);
	jdoc_str(d, o, "kind", s->kh.magic == DMLOG_KMAGIC ? "kernel" :
		 s->kh_marker ? "marker" : "other");
	jdoc_u64(d, o, "version", s->kh.version);
	jdoc_u64(d, o, "nr_regions", s->kh.nr_regions);
	jdoc_bool(d, o, "valid", s->kh_valid);
}

static void sb_fields(struct jdoc *d, struct json_object *o,
		      const struct dmlog_sb *sb)
{
	jdoc_u64(d, o, "version", sb->version);
	jdoc_str(d, o, "state", ctl_sb_state_name(sb->state));
	jdoc_hex64(d, o, "format_id", sb->format_id);
	jdoc_u64(d, o, "generation", sb->generation);
	jdoc_u64(d, o, "region_count", sb->geo.region_count);
	jdoc_u64(d, o, "region_size_sectors", sb->region_size);
	jdoc_u64(d, o, "target_sectors", sb->target_sectors);
	jdoc_u64(d, o, "nr_slots", sb->geo.nr_slots);
	jdoc_str(d, o, "uuid", sb->uuid);
}

static void sb_null_fields(struct jdoc *d, struct json_object *o)
{
	static const char *const keys[] = {
		"version", "state", "format_id", "generation", "region_count",
		"region_size_sectors", "target_sectors", "nr_slots", "uuid",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		jdoc_null(d, o, keys[i]);
}

void json_superblock(struct jdoc *d, const struct ctl_scan *s)
{
	struct json_object *o = jdoc_obj(d, d->root, "superblock");

	jdoc_bool(d, o, "present", s->sb_present);
	jdoc_bool(d, o, "valid", s->sb_valid);
	jdoc_str(d, o, "invalid_reason", s->sb_valid ? NULL :
		 s->sb_why ? s->sb_why : "magic");
	if (s->sb_valid)
		sb_fields(d, o, &s->sb);
	else
		sb_null_fields(d, o);
}

void json_superblock_written(struct jdoc *d, const struct dmlog_sb *sb)
{
	struct json_object *o = jdoc_obj(d, d->root, "superblock");

	jdoc_bool(d, o, "present", true);
	jdoc_bool(d, o, "valid", true);
	jdoc_null(d, o, "invalid_reason");
	sb_fields(d, o, sb);
}

void json_geometry(struct jdoc *d, const struct dmlog_geometry *g,
		   uint64_t dev_size)
{
	struct json_object *o;

	if (!g) {
		jdoc_null(d, d->root, "geometry");
		return;
	}
	o = jdoc_obj(d, d->root, "geometry");
	jdoc_u64(d, o, "region_count", g->region_count);
	jdoc_u64(d, o, "nr_slots", g->nr_slots);
	jdoc_u64(d, o, "bits_per_block", g->bits_per_block);
	jdoc_u64(d, o, "kernel_bitmap_bytes", g->kernel_bitmap_bytes);
	jdoc_u64(d, o, "kernel_area_bytes", g->kernel_area_bytes);
	jdoc_u64(d, o, "blocks_per_bitmap", g->blocks_per_bitmap);
	jdoc_u64(d, o, "slot_info_offset", g->slot_info_off);
	jdoc_u64(d, o, "slot_bitmap_offset", g->slot_bitmap_off);
	jdoc_u64(d, o, "oos_offset", g->oos_off);
	jdoc_u64(d, o, "bytes_used", g->bytes_used);
	jdoc_bool(d, o, "device_large_enough", dev_size >= g->bytes_used);
}

static void json_slot(struct jdoc *d, struct json_object *arr, uint32_t i,
		      const struct ctl_slot_sum *sl)
{
	struct json_object *o = jdoc_arr_obj(d, arr);
	bool good = sl->info_st == DMLOG_BLK_GOOD;

	jdoc_u64(d, o, "slot", i);
	jdoc_str(d, o, "info_status", dmlog_blk_state_name(sl->info_st));
	jdoc_bool(d, o, "info_good", good);
	if (good) {
		jdoc_str(d, o, "state", ctl_slot_state_name(sl->info.state));
		jdoc_u64(d, o, "node_id", sl->info.node_id);
		jdoc_u64(d, o, "claim_generation", sl->info.claim_generation);
		jdoc_u64(d, o, "block_generation", sl->info_generation);
		jdoc_u64(d, o, "block_seq", sl->info_seq);
	} else {
		jdoc_null(d, o, "state");
		jdoc_null(d, o, "node_id");
		jdoc_null(d, o, "claim_generation");
		jdoc_null(d, o, "block_generation");
		jdoc_null(d, o, "block_seq");
	}
	jdoc_u64(d, o, "dirty_regions", sl->dirty);
	jdoc_u64(d, o, "bad_blocks", sl->bad_blocks);
	jdoc_u64(d, o, "regions_in_bad_blocks", sl->bad_regions);
}

void json_slots(struct jdoc *d, const struct ctl_scan *s)
{
	struct json_object *arr = jdoc_arr(d, d->root, "slots");

	for (uint32_t i = 0; s->sb_valid && i < s->sb.geo.nr_slots; i++)
		json_slot(d, arr, i, &s->slots[i]);
}

void json_out_of_sync(struct jdoc *d, const struct ctl_scan *s)
{
	struct json_object *o;

	if (!s->sb_valid) {
		jdoc_null(d, d->root, "out_of_sync");
		return;
	}
	o = jdoc_obj(d, d->root, "out_of_sync");
	jdoc_u64(d, o, "regions", s->oos);
	jdoc_u64(d, o, "in_sync_regions", s->sb.geo.region_count - s->oos);
	jdoc_u64(d, o, "bad_blocks", s->oos_bad_blocks);
	jdoc_u64(d, o, "regions_in_bad_blocks", s->oos_bad_regions);
}

void json_kernel_bitmap(struct jdoc *d, const struct ctl_scan *s)
{
	const struct ctl_kbitmap *k = &s->kbm;
	struct json_object *o;

	if (!s->has_kbitmap) {
		jdoc_null(d, d->root, "kernel_bitmap");
		return;
	}
	o = jdoc_obj(d, d->root, "kernel_bitmap");
	jdoc_u64(d, o, "nr_regions", k->nr_regions);
	jdoc_u64(d, o, "counted_regions", k->counted);
	jdoc_u64(d, o, "clean_regions", k->clean);
	jdoc_u64(d, o, "not_clean_regions", k->counted - k->clean);
	jdoc_bool(d, o, "truncated", k->truncated);
	if (s->sb_valid)
		jdoc_u64(d, o, "in_sync_on_import", k->clean_import);
	else
		jdoc_null(d, o, "in_sync_on_import");
}

static void json_regions(struct jdoc *d, struct json_object *o,
			 const struct dmlog_geometry *g, enum dmlog_kind kind,
			 uint64_t first, uint64_t last)
{
	uint64_t rf, rl;

	if (ctl_block_regions(g, kind, first, last, &rf, &rl)) {
		jdoc_u64(d, o, "first_region", rf);
		jdoc_u64(d, o, "last_region", rl);
	} else {
		jdoc_null(d, o, "first_region");
		jdoc_null(d, o, "last_region");
	}
}

static void json_area(struct jdoc *d, struct json_object *o,
		      enum dmlog_kind kind, uint32_t area)
{
	jdoc_str(d, o, "area", ctl_area_id(kind));
	if (kind == DMLOG_KIND_OOS)
		jdoc_null(d, o, "slot");
	else
		jdoc_u64(d, o, "slot", area);
}

void json_block(struct jdoc *d, struct json_object *arr,
		const struct dmlog_geometry *g, const struct ctl_block *b)
{
	struct json_object *o = jdoc_arr_obj(d, arr);
	bool good = b->st == DMLOG_BLK_GOOD;

	json_area(d, o, b->kind, b->area);
	jdoc_u64(d, o, "index", b->index);
	jdoc_u64(d, o, "device_block", b->offset / DMLOG_BS);
	jdoc_u64(d, o, "offset", b->offset);
	jdoc_str(d, o, "status", dmlog_blk_state_name(b->st));
	jdoc_bool(d, o, "good", good);
	if (good) {
		jdoc_u64(d, o, "generation", b->generation);
		jdoc_u64(d, o, "seq", b->seq);
	} else {
		jdoc_null(d, o, "generation");
		jdoc_null(d, o, "seq");
	}
	json_regions(d, o, g, b->kind, b->index, b->index);
	if (b->kind == DMLOG_KIND_SLOT_INFO)
		jdoc_null(d, o, "bits_set");
	else
		jdoc_u64(d, o, "bits_set", b->set);
}

void json_runs(struct jdoc *d, struct json_object *arr,
	       const struct dmlog_geometry *g,
	       const struct ctl_block_sum *sum)
{
	for (size_t i = 0; i < sum->nruns; i++) {
		const struct ctl_bad_run *r = &sum->runs[i];
		struct json_object *o = jdoc_arr_obj(d, arr);

		json_area(d, o, r->kind, r->area);
		jdoc_u64(d, o, "first_index", r->first);
		jdoc_u64(d, o, "last_index", r->last);
		jdoc_u64(d, o, "count", r->last - r->first + 1);
		jdoc_u64(d, o, "first_device_block",
			 dmlog_block_offset(g, r->kind, r->area, r->first) /
			 DMLOG_BS);
		jdoc_str(d, o, "status", dmlog_blk_state_name(r->st));
		json_regions(d, o, g, r->kind, r->first, r->last);
	}
}

void json_blocks(struct jdoc *d, struct json_object *parent, const char *key,
		 const struct dmlog_geometry *g,
		 const struct ctl_block_sum *sum, struct json_object *list)
{
	struct json_object *o = jdoc_obj(d, parent, key);

	jdoc_u64(d, o, "total", sum->total);
	jdoc_u64(d, o, "good", sum->good);
	jdoc_u64(d, o, "bad", sum->bad);
	jdoc_u64(d, o, "read_errors", sum->read_errors);
	json_runs(d, jdoc_arr(d, o, "bad_ranges"), g, sum);
	if (list)
		jdoc_attach(d, o, "list", list);
	else
		jdoc_null(d, o, "list");
}
