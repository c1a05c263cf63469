/* dmlogctl dump DEVICE: decode a log device offline. */
#include "blocklist.h"
#include "cmds.h"
#include "ctl_exit.h"
#include "device.h"
#include "dump_report.h"
#include "jdoc.h"
#include "logscan.h"
#include "msg.h"
#include "scan_errors.h"

static int dump_no_option(void *state, int id, const char *arg)
{
	(void)state;
	(void)id;
	(void)arg;
	return CTL_EXIT_USAGE;
}

static int dump_report(const struct ctl_ctx *ctx, struct jdoc *doc,
		       const struct ctl_dev *d, const struct ctl_scan *s,
		       struct blocklist *l)
{
	int r;

	if (ctx->json) {
		r = dump_json(doc, d, s, l->arr, stdout);
		l->arr = NULL;	/* taken */
	} else {
		r = dump_text(d, s, l->table, stdout);
	}
	if (r) {
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	return CTL_EXIT_OK;
}

static int dump_device(const struct ctl_ctx *ctx, struct ctl_dev *d)
{
	struct blocklist l;
	struct ctl_scan s;
	struct jdoc doc = { NULL, false };
	int r;

	if ((ctx->json && !jdoc_init(&doc, "dump")) ||
	    blocklist_init(&l, ctx, &doc, &s)) {
		jdoc_free(&doc);
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	r = ctl_scan_log(d->bd, &s, blocklist_add, &l);
	if (r)
		r = ctl_scan_error(d->path, r);
	else
		r = ctl_scan_require_log(d->path, &s);
	if (r == CTL_CONTINUE)
		r = dump_report(ctx, &doc, d, &s, &l);
	ctl_scan_free(&s);
	blocklist_free(&l);
	jdoc_free(&doc);
	return r;
}

static int dump_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct ctl_dev d;
	char *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_dump, argc, argv, dump_no_option,
			       NULL, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	r = ctl_dev_open(&d, pos[0], false);
	if (r)
		return r;
	ctl_dev_warn_live(&d);
	r = dump_device(ctx, &d);
	ctl_dev_close(&d);
	return r;
}

const struct ctl_command cmd_dump = {
	.name = "dump",
	.synopsis = "DEVICE [--json] [-v]",
	.positional = "DEVICE",
	.summary = "Decode a log device offline",
	.description =
"Reads the log device without writing it and reports which formats it\n"
"holds (dmlog v1, the kernel's disk log), the superblock, the geometry,\n"
"every slot, the out-of-sync count, the kernel clean bitmap when its\n"
"header is valid, and the checksum state of every block (bad blocks\n"
"summarized as ranges; -v lists every block). Works on a live log; the\n"
"state may then be changing. Exit 3 when the device holds no log.",
	.run = dump_run,
};
