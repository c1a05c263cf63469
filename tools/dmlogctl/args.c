/* Command-line parsing: the global options merged with a command's own
 * (see ctl.h). getopt_long does the work; this file builds its tables and
 * turns its errors into messages that name the command. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_exit.h"
#include "msg.h"

enum {
	GOPT_HELP = -100, GOPT_VERSION, GOPT_JSON, GOPT_REPORTFORMAT,
	GOPT_VERBOSE,
};

static const struct ctl_option global_options[] = {
	{ "help", 'h', NULL, "show this help", GOPT_HELP },
	{ "version", 'V', NULL, "show the version", GOPT_VERSION },
	{ "json", 0, NULL, "report in JSON (doc/dmlogctl-json.md)", GOPT_JSON },
	{ "reportformat", 0, "FMT", "basic (tables, the default) or json",
	  GOPT_REPORTFORMAT },
	{ "verbose", 'v', NULL, "more detail (repeatable)", GOPT_VERBOSE },
	{ NULL, 0, NULL, NULL, 0 },
};

/* getopt_long tables for the global options plus a command's. */
struct optset {
	const struct ctl_option **src;	/* src[i] describes long[i] */
	struct option *lopts;
	char *shortopts;
	size_t n;
};

#define LONG_VAL_BASE 256

static size_t count_options(const struct ctl_option *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

static void optset_free(struct optset *s)
{
	free(s->src);
	free(s->lopts);
	free(s->shortopts);
}

static void optset_add(struct optset *s, const struct ctl_option *o,
		       size_t *sp)
{
	size_t i = s->n++;

	s->src[i] = o;
	s->lopts[i].name = o->name;
	s->lopts[i].has_arg = o->arg ? required_argument : no_argument;
	s->lopts[i].flag = NULL;
	s->lopts[i].val = LONG_VAL_BASE + (int)i;
	if (o->short_name) {
		s->shortopts[(*sp)++] = o->short_name;
		if (o->arg)
			s->shortopts[(*sp)++] = ':';
	}
}

/* 0 or -1 (out of memory, message printed). */
static int optset_build(struct optset *s, const struct ctl_option *cmdopts,
			bool stop_at_arg)
{
	size_t total = count_options(global_options) + count_options(cmdopts);
	size_t sp = 0;

	memset(s, 0, sizeof(*s));
	s->src = calloc(total + 1, sizeof(*s->src));
	s->lopts = calloc(total + 1, sizeof(*s->lopts));
	s->shortopts = calloc(3 * total + 3, 1);
	if (!s->src || !s->lopts || !s->shortopts) {
		optset_free(s);
		ctl_err("out of memory");
		return -1;
	}
	if (stop_at_arg)
		s->shortopts[sp++] = '+';
	s->shortopts[sp++] = ':';
	for (size_t i = 0; global_options[i].name; i++)
		optset_add(s, &global_options[i], &sp);
	for (size_t i = 0; cmdopts && cmdopts[i].name; i++)
		optset_add(s, &cmdopts[i], &sp);
	return 0;
}

/* The option getopt returned as c (a short option or LONG_VAL_BASE + i). */
static const struct ctl_option *optset_find(const struct optset *s, int c)
{
	if (c >= LONG_VAL_BASE && (size_t)(c - LONG_VAL_BASE) < s->n)
		return s->src[c - LONG_VAL_BASE];
	for (size_t i = 0; i < s->n; i++)
		if (s->src[i]->short_name && s->src[i]->short_name == c)
			return s->src[i];
	return NULL;
}

static const char *cmd_prefix(const struct ctl_command *cmd)
{
	return cmd ? cmd->name : NULL;
}

static int usage_error(const struct ctl_command *cmd, const char *what,
		       const char *detail)
{
	if (cmd_prefix(cmd))
		ctl_err("%s: %s%s", cmd->name, what, detail);
	else
		ctl_err("%s%s", what, detail);
	ctl_try_help(cmd);
	return CTL_EXIT_USAGE;
}

static int bad_option(const struct optset *s, const struct ctl_command *cmd,
		      int c, char **argv)
{
	const struct ctl_option *o;
	char name[64];

	if (c == '?') {
		if (optopt && optopt < LONG_VAL_BASE)
			snprintf(name, sizeof(name), "-%c", optopt);
		else
			snprintf(name, sizeof(name), "%s", argv[optind - 1]);
		return usage_error(cmd, "unknown option ", name);
	}
	o = optset_find(s, optopt);
	if (o)
		snprintf(name, sizeof(name), "--%s needs an argument (%s)",
			 o->name, o->arg);
	else
		snprintf(name, sizeof(name), "-%c needs an argument",
			 optopt);
	return usage_error(cmd, name, "");
}

/* --reportformat, with LVM's names: json (and json_std) or basic. */
static int set_reportformat(struct ctl_ctx *ctx, const struct ctl_command *cmd,
			    const char *arg)
{
	char quoted[160];

	if (!strcmp(arg, "json") || !strcmp(arg, "json_std")) {
		ctx->json = true;
		return CTL_CONTINUE;
	}
	if (!strcmp(arg, "basic")) {
		ctx->json = false;
		return CTL_CONTINUE;
	}
	snprintf(quoted, sizeof(quoted), "\"%s\"", arg);
	return usage_error(cmd, "--reportformat takes json or basic, not ",
			   quoted);
}

static int global_option(struct ctl_ctx *ctx, const struct ctl_command *cmd,
			 int id, const char *arg)
{
	switch (id) {
	case GOPT_HELP:
		if (cmd)
			ctl_command_usage(cmd, stdout);
		else
			ctl_usage(stdout);
		return CTL_EXIT_OK;
	case GOPT_VERSION:
		ctl_print_version();
		return CTL_EXIT_OK;
	case GOPT_JSON:
		ctx->json = true;
		return CTL_CONTINUE;
	case GOPT_REPORTFORMAT:
		return set_reportformat(ctx, cmd, arg);
	default:
		ctx->verbose++;
		return CTL_CONTINUE;
	}
}

/* Run getopt_long over argv; returns CTL_CONTINUE with optind at the
 * first positional argument, or an exit code. */
static int parse_loop(struct ctl_ctx *ctx, const struct ctl_command *cmd,
		      const struct optset *s, int argc, char **argv,
		      ctl_option_fn fn, void *state)
{
	int c, r;

	opterr = 0;
	optind = 0;	/* 0: full glibc reinitialisation between parses */
	while ((c = getopt_long(argc, argv, s->shortopts, s->lopts,
				NULL)) != -1) {
		const struct ctl_option *o = optset_find(s, c);

		if (c == '?' || c == ':' || !o)
			return bad_option(s, cmd, c, argv);
		if (o->id < 0)
			r = global_option(ctx, cmd, o->id, optarg);
		else
			r = fn(state, o->id, optarg) == CTL_EXIT_OK ?
			    CTL_CONTINUE : CTL_EXIT_USAGE;
		if (r == CTL_EXIT_USAGE && o->id >= 0)
			ctl_try_help(cmd);
		if (r != CTL_CONTINUE)
			return r;
	}
	return CTL_CONTINUE;
}

int ctl_parse_globals(struct ctl_ctx *ctx, int argc, char **argv,
		      int *first)
{
	struct optset s;
	int r;

	if (optset_build(&s, NULL, true))
		return CTL_EXIT_FAILURE;
	r = parse_loop(ctx, NULL, &s, argc, argv, NULL, NULL);
	*first = optind;
	optset_free(&s);
	return r;
}

/* The k-th word (from 0) of a space-separated list, into buf. */
static void nth_word(const char *list, int k, char *buf, size_t len)
{
	const char *p = list;

	while (k-- > 0 && p) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p) {
		snprintf(buf, len, "an argument");
		return;
	}
	snprintf(buf, len, "%.*s", (int)strcspn(p, " "), p);
}

static int count_words(const char *list)
{
	int n = 0;

	for (const char *p = list; p && *p; n++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return n;
}

static int take_positional(const struct ctl_command *cmd, int argc,
			   char **argv, char **pos, int max_pos, int *npos)
{
	int min_pos = count_words(cmd->positional);
	int n = argc - optind;
	char name[64];

	if (n < min_pos) {
		nth_word(cmd->positional, n, name, sizeof(name));
		return usage_error(cmd, "missing ", name);
	}
	if (n > max_pos) {
		char quoted[160];

		snprintf(quoted, sizeof(quoted), "\"%s\"",
			 argv[optind + max_pos]);
		return usage_error(cmd, "unexpected argument ", quoted);
	}
	for (int i = 0; i < n; i++)
		pos[i] = argv[optind + i];
	*npos = n;
	return CTL_CONTINUE;
}

int ctl_parse_args(struct ctl_ctx *ctx, const struct ctl_command *cmd,
		   int argc, char **argv, ctl_option_fn fn, void *state,
		   char **pos, int max_pos, int *npos)
{
	struct optset s;
	int r;

	*npos = 0;
	if (optset_build(&s, cmd->options, false))
		return CTL_EXIT_FAILURE;
	r = parse_loop(ctx, cmd, &s, argc, argv, fn, state);
	optset_free(&s);
	if (r != CTL_CONTINUE)
		return r;
	return take_positional(cmd, argc, argv, pos, max_pos, npos);
}
