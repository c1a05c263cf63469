/* format's options (parsed and validated in format_opts.c). */
#ifndef DMLOGCTL_FORMAT_OPTS_H
#define DMLOGCTL_FORMAT_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"

struct format_opts {
	uint64_t regions;	/* 0: not given */
	uint64_t region_size;	/* sectors; 0: not given */
	uint64_t slots;
	const char *uuid;	/* NULL: generate one */
	bool nosync;
	bool force;
};

extern const struct ctl_option format_options[];

/* ctl_option_fn for format (state: struct format_opts). */
int format_option(void *state, int id, const char *arg);
/* After parsing: the required options are there. CTL_EXIT_OK or
 * CTL_EXIT_USAGE after a message. */
int format_opts_complete(const struct format_opts *o);

#endif
