/* The command table. Online commands (status, regions, resync, map,
 * stats) are added here when the control socket to dmlogd exists; the
 * framework needs nothing else from them. */
#include <string.h>

#include "cmds.h"
#include "ctl.h"

const struct ctl_command *const ctl_commands[] = {
	&cmd_dump,
	&cmd_check,
	&cmd_format,
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
