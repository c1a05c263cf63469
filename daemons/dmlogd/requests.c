/* Decode, dispatch, reply (see requests.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dm-ioctl.h>

#include "dmlog_log.h"
#include "event_loop.h"
#include "log_server.h"
#include "mirror_kick.h"
#include "ratelimit.h"
#include "req_stats.h"
#include "requests.h"
#include "ulog_codec.h"

struct requests {
	struct log_server *srv;
	struct mirror_kick *kick;	/* NULL: nobody to suspend/resume */
	struct ratelimit bad_rl;	/* dropped / rejected frames */
	struct ratelimit send_rl;	/* replies that could not be built */
	struct req_stats *stats;	/* latency, flush sizes (dmlogctl) */
};

struct requests *requests_new(struct log_server *srv,
			      struct mirror_kick *kick)
{
	struct requests *rq = calloc(1, sizeof(*rq));

	if (!rq)
		return NULL;
	if (!(rq->stats = req_stats_new())) {
		free(rq);
		return NULL;
	}
	rq->srv = srv;
	rq->kick = kick;
	rq->bad_rl = (struct ratelimit)RATELIMIT_INIT(60000, 10);
	rq->send_rl = (struct ratelimit)RATELIMIT_INIT(60000, 10);
	return rq;
}

void requests_free(struct requests *rq)
{
	if (rq)
		req_stats_free(rq->stats);
	free(rq);
}

struct req_stats *requests_stats(struct requests *rq)
{
	return rq->stats;
}

static void describe_peer(const struct transport *t,
			  const struct transport_peer *p, char *buf,
			  size_t len)
{
	if (!strcmp(t->ops->name, "kernel"))
		snprintf(buf, len, "the kernel");
	else
		snprintf(buf, len, "%s client pid %d", t->ops->name,
			 (int)p->pid);
}

static bool bad_log_ok(struct ratelimit *rl)
{
	unsigned missed;
	bool ok = ratelimit_allow(rl, el_now_ms(), &missed);

	if (missed)
		log_warn("%u more malformed requests not logged", missed);
	return ok;
}

static void reply(struct requests *rq, struct transport *t,
		  const struct transport_peer *from, const struct ulog_msg *m,
		  int error, const void *data, size_t data_len)
{
	uint64_t buf[(ULOG_MAX_FRAME + 7) / 8];
	size_t n;

	n = ulog_encode_reply(buf, sizeof(buf), m, error, data, data_len);
	if (n == 0) {
		/* Too big for the kernel's buffer: say so instead. */
		if (bad_log_ok(&rq->send_rl))
			log_err("%s reply for %s is too large (%zu bytes); "
				"answering -ENOSPC", ulog_type_name(m->type),
				m->req.uuid, data_len);
		n = ulog_encode_reply(buf, sizeof(buf), m, -ENOSPC, NULL, 0);
		if (n == 0)
			return;
	}
	t->ops->send(t, from, buf, n);
}

static void log_bad(struct requests *rq, const struct transport *t,
		    const struct transport_peer *from, const char *what,
		    const char *why)
{
	char peer[64];

	if (!bad_log_ok(&rq->bad_rl))
		return;
	describe_peer(t, from, peer, sizeof(peer));
	log_warn("%s a request from %s: %s", what, peer, why);
}

/* After the reply: a re-created log that needs its mirror resumed. */
static void queue_kicks(struct requests *rq)
{
	char uuid[DM_UUID_LEN];

	while (log_server_take_kick(rq->srv, uuid, sizeof(uuid)))
		if (rq->kick)
			mirror_kick_queue(rq->kick, uuid);
}

/* Resync progress at info level, one line per region: which regions this
 * node's kernel was handed to copy and which it reported copied (the
 * cluster tests count them to show that only a lost node's regions are
 * resynced). Payloads as in dm-log-userspace: GET_RESYNC_WORK answers
 * {int64 i; uint64 r}, SET_REGION_SYNC sends {uint64 r; int64 in_sync}. */
static void log_resync(const struct ulog_msg *m, int err, const void *out,
		       size_t out_len)
{
	int64_t i;
	uint64_t r;

	if (err)
		return;
	if (m->type == DM_ULOG_GET_RESYNC_WORK && out_len >= 16) {
		memcpy(&i, out, 8);
		memcpy(&r, (const char *)out + 8, 8);
		if (i)
			log_info("%.*s: resync work: region %" PRIu64,
				 (int)sizeof(m->req.uuid), m->req.uuid, r);
	} else if (m->type == DM_ULOG_SET_REGION_SYNC &&
		   m->payload_len >= 16) {
		memcpy(&r, m->payload, 8);
		memcpy(&i, m->payload + 8, 8);
		log_info("%.*s: region %" PRIu64 " set %s",
			 (int)sizeof(m->req.uuid), m->req.uuid, r,
			 i ? "in sync" : "out of sync");
	}
}

void requests_frame(void *ctx, struct transport *t,
		    const struct transport_peer *from, const void *frame,
		    size_t len)
{
	struct requests *rq = ctx;
	uint64_t out[(ULOG_MAX_PAYLOAD + 7) / 8];
	struct req_timing timing;
	struct ulog_msg m;
	size_t out_len = 0;
	char why[160] = "";
	int err;

	switch (ulog_decode(frame, len, &m, why, sizeof(why))) {
	case ULOG_DROP:
		log_bad(rq, t, from, "dropped", why);
		return;
	case ULOG_REJECT:
		log_bad(rq, t, from, "rejected", why);
		reply(rq, t, from, &m, m.req.error, NULL, 0);
		return;
	case ULOG_OK:
		break;
	}
	req_stats_begin(rq->stats, rq->srv, &m, &timing);
	err = log_server_handle(rq->srv, &m, out, sizeof(out), &out_len);
	req_stats_end(rq->stats, rq->srv, &m, &timing, err);
	if (out_len > sizeof(out))
		out_len = 0;	/* cannot happen; never send past out */
	log_debug("%s %.*s luid %" PRIu64 " seq %u: %d, %zu bytes",
		  ulog_type_name(m.type), (int)sizeof(m.req.uuid), m.req.uuid,
		  (uint64_t)m.req.luid, m.req.seq, err, out_len);
	log_resync(&m, err, out, out_len);
	reply(rq, t, from, &m, err, out, out_len);
	queue_kicks(rq);
}
