/* Shared transport code (see transport.h). */
#include <stdint.h>

#include "event_loop.h"
#include "transport.h"

void transport_readable(struct event_loop *el, int fd, void *ctx)
{
	/* uint64_t keeps the buffer aligned for the frame headers. */
	uint64_t buf[TRANSPORT_RECV_MAX / sizeof(uint64_t)];
	struct transport *t = ctx;
	struct transport_peer from = { .fd = fd };
	ssize_t n;

	(void)el;
	n = t->ops->recv(t, fd, buf, sizeof(buf), &from);
	if (n > 0)
		t->on_frame(t->ctx, t, &from, buf, (size_t)n);
}
