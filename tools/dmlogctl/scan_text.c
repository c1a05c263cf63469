/* Human rendering shared by dump and check (see scan_text.h). */
#include <inttypes.h>
#include <stdio.h>

#include "blockdev.h"
#include "blockname.h"
#include "device.h"
#include "logscan.h"
#include "scan_text.h"
#include "table.h"

void text_device_desc(const struct ctl_dev *d, char *buf, size_t len)
{
	char size[64], holders[400] = "";

	ctl_size_str(size, sizeof(size), d->bd->size);
	if (d->nholders)
		holders_format(d->holders, d->nholders, holders,
			       sizeof(holders));
	if (d->is_blockdev)
		snprintf(buf, len, "%s (block device %u:%u), %s, logical "
			 "block size %u%s%s", d->path, d->bd->major,
			 d->bd->minor, size, d->bd->block_size,
			 d->nholders ? "; LIVE, in use by " : "", holders);
	else
		snprintf(buf, len, "%s (regular file), %s", d->path, size);
}

void text_device(const struct ctl_dev *d, FILE *f)
{
	char desc[1024];

	text_device_desc(d, desc, sizeof(desc));
	fprintf(f, "Device  %s\n", desc);
}

static void bad_run_row(struct table *t, const struct dmlog_geometry *g,
			const struct ctl_bad_run *run)
{
	char label[96], regions[48], devblk[48];
	uint64_t rf = 0, rl = 0;
	bool any = ctl_block_regions(g, run->kind, run->first, run->last,
				     &rf, &rl);

	ctl_block_label(label, sizeof(label), run->kind, run->area,
			run->first, run->last);
	ctl_range_str(regions, sizeof(regions), any, rf, rl);
	ctl_range_str(devblk, sizeof(devblk), true,
		      dmlog_block_offset(g, run->kind, run->area, run->first) /
		      DMLOG_BS,
		      dmlog_block_offset(g, run->kind, run->area, run->last) /
		      DMLOG_BS);
	table_cell(t, "%s", label);
	table_cell(t, "%s", devblk);
	table_cell(t, "%s", dmlog_blk_state_name(run->st));
	table_cell(t, "%s", regions);
}

int text_bad_runs(const struct dmlog_geometry *g,
		  const struct ctl_block_sum *sum, FILE *f, unsigned indent)
{
	struct table *t = table_new(4, "lrll");
	int r;

	table_cell(t, "BLOCK");
	table_cell(t, "DEVICE-BLOCK");
	table_cell(t, "PROBLEM");
	table_cell(t, "REGIONS");
	for (size_t i = 0; i < sum->nruns; i++)
		bad_run_row(t, g, &sum->runs[i]);
	r = table_print(t, f, indent);
	table_free(t);
	return r;
}

struct table *text_block_table(void)
{
	struct table *t = table_new(7, "lrrlrrl");

	table_cell(t, "BLOCK");
	table_cell(t, "DEVICE-BLOCK");
	table_cell(t, "OFFSET");
	table_cell(t, "STATUS");
	table_cell(t, "GEN");
	table_cell(t, "SEQ");
	table_cell(t, "REGIONS (SET)");
	return t;
}

void text_block_row(struct table *t, const struct dmlog_geometry *g,
		    const struct ctl_block *b)
{
	char label[96], regions[48];
	uint64_t rf = 0, rl = 0;
	bool good = b->st == DMLOG_BLK_GOOD;
	bool any = ctl_block_regions(g, b->kind, b->index, b->index, &rf,
				     &rl);

	ctl_block_label(label, sizeof(label), b->kind, b->area, b->index,
			b->index);
	ctl_range_str(regions, sizeof(regions), any, rf, rl);
	table_cell(t, "%s", label);
	table_cell(t, "%" PRIu64, b->offset / DMLOG_BS);
	table_cell(t, "%" PRIu64, b->offset);
	table_cell(t, "%s", dmlog_blk_state_name(b->st));
	if (good) {
		table_cell(t, "%" PRIu64, b->generation);
		table_cell(t, "%" PRIu64, b->seq);
	} else {
		table_cell(t, "-");
		table_cell(t, "-");
	}
	if (any)
		table_cell(t, "%s (%" PRIu64 ")", regions, b->set);
	else
		table_cell(t, "-");
}
