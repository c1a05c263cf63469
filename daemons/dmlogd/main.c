/* dmlogd: serves device-mapper "userspace" dirty logs. See dmlogd(8).
 *
 * Layout: main.c (command line) -> daemon.c (set-up, teardown) with
 * event_loop.c, transport_{connector,unix}.c (frames in and out),
 * requests.c (decode, dispatch to lib/log_server, reply), store_open.c
 * (disk log devices), daemon_config.c, signals.c, pidfile.c,
 * daemonize.c, logsink.c. */
#include "daemon.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct dmlogd_options opt;

	switch (options_parse(argc, argv, &opt)) {
	case OPTIONS_EXIT_OK:
		return DMLOGD_EXIT_OK;
	case OPTIONS_USAGE:
		return DMLOGD_EXIT_USAGE;
	case OPTIONS_RUN:
		break;
	}
	return dmlogd_run(&opt);
}
