/* format's report (see format_report.h, doc/dmlogctl-json.md). */
#include <inttypes.h>
#include <json.h>

#include "blockdev.h"
#include "blockname.h"
#include "device.h"
#include "format_report.h"
#include "jdoc.h"
#include "logscan.h"
#include "scan_json.h"
#include "table.h"

static void text_rows(const struct format_result *fr, struct table *t)
{
	const struct dmlog_sb *sb = fr->sb;
	const struct ctl_scan *v = fr->verify;
	char rs[64];

	ctl_size_str(rs, sizeof(rs), (uint64_t)sb->region_size * 512);
	table_cell(t, "uuid");
	table_cell(t, "%s%s", sb->uuid, fr->uuid_generated ? " (generated)" :
		   "");
	table_cell(t, "format id");
	table_cell(t, "0x%016" PRIx64, sb->format_id);
	table_cell(t, "generation");
	table_cell(t, "%" PRIu64, sb->generation);
	table_cell(t, "regions");
	table_cell(t, "%" PRIu64 " of %u sectors (%s)", sb->geo.region_count,
		   sb->region_size, rs);
	table_cell(t, "slots");
	table_cell(t, "%u", sb->geo.nr_slots);
	table_cell(t, "state");
	table_cell(t, "%s", ctl_sb_state_name(sb->state));
	table_cell(t, "out of sync");
	table_cell(t, "%" PRIu64 " of %" PRIu64 " regions%s", v->oos,
		   sb->geo.region_count, fr->nosync ? " (--nosync)" :
		   " (the first load resyncs the mirror)");
	table_cell(t, "bytes used");
	table_cell(t, "%" PRIu64 " of %" PRIu64, sb->geo.bytes_used,
		   fr->dev->bd->size);
	table_cell(t, "verified");
	table_cell(t, "%" PRIu64 " blocks read back, %" PRIu64 " good",
		   v->blocks.total, v->blocks.good);
}

int format_text(const struct format_result *fr, FILE *f)
{
	struct table *t = table_new(2, NULL);
	int r;

	fprintf(f, "Formatted %s\n", fr->dev->path);
	for (size_t i = 0; i < fr->wiped->n; i++) {
		char what[256];

		sig_describe(&fr->wiped->sig[i], what, sizeof(what));
		fprintf(f, "  wiped %s at offset %" PRIu64 "\n", what,
			fr->wiped->sig[i].offset);
	}
	text_rows(fr, t);
	r = table_print(t, f, 2);
	table_free(t);
	if (!r && fr->uuid_generated)
		fprintf(f, "Use this uuid as the log uuid in the mirror table: "
			"with another uuid dmlogd's first load formats the log "
			"again (every region out of sync).\n");
	return r;
}

static void json_wiped(struct jdoc *doc, const struct ctl_sigs *w)
{
	struct json_object *arr = jdoc_arr(doc, doc->root, "wiped");

	for (size_t i = 0; i < w->n; i++) {
		const struct ctl_signature *s = &w->sig[i];
		struct json_object *o = jdoc_arr_obj(doc, arr);

		jdoc_str(doc, o, "type", s->type);
		jdoc_str(doc, o, "usage", s->partition_table ?
			 "partition table" : s->usage[0] ? s->usage : NULL);
		jdoc_str(doc, o, "uuid", s->uuid[0] ? s->uuid : NULL);
		jdoc_str(doc, o, "label", s->label[0] ? s->label : NULL);
		jdoc_u64(doc, o, "offset", s->offset);
	}
}

int format_json(struct jdoc *doc, const struct format_result *fr, FILE *f)
{
	const struct ctl_scan *v = fr->verify;

	json_device(doc, fr->dev);
	json_wiped(doc, fr->wiped);
	json_superblock_written(doc, fr->sb);
	json_geometry(doc, &fr->sb->geo, fr->dev->bd->size);
	jdoc_bool(doc, doc->root, "uuid_generated", fr->uuid_generated);
	jdoc_bool(doc, doc->root, "nosync", fr->nosync);
	jdoc_u64(doc, doc->root, "out_of_sync_regions", v->oos);
	json_blocks(doc, doc->root, "verified", &v->sb.geo, &v->blocks, NULL);
	return jdoc_print(doc, f);
}
