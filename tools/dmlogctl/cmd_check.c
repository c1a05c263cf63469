/* dmlogctl check DEVICE [--repair]: verify every block of a log. */
#include <stdbool.h>
#include <string.h>

#include "blocklist.h"
#include "check_report.h"
#include "cmds.h"
#include "ctl_exit.h"
#include "device.h"
#include "jdoc.h"
#include "logscan.h"
#include "msg.h"
#include "repair.h"
#include "scan_errors.h"

enum { OPT_REPAIR = 1 };

static const struct ctl_option check_options[] = {
	{ "repair", 0, NULL, "rewrite damaged blocks, regions out of sync",
	  OPT_REPAIR },
	{ NULL, 0, NULL, NULL, 0 },
};

static int check_option(void *state, int id, const char *arg)
{
	bool *repair = state;

	(void)arg;
	if (id == OPT_REPAIR)
		*repair = true;
	return CTL_EXIT_OK;
}

struct check_run {
	const struct ctl_ctx *ctx;
	struct ctl_dev *dev;
	struct ctl_scan before, after;
	struct ctl_repair rep;
	struct blocklist list;
	struct jdoc doc;
	struct check_result res;
};

static bool repairable(const struct check_run *c)
{
	if (c->before.sb_valid && !c->before.dev_too_small)
		return true;
	ctl_err("%s: cannot repair: %s", c->dev->path, c->before.sb_valid ?
		"the device is smaller than the format needs" :
		"the superblock is invalid (its geometry is unknown)");
	return false;
}

static void warn_unlocked(const struct check_run *c)
{
	if (!c->dev->is_blockdev && c->before.sb.state == DMLOG_SB_ACTIVE)
		ctl_warn("%s: the superblock is ACTIVE and a regular file "
			 "cannot be locked against a running dmlogd: make sure "
			 "none serves this log", c->dev->path);
}

/* Repair, then verify again. Sets result and exit code. */
static int do_repair(struct check_run *c)
{
	int r;

	warn_unlocked(c);
	r = ctl_repair_log(c->dev->bd, &c->before, &c->rep);
	c->res.repair = &c->rep;
	if (r) {
		ctl_err("%s: repair failed %s: %s; the log may be partly "
			"repaired (no region is wrongly in sync): fix the "
			"device, then run check --repair again", c->dev->path,
			c->rep.failed_step, strerror(-r));
		c->res.result = "repair-failed";
		c->res.exit_code = ctl_exit_from_errno(-r) ==
				   CTL_EXIT_PERMISSION ?
				   CTL_EXIT_PERMISSION : CTL_EXIT_FAILURE;
		return CTL_CONTINUE;
	}
	r = ctl_scan_log(c->dev->bd, &c->after, NULL, NULL);
	if (r)
		return ctl_scan_error(c->dev->path, r);
	c->res.after = &c->after;
	c->res.result = ctl_scan_damaged(&c->after) ? "still-damaged" :
			"repaired";
	c->res.exit_code = ctl_scan_damaged(&c->after) ? CTL_EXIT_DAMAGED :
			   CTL_EXIT_OK;
	return CTL_CONTINUE;
}

static int judge(struct check_run *c, bool repair)
{
	c->res.dev = c->dev;
	c->res.before = &c->before;
	c->res.result = "ok";
	c->res.exit_code = CTL_EXIT_OK;
	if (!ctl_scan_damaged(&c->before))
		return CTL_CONTINUE;
	c->res.result = "damaged";
	c->res.exit_code = CTL_EXIT_DAMAGED;
	if (!repair || !repairable(c))
		return CTL_CONTINUE;
	return do_repair(c);
}

static int report(struct check_run *c)
{
	int r;

	if (c->ctx->json) {
		r = check_json(&c->doc, &c->res, c->list.arr, stdout);
		c->list.arr = NULL;	/* taken */
	} else {
		r = check_text(&c->res, c->list.table, stdout);
	}
	if (r) {
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	return c->res.exit_code;
}

static int check_device(struct check_run *c, bool repair)
{
	int r = ctl_scan_log(c->dev->bd, &c->before, blocklist_add, &c->list);

	if (r)
		return ctl_scan_error(c->dev->path, r);
	r = ctl_scan_require_log(c->dev->path, &c->before);
	if (r == CTL_CONTINUE)
		r = judge(c, repair);
	return r == CTL_CONTINUE ? report(c) : r;
}

static int check_open_run(const struct ctl_ctx *ctx, struct ctl_dev *d,
			  bool repair)
{
	struct check_run c;
	int r;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.dev = d;
	if ((ctx->json && !jdoc_init(&c.doc, "check")) ||
	    blocklist_init(&c.list, ctx, &c.doc, &c.before)) {
		jdoc_free(&c.doc);
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	r = check_device(&c, repair);
	ctl_scan_free(&c.before);
	ctl_scan_free(&c.after);
	ctl_repair_free(&c.rep);
	blocklist_free(&c.list);
	jdoc_free(&c.doc);
	return r;
}

static int check_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct ctl_dev d;
	bool repair = false;
	char *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_check, argc, argv, check_option,
			       &repair, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	r = ctl_dev_open(&d, pos[0], repair);
	if (r)
		return r;
	ctl_dev_warn_live(&d);
	r = check_open_run(ctx, &d, repair);
	ctl_dev_close(&d);
	return r;
}

const struct ctl_command cmd_check = {
	.name = "check",
	.synopsis = "DEVICE [--repair] [--json] [-v]",
	.positional = "DEVICE",
	.summary = "Verify every block of a log; --repair rewrites damaged ones",
	.description =
"Verifies the superblock and every dmlog block (magic, checksum, format\n"
"id, position, payload). Exit 0 when all are good, 7 when damage is found.\n"
"--repair opens the device exclusively (refused while a live mirror holds\n"
"it) and rewrites the damaged blocks without trusting any bit they held:\n"
"every region a damaged out-of-sync or slot bitmap block covers is marked\n"
"out of sync (durably, first), then the damaged slot blocks are rewritten\n"
"clean and damaged slot info blocks FREE; then it verifies again.",
	.options = check_options,
	.run = check_run,
};
