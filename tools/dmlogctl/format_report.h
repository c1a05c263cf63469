/* format's report, as tables or JSON. */
#ifndef DMLOGCTL_FORMAT_REPORT_H
#define DMLOGCTL_FORMAT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "log_format.h"
#include "sigprobe.h"

struct ctl_dev;
struct ctl_scan;
struct jdoc;

struct format_result {
	const struct ctl_dev *dev;
	const struct dmlog_sb *sb;	/* as written */
	bool uuid_generated;
	bool nosync;
	const struct ctl_sigs *wiped;
	const struct ctl_scan *verify;	/* the log read back */
};

/* 0 or -ENOMEM. */
int format_text(const struct format_result *fr, FILE *f);
int format_json(struct jdoc *doc, const struct format_result *fr, FILE *f);

#endif
