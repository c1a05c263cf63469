/* Suspend and resume a mirror device, by the uuid of its userspace log,
 * from a worker thread.
 *
 * The kernel sends log requests to dmlogd while it suspends or resumes a
 * mirror and waits for the answers, so these ioctls must never run in the
 * request loop (cluster-hazards.md #6): the loop queues a uuid here and
 * keeps serving. */
#ifndef DMLOGD_MIRROR_KICK_H
#define DMLOGD_MIRROR_KICK_H

struct mirror_kick;

/* Starts the worker. NULL (logged) on failure. */
struct mirror_kick *mirror_kick_start(void);
/* Queue a suspend+resume of the mirror whose log has this uuid. */
void mirror_kick_queue(struct mirror_kick *mk, const char *uuid);
/* Finish queued work and stop the worker. */
void mirror_kick_stop(struct mirror_kick *mk);

#endif
