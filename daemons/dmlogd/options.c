/* Command line parsing (see options.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "daemon_config.h"
#include "options.h"

enum { OPT_NO_KERNEL = 256 };

static const struct option long_opts[] = {
	{ "foreground", no_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "pidfile", required_argument, NULL, 'p' },
	{ "socket", required_argument, NULL, 's' },
	{ "control-socket", required_argument, NULL, 'C' },
	{ "no-kernel", no_argument, NULL, OPT_NO_KERNEL },
	{ "debug", no_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dmlogd [options]\n"
"Serve device-mapper \"userspace\" dirty logs (dm-log-userspace).\n"
"\n"
"  -f, --foreground     stay in the foreground, log to stderr\n"
"  -c, --config FILE    configuration file (default " DMLOGD_DEFAULT_CONFIG ")\n"
"  -p, --pidfile FILE   pid file (default " DMLOGD_DEFAULT_PIDFILE ")\n"
"  -s, --socket PATH    local frame socket (default " DMLOGD_DEFAULT_SOCKET ")\n"
"  -C, --control-socket PATH\n"
"                       dmlogctl's socket (default "
DMLOGD_DEFAULT_CONTROL_SOCKET ")\n"
"      --no-kernel      do not listen to the kernel (tests without\n"
"                       device-mapper)\n"
"  -d, --debug          log debug messages\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"See dmlogd(8) and dmlog.conf(5).\n");
}

static bool path_ok(const char *opt, const char *val)
{
	if (val[0] == '/')
		return true;
	fprintf(stderr, "dmlogd: %s needs an absolute path, not \"%s\"\n",
		opt, val);
	return false;
}

static bool socket_ok(const char *opt, const char *val)
{
	if (!val)
		return true;
	if (!path_ok(opt, val))
		return false;
	if (strlen(val) < DMLOGD_SOCKET_MAX)
		return true;
	fprintf(stderr, "dmlogd: %s path is too long (at most %d bytes)\n",
		opt, DMLOGD_SOCKET_MAX - 1);
	return false;
}

static enum options_result check(const struct dmlogd_options *o)
{
	if (!socket_ok("--socket", o->socket) ||
	    !socket_ok("--control-socket", o->control_socket))
		return OPTIONS_USAGE;
	if (o->pidfile && !path_ok("--pidfile", o->pidfile))
		return OPTIONS_USAGE;
	return OPTIONS_RUN;
}

enum options_result options_parse(int argc, char **argv,
				  struct dmlogd_options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->config = DMLOGD_DEFAULT_CONFIG;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fc:p:s:C:dhV", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'f': o->foreground = true; break;
		case 'c': o->config = optarg; o->config_given = true; break;
		case 'p': o->pidfile = optarg; break;
		case 's': o->socket = optarg; break;
		case 'C': o->control_socket = optarg; break;
		case 'd': o->debug = true; break;
		case OPT_NO_KERNEL: o->no_kernel = true; break;
		case 'h': usage(stdout); return OPTIONS_EXIT_OK;
		case 'V':
			printf("dmlogd %s\n", DMLOGD_VERSION);
			return OPTIONS_EXIT_OK;
		default:
			fprintf(stderr, "Try 'dmlogd --help' for more "
				"information.\n");
			return OPTIONS_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dmlogd: unexpected argument \"%s\"\n",
			argv[optind]);
		return OPTIONS_USAGE;
	}
	return check(o);
}
