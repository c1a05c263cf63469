/* Help texts, generated from the command table (see ctl.h). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "msg.h"

static const char exit_codes[] =
"Exit codes:\n"
"  0  success                      4  dmlogd not running\n"
"  1  failure (I/O error, ...)     5  permission denied\n"
"  2  usage error                  6  device busy or in use\n"
"  3  no such device or log        7  damage found (check)\n"
"                                  8  refused (lv: not a mirror dmlog activates)\n";

static const char global_help[] =
"Global options (also after the command name):\n"
"  -h, --help              show help (of a command: COMMAND --help)\n"
"  -V, --version           show the version\n"
"      --json              report in JSON (doc/dmlogctl-json.md)\n"
"      --reportformat FMT  basic (aligned tables, the default) or json\n"
"  -v, --verbose           more detail\n";

void ctl_usage(FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"Inspect, verify and format dmlog dirty logs (the\n"
		"device-mapper mirror logs dmlogd serves).\n\nCommands:\n",
		CTL_PROG);
	for (size_t i = 0; ctl_commands[i]; i++)
		fprintf(f, "  %-8s %s\n", ctl_commands[i]->name,
			ctl_commands[i]->summary);
	fprintf(f, "\n%s\n%s\nSee '%s COMMAND --help' and dmlogctl(8).\n",
		global_help, exit_codes, CTL_PROG);
}

static void option_line(const struct ctl_option *o, FILE *f)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
			 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	if (strlen(left) < 24)
		fprintf(f, "  %-24s%s\n", left, o->help);
	else
		fprintf(f, "  %s\n  %24s%s\n", left, "", o->help);
}

void ctl_command_usage(const struct ctl_command *cmd, FILE *f)
{
	fprintf(f, "Usage: %s %s %s\n\n%s.\n", CTL_PROG, cmd->name,
		cmd->synopsis, cmd->summary);
	if (cmd->description)
		fprintf(f, "\n%s\n", cmd->description);
	if (cmd->options && cmd->options[0].name) {
		fprintf(f, "\nOptions:\n");
		for (size_t i = 0; cmd->options[i].name; i++)
			option_line(&cmd->options[i], f);
	}
	fprintf(f, "\n%s\n%s", global_help, exit_codes);
}

void ctl_print_version(void)
{
	printf("%s %s (dmlog on-disk format v1)\n", CTL_PROG,
	       DMLOGCTL_VERSION);
}

void ctl_try_help(const struct ctl_command *cmd)
{
	if (cmd)
		fprintf(stderr, "Try '%s %s --help'.\n", CTL_PROG, cmd->name);
	else
		fprintf(stderr, "Try '%s --help'.\n", CTL_PROG);
}
