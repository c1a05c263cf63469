/* check as text (see check_report.h). */
#include <inttypes.h>
#include <stdio.h>

#include "blockname.h"
#include "check_report.h"
#include "device.h"
#include "logscan.h"
#include "repair.h"
#include "scan_text.h"
#include "table.h"
#include "warnings.h"

static void text_log_line(const struct ctl_scan *s, FILE *f)
{
	if (s->sb_valid)
		fprintf(f, "Log     dmlog v1, uuid %s, %" PRIu64 " regions, %u "
			"slot(s), state %s, generation %" PRIu64 "%s\n",
			s->sb.uuid, s->sb.geo.region_count, s->sb.geo.nr_slots,
			ctl_sb_state_name(s->sb.state), s->sb.generation,
			s->kh_valid ? "; kernel header valid" : "");
	else if (s->sb_present)
		fprintf(f, "Log     dmlog superblock INVALID (%s)%s\n",
			s->sb_why ? s->sb_why : "?",
			s->kh_valid ? "; kernel header valid" : "");
	else
		fprintf(f, "Log     kernel disk log only (MiRr, %" PRIu64
			" regions): no dmlog blocks to verify\n",
			s->kh.nr_regions);
}

static int text_blocks(const char *title, const struct ctl_scan *s,
		       const struct table *blocks, FILE *f)
{
	if (!s->sb_valid)
		return 0;
	fprintf(f, "%-7s %" PRIu64 " checked: %" PRIu64 " good, %" PRIu64
		" bad\n", title, s->blocks.total, s->blocks.good,
		s->blocks.bad);
	if (blocks)
		return table_print(blocks, f, 2);
	return s->blocks.bad ? text_bad_runs(&s->sb.geo, &s->blocks, f, 2) : 0;
}

static int text_repair(const struct ctl_scan *s, const struct ctl_repair *rep,
		       FILE *f)
{
	struct table *t = table_new(3, NULL);
	int r;

	fprintf(f, "Repair  %" PRIu64 " block(s) written; %" PRIu64
		" regions in rewritten out-of-sync blocks\n",
		rep->blocks_written, rep->regions_out_of_sync);
	table_cell(t, "BLOCK");
	table_cell(t, "REGIONS");
	table_cell(t, "ACTION");
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct ctl_repair_run *run = &rep->runs[i];
		char label[96], regions[48];
		uint64_t rf = 0, rl = 0;
		bool any = ctl_block_regions(&s->sb.geo, run->kind, run->first,
					     run->last, &rf, &rl);

		ctl_block_label(label, sizeof(label), run->kind, run->area,
				run->first, run->last);
		ctl_range_str(regions, sizeof(regions), any, rf, rl);
		table_cell(t, "%s", label);
		table_cell(t, "%s", regions);
		table_cell(t, "%s", ctl_repair_action_name(run->action));
	}
	r = table_print(t, f, 2);
	table_free(t);
	return r;
}

static void print_note(void *arg, const char *msg)
{
	fprintf(arg, "Note    %s\n", msg);
}

static void text_result(const struct check_result *c, FILE *f)
{
	const struct ctl_scan *s = c->after ? c->after : c->before;

	fprintf(f, "Result  %s", c->result);
	if (c->exit_code == 7 && !c->repair && s->sb_valid &&
	    !s->dev_too_small)
		fprintf(f, ": run 'dmlogctl check --repair %s' to rewrite the "
			"bad blocks with their regions out of sync",
			c->dev->path);
	else if (c->exit_code == 7 && s->sb_present && !s->sb_valid)
		fprintf(f, ": the superblock cannot be repaired; dmlogd's next "
			"load formats the log (every region out of sync), or "
			"run 'dmlogctl format'");
	else if (c->exit_code == 7 && s->dev_too_small)
		fprintf(f, ": the device is smaller than the format; restore "
			"its size or format the log again");
	fputc('\n', f);
}

int check_text(const struct check_result *c, const struct table *blocks,
	       FILE *f)
{
	int r;

	text_device(c->dev, f);
	text_log_line(c->before, f);
	r = text_blocks("Blocks", c->before, blocks, f);
	if (!r && c->repair)
		r = text_repair(c->before, c->repair, f);
	if (!r && c->after)
		r = text_blocks("After", c->after, NULL, f);
	if (!r) {
		ctl_scan_warnings(c->dev, c->after ? c->after : c->before,
				  print_note, f);
		text_result(c, f);
	}
	return r;
}
