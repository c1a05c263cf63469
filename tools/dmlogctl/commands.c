/* The command table: offline commands on a log device, then the online
 * ones that ask dmlogd over its control socket (ctlsock.h). */
#include <string.h>

#include "cmds.h"
#include "ctl.h"

const struct ctl_command *const ctl_commands[] = {
	&cmd_dump,
	&cmd_check,
	&cmd_format,
	&cmd_status,
	&cmd_regions,
	&cmd_stats,
	&cmd_resync,
	&cmd_map,
	&cmd_lv,
	&cmd_help,
	NULL,
};

const struct ctl_command *ctl_command_find(const char *name)
{
	for (size_t i = 0; ctl_commands[i]; i++)
		if (!strcmp(ctl_commands[i]->name, name))
			return ctl_commands[i];
	return NULL;
}
