/* dump as aligned tables (see dump_report.h). */
#include <inttypes.h>
#include <stdio.h>

#include "blockname.h"
#include "device.h"
#include "dump_report.h"
#include "logscan.h"
#include "scan_text.h"
#include "table.h"
#include "warnings.h"

/* doc/format.md 5.1; an explicit "sync" in the table always formats. */
static const char *load_text(const struct ctl_scan *s)
{
	if (s->kh_valid)
		return "import: the kernel bitmap is the truth (regions "
		       "clean in it are in sync)";
	if (s->sb_valid)
		return "recover, when the table's uuid, region size and "
		       "region count match the superblock (else format)";
	return "format: every region out of sync (in sync for a nosync "
	       "table)";
}

static void text_header(const struct ctl_scan *s, struct table *t)
{
	table_cell(t, "Formats");
	table_cell(t, "dmlog v1: %s   kernel disk log (MiRr): %s",
		   s->sb_valid ? "yes" : s->sb_present ? "damaged" : "no",
		   s->kh_valid ? "yes" : "no");
	table_cell(t, "Header");
	if (s->kh.magic == DMLOG_KMAGIC)
		table_cell(t, "kernel MiRr, version %u, %" PRIu64 " regions%s",
			   s->kh.version, s->kh.nr_regions,
			   s->kh_valid ? "" : " (version refused)");
	else if (s->kh_marker)
		table_cell(t, "dmlog marker DLOG, %" PRIu64 " regions (not a "
			   "kernel log)", s->kh.nr_regions);
	else
		table_cell(t, "none (magic 0x%08x)", s->kh.magic);
	table_cell(t, "Next load");
	table_cell(t, "%s", load_text(s));
}

static void text_sb(const struct ctl_scan *s, struct table *t)
{
	const struct dmlog_sb *sb = &s->sb;
	char rs[64];

	ctl_size_str(rs, sizeof(rs), (uint64_t)sb->region_size * 512);
	table_cell(t, "state");
	table_cell(t, "%s", ctl_sb_state_name(sb->state));
	table_cell(t, "generation");
	table_cell(t, "%" PRIu64, sb->generation);
	table_cell(t, "format id");
	table_cell(t, "0x%016" PRIx64, sb->format_id);
	table_cell(t, "uuid");
	table_cell(t, "%s", sb->uuid);
	table_cell(t, "regions");
	table_cell(t, "%" PRIu64, sb->geo.region_count);
	table_cell(t, "region size");
	table_cell(t, "%u sectors, %s", sb->region_size, rs);
	table_cell(t, "target sectors");
	table_cell(t, "%" PRIu64 "%s", sb->target_sectors,
		   sb->target_sectors ? "" : " (unknown)");
	table_cell(t, "slots");
	table_cell(t, "%u", sb->geo.nr_slots);
}

static void text_geometry(const struct ctl_scan *s, struct table *t)
{
	const struct dmlog_geometry *g = &s->sb.geo;

	table_cell(t, "kernel bitmap bytes");
	table_cell(t, "%" PRIu64, g->kernel_bitmap_bytes);
	table_cell(t, "kernel area bytes");
	table_cell(t, "%" PRIu64, g->kernel_area_bytes);
	table_cell(t, "bits per block");
	table_cell(t, "%u", g->bits_per_block);
	table_cell(t, "blocks per bitmap");
	table_cell(t, "%" PRIu64, g->blocks_per_bitmap);
	table_cell(t, "slot info offset");
	table_cell(t, "%" PRIu64, g->slot_info_off);
	table_cell(t, "slot bitmaps offset");
	table_cell(t, "%" PRIu64, g->slot_bitmap_off);
	table_cell(t, "out-of-sync offset");
	table_cell(t, "%" PRIu64, g->oos_off);
	table_cell(t, "bytes used");
	table_cell(t, "%" PRIu64 "%s", g->bytes_used,
		   s->dev_too_small ? " (MORE than the device holds)" : "");
}

static void text_kbitmap(const struct ctl_scan *s, struct table *t)
{
	const struct ctl_kbitmap *k = &s->kbm;

	table_cell(t, "regions");
	table_cell(t, "%" PRIu64 "%s", k->nr_regions,
		   k->truncated ? " (bitmap truncated)" : "");
	table_cell(t, "clean");
	table_cell(t, "%" PRIu64, k->clean);
	table_cell(t, "not clean");
	table_cell(t, "%" PRIu64, k->counted - k->clean);
	if (s->sb_valid) {
		table_cell(t, "in sync on import");
		table_cell(t, "%" PRIu64 " of %" PRIu64, k->clean_import,
			   s->sb.geo.region_count);
	}
}

static void text_slots(const struct ctl_scan *s, struct table *t)
{
	static const char *const head[] = { "SLOT", "INFO", "STATE", "NODE",
		"CLAIM-GEN", "GEN", "DIRTY", "BAD-BLOCKS" };

	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		table_cell(t, "%s", head[i]);
	for (uint32_t i = 0; i < s->sb.geo.nr_slots; i++) {
		const struct ctl_slot_sum *sl = &s->slots[i];
		bool good = sl->info_st == DMLOG_BLK_GOOD;

		table_cell(t, "%u", i);
		table_cell(t, "%s", dmlog_blk_state_name(sl->info_st));
		table_cell(t, "%s", good ? ctl_slot_state_name(sl->info.state) :
			   "-");
		table_cell(t, "%u", good ? sl->info.node_id : 0);
		table_cell(t, "%" PRIu64, good ? sl->info.claim_generation : 0);
		table_cell(t, "%" PRIu64, good ? sl->info_generation : 0);
		table_cell(t, "%" PRIu64, sl->dirty);
		table_cell(t, "%" PRIu64, sl->bad_blocks);
	}
}

/* Print one titled section: fill(s, t) then the table. */
static int section(FILE *f, const char *title, unsigned ncols,
		   const char *align, const struct ctl_scan *s,
		   void (*fill)(const struct ctl_scan *, struct table *))
{
	struct table *t = table_new(ncols, align);
	int r;

	fill(s, t);
	if (title)
		fprintf(f, "\n%s\n", title);
	r = table_print(t, f, title ? 2 : 0);
	table_free(t);
	return r;
}

static int text_blocks(const struct ctl_scan *s, const struct table *blocks,
		       FILE *f)
{
	fprintf(f, "\nBlocks: %" PRIu64 " checked, %" PRIu64 " good, %"
		PRIu64 " bad\n", s->blocks.total, s->blocks.good,
		s->blocks.bad);
	if (blocks)
		return table_print(blocks, f, 2);
	return s->blocks.bad ? text_bad_runs(&s->sb.geo, &s->blocks, f, 2) : 0;
}

struct notes {
	FILE *f;
	bool any;
};

static void print_note(void *arg, const char *msg)
{
	struct notes *n = arg;

	if (!n->any)
		fprintf(n->f, "\nNotes:\n");
	n->any = true;
	fprintf(n->f, "  %s\n", msg);
}

static int text_log(const struct ctl_scan *s, const struct table *blocks,
		    FILE *f)
{
	int r = section(f, "Superblock", 2, NULL, s, text_sb);

	if (!r)
		r = section(f, "Geometry", 2, "lr", s, text_geometry);
	if (!r)
		r = section(f, "Slots", 8, "rllrrrrr", s, text_slots);
	if (!r)
		fprintf(f, "\nOut of sync: %" PRIu64 " of %" PRIu64
			" regions (%" PRIu64 " in %" PRIu64 " bad blocks)\n",
			s->oos, s->sb.geo.region_count, s->oos_bad_regions,
			s->oos_bad_blocks);
	return r ? r : text_blocks(s, blocks, f);
}

int dump_text(const struct ctl_dev *d, const struct ctl_scan *s,
	      const struct table *blocks, FILE *f)
{
	struct table *head = table_new(2, NULL);
	char desc[1024];
	int r;

	text_device_desc(d, desc, sizeof(desc));
	table_cell(head, "Device");
	table_cell(head, "%s", desc);
	text_header(s, head);
	r = table_print(head, f, 0);
	table_free(head);
	if (!r && s->sb_valid)
		r = text_log(s, blocks, f);
	else if (!r && s->sb_present)
		fprintf(f, "\nSuperblock: invalid (%s)\n",
			s->sb_why ? s->sb_why : "?");
	if (!r && s->has_kbitmap)
		r = section(f, "Kernel clean bitmap", 2, "lr", s,
			    text_kbitmap);
	if (!r) {
		struct notes n = { f, false };

		ctl_scan_warnings(d, s, print_note, &n);
	}
	return r;
}
