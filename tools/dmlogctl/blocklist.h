/* The every-block listing of -v, filled by a scan callback: a JSON array
 * or a text table depending on the report format. */
#ifndef DMLOGCTL_BLOCKLIST_H
#define DMLOGCTL_BLOCKLIST_H

struct ctl_ctx;
struct ctl_scan;
struct ctl_block;
struct jdoc;
struct json_object;
struct table;

struct blocklist {
	const struct ctl_scan *scan;
	struct jdoc *doc;
	struct json_object *arr;	/* JSON */
	struct table *table;		/* text */
};

/* Without -v the list stays empty (both NULL). 0 or -ENOMEM. */
int blocklist_init(struct blocklist *l, const struct ctl_ctx *ctx,
		   struct jdoc *doc, const struct ctl_scan *scan);
/* ctl_block_fn for ctl_scan_log (arg: the list); NULL without -v. */
int blocklist_add(void *arg, const struct ctl_block *b);
void blocklist_free(struct blocklist *l);

#endif
