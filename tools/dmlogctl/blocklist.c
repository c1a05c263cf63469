/* -v block listing (see blocklist.h). */
#include <errno.h>
#include <json.h>

#include "blocklist.h"
#include "ctl.h"
#include "logscan.h"
#include "scan_json.h"
#include "scan_text.h"
#include "table.h"

int blocklist_init(struct blocklist *l, const struct ctl_ctx *ctx,
		   struct jdoc *doc, const struct ctl_scan *scan)
{
	l->scan = scan;
	l->doc = doc;
	l->arr = NULL;
	l->table = NULL;
	if (!ctx->verbose)
		return 0;
	if (ctx->json)
		l->arr = json_object_new_array();
	else
		l->table = text_block_table();
	return l->arr || l->table ? 0 : -ENOMEM;
}

int blocklist_add(void *arg, const struct ctl_block *b)
{
	struct blocklist *l = arg;

	if (l->arr)
		json_block(l->doc, l->arr, &l->scan->sb.geo, b);
	else if (l->table)
		text_block_row(l->table, &l->scan->sb.geo, b);
	return 0;
}

void blocklist_free(struct blocklist *l)
{
	json_object_put(l->arr);
	table_free(l->table);
	l->arr = NULL;
	l->table = NULL;
}
