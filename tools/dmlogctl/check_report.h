/* check's report, as tables or JSON. */
#ifndef DMLOGCTL_CHECK_REPORT_H
#define DMLOGCTL_CHECK_REPORT_H

#include <stdio.h>

struct ctl_dev;
struct ctl_scan;
struct ctl_repair;
struct jdoc;
struct json_object;
struct table;

struct check_result {
	const struct ctl_dev *dev;
	const struct ctl_scan *before;
	const struct ctl_repair *repair;	/* NULL: no repair */
	const struct ctl_scan *after;		/* NULL: no re-verify */
	const char *result;	/* ok, damaged, repaired, still-damaged */
	int exit_code;
};

/* blocks / list: the -v every-block listing of the first scan, or NULL.
 * 0 or -ENOMEM. */
int check_text(const struct check_result *c, const struct table *blocks,
	       FILE *f);
int check_json(struct jdoc *doc, const struct check_result *c,
	       struct json_object *list, FILE *f);

#endif
