/* dmlogctl: administer dmlog dirty logs. Global options, then a command
 * from the table in commands.c. */
#include <stdio.h>

#include "ctl.h"
#include "ctl_exit.h"
#include "msg.h"

int main(int argc, char **argv)
{
	struct ctl_ctx ctx = { false, 0 };
	const struct ctl_command *cmd;
	int first = 0;
	int r = ctl_parse_globals(&ctx, argc, argv, &first);

	if (r != CTL_CONTINUE)
		return r;
	if (first >= argc) {
		ctl_err("no command given");
		ctl_try_help(NULL);
		return CTL_EXIT_USAGE;
	}
	cmd = ctl_command_find(argv[first]);
	if (!cmd) {
		ctl_err("unknown command \"%s\"", argv[first]);
		ctl_try_help(NULL);
		return CTL_EXIT_USAGE;
	}
	ctl_install_log_sink(ctx.verbose);
	r = cmd->run(&ctx, argc - first, argv + first);
	if (fflush(stdout) || ferror(stdout)) {
		ctl_err("cannot write the report to standard output");
		return r ? r : CTL_EXIT_FAILURE;
	}
	return r;
}
