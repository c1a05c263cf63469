/* Every command's table entry (one file each: cmd_<name>.c). */
#ifndef DMLOGCTL_CMDS_H
#define DMLOGCTL_CMDS_H

#include "ctl.h"

extern const struct ctl_command cmd_dump;
extern const struct ctl_command cmd_check;
extern const struct ctl_command cmd_format;
extern const struct ctl_command cmd_help;
extern const struct ctl_command cmd_status;
extern const struct ctl_command cmd_regions;
extern const struct ctl_command cmd_stats;
extern const struct ctl_command cmd_resync;
extern const struct ctl_command cmd_map;
extern const struct ctl_command cmd_lv;

#endif
