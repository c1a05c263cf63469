/* Warnings about a scanned log (see warnings.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "logscan.h"
#include "warnings.h"

static void warn_headers(const struct ctl_scan *s, ctl_warn_fn fn, void *arg)
{
	char msg[256];

	if (s->kh.magic == DMLOG_KMAGIC && !s->kh_valid) {
		snprintf(msg, sizeof(msg), "the kernel header has the MiRr "
			 "magic but version %u: the kernel's disk log would "
			 "refuse this device", s->kh.version);
		fn(arg, msg);
	}
	if (s->sb_valid && s->sb.state == DMLOG_SB_ACTIVE)
		fn(arg, "superblock state ACTIVE: a dmlogd is serving this "
		   "log, or stopped without handing it back (its next load "
		   "recovers)");
	if (s->sb_present && !s->sb_valid) {
		snprintf(msg, sizeof(msg), "the dmlog superblock is invalid "
			 "(%s): its next load formats the log with every "
			 "region out of sync", s->sb_why ? s->sb_why : "?");
		fn(arg, msg);
	}
	if (s->dev_too_small) {
		snprintf(msg, sizeof(msg), "the device (%" PRIu64 " bytes) is "
			 "smaller than the format needs (%" PRIu64 " bytes)",
			 s->dev_size, s->sb.geo.bytes_used);
		fn(arg, msg);
	}
}

static void warn_reads(const struct ctl_scan *s, ctl_warn_fn fn, void *arg)
{
	char msg[256];

	if (s->blocks.read_errors) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " block(s) could not be "
			 "read", s->blocks.read_errors);
		fn(arg, msg);
	}
	if (!s->has_kbitmap)
		return;
	if (s->kbm.read_error) {
		snprintf(msg, sizeof(msg), "reading the kernel bitmap failed: "
			 "%s", strerror(-s->kbm.read_error));
		fn(arg, msg);
	}
	if (s->kbm.capped)
		fn(arg, "the kernel header counts more than 2^32 regions: "
		   "only the first 2^32 were counted");
	if (s->kbm.truncated && !s->kbm.read_error && !s->kbm.capped)
		fn(arg, "the device ends inside the kernel bitmap: the missing "
		   "regions were not counted");
}

void ctl_scan_warnings(const struct ctl_dev *d, const struct ctl_scan *s,
		       ctl_warn_fn fn, void *arg)
{
	if (d->nholders)
		fn(arg, "the device is held by a live device-mapper table: "
		   "the state shown may be changing");
	warn_headers(s, fn, arg);
	warn_reads(s, fn, arg);
}
