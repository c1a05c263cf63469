/* check as JSON (see check_report.h, doc/dmlogctl-json.md). */
#include <json.h>

#include "blockname.h"
#include "check_report.h"
#include "device.h"
#include "jdoc.h"
#include "logscan.h"
#include "repair.h"
#include "scan_json.h"
#include "warnings.h"

struct warn_arr {
	struct jdoc *d;
	struct json_object *arr;
};

static void add_warning(void *arg, const char *msg)
{
	struct warn_arr *w = arg;

	jdoc_arr_str(w->d, w->arr, msg);
}

static void json_repair_run(struct jdoc *d, struct json_object *arr,
			    const struct dmlog_geometry *g,
			    const struct ctl_repair_run *run)
{
	struct json_object *o = jdoc_arr_obj(d, arr);
	uint64_t rf, rl;

	jdoc_str(d, o, "area", ctl_area_id(run->kind));
	if (run->kind == DMLOG_KIND_OOS)
		jdoc_null(d, o, "slot");
	else
		jdoc_u64(d, o, "slot", run->area);
	jdoc_u64(d, o, "first_index", run->first);
	jdoc_u64(d, o, "last_index", run->last);
	jdoc_u64(d, o, "count", run->last - run->first + 1);
	jdoc_str(d, o, "action", run->action == CTL_REPAIR_OUT_OF_SYNC ?
		 "out-of-sync" : run->action == CTL_REPAIR_CLEARED ?
		 "cleared" : "freed");
	if (ctl_block_regions(g, run->kind, run->first, run->last, &rf,
			      &rl)) {
		jdoc_u64(d, o, "first_region", rf);
		jdoc_u64(d, o, "last_region", rl);
	} else {
		jdoc_null(d, o, "first_region");
		jdoc_null(d, o, "last_region");
	}
}

static void json_repair(struct jdoc *d, const struct check_result *c)
{
	const struct ctl_repair *rep = c->repair;
	struct json_object *o, *arr;

	if (!rep) {
		jdoc_null(d, d->root, "repair");
		return;
	}
	o = jdoc_obj(d, d->root, "repair");
	jdoc_u64(d, o, "blocks_written", rep->blocks_written);
	jdoc_u64(d, o, "regions_out_of_sync", rep->regions_out_of_sync);
	arr = jdoc_arr(d, o, "rewritten");
	for (size_t i = 0; i < rep->nruns; i++)
		json_repair_run(d, arr, &c->before->sb.geo, &rep->runs[i]);
}

int check_json(struct jdoc *doc, const struct check_result *c,
	       struct json_object *list, FILE *f)
{
	const struct ctl_scan *s = c->before;
	struct warn_arr w = { doc, NULL };

	json_device(doc, c->dev);
	json_kernel_header(doc, s);
	json_superblock(doc, s);
	json_blocks(doc, doc->root, "blocks", &s->sb.geo, &s->blocks, list);
	jdoc_bool(doc, doc->root, "damaged", ctl_scan_damaged(s));
	json_repair(doc, c);
	if (c->after)
		json_blocks(doc, doc->root, "after", &c->after->sb.geo,
			    &c->after->blocks, NULL);
	else
		jdoc_null(doc, doc->root, "after");
	w.arr = jdoc_arr(doc, doc->root, "warnings");
	ctl_scan_warnings(c->dev, c->after ? c->after : s, add_warning, &w);
	jdoc_str(doc, doc->root, "result", c->result);
	jdoc_u64(doc, doc->root, "exit_code", (uint64_t)c->exit_code);
	return jdoc_print(doc, f);
}
