/* Signal policy (see daemon.h):
 *   SIGTERM, SIGINT  stop, unless mirrors still use a log: then refuse,
 *                    and a second one within 10 s forces the exit
 *   SIGHUP           re-read the log level from the config file
 *   SIGUSR1          one line per log to the log */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "dmlog_log.h"
#include "event_loop.h"
#include "cluster_log.h"
#include "lockmgr_dlm.h"
#include "log_engine.h"
#include "mirror_kick.h"
#include "log_server.h"
#include "logsink.h"

#define FORCE_WINDOW_MS 10000

/* "SIGTERM" */
static const char *sig_name(int signo)
{
	static char buf[16];
	const char *abbrev = sigabbrev_np(signo);

	snprintf(buf, sizeof(buf), "SIG%s", abbrev ? abbrev : "?");
	return buf;
}

static bool is_live(const struct dmlog_log *log)
{
	return log->state == LOG_RUNNING || log->state == LOG_PRESUSPENDED;
}

static void list_live(const struct dmlogd *d)
{
	const struct dmlog_log *log;
	size_t i;

	for (i = 0; (log = log_server_at(d->srv, i)); i++)
		if (is_live(log))
			log_warn("live log %s (luid 0x%" PRIx64 ")", log->uuid,
				 log->luid);
}

static void on_stop(struct event_loop *el, int signo, void *ctx)
{
	struct dmlogd *d = ctx;
	size_t live = log_server_active(d->srv);
	uint64_t now = el_now_ms();

	if (live == 0) {
		log_notice("%s: no live logs, stopping", sig_name(signo));
		d->exit_code = DMLOGD_EXIT_OK;
		el_stop(el);
		return;
	}
	if (d->term_refused_ms && now - d->term_refused_ms <= FORCE_WINDOW_MS) {
		log_warn("%s again within %d s: stopping anyway, abandoning "
			 "%zu live log(s); the kernel re-creates them in a "
			 "restarted dmlogd", sig_name(signo),
			 FORCE_WINDOW_MS / 1000, live);
		d->exit_code = DMLOGD_EXIT_OK;
		el_stop(el);
		return;
	}
	d->term_refused_ms = now;
	log_warn("%s: refusing to stop, %zu log(s) live; suspend or remove "
		 "the mirrors first, or send the signal again within %d s to "
		 "force the exit", sig_name(signo), live,
		 FORCE_WINDOW_MS / 1000);
	list_live(d);
}

static void warn_restart_needed(const struct daemon_config *old,
				const struct daemon_config *neu)
{
	if (strcmp(old->socket, neu->socket))
		log_warn("reload: socket change takes effect at restart");
	if (strcmp(old->control_socket, neu->control_socket))
		log_warn("reload: control_socket change takes effect at "
			 "restart");
	if (strcmp(old->pidfile, neu->pidfile))
		log_warn("reload: pidfile change takes effect at restart");
	if (strcmp(old->lock_manager, neu->lock_manager))
		log_warn("reload: lock_manager change takes effect at "
			 "restart");
}

static void on_reload(struct event_loop *el, int signo, void *ctx)
{
	struct dmlogd *d = ctx;
	struct daemon_config c;
	char err[512];

	(void)el;
	(void)signo;
	daemon_config_defaults(&c);
	if (daemon_config_load(&c, d->opt->config, d->opt->config_given, err,
			       sizeof(err)) < 0) {
		log_err("reload failed, keeping the current settings: %s",
			err);
		return;
	}
	/* Command-line settings keep winning over the file. */
	if (d->opt->socket)
		memcpy(c.socket, d->cfg.socket, sizeof(c.socket));
	if (d->opt->control_socket)
		memcpy(c.control_socket, d->cfg.control_socket,
		       sizeof(c.control_socket));
	if (d->opt->pidfile)
		memcpy(c.pidfile, d->cfg.pidfile, sizeof(c.pidfile));
	warn_restart_needed(&d->cfg, &c);
	d->cfg.log_level = c.log_level;
	logsink_set_level(dmlogd_log_level(d));
	log_notice("reloaded %s: log level %s%s", d->opt->config,
		   daemon_config_level_name(c.log_level),
		   d->opt->debug ? " (debug kept: -d)" : "");
}

static const char *state_name(enum log_state s)
{
	switch (s) {
	case LOG_CONSTRUCTED: return "constructed";
	case LOG_RUNNING: return "running";
	case LOG_PRESUSPENDED: return "presuspended";
	case LOG_SUSPENDED: return "suspended";
	}
	return "unknown";
}

static void on_dump(struct event_loop *el, int signo, void *ctx)
{
	struct dmlogd *d = ctx;
	const struct dmlog_log *log;
	char info[128];
	size_t i;

	(void)el;
	(void)signo;
	log_notice("%zu log(s), %zu live", log_server_count(d->srv),
		   log_server_active(d->srv));
	for (i = 0; (log = log_server_at(d->srv, i)); i++) {
		if (log_status_info(log, info, sizeof(info)) < 0)
			strcpy(info, "?");
		log_notice("log %s luid 0x%" PRIx64 ": %s, %s, in sync %" PRIu64
			   "/%" PRIu64 ", status \"%s\"", log->uuid, log->luid,
			   log->params.type_name, state_name(log->state),
			   log_sync_count(log), log_region_count(log), info);
		if (log->cl) {
			char line[512];

			cluster_describe(log->cl, line, sizeof(line));
			log_notice("log %s luid 0x%" PRIx64 ": cluster %s",
				   log->uuid, log->luid, line);
		}
	}
	if (lockmgr_is_dlm(d->lm)) {
		char line[512];
		unsigned long rl = 0, rf = 0;

		lockmgr_dlm_describe(d->lm, line, sizeof(line));
		if (d->kick)
			mirror_kick_counts(d->kick, &rl, &rf);
		log_notice("%s; mirror reloads %lu (failed %lu)", line, rl, rf);
	}
}

int dmlogd_signals_init(struct dmlogd *d)
{
	int r;

	if ((r = el_add_signal(d->el, SIGTERM, on_stop, d)) < 0 ||
	    (r = el_add_signal(d->el, SIGINT, on_stop, d)) < 0 ||
	    (r = el_add_signal(d->el, SIGHUP, on_reload, d)) < 0 ||
	    (r = el_add_signal(d->el, SIGUSR1, on_dump, d)) < 0) {
		log_err("cannot set up signal handling: %s", strerror(-r));
		return r;
	}
	return 0;
}
