/* Request dispatch over the set of live logs. See log_server.h.
 *
 * Restart safety hinges on one reply: a request for a log this daemon does
 * not know gets -ESRCH. The kernel treats that as "log server gone": it
 * re-sends CTR (the saved string, NUL-terminated, with no reply buffer)
 * and RESUME, then retries the request. So a restarted dmlogd rebuilds
 * every log it serves from the device, with no I/O error in the mirror. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "cluster_log.h"
#include "ctr_parse.h"
#include "dmlog_log.h"
#include "lockmgr.h"
#include "log_engine.h"
#include "log_server.h"
#include "log_store.h"

struct log_server {
	struct log_server_env env;
	const struct cluster_env *cluster;	/* NULL: single node */
	struct dmlog_log **logs;
	size_t nr_logs, cap;
};

struct log_server *log_server_new(const struct log_server_env *env)
{
	struct log_server *srv = calloc(1, sizeof(*srv));

	if (srv)
		srv->env = *env;
	return srv;
}

void log_server_set_cluster(struct log_server *srv,
			    const struct cluster_env *env)
{
	srv->cluster = env;
}

void log_server_free(struct log_server *srv)
{
	if (!srv)
		return;
	for (size_t i = 0; i < srv->nr_logs; i++)
		log_destroy(srv->logs[i], false);
	free(srv->logs);
	free(srv);
}

size_t log_server_count(const struct log_server *srv)
{
	return srv->nr_logs;
}

struct dmlog_log *log_server_at(const struct log_server *srv, size_t i)
{
	return i < srv->nr_logs ? srv->logs[i] : NULL;
}

static bool is_active(const struct dmlog_log *log)
{
	return log->state == LOG_RUNNING || log->state == LOG_PRESUSPENDED;
}

size_t log_server_active(const struct log_server *srv)
{
	size_t n = 0;

	for (size_t i = 0; i < srv->nr_logs; i++)
		n += is_active(srv->logs[i]);
	return n;
}

static ssize_t find_log(const struct log_server *srv, const char *uuid,
			uint64_t luid)
{
	for (size_t i = 0; i < srv->nr_logs; i++)
		if (srv->logs[i]->luid == luid &&
		    !strcmp(srv->logs[i]->uuid, uuid))
			return (ssize_t)i;
	return -1;
}

static int add_log(struct log_server *srv, struct dmlog_log *log)
{
	if (srv->nr_logs == srv->cap) {
		size_t cap = srv->cap ? srv->cap * 2 : 8;
		struct dmlog_log **n = realloc(srv->logs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		srv->logs = n;
		srv->cap = cap;
	}
	srv->logs[srv->nr_logs++] = log;
	return 0;
}

static void remove_at(struct log_server *srv, size_t i)
{
	memmove(&srv->logs[i], &srv->logs[i + 1],
		(srv->nr_logs - i - 1) * sizeof(srv->logs[0]));
	srv->nr_logs--;
}

/* CTR reply: the log device for the kernel to hold open, except on the
 * kernel's re-CTR after a daemon restart, which has no reply buffer (and
 * is the only CTR whose string ends in a NUL). */
static int ctr_reply(const struct dmlog_log *log, bool recreate, void *out,
		     size_t cap, size_t *len)
{
	size_t n;

	if (recreate || !log->store)
		return 0;
	n = strlen(log->store->dev_name) + 1;
	if (n > cap)
		return -ENOSPC;
	memcpy(out, log->store->dev_name, n);
	*len = n;
	return 0;
}

static int same_ctr(const struct dmlog_log *log, const struct ctr_params *p)
{
	return log->params.target_sectors == p->target_sectors &&
	       log->params.kind == p->kind &&
	       log->params.region_size == p->region_size &&
	       log->params.sync == p->sync &&
	       !strcmp(log->params.log_dev, p->log_dev);
}

/* A live cluster instance of uuid: a table reload's new instance shares
 * its cluster state, locks and store (doc/design.md 7.7). */
static struct dmlog_log *cluster_peer(const struct log_server *srv,
				      const char *uuid)
{
	for (size_t i = 0; i < srv->nr_logs; i++)
		if (srv->logs[i]->cl && !strcmp(srv->logs[i]->uuid, uuid))
			return srv->logs[i];
	return NULL;
}

static int handle_ctr(struct log_server *srv, const struct ulog_msg *m,
		      void *out, size_t cap, size_t *len)
{
	const char *uuid = m->req.uuid;
	bool recreate = m->payload_len && !m->payload[m->payload_len - 1];
	struct log_store *store = NULL;
	struct dmlog_log *log, *peer = NULL;
	struct ctr_params p;
	char err[256];
	ssize_t i;
	int r;

	r = ctr_parse((const char *)m->payload, m->payload_len, &p, err,
		      sizeof(err));
	if (r) {
		log_err("%s: bad constructor: %s", uuid, err);
		return r;
	}
	i = find_log(srv, uuid, m->req.luid);
	if (i >= 0) {
		/* The kernel resent a CTR whose reply was lost. */
		if (!same_ctr(srv->logs[i], &p)) {
			log_err("%s: CTR for an existing instance with "
				"different arguments", uuid);
			return -EEXIST;
		}
		return ctr_reply(srv->logs[i], recreate, out, cap, len);
	}
	if (srv->cluster && p.kind == CTR_LOG_DISK)
		peer = cluster_peer(srv, uuid);
	if (peer && (strcmp(peer->params.log_dev, p.log_dev) ||
		     peer->params.region_size != p.region_size ||
		     peer->params.region_count != p.region_count)) {
		log_err("%s: a new table of a cluster log must keep its log "
			"device and region count", uuid);
		return -EINVAL;
	}
	if (p.kind == CTR_LOG_DISK && !peer) {
		r = srv->env.open_store(srv->env.ctx, &p, uuid, srv->env.lm,
					&store, err, sizeof(err));
		if (r) {
			log_err("%s: cannot use log device %s: %s", uuid,
				p.log_dev, err);
			return r;
		}
	}
	r = log_create(&p, uuid, m->req.luid, store, srv->env.lm, &log);
	if (r)
		return r;
	log->recreated = recreate;
	if (peer)
		r = cluster_log_attach(peer->cl, log);
	else if (srv->cluster && store)
		r = cluster_log_new(srv->cluster, log, &log->cl);
	if (!r)
		r = add_log(srv, log);
	if (r) {
		log_destroy(log, false);
		return r;
	}
	log_notice("%s: %s log constructed (%llu regions of %u sectors%s%s)",
		   uuid, p.type_name, (unsigned long long)p.region_count,
		   p.region_size, recreate ? ", re-created after restart" : "",
		   peer ? ", sharing the cluster state of the live instance" :
		   "");
	return ctr_reply(log, recreate, out, cap, len);
}

/* Hand the device back in the kernel's format only when this instance was
 * suspended (so the mirror is quiet) and no other instance of the same log
 * is live (a reload's new table keeps using our format). */
static bool may_hand_off(const struct log_server *srv, size_t idx)
{
	const struct dmlog_log *log = srv->logs[idx];

	if (log->state != LOG_SUSPENDED)
		return false;
	for (size_t i = 0; i < srv->nr_logs; i++)
		if (i != idx && !strcmp(srv->logs[i]->uuid, log->uuid) &&
		    srv->logs[i]->state != LOG_CONSTRUCTED)
			return false;
	if (log->store && srv->env.log_dev_taken &&
	    srv->env.log_dev_taken(srv->env.ctx, &log->params)) {
		log_notice("%s: log device %s already serves another log (a "
			   "reload to the kernel's disk log?): not handed back; "
			   "the kernel's log resynchronises the mirror",
			   log->uuid, log->params.log_dev);
		return false;
	}
	return true;
}

static int handle_dtr(struct log_server *srv, const struct ulog_msg *m)
{
	ssize_t i = find_log(srv, m->req.uuid, m->req.luid);
	struct dmlog_log *log;
	bool handoff;

	if (i < 0)
		return 0;	/* nothing to destroy */
	log = srv->logs[i];
	handoff = may_hand_off(srv, (size_t)i);
	/* Cluster: leaving needs locks; the kernel resends on -EAGAIN. */
	if (log->cl && cluster_leave(log->cl, handoff) == -EAGAIN)
		return -EAGAIN;
	remove_at(srv, (size_t)i);
	/* Cluster: do_leave() hands back only when no other node is in the
	 * log, and says so in its "left the cluster log" line. */
	log_notice("%s: log destroyed%s", m->req.uuid,
		   handoff && log->store && !log->cl ? ", device handed back "
		   "in kernel disk log format" : "");
	log_destroy(log, handoff);
	return 0;
}

/* The kernel keeps the size of the reply it got as the capacity of its
 * retry: an error reply with no data would leave the retried request
 * (after the re-CTR and RESUME for -ESRCH, or at once for -EAGAIN) no
 * room for its answer (-ENOSPC, "Insufficient space to receive
 * package", seen on the real cluster with -EAGAIN). So every error reply
 * carries zeros of the size that request normally returns; the kernel
 * ignores them. Status strings get room for any of ours. */
static size_t normal_reply_size(uint32_t type)
{
	switch (type) {
	case DM_ULOG_GET_REGION_SIZE:
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
	case DM_ULOG_GET_SYNC_COUNT:
		return sizeof(uint64_t);
	case DM_ULOG_GET_RESYNC_WORK:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return 2 * sizeof(uint64_t);
	case DM_ULOG_STATUS_INFO:
	case DM_ULOG_STATUS_TABLE:
		return 128;
	default:
		return 0;
	}
}

static int error_reply(int err, uint32_t type, void *out, size_t cap,
		       size_t *len)
{
	size_t n = normal_reply_size(type);

	if (n > cap)
		n = cap;
	memset(out, 0, n);
	*len = n;
	return err;
}

int log_server_handle(struct log_server *srv, const struct ulog_msg *m,
		      void *out, size_t out_cap, size_t *out_len)
{
	ssize_t i;
	int r;

	*out_len = 0;
	switch (m->type) {
	case DM_ULOG_CTR:
		return handle_ctr(srv, m, out, out_cap, out_len);
	case DM_ULOG_DTR:
		return handle_dtr(srv, m);
	default:
		break;
	}
	i = find_log(srv, m->req.uuid, m->req.luid);
	if (i < 0) {
		log_info("%s: %s for an unknown log instance: asking the "
			 "kernel to re-create it", m->req.uuid,
			 ulog_type_name(m->type));
		return error_reply(-ESRCH, m->type, out, out_cap, out_len);
	}
	r = log_request(srv->logs[i], m->type, m->payload, m->payload_len,
			out, out_cap, out_len);
	if (r < 0)
		return error_reply(r, m->type, out, out_cap, out_len);
	return r;
}

int log_server_take_kick(struct log_server *srv, char *uuid, size_t len)
{
	for (size_t i = 0; i < srv->nr_logs; i++) {
		struct dmlog_log *log = srv->logs[i];

		if (!log->needs_kick)
			continue;
		log->needs_kick = false;
		snprintf(uuid, len, "%s", log->uuid);
		return 1;
	}
	return 0;
}
