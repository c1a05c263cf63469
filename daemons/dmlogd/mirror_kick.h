/* Suspend and resume (or reload) a mirror device, by the uuid of its userspace log,
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
/* Queue a real reload of that mirror: load the same table, suspend,
 * resume (a new mirror instance: the kernel's region hash, NOSYNC
 * entries included, is dropped). A reload already queued for the log is
 * not repeated. Retries while the device is not found (a mirror being
 * created asks its log first). */
void mirror_kick_reload(struct mirror_kick *mk, const char *uuid);
/* Reloads done and given up so far. */
void mirror_kick_counts(struct mirror_kick *mk, unsigned long *reloads,
			unsigned long *failures);
/* Finish queued work and stop the worker. */
void mirror_kick_stop(struct mirror_kick *mk);

#endif
