/* dmlogctl help [COMMAND] */
#include <stdio.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "msg.h"

static int help_no_option(void *state, int id, const char *arg)
{
	(void)state;
	(void)id;
	(void)arg;
	return CTL_EXIT_USAGE;	/* the command has no options */
}

static int help_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	const struct ctl_command *cmd;
	char *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_help, argc, argv, help_no_option,
			       NULL, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if (!npos) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	cmd = ctl_command_find(pos[0]);
	if (!cmd) {
		ctl_err("help: unknown command \"%s\"", pos[0]);
		ctl_try_help(NULL);
		return CTL_EXIT_USAGE;
	}
	ctl_command_usage(cmd, stdout);
	return CTL_EXIT_OK;
}

const struct ctl_command cmd_help = {
	.name = "help",
	.synopsis = "[COMMAND]",
	.summary = "Show the help of dmlogctl or of one command",
	.run = help_run,
};
