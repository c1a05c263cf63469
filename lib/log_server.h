/* The request dispatcher: every decoded kernel request goes through here.
 *
 * Keeps the set of live log instances, keyed by (uuid, luid) — a table
 * reload briefly has two instances of one uuid — handles CTR and DTR, and
 * hands every other request to its log. Pure: opening a log's store is a
 * seam the daemon provides. */
#ifndef DMLOG_LOG_SERVER_H
#define DMLOG_LOG_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ulog_codec.h"

struct cluster_env;
struct ctr_params;
struct dmlog_log;
struct lockmgr;
struct log_store;

struct log_server_env {
	/* Create the store for a disk log (CTR). 0 or -errno + message. */
	int (*open_store)(void *ctx, const struct ctr_params *p,
			  const char *uuid, struct lockmgr *lm,
			  struct log_store **out, char *err, size_t errlen);
	void *ctx;
	struct lockmgr *lm;
	/* Whether a live table uses the log device with another log: a
	 * reload to the kernel's own disk log resumes the new table before
	 * the old one's DTR, and writing the kernel format then would land
	 * under a live kernel log (its newer marks overwritten). NULL: no
	 * such table is ever assumed. */
	bool (*log_dev_taken)(void *ctx, const struct ctr_params *p);
};

struct log_server;

struct log_server *log_server_new(const struct log_server_env *env);
/* Share disk logs with other nodes (cluster_log.h); env must outlive the
 * server. Without this call (or with NULL) every log is single-node. */
void log_server_set_cluster(struct log_server *srv,
			    const struct cluster_env *env);
/* Destroys every log (no handoff: the daemon is going away uncleanly). */
void log_server_free(struct log_server *srv);

/* Handle one well-formed request. Writes the reply payload to out
 * (out_cap bytes) and its length to *out_len; returns 0 or -errno for the
 * reply's error field. The payload goes back even with an error: the
 * -ESRCH answer for an unknown log carries one (see log_server.c). */
int log_server_handle(struct log_server *srv, const struct ulog_msg *m,
		      void *out, size_t out_cap, size_t *out_len);

size_t log_server_count(const struct log_server *srv);
/* Logs in creation order; NULL past the end. */
struct dmlog_log *log_server_at(const struct log_server *srv, size_t i);
/* Live logs that have been resumed and not suspended. */
size_t log_server_active(const struct log_server *srv);

/* A log re-created after a daemon restart came back with regions out of
 * sync: its mirror device must be suspended and resumed (outside the
 * request loop) so the kernel asks for resync work again. Copies the uuid
 * of one such log and returns 1 (once per resume), or returns 0. */
int log_server_take_kick(struct log_server *srv, char *uuid, size_t len);

#endif
