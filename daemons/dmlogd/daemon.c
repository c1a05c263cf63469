/* Daemon set-up and teardown (see daemon.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "daemon.h"
#include "daemonize.h"
#include "dmlog_log.h"
#include "event_loop.h"
#include "lockmgr.h"
#include "lockmgr_dlm.h"
#include "log_server.h"
#include "logdev_taken.h"
#include "logsink.h"
#include "mirror_kick.h"
#include "pidfile.h"
#include "requests.h"
#include "sockdir.h"
#include "transport.h"

int dmlogd_log_level(const struct dmlogd *d)
{
	return d->opt->debug ? LOG_DEBUG : d->cfg.log_level;
}

/* Config file, then the command line on top. */
static int load_config(struct dmlogd *d)
{
	const struct dmlogd_options *o = d->opt;
	char err[512];

	daemon_config_defaults(&d->cfg);
	if (daemon_config_load(&d->cfg, o->config, o->config_given, err,
			       sizeof(err)) < 0) {
		log_err("%s", err);
		return DMLOGD_EXIT_CONFIG;
	}
	if (o->socket)
		snprintf(d->cfg.socket, sizeof(d->cfg.socket), "%s", o->socket);
	if (o->control_socket)
		snprintf(d->cfg.control_socket, sizeof(d->cfg.control_socket),
			 "%s", o->control_socket);
	if (o->pidfile)
		snprintf(d->cfg.pidfile, sizeof(d->cfg.pidfile), "%s",
			 o->pidfile);
	logsink_set_level(dmlogd_log_level(d));
	return 0;
}

static int take_pidfile(struct dmlogd *d)
{
	pid_t holder;
	int r;

	r = pidfile_lock(d->cfg.pidfile, &holder);
	if (r == -EAGAIN) {
		if (holder)
			log_err("dmlogd is already running (pid %ld, "
				"pidfile %s)", (long)holder, d->cfg.pidfile);
		else
			log_err("dmlogd is already running (pidfile %s is "
				"locked)", d->cfg.pidfile);
		return DMLOGD_EXIT_RUNNING;
	}
	if (r < 0) {
		log_err("cannot open pidfile %s: %s", d->cfg.pidfile,
			strerror(-r));
		return DMLOGD_EXIT_FAILURE;
	}
	d->pidfd = r;
	if ((r = pidfile_write(d->pidfd, getpid())) < 0) {
		log_err("cannot write pidfile %s: %s", d->cfg.pidfile,
			strerror(-r));
		return DMLOGD_EXIT_FAILURE;
	}
	return 0;
}

static struct lockmgr *make_lockmgr(const struct daemon_config *c)
{
	struct lockmgr *lm;
	char err[512];

	if (strcmp(c->lock_manager, "dlm"))
		return lockmgr_local_new();
	if (!(lm = lockmgr_dlm_new(err, sizeof(err))))
		log_err("lock manager dlm: %s", err);
	return lm;
}

/* The cluster protocol's announcement: reload this node's mirror from the
 * worker thread, never from the request loop (hazard 6). */
static void cluster_reload(void *ctx, const char *uuid)
{
	struct dmlogd *d = ctx;

	if (!d->kick) {
		log_warn("%s: the cluster asks for a reload of its mirror, "
			 "but the kernel transport is off (--no-kernel)",
			 uuid);
		return;
	}
	mirror_kick_reload(d->kick, uuid);
}

static void on_dlm(struct event_loop *el, int fd, void *ctx)
{
	struct dmlogd *d = ctx;

	char uuid[DM_UUID_LEN];

	(void)el;
	(void)fd;
	lockmgr_dlm_dispatch(d->lm);
	/* resync work became ready for a kernel told "no work" (7.6) */
	while (d->kick && log_server_take_kick(d->srv, uuid, sizeof(uuid)))
		mirror_kick_queue(d->kick, uuid);
}

/* lock_manager "dlm": clustered-disk logs are shared with the other
 * nodes (doc/design.md section 7); lock results arrive on one fd. */
static int start_cluster(struct dmlogd *d)
{
	int r;

	if (!lockmgr_is_dlm(d->lm))
		return 0;
	d->cluster = (struct cluster_env){ .lm = d->lm,
					   .reload = cluster_reload,
					   .ctx = d };
	log_server_set_cluster(d->srv, &d->cluster);
	if ((r = el_add_fd(d->el, lockmgr_dlm_fd(d->lm), on_dlm, d)) < 0) {
		log_err("cannot poll the lock manager: %s", strerror(-r));
		return DMLOGD_EXIT_FAILURE;
	}
	return 0;
}

static int build_server(struct dmlogd *d)
{
	struct log_server_env env;

	if (!(d->lm = make_lockmgr(&d->cfg)))
		return DMLOGD_EXIT_FAILURE;
	d->opener.node_dir = DMLOGD_NODE_DIR;
	env = (struct log_server_env){ .open_store = store_open,
				       .ctx = &d->opener, .lm = d->lm,
				       .log_dev_taken = logdev_taken };
	if (!d->opt->no_kernel && !(d->kick = mirror_kick_start()))
		return DMLOGD_EXIT_FAILURE;
	if (!(d->srv = log_server_new(&env)) ||
	    !(d->rq = requests_new(d->srv, d->kick)) || !(d->el = el_new())) {
		log_err("cannot start: out of memory");
		return DMLOGD_EXIT_FAILURE;
	}
	return start_cluster(d);
}

/* dmlogctl's JSON control socket (control.h). */
static int open_control(struct dmlogd *d)
{
	d->ctl_env = (struct control_env){
		.srv = d->srv, .stats = requests_stats(d->rq), .kick = d->kick,
		.lock_manager = d->cfg.lock_manager };
	if (control_open(d->el, d->cfg.control_socket, &d->ctl_env,
			 &d->ctl) < 0)
		return DMLOGD_EXIT_FAILURE;
	return 0;
}

static int open_transports(struct dmlogd *d)
{
	if (!d->opt->no_kernel &&
	    transport_connector_open(d->el, requests_frame, d->rq,
				     &d->kernel) < 0)
		return DMLOGD_EXIT_FAILURE;
	if (sockdir_ensure(d->cfg.socket) < 0 ||
	    transport_unix_open(d->el, d->cfg.socket, requests_frame, d->rq,
				&d->local) < 0)
		return DMLOGD_EXIT_FAILURE;
	if (d->opt->no_kernel)
		log_notice("kernel transport disabled (--no-kernel)");
	return open_control(d);
}

static void teardown(struct dmlogd *d)
{
	transport_close(d->kernel);
	transport_close(d->local);
	control_close(d->ctl);
	mirror_kick_stop(d->kick);
	requests_free(d->rq);
	/* cluster logs close their lockspaces: the kernel orphans their
	 * persistent locks, as after a crash */
	log_server_free(d->srv);
	if (d->lm && lockmgr_is_dlm(d->lm) && d->el)
		el_del_fd(d->el, lockmgr_dlm_fd(d->lm));
	if (d->lm)
		d->lm->ops->destroy(d->lm);
	el_free(d->el);
	pidfile_remove(d->cfg.pidfile, d->pidfd);
}

static int go_background(struct dmlogd *d)
{
	int fd = daemonize_begin(), r;

	if (fd < 0) {
		log_err("cannot fork: %s", strerror(-fd));
		return -DMLOGD_EXIT_FAILURE;
	}
	/* From here on we are the child: the pidfile lock is shared with
	 * the parent, which exits only once we report ready. */
	if ((r = pidfile_write(d->pidfd, getpid())) < 0) {
		log_err("cannot write pidfile %s: %s", d->cfg.pidfile,
			strerror(-r));
		close(fd);
		return -DMLOGD_EXIT_FAILURE;
	}
	return fd;
}

static int start(struct dmlogd *d)
{
	int r, ready = -1;

	if ((r = load_config(d)) || (r = take_pidfile(d)))
		return r;
	if (!d->opt->foreground && (ready = go_background(d)) < 0)
		return -ready;
	if ((r = build_server(d)) || (r = open_transports(d)) ||
	    dmlogd_signals_init(d) < 0)
		return r ? r : DMLOGD_EXIT_FAILURE;
	if (ready >= 0) {
		logsink_use_syslog(dmlogd_log_level(d));
		if ((r = daemonize_ready(ready)) < 0)
			log_warn("detaching from the terminal: %s",
				 strerror(-r));
	}
	log_notice("dmlogd %s started (pid %ld, lock manager %s)",
		   DMLOGD_VERSION, (long)getpid(), d->lm->ops->name);
	return 0;
}

int dmlogd_run(const struct dmlogd_options *opt)
{
	struct dmlogd d = { .opt = opt, .pidfd = -1 };
	int r;

	signal(SIGPIPE, SIG_IGN);
	logsink_use_stderr(opt->debug ? LOG_DEBUG : LOG_NOTICE);
	r = start(&d);
	if (r == 0) {
		if ((r = el_run(d.el)) < 0) {
			log_err("event loop failed: %s", strerror(-r));
			r = DMLOGD_EXIT_FAILURE;
		} else {
			r = d.exit_code;
		}
		log_notice("dmlogd exiting (status %d)", r);
	}
	teardown(&d);
	return r;
}
