/* dmlogd's command line, and its exit codes (documented in dmlogd.8). */
#ifndef DMLOGD_OPTIONS_H
#define DMLOGD_OPTIONS_H

#include <stdbool.h>

#ifdef DMLOG_VERSION
#define DMLOGD_VERSION DMLOG_VERSION	/* from configure.ac */
#else
#define DMLOGD_VERSION "unknown"
#endif

enum dmlogd_exit {
	DMLOGD_EXIT_OK = 0,		/* clean stop, --help, --version */
	DMLOGD_EXIT_FAILURE = 1,	/* start-up or runtime failure */
	DMLOGD_EXIT_USAGE = 2,		/* bad command line */
	DMLOGD_EXIT_CONFIG = 3,		/* bad or unreadable config file */
	DMLOGD_EXIT_RUNNING = 4,	/* another dmlogd holds the pidfile */
};

struct dmlogd_options {
	bool foreground;
	bool debug;
	bool no_kernel;
	const char *config;	/* never NULL after parsing */
	bool config_given;	/* -c: the file must exist */
	const char *pidfile;	/* NULL: from the config file */
	const char *socket;	/* NULL: from the config file */
	const char *control_socket;	/* NULL: from the config file */
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE };

/* Help and version go to stdout, usage errors to stderr. */
enum options_result options_parse(int argc, char **argv,
				  struct dmlogd_options *o);

#endif
