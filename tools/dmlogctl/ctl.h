/* dmlogctl's command framework.
 *
 * A command is one entry of the command table (commands.c): its name, a
 * synopsis and summary for the help, its own options, and a run function.
 * run() parses its arguments with ctl_parse_args(), which adds the global
 * options (-h/--help, --version, --json, --reportformat, -v) to the
 * command's own, so they work before and after the command name. */
#ifndef DMLOGCTL_CTL_H
#define DMLOGCTL_CTL_H

#include <stdbool.h>
#include <stdio.h>

#define DMLOGCTL_VERSION "0.1.0"

/* Settings every command sees. */
struct ctl_ctx {
	bool json;		/* --json / --reportformat json */
	int verbose;		/* -v count */
};

struct ctl_option {
	const char *name;	/* long name, without "--"; NULL ends a table */
	char short_name;	/* 0: none */
	const char *arg;	/* argument name for the help; NULL: no argument */
	const char *help;
	int id;			/* passed to the command's option handler */
};

struct ctl_command {
	const char *name;
	const char *synopsis;	/* what follows the name in "Usage:" */
	const char *positional;	/* required positional arguments, space
				 * separated ("DEVICE"); NULL: none */
	const char *summary;	/* one line */
	const char *description;	/* a paragraph for "help COMMAND"; may be NULL */
	const struct ctl_option *options;	/* may be NULL */
	/* argv[0] is the command name. Returns the exit code. */
	int (*run)(struct ctl_ctx *ctx, int argc, char **argv);
};

/* Handler for one of the command's own options: CTL_EXIT_OK, or
 * CTL_EXIT_USAGE after printing what is wrong. */
typedef int (*ctl_option_fn)(void *state, int id, const char *arg);

/* Returned by ctl_parse_* when the command should go on. */
#define CTL_CONTINUE (-1)

/* Parse a command's argv: the positional arguments (at least those named
 * in cmd->positional, at most max_pos) into pos[] and their count into
 * *npos, the command's options through fn(state, ...), the global options
 * into ctx. Returns CTL_CONTINUE, or an exit code: 0 after --help or
 * --version, CTL_EXIT_USAGE after a message. */
int ctl_parse_args(struct ctl_ctx *ctx, const struct ctl_command *cmd,
		   int argc, char **argv, ctl_option_fn fn, void *state,
		   char **pos, int max_pos, int *npos);

/* The global options before the command name. On CTL_CONTINUE, *first is
 * the index of the command name in argv (argc when there is none). */
int ctl_parse_globals(struct ctl_ctx *ctx, int argc, char **argv,
		      int *first);

/* The command table, NULL-terminated, and lookup by name. */
extern const struct ctl_command *const ctl_commands[];
const struct ctl_command *ctl_command_find(const char *name);

/* Help texts (usage.c). */
void ctl_usage(FILE *f);
void ctl_command_usage(const struct ctl_command *cmd, FILE *f);
void ctl_print_version(void);
/* "Try 'dmlogctl [CMD] --help'." on stderr. */
void ctl_try_help(const struct ctl_command *cmd);

#endif
