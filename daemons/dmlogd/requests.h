/* Request glue between the transports and the dispatcher: decode a frame,
 * answer it through log_server, send the reply back to its sender. */
#ifndef DMLOGD_REQUESTS_H
#define DMLOGD_REQUESTS_H

#include <stddef.h>

#include "transport.h"

struct log_server;
struct mirror_kick;
struct requests;

/* kick may be NULL (no kernel: nothing to suspend/resume). */
struct requests *requests_new(struct log_server *srv,
			      struct mirror_kick *kick);
void requests_free(struct requests *rq);
/* Per-log request statistics (req_stats.h), for the control socket. */
struct req_stats *requests_stats(struct requests *rq);

/* A transport_frame_fn; ctx is the struct requests. Never fails: bad
 * frames are answered with an error or dropped, and logged (rate
 * limited). */
void requests_frame(void *ctx, struct transport *t,
		    const struct transport_peer *from, const void *frame,
		    size_t len);

#endif
