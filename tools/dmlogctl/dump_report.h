/* dump's report, as tables or JSON. */
#ifndef DMLOGCTL_DUMP_REPORT_H
#define DMLOGCTL_DUMP_REPORT_H

#include <stdio.h>

struct ctl_dev;
struct ctl_scan;
struct table;
struct json_object;
struct jdoc;

/* blocks: the every-block table (-v) or NULL. 0 or -ENOMEM. */
int dump_text(const struct ctl_dev *d, const struct ctl_scan *s,
	      const struct table *blocks, FILE *f);
/* list: the every-block array (-v, taken) or NULL. 0 or -ENOMEM. */
int dump_json(struct jdoc *doc, const struct ctl_dev *d,
	      const struct ctl_scan *s, struct json_object *list, FILE *f);

#endif
