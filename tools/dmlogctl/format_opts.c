/* format's options (see format_opts.h). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "ctl_exit.h"
#include "format_opts.h"
#include "log_format.h"
#include "msg.h"
#include "numparse.h"

enum { OPT_REGIONS = 1, OPT_REGION_SIZE, OPT_SLOTS, OPT_UUID, OPT_NOSYNC,
       OPT_FORCE };

const struct ctl_option format_options[] = {
	{ "regions", 0, "N", "the mirror's region count, 1 to 2^32",
	  OPT_REGIONS },
	{ "region-size", 0, "SIZE", "sectors, or 512k, 1M...; power of 2, "
	  ">= 1k", OPT_REGION_SIZE },
	{ "slots", 0, "K", "node slots, 1 to 1024 (default 1)", OPT_SLOTS },
	{ "uuid", 0, "UUID", "log uuid of the table (default: random)",
	  OPT_UUID },
	{ "nosync", 0, NULL, "every region in sync (default: none)",
	  OPT_NOSYNC },
	{ "force", 0, NULL, "overwrite signatures, filesystems, logs",
	  OPT_FORCE },
	{ NULL, 0, NULL, NULL, 0 },
};

static int bad(const char *opt, const char *what, const char *arg)
{
	ctl_err("format: --%s %s, not \"%s\"", opt, what, arg);
	return CTL_EXIT_USAGE;
}

static int set_region_size(struct format_opts *o, const char *arg)
{
	uint64_t v;

	if (parse_sectors(arg, UINT32_MAX, &v) || v < 2 || (v & (v - 1)))
		return bad("region-size", "takes a power of two of at least 2 "
			   "sectors (a plain number is sectors; or 1k, 512k, "
			   "4M...)", arg);
	o->region_size = v;
	return CTL_EXIT_OK;
}

static bool uuid_ok(const char *u)
{
	size_t n = strlen(u);

	if (n < 1 || n > DMLOG_UUID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)u[i]))
			return false;
	return true;
}

int format_option(void *state, int id, const char *arg)
{
	struct format_opts *o = state;

	switch (id) {
	case OPT_REGIONS:
		if (parse_u64(arg, DMLOG_MAX_REGIONS, &o->regions) ||
		    !o->regions)
			return bad("regions", "takes a number from 1 to "
				   "4294967296", arg);
		return CTL_EXIT_OK;
	case OPT_REGION_SIZE:
		return set_region_size(o, arg);
	case OPT_SLOTS:
		if (parse_u64(arg, DMLOG_MAX_SLOTS, &o->slots) || !o->slots)
			return bad("slots", "takes a number from 1 to 1024",
				   arg);
		return CTL_EXIT_OK;
	case OPT_UUID:
		if (!uuid_ok(arg))
			return bad("uuid", "takes 1 to 128 printable "
				   "characters without blanks", arg);
		o->uuid = arg;
		return CTL_EXIT_OK;
	case OPT_NOSYNC:
		o->nosync = true;
		return CTL_EXIT_OK;
	default:
		o->force = true;
		return CTL_EXIT_OK;
	}
}

int format_opts_complete(const struct format_opts *o)
{
	if (!o->regions) {
		ctl_err("format: --regions N is required (the mirror's region "
			"count)");
		return CTL_EXIT_USAGE;
	}
	if (!o->region_size) {
		ctl_err("format: --region-size SIZE is required (the mirror's "
			"region size)");
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}
