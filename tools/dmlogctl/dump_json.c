/* dump as JSON (see dump_report.h, doc/dmlogctl-json.md). */
#include <json.h>

#include "device.h"
#include "dump_report.h"
#include "jdoc.h"
#include "logscan.h"
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

static void json_formats(struct jdoc *d, const struct ctl_scan *s)
{
	struct json_object *o = jdoc_obj(d, d->root, "formats");

	jdoc_bool(d, o, "dmlog_v1", s->sb_valid);
	jdoc_bool(d, o, "kernel", s->kh_valid);
}

int dump_json(struct jdoc *doc, const struct ctl_dev *d,
	      const struct ctl_scan *s, struct json_object *list, FILE *f)
{
	struct warn_arr w = { doc, NULL };

	json_device(doc, d);
	json_formats(doc, s);
	json_kernel_header(doc, s);
	json_superblock(doc, s);
	json_geometry(doc, s->sb_valid ? &s->sb.geo : NULL, s->dev_size);
	json_slots(doc, s);
	json_out_of_sync(doc, s);
	json_kernel_bitmap(doc, s);
	json_blocks(doc, doc->root, "blocks", &s->sb.geo, &s->blocks, list);
	jdoc_str(doc, doc->root, "load_action", ctl_scan_load_action(s));
	w.arr = jdoc_arr(doc, doc->root, "warnings");
	ctl_scan_warnings(d, s, add_warning, &w);
	return jdoc_print(doc, f);
}
