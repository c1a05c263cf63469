/* dmlogctl format DEVICE --regions N --region-size S: write a fresh log. */
#include <string.h>

#include "bitmap.h"
#include "blockdev.h"
#include "cmds.h"
#include "ctl_exit.h"
#include "device.h"
#include "format_guard.h"
#include "format_opts.h"
#include "format_report.h"
#include "jdoc.h"
#include "logscan.h"
#include "msg.h"
#include "randid.h"

struct format_job {
	const struct ctl_ctx *ctx;
	const struct format_opts *o;
	struct ctl_dev *dev;
	struct format_prior prior;
	struct ctl_sigs wiped;
	char uuid[DMLOG_UUID_MAX + 1];
	struct dmlog_sb sb;
	struct ctl_scan verify;
};

/* The superblock of the new format (doc/format.md 5.1 FORMAT, written
 * offline: state CLEAN, no slot active). */
static int build_sb(struct format_job *j)
{
	const struct format_opts *o = j->o;
	uint64_t avoid = j->prior.sb_valid ? j->prior.sb.format_id : 0;
	uint64_t fid;
	int r = randid_format_id(avoid, &fid);

	if (!r && !o->uuid)
		r = randid_uuid(j->uuid, sizeof(j->uuid));
	if (r) {
		ctl_err("cannot get random bytes: %s", strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	if (o->uuid)
		snprintf(j->uuid, sizeof(j->uuid), "%s", o->uuid);
	if (dmlog_sb_init(&j->sb, j->uuid, (uint32_t)o->region_size,
			  o->regions, (uint32_t)o->slots, 0, fid)) {
		ctl_err("format: invalid log parameters");
		return CTL_EXIT_USAGE;
	}
	j->sb.state = DMLOG_SB_CLEAN;
	j->sb.generation = j->prior.sb_valid ? j->prior.sb.generation + 1 : 1;
	return CTL_CONTINUE;
}

static int wipe(struct format_job *j)
{
	int r;

	if (!j->prior.sigs.n)
		return CTL_CONTINUE;
	r = sig_wipe(j->dev->path, &j->wiped);
	if (!r)
		return CTL_CONTINUE;
	ctl_err("%s: wiping the existing signatures failed: %s", j->dev->path,
		strerror(-r));
	return ctl_exit_from_errno(-r) == CTL_EXIT_PERMISSION ?
	       CTL_EXIT_PERMISSION : CTL_EXIT_FAILURE;
}

static int write_log(struct format_job *j)
{
	struct bitmap *in_sync = NULL;
	struct dmlog_format_req req = {
		.sb = &j->sb, .active_slot = -1, .seq = 1,
	};
	int r;

	if (j->o->nosync) {
		in_sync = bitmap_new(j->o->regions, true);
		if (!in_sync) {
			ctl_err("out of memory");
			return CTL_EXIT_FAILURE;
		}
	}
	req.in_sync = in_sync;
	r = dmlog_format_write(j->dev->bd, &req);
	bitmap_free(in_sync);
	if (!r)
		return CTL_CONTINUE;
	ctl_err("%s: writing the log failed: %s; the device holds no usable "
		"log now: format it again", j->dev->path, strerror(-r));
	return CTL_EXIT_FAILURE;
}

static int verify(struct format_job *j)
{
	int r = ctl_scan_log(j->dev->bd, &j->verify, NULL, NULL);

	if (!r && j->verify.sb_valid && !ctl_scan_damaged(&j->verify) &&
	    j->verify.sb.format_id == j->sb.format_id)
		return CTL_CONTINUE;
	ctl_err("%s: the log read back differs from what was written%s%s: "
		"the device does not keep its data", j->dev->path,
		r ? ": " : "", r ? strerror(-r) : "");
	return CTL_EXIT_FAILURE;
}

static int report(struct format_job *j)
{
	struct format_result fr = {
		j->dev, &j->sb, !j->o->uuid, j->o->nosync, &j->wiped,
		&j->verify,
	};
	struct jdoc doc = { NULL, false };
	int r;

	if (j->ctx->json)
		r = jdoc_init(&doc, "format") ? format_json(&doc, &fr, stdout) :
		    -1;
	else
		r = format_text(&fr, stdout);
	jdoc_free(&doc);
	if (!r)
		return CTL_EXIT_OK;
	ctl_err("out of memory (the log was written)");
	return CTL_EXIT_FAILURE;
}

static int format_device(struct format_job *j)
{
	struct dmlog_geometry g;
	int r;

	if (dmlog_geometry_compute(j->o->regions, (uint32_t)j->o->slots, &g))
		return CTL_EXIT_USAGE;
	r = format_check_size(j->dev, &g);
	if (r == CTL_CONTINUE)
		r = format_probe(j->dev, &j->prior);
	if (r == CTL_CONTINUE)
		r = format_refuse(j->dev, &j->prior, j->o->force);
	if (r == CTL_CONTINUE)
		r = build_sb(j);
	if (r == CTL_CONTINUE)
		r = wipe(j);
	if (r == CTL_CONTINUE)
		r = write_log(j);
	if (r == CTL_CONTINUE)
		r = verify(j);
	return r == CTL_CONTINUE ? report(j) : r;
}

static int format_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct format_opts o = { 0, 0, 1, NULL, false, false };
	struct format_job j;
	struct ctl_dev d;
	char *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_format, argc, argv, format_option,
			       &o, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if (format_opts_complete(&o)) {
		ctl_try_help(&cmd_format);
		return CTL_EXIT_USAGE;
	}
	r = ctl_dev_open(&d, pos[0], true);
	if (r)
		return r;
	memset(&j, 0, sizeof(j));
	j.ctx = ctx;
	j.o = &o;
	j.dev = &d;
	r = format_device(&j);
	ctl_scan_free(&j.verify);
	ctl_dev_close(&d);
	return r;
}

const struct ctl_command cmd_format = {
	.name = "format",
	.synopsis = "DEVICE --regions N --region-size SIZE [options]",
	.positional = "DEVICE",
	.summary = "Write a fresh log on a device",
	.description =
"Writes a new dmlog v1 log (state CLEAN) with every region out of sync, or\n"
"in sync with --nosync, then reads it back. The device is opened\n"
"exclusively: refused while a live mirror holds it. Refused as well when\n"
"it is too small for the geometry (the size needed is shown) and, unless\n"
"--force, when libblkid finds a filesystem, partition table, LVM PV, swap\n"
"or other signature, or the device holds a dmlog or kernel log; --force\n"
"wipes those signatures first. dmlogd keeps the formatted state only when\n"
"the mirror table's log uuid, region size and region count match and the\n"
"table does not say \"sync\".",
	.options = format_options,
	.run = format_run,
};
