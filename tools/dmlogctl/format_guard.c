/* format's checks before writing (see format_guard.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blockdev.h"
#include "blockname.h"
#include "ctl.h"
#include "ctl_exit.h"
#include "device.h"
#include "format_guard.h"
#include "msg.h"

int format_check_size(const struct ctl_dev *d, const struct dmlog_geometry *g)
{
	char need[64], have[64];

	if (d->bd->size >= g->bytes_used)
		return CTL_CONTINUE;
	ctl_size_str(need, sizeof(need), g->bytes_used);
	ctl_size_str(have, sizeof(have), d->bd->size);
	ctl_err("%s is too small: %" PRIu64 " regions with %u slot(s) need at "
		"least %" PRIu64 " bytes (%s); it holds %" PRIu64 " bytes (%s)",
		d->path, g->region_count, g->nr_slots, g->bytes_used, need,
		d->bd->size, have);
	return CTL_EXIT_FAILURE;
}

static void describe_log(struct format_prior *p, const struct dmlog_khdr *kh)
{
	if (p->sb_valid)
		snprintf(p->log_desc, sizeof(p->log_desc), "a dmlog log (uuid "
			 "%s, %" PRIu64 " regions, state %s)", p->sb.uuid,
			 p->sb.geo.region_count,
			 ctl_sb_state_name(p->sb.state));
	else if (dmlog_khdr_valid(kh))
		snprintf(p->log_desc, sizeof(p->log_desc), "a device-mapper "
			 "disk log (MiRr header, %" PRIu64 " regions)",
			 kh->nr_regions);
	else
		snprintf(p->log_desc, sizeof(p->log_desc), "a damaged dmlog "
			 "log (header or superblock magic present)");
}

static int read_prior_log(const struct ctl_dev *d, struct format_prior *p)
{
	static const char sb_magic[8] = "DMLOGSB";
	struct dmlog_khdr kh;
	const char *why = NULL;
	void *blk = NULL;
	int r;

	if (posix_memalign(&blk, DMLOG_BS, DMLOG_BS)) {
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	r = dmlog_read_block0(d->bd, blk, &kh, &p->sb, &p->sb_valid, &why);
	if (r) {
		free(blk);
		ctl_err("%s: cannot read the first block: %s", d->path,
			strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	p->log_found = p->sb_valid || dmlog_khdr_valid(&kh) ||
		       kh.magic == DMLOG_KMARKER ||
		       !memcmp((uint8_t *)blk + DMLOG_SB_OFF, sb_magic,
			       sizeof(sb_magic));
	free(blk);
	if (p->log_found)
		describe_log(p, &kh);
	return CTL_CONTINUE;
}

int format_probe(const struct ctl_dev *d, struct format_prior *p)
{
	int r;

	memset(p, 0, sizeof(*p));
	r = read_prior_log(d, p);
	if (r != CTL_CONTINUE)
		return r;
	r = sig_probe(d->path, &p->sigs);
	if (r) {
		ctl_err("%s: probing for existing signatures failed: %s",
			d->path, strerror(-r));
		return ctl_exit_from_errno(-r) == CTL_EXIT_PERMISSION ?
		       CTL_EXIT_PERMISSION : CTL_EXIT_FAILURE;
	}
	return CTL_CONTINUE;
}

/* Everything found, as one phrase: "an ext4 filesystem (UUID ...) and
 * a dos partition table". */
static void found_list(const struct format_prior *p, char *buf, size_t len)
{
	size_t total = p->sigs.n + (p->log_found ? 1 : 0), k = 0;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < total && used < len; i++, k++) {
		char one[256];
		const char *sep = !k ? "" : k + 1 == total ? " and " : ", ";

		if (i < p->sigs.n)
			sig_describe(&p->sigs.sig[i], one, sizeof(one));
		else
			snprintf(one, sizeof(one), "%s", p->log_desc);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", sep,
					 one);
	}
}

int format_refuse(const struct ctl_dev *d, const struct format_prior *p,
		  bool force)
{
	char what[1024];

	if (force || (!p->sigs.n && !p->log_found))
		return CTL_CONTINUE;
	found_list(p, what, sizeof(what));
	ctl_err("%s holds %s; refusing; --force to overwrite", d->path, what);
	return CTL_EXIT_BUSY;
}
