/* The running daemon: everything main() sets up, the signal policy works
 * on, and teardown releases. */
#ifndef DMLOGD_DAEMON_H
#define DMLOGD_DAEMON_H

#include <stdint.h>

#include "cluster_log.h"

#include "control.h"

#include "daemon_config.h"
#include "options.h"
#include "store_open.h"

struct control;
struct event_loop;
struct lockmgr;
struct log_server;
struct mirror_kick;
struct requests;
struct transport;

struct dmlogd {
	const struct dmlogd_options *opt;
	struct daemon_config cfg;
	struct event_loop *el;
	struct lockmgr *lm;
	struct log_server *srv;
	struct requests *rq;
	struct mirror_kick *kick;	/* suspend/resume worker */
	struct store_opener opener;
	struct cluster_env cluster;	/* lock_manager "dlm": shared logs */
	struct transport *kernel;	/* NULL with --no-kernel */
	struct transport *local;	/* the Unix socket */
	struct control *ctl;		/* dmlogctl's control socket */
	struct control_env ctl_env;
	int pidfd;
	uint64_t term_refused_ms;	/* when a stop was last refused */
	int exit_code;
};

/* Set up, run until stopped, tear down. Returns the exit code. */
int dmlogd_run(const struct dmlogd_options *opt);

/* signals.c: SIGTERM/SIGINT stop policy, SIGHUP reload, SIGUSR1 dump.
 * 0 or -errno (logged). */
int dmlogd_signals_init(struct dmlogd *d);

/* The log level in effect: debug with -d, else the config's. */
int dmlogd_log_level(const struct dmlogd *d);

#endif
