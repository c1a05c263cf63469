/* What format checks before it writes anything: the device is large
 * enough, and holds nothing (a filesystem, partition table, LVM PV, swap,
 * RAID member, an existing dmlog or kernel log...) unless --force. */
#ifndef DMLOGCTL_FORMAT_GUARD_H
#define DMLOGCTL_FORMAT_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "log_format.h"
#include "sigprobe.h"

struct ctl_dev;

/* What the device held before the format. */
struct format_prior {
	bool log_found;			/* dmlog superblock or kernel header */
	char log_desc[256];		/* "a dmlog log (uuid ..., ...)" */
	bool sb_valid;
	struct dmlog_sb sb;		/* when sb_valid */
	struct ctl_sigs sigs;		/* from libblkid */
};

/* CTL_CONTINUE, or an exit code after the message. */
int format_check_size(const struct ctl_dev *d, const struct dmlog_geometry *g);
/* Read block 0 and probe signatures into p. CTL_CONTINUE, or an exit code
 * after the message. */
int format_probe(const struct ctl_dev *d, struct format_prior *p);
/* Refuse (CTL_EXIT_BUSY, message naming everything found) unless force or
 * nothing was found: then CTL_CONTINUE. */
int format_refuse(const struct ctl_dev *d, const struct format_prior *p,
		  bool force);

#endif
